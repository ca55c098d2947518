"""Atomic file writes: a file appears whole under its name, or not at all.

Every writer goes through `atomic_path`: it writes a temporary file in the target's folder (same
file system, so the rename is atomic), which is flushed to disk and renamed onto the target when
the writer succeeds, and removed when it fails, so a full disk or an interruption leaves neither
half a file nor a temporary one behind.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PART = ".part"  # marks the temporary files of writes under way


def temporary_name(target: Path) -> Path:
    """A fresh hidden name beside `target` that keeps its suffix (writers that infer the format
    from the suffix, such as matplotlib's, still see it)."""
    return target.with_name(f".{target.stem}.{secrets.token_hex(4)}{PART}{target.suffix}")


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty temporary file beside `target` to write; on success it replaces `target`.

    The temporary file is created with the permissions of a new file (the umask applies) and is
    removed if the block raises, whatever the exception.
    """
    target = Path(target)
    tmp = temporary_name(target)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def write_bytes_atomic(target: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `target` atomically (see `atomic_path`)."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write `text` to `target` atomically (see `atomic_path`)."""
    write_bytes_atomic(target, text.encode(encoding))


def describe_os_error(err: BaseException) -> str:
    """The cause of a failed write in a few words ("no space left on device"), also when a
    library wrapped the OSError in its own exception."""
    seen: set[int] = set()
    cause: BaseException | None = err
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, OSError) and cause.errno is not None:
            return os.strerror(cause.errno).lower()
        cause = cause.__cause__ or cause.__context__
    text = str(err)
    for code in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EFBIG):
        if os.strerror(code).lower() in text.lower():
            return os.strerror(code).lower()
    first = text.splitlines()[0] if text else type(err).__name__
    return first[:200]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable; some file systems cannot sync a folder, which is harmless."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

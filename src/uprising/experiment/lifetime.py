"""Worker processes live no longer than the process that started them, and SIGTERM stops cleanly.

Local workers are forked by multiprocessing's forkserver, so their parent is the forkserver, not
the experiment's process; and the forkserver waits for its workers, which wait for tasks that
never come. So when the experiment's process is killed (SIGKILL, the OOM killer), nothing of the
pool would ever exit. Each worker therefore watches the experiment's process from a thread and
kills itself within `WATCH_EVERY` seconds of its death (and asks Linux to kill it if the
forkserver dies); once the workers are gone the forkserver and the resource tracker, which exit
when their last client does, follow.

SIGTERM to the experiment's process raises `Terminated` (a SystemExit with status 143) in its
main thread while it waits for runs, so the runs already finished are written before it exits.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

WATCH_EVERY = 0.5  # seconds between two looks at the experiment's process
_PR_SET_PDEATHSIG = 1  # prctl option: the signal sent when the parent process dies (Linux)


class Terminated(SystemExit):
    """SIGTERM arrived during an experiment; the process exits with status 143 (128 + 15)."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


def _start_time(pid: int) -> str | None:
    """The start time of process `pid` (Linux: field 22 of /proc/<pid>/stat), or None when it
    is gone or a zombie; it tells a live process from a later one that reused the pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    if fields[0] in ("Z", "X"):
        return None
    return fields[19]


def _alive(pid: int, started: str | None) -> bool:
    if started is None:  # no /proc: the pid exists (it may be a zombie or reused)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return _start_time(pid) == started


def _die_with_forkserver() -> None:
    """Linux: SIGKILL this process when its parent dies (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def watch_parent(parent_pid: int, every: float = WATCH_EVERY) -> threading.Thread:
    """In a worker: exit at once (SIGKILL to itself) once `parent_pid` is gone."""
    _die_with_forkserver()
    started = _start_time(parent_pid) if Path("/proc").is_dir() else None
    if Path("/proc").is_dir() and started is None:  # already gone
        os.kill(os.getpid(), signal.SIGKILL)

    def watch() -> None:
        while _alive(parent_pid, started):
            time.sleep(every)
        os.kill(os.getpid(), signal.SIGKILL)

    thread = threading.Thread(target=watch, name="uprising-parent-watch", daemon=True)
    thread.start()
    return thread


class SigtermGuard:
    """Where SIGTERM may interrupt: only while waiting for runs (`waiting()`), so that no write
    to the store is cut in half; a SIGTERM at another moment takes effect at the next wait."""

    def __init__(self) -> None:
        self.pending = False
        self._waiting = False

    def handle(self, signum: int, frame: object) -> None:
        self.pending = True
        if self._waiting:
            raise Terminated()

    @contextmanager
    def waiting(self) -> Iterator[None]:
        if self.pending:
            raise Terminated()
        self._waiting = True
        try:
            yield
        finally:
            self._waiting = False


@contextmanager
def sigterm_stops() -> Iterator[SigtermGuard]:
    """Within the block, SIGTERM raises `Terminated` at the block's waits (see SigtermGuard);
    one that arrived after the last wait is raised when the block ends.

    Only in the main thread and where SIGTERM has its default action (a server that handles
    SIGTERM itself keeps its own handler); elsewhere the guard does nothing.
    """
    guard = SigtermGuard()
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield guard
        return
    previous = signal.signal(signal.SIGTERM, guard.handle)
    try:
        yield guard
    finally:
        signal.signal(signal.SIGTERM, previous)
    if guard.pending:
        raise Terminated()

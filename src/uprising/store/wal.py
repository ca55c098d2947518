"""The check of a write-ahead log left beside a store, before DuckDB replays it.

The store folds its log into the database file after every commit, so a log found at open is
left by a process stopped between a commit and its checkpoint, and holds whole commits. DuckDB
replays a log that ends in an incomplete entry up to its last whole commit without a word, and
ignores a log whose header does not match the database; either way it then deletes the log on
its next checkpoint. So a log is read here first (DuckDB 2.0.1's layout: a header of serialized
fields, then entries of [size: u64][checksum: u64][payload], each commit ending in a flush
entry) and is refused unless it ends with a whole commit of this database; DuckDB checks the
entries' checksums as it replays them.
"""

from __future__ import annotations

import struct
from pathlib import Path

from uprising.errors import DataError

FLUSH = b"\x64\x00\x64\xff\xff"  # the entry that ends a commit: field 100 (type) = 100 (flush)
WAL_VERSION_TYPE = 98  # the type of the header entry
HEADER_END = 0xFFFF
IDENTIFIER_AT = slice(124, 140)  # the database identifier in the file's main header


def wal_path(db: Path) -> Path:
    """Where DuckDB keeps the write-ahead log of the database file `db`."""
    return db.with_name(db.name + ".wal")


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("cut short")
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if byte < 0x80:
            return value, pos


def _identifier(data: bytes, pos: int) -> tuple[bytes, int]:
    """The 16-byte database identifier serialized at `pos`, as a count and one varint a byte."""
    count, pos = _varint(data, pos)
    if count != 16:
        raise ValueError("database identifier of the wrong length")
    items = []
    for _ in range(count):
        item, pos = _varint(data, pos)
        items.append(item)
    if max(items) > 255:
        raise ValueError("database identifier out of range")
    return bytes(items), pos


def _header(data: bytes) -> tuple[bytes, int]:
    """The database identifier a log belongs to, and where its first entry starts."""
    pos, fields, identifier = 0, {}, b""
    while True:
        if pos + 2 > len(data):
            raise ValueError("header cut short")
        (field,) = struct.unpack_from("<H", data, pos)
        pos += 2
        if field == HEADER_END:
            break
        if field in fields or field not in (100, 101, 102, 103):
            raise ValueError(f"unknown header field {field}")
        if field == 102:
            identifier, pos = _identifier(data, pos)
            fields[field] = len(identifier)
        else:
            fields[field], pos = _varint(data, pos)
    if fields.get(100) != WAL_VERSION_TYPE or not identifier:
        raise ValueError("not a write-ahead log header")
    return identifier, pos


def wal_problem(db: Path) -> str | None:
    """Why the log beside `db` cannot be replayed whole (None: no log, or a whole one)."""
    wal = wal_path(db)
    try:
        data = wal.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        return f"unreadable ({err.strerror})"
    if not data:
        return None  # an empty log holds nothing
    try:
        identifier, pos = _header(data)
    except ValueError as err:
        return f"its header is damaged ({err})"
    try:
        with db.open("rb") as f:
            main_header = f.read(IDENTIFIER_AT.stop)
    except OSError as err:
        return f"the database file is unreadable ({err.strerror})"
    if main_header[IDENTIFIER_AT] != identifier:
        return "it belongs to another database (or its header is damaged)"
    last = b""
    while pos + 16 <= len(data):
        (size,) = struct.unpack_from("<Q", data, pos)
        if pos + 16 + size > len(data):
            break
        last = data[pos + 16 : pos + 16 + size]
        pos += 16 + size
    if pos != len(data):
        return f"it ends in an incomplete entry at byte {pos} of {len(data)}"
    if last != FLUSH:
        return "it ends before the end of a commit"
    return None


def check_wal(db: Path) -> None:
    """Refuse, in one line and without changing anything, a log that cannot be replayed whole."""
    problem = wal_problem(db)
    if problem is not None:
        wal = wal_path(db)
        raise DataError(
            f"--db {db}: write-ahead log {wal} cannot be replayed whole: {problem}; nothing was"
            f" changed; keep a copy of both files, see `uprising runs verify --db {db}`, and move"
            f" {wal.name} aside to open the store as of its last checkpoint"
        )

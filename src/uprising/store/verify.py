"""`verify_store`: what `uprising runs verify` checks in a store, one finding per check.

The file and its write-ahead log, DuckDB's own block checksums (a full scan of every column of
every table), the store's format, the counts of experiments and runs, and that the rows agree:
every finished run has its daily rows, and no row belongs to a run or an experiment not there.
Nothing is written: the store is opened read-only, a log left beside it is replayed in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from uprising.errors import UprisingError
from uprising.store.schema import FORMAT, TABLE_NAMES, check_store_file
from uprising.store.store import Store, _rows, scan_tables
from uprising.store.wal import wal_path, wal_problem


@dataclass(frozen=True)
class Finding:
    """One check: its name, whether it passed, and what it found."""

    check: str
    ok: bool
    detail: str


CONSISTENCY = (
    (
        "finished runs have daily rows",
        "SELECT count(*) FROM runs r WHERE r.status = 'done'"
        " AND NOT EXISTS (SELECT 1 FROM daily d WHERE d.run_id = r.run_id)",
    ),
    (
        "no daily or event rows of unfinished runs",
        "SELECT (SELECT count(*) FROM daily WHERE run_id NOT IN"
        " (SELECT run_id FROM runs WHERE status = 'done'))"
        " + (SELECT count(*) FROM events WHERE run_id NOT IN"
        " (SELECT run_id FROM runs WHERE status = 'done'))",
    ),
    (
        "no runs of unknown experiments",
        "SELECT count(*) FROM runs WHERE experiment_id NOT IN (SELECT id FROM experiments)",
    ),
    (
        "no unknown run status",
        "SELECT count(*) FROM runs WHERE status NOT IN ('done', 'pending')",
    ),
    (
        "saved tables present",
        "SELECT count(*) FROM saved_tables WHERE table_name NOT IN (SELECT table_name FROM duckdb_tables())",
    ),
)


def verify_store(path: Path) -> list[Finding]:
    """Check the store at `path`; the findings stop at the first check that leaves nothing to read."""
    findings: list[Finding] = []
    try:
        if not check_store_file(path):
            return [Finding("file", False, "no store here (empty or missing)")]
    except UprisingError as err:
        return [Finding("file", False, str(err))]
    findings.append(Finding("file", True, f"DuckDB database, {path.stat().st_size:,} bytes"))
    wal = wal_path(path)
    problem = wal_problem(path)
    if problem is not None:
        return [*findings, Finding("write-ahead log", False, f"{wal.name}: {problem}")]
    if wal.exists() and wal.stat().st_size:
        detail = f"{wal.name} holds whole commits not yet checkpointed; the next write folds them in"
        findings.append(Finding("write-ahead log", True, detail))
    else:
        findings.append(Finding("write-ahead log", True, "none: the database file holds everything"))
    store = Store(path, lock_timeout=5)
    try:
        with store._connect(read_only=True) as con:
            findings += _check_contents(con)
    except UprisingError as err:
        findings.append(Finding("open", False, str(err)))
    except duckdb.Error as err:
        findings.append(Finding("open", False, str(err).splitlines()[0] if str(err) else type(err).__name__))
    return findings


def _check_contents(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """The checks made inside the database, once it opens."""
    try:
        tables = scan_tables(con)
    except duckdb.Error as err:
        return [Finding("blocks", False, str(err).splitlines()[0])]
    findings = [Finding("blocks", True, f"{len(tables)} tables read in full, every checksum matches")]
    missing = [t for t in TABLE_NAMES if t not in tables]
    if missing:
        return [*findings, Finding("format", False, f"not an uprising store (no table {missing[0]})")]
    row = _rows(con, "SELECT value FROM store_info WHERE key = 'format'")
    found = row[0][0] if row else "none"
    findings.append(Finding("format", found == FORMAT, f"store format {found} (this version reads {FORMAT})"))
    experiments = _rows(con, "SELECT count(*) FROM experiments")[0][0]
    done, pending = _rows(
        con, "SELECT count(*) FILTER (status = 'done'), count(*) FILTER (status = 'pending') FROM runs"
    )[0]
    daily, events = _rows(con, "SELECT (SELECT count(*) FROM daily), (SELECT count(*) FROM events)")[0]
    findings.append(
        Finding(
            "counts",
            True,
            f"{experiments} experiments, {done} runs done, {pending} pending,"
            f" {daily:,} daily rows, {events:,} events",
        )
    )
    for name, query in CONSISTENCY:
        bad = _rows(con, query)[0][0]
        findings.append(Finding(name, bad == 0, "yes" if bad == 0 else f"no: {bad} found"))
    return findings

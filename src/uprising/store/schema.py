"""The tables of a store and the check that a file is a DuckDB database before it is opened.

A store holds experiments (an ensemble, a sweep, a comparison, a calibration...), their runs
(one row per planned run: 'pending' until its results are written, 'done' after), the runs'
daily and event rows, and named tables saved by an experiment (posteriors, sensitivity indices).
"""

from __future__ import annotations

from pathlib import Path

from uprising.errors import DataError

FORMAT = "2"  # bumped when a table changes shape
DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file

TABLES = (
    """CREATE TABLE IF NOT EXISTS store_info (key VARCHAR NOT NULL, value VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS experiments (
        id VARCHAR NOT NULL, kind VARCHAR NOT NULL, scenario VARCHAR NOT NULL,
        scenario_hash VARCHAR NOT NULL, spec JSON NOT NULL, version VARCHAR NOT NULL,
        created TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR NOT NULL, experiment_id VARCHAR NOT NULL, position INTEGER NOT NULL,
        label VARCHAR NOT NULL, scenario VARCHAR NOT NULL, seed BIGINT NOT NULL,
        overrides JSON NOT NULL, status VARCHAR NOT NULL, parameters JSON, scenario_hash VARCHAR,
        version VARCHAR, wall_seconds DOUBLE, finished_at TIMESTAMP, departments JSON,
        population_scale DOUBLE, ticks_per_day INTEGER, start_date VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS daily (
        run_id VARCHAR NOT NULL, day INTEGER NOT NULL, department VARCHAR NOT NULL,
        quiescent BIGINT, active BIGINT, jailed BIGINT, killed BIGINT, arrests BIGINT,
        blockades BIGINT, forces BIGINT, participants BIGINT)""",
    """CREATE TABLE IF NOT EXISTS events (
        run_id VARCHAR NOT NULL, seq INTEGER NOT NULL, day INTEGER NOT NULL, kind VARCHAR, department VARCHAR,
        outcome VARCHAR, votes INTEGER)""",
    """CREATE TABLE IF NOT EXISTS saved_tables (
        experiment_id VARCHAR NOT NULL, name VARCHAR NOT NULL, table_name VARCHAR NOT NULL,
        rows BIGINT NOT NULL, created TIMESTAMP NOT NULL)""",
)
TABLE_NAMES = ("store_info", "experiments", "runs", "daily", "events", "saved_tables")


def check_store_file(path: Path) -> bool:
    """True when `path` is an existing DuckDB file, False when it does not exist yet (or is an
    empty file, as a write that failed on a full disk may leave: it holds nothing to lose).

    Raises DataError (and reads only the first bytes) for a folder, an unreadable file or a
    file that is not a DuckDB database, so such a file is never opened, let alone changed.
    """
    if not path.exists():
        if not path.parent.is_dir():
            raise DataError(f"--db {path}: folder {path.parent} does not exist")
        return False
    if path.is_dir():
        raise DataError(f"--db {path}: is a folder, expected a DuckDB database file")
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as err:
        raise DataError(f"--db {path}: unreadable ({err.strerror})") from None
    if not head:
        return False
    if head[8:12] != DUCKDB_MAGIC:
        raise DataError(f"--db {path}: not a DuckDB database (a store is made by `uprising run`)")
    return True

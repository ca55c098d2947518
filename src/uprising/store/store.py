"""`Store`: experiments, their runs and the runs' series in one embedded DuckDB file.

Reading (reports, the dashboard, `uprising runs`):
    with Store("uprising.duckdb") as store:
        store.experiments()              # one row per experiment, with runs done / planned
        store.runs(experiment_id)        # one row per planned run, in planned order
        store.load_run(run_id)           # a finished run as a RunOutput
        store.load_experiment(exp_id)    # its finished runs as RunOutputs, in planned order
        store.resolve("3fa9")            # ('experiment' | 'run', full id) from an id or a prefix
        store.experiment(exp_id)         # the experiment's row, spec parsed
        store.groups(exp_id)             # its runs' groups and the parameters that vary
Writing (the experiment layer, in the parent process only):
    plan = store.open_experiment(kind, scenario, scenario_hash, spec, planned_runs)
        # plans the experiment, or finds it again: the same kind, scenario, hash, spec
        # (overrides and seeds) and version give the same id, and plan.done lists the runs
        # already finished, which a re-run skips (resume). A new experiment and its runs
        # ('pending') are written with its first save_runs or save_table.
    store.save_runs(exp_id, [(run_id, output), ...])
        # one transaction: every run's status 'done' together with its daily and event rows,
        # so a process killed half-way leaves a run either complete or still pending.
    store.save_table(exp_id, name, frame) / store.load_table(exp_id, name) / store.tables(exp_id)
        # any polars frame an experiment derives (posteriors, indices, paired differences).

Each call opens the file, works and closes it again, so other processes (a report, the
dashboard, a second `uprising run`) can read or write between calls; a call that finds the file
locked by another process waits for it (up to `lock_timeout` seconds), in turn with the other
calls waiting (see `_take_turn`).

Durability: every write is one transaction followed by a checkpoint, so the `.duckdb` file alone
holds every finished run (a copy of it keeps them all). A write-ahead log found beside it was left
by a writer stopped before its checkpoint: it is folded in if it ends with a whole commit of this
database, and refused, untouched, otherwise (see `wal.py`). A new store is made under a temporary
name and linked into place, so a failed creation leaves nothing behind.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import polars as pl

from uprising import __version__
from uprising.errors import DataError, UprisingError
from uprising.files import describe_os_error
from uprising.recorder.output import DAILY_COLUMNS, DAILY_SCHEMA, EVENT_COLUMNS, EVENT_SCHEMA, RunOutput
from uprising.store.groups import Groups, experiment_groups
from uprising.store.schema import FORMAT, TABLE_NAMES, TABLES, check_store_file
from uprising.store.wal import check_wal, wal_path

DEFAULT_PATH = Path("uprising.duckdb")
KINDS = ("ensemble", "sweep", "compare", "calibration", "sensitivity")
UNREADABLE = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT)  # a file that is not damaged
LOCK_CONFLICT = "Could not set lock on file"  # how DuckDB 2.0.1 says another process holds the file
TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class PlannedRun:
    """One run an experiment asks for: which scenario, with which overrides and seed."""

    position: int  # order within the experiment
    scenario: str  # built-in name or YAML path
    seed: int
    overrides: tuple[str, ...] = ()
    label: str = ""  # group within the experiment (a sweep point, a comparison arm)


@dataclass
class ExperimentPlan:
    """An experiment's id, its run ids (aligned with the planned runs) and those already done."""

    experiment_id: str
    run_ids: list[str]
    done: set[str] = field(default_factory=set)
    resumed: bool = False  # the experiment was already in the store


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _digest(data: Any, length: int) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:length]


class Store:
    """An embedded DuckDB store of experiments; see the module docstring for the API."""

    def __init__(self, path: str | Path = DEFAULT_PATH, lock_timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._checked = False
        self._unwritten: dict[str, tuple[list[Any], pl.DataFrame]] = {}  # planned, not yet written
        check_store_file(self.path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # -- connections -------------------------------------------------------------------------

    @contextmanager
    def _connect(self, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the existing file, once no other process writes it.

        The connection holds its own lock on the file (shared to read, exclusive to write) while
        it checks the write-ahead log and for its life, so a log is only read while no store
        writes it. Only DuckDB's lock conflict means "locked": any other error opening the
        file (a checksum error, a damaged header) is reported at once.

        Connections queue for the lock in turn (see `_take_turn`), so a reader gets in between two
        writes of an ensemble that saves one run after another, instead of waiting for its end.
        """
        deadline = time.monotonic() + self.lock_timeout
        turn = NO_TURNSTILE if _held.count else None  # a nested connection never queues
        try:
            while True:
                if turn is None:
                    turn = _take_turn(self.path)
                lock = None if turn is None else _lock(self.path, read_only)
                if lock is not None:
                    try:
                        check_wal(self.path)
                        con = duckdb.connect(str(self.path), read_only=read_only)
                        break
                    except duckdb.Error as err:
                        os.close(lock)
                        if LOCK_CONFLICT not in str(err):
                            raise DataError(f"--db {self.path}: {_opening_error(err)}") from None
                    except BaseException:
                        os.close(lock)
                        raise
                if time.monotonic() >= deadline:
                    raise DataError(
                        f"--db {self.path}: locked by another process for over {self.lock_timeout:g} s"
                    )
                time.sleep(0.02)
        finally:
            if turn is not None:
                turn.close()  # the next connection waiting takes its turn
        _held.add(1)
        try:
            yield con
        finally:
            con.close()
            os.close(lock)
            _held.add(-1)

    def _check_tables(self, con: duckdb.DuckDBPyConnection) -> bool:
        """Whether the store's tables exist; raises for a DuckDB file that is not a store."""
        names = {r[0] for r in _rows(con, "SELECT table_name FROM duckdb_tables()")}
        if not names:
            return False
        if "store_info" not in names or not set(TABLE_NAMES) <= names:
            raise DataError(f"--db {self.path}: a DuckDB database but not an uprising store")
        row = _first(con, "SELECT value FROM store_info WHERE key = 'format'")
        if row is None or row[0] != FORMAT:
            found = row[0] if row else "none"
            raise DataError(f"--db {self.path}: store format {found}, this version reads format {FORMAT}")
        return True

    @contextmanager
    def _read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection; an empty in-memory store when the file holds no store yet."""
        exists = check_store_file(self.path)
        if exists and wal_path(self.path).exists():
            self._fold_wal()
        try:
            with self._connect(read_only=True) if exists else nullcontext() as con:
                if con is not None and self._check_tables(con):
                    yield con
                    return
        except duckdb.Error as err:
            raise DataError(f"--db {self.path}: cannot read ({_first_line(err)})") from None
        with duckdb.connect(":memory:") as empty:
            for ddl in TABLES:
                empty.execute(ddl)
            yield empty

    def _fold_wal(self) -> None:
        """Fold a whole write-ahead log left by a stopped writer into the file where it can: a
        reader of a read-only folder or a full disk replays it in memory instead."""
        with suppress(DataError, duckdb.Error), self._connect(read_only=False) as con:
            con.execute("CHECKPOINT")

    @contextmanager
    def _write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to a store whose tables exist (the file is made on first use).

        A DuckDB error while writing (a full disk, a read-only file) becomes one line naming its
        cause; what the block committed before it stays.
        """
        if not check_store_file(self.path):
            self._create()
        elif not self._checked:
            with self._read() as con:  # raises for a file that is not a store, before writing to it
                try:
                    scan_tables(con)
                except duckdb.Error as err:
                    raise DataError(
                        f"--db {self.path}: damaged ({_first_line(err)[:200]}); nothing was written;"
                        f" see `uprising runs verify --db {self.path}`"
                    ) from None
        with self._connect(read_only=False) as con:
            try:
                # Each commit is followed by an explicit checkpoint (see `_commit`), so the one
                # DuckDB makes on closing a connection would find nothing to do.
                con.execute("PRAGMA disable_checkpoint_on_shutdown")
                if not self._checked:
                    if not self._check_tables(con):  # an empty DuckDB file: made a store
                        with self._commit(con):
                            self._make_tables(con)
                    self._checked = True
                yield con
            except duckdb.Error as err:
                raise DataError(f"--db {self.path}: {_writing_error(err)}") from None

    @contextmanager
    def _commit(self, con: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """One transaction, then a checkpoint, so the database file alone holds what it wrote.

        A failed commit (a full disk) has already ended the transaction, so the rollback that
        follows may fail in turn; the first error is the one reported.
        """
        con.execute("BEGIN TRANSACTION")
        try:
            yield
            con.execute("COMMIT")
        except BaseException:
            with suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        con.execute("CHECKPOINT")

    @staticmethod
    def _make_tables(con: duckdb.DuckDBPyConnection) -> None:
        for ddl in TABLES:
            con.execute(ddl)
        con.execute("INSERT INTO store_info VALUES ('format', ?)", [FORMAT])

    def _create(self) -> None:
        """Make an empty store: written and checkpointed under a temporary name, then linked
        into place, so a failure (a full disk) leaves no file behind, not even an empty one."""
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
        try:
            with duckdb.connect(str(tmp)) as con:
                con.execute("PRAGMA disable_checkpoint_on_shutdown")
                with self._commit(con):
                    self._make_tables(con)
            _link_new(tmp, self.path)
        except duckdb.Error as err:
            raise DataError(f"--db {self.path}: cannot create the store ({describe_os_error(err)})") from None
        except OSError as err:
            raise DataError(f"--db {self.path}: cannot create the store ({describe_os_error(err)})") from None
        finally:
            for path in (tmp, wal_path(tmp)):
                with suppress(OSError):
                    path.unlink(missing_ok=True)
        self._checked = True

    # -- writing -----------------------------------------------------------------------------

    def open_experiment(
        self,
        kind: str,
        scenario: str,
        scenario_hash: str,
        spec: dict[str, Any],
        planned: Sequence[PlannedRun],
    ) -> ExperimentPlan:
        """Plan an experiment, or find the same one again to resume it (see the module docstring).

        Only reads: a new experiment and its pending runs are written together with its first
        finished runs (or its first saved table), in the same transaction, so an experiment
        that never got to write anything leaves nothing behind.
        """
        if kind not in KINDS:
            raise UprisingError(f"experiment kind {kind!r}: must be one of {', '.join(KINDS)}")
        spec_json = json.dumps(spec, sort_keys=True)
        experiment_id = _digest([kind, scenario, scenario_hash, spec_json, __version__], 12)
        run_ids = [
            _digest([experiment_id, p.position, p.scenario, p.seed, list(p.overrides)], 16) for p in planned
        ]
        if len(set(run_ids)) != len(run_ids):
            raise UprisingError("experiment: two planned runs share a position, scenario and seed")
        found, known = False, {}
        if check_store_file(self.path):
            with self._read() as con:
                found = _first(con, "SELECT 1 FROM experiments WHERE id = ?", [experiment_id]) is not None
                query = "SELECT run_id, status FROM runs WHERE experiment_id = ?"
                known = dict(_rows(con, query, [experiment_id]))
        missing = [(rid, p) for rid, p in zip(run_ids, planned, strict=True) if rid not in known]
        if not found or missing:
            row = [experiment_id, kind, scenario, scenario_hash, spec_json, __version__, _now()]
            runs = pl.DataFrame(
                {
                    "run_id": [rid for rid, _ in missing],
                    "position": [p.position for _, p in missing],
                    "label": [p.label for _, p in missing],
                    "scenario": [p.scenario for _, p in missing],
                    "seed": [p.seed for _, p in missing],
                    "overrides": [json.dumps(list(p.overrides)) for _, p in missing],
                },
                schema={
                    "run_id": pl.String, "position": pl.Int32, "label": pl.String,
                    "scenario": pl.String, "seed": pl.Int64, "overrides": pl.String,
                },
            )  # fmt: skip
            self._unwritten[experiment_id] = (row, runs)
        done = {rid for rid, status in known.items() if status == "done"}
        return ExperimentPlan(experiment_id, run_ids, done & set(run_ids), resumed=found)

    def _write_plan(self, con: duckdb.DuckDBPyConnection, experiment_id: str) -> None:
        """Inside a transaction: write the experiment's row and pending runs if not yet written."""
        if experiment_id not in self._unwritten:
            return
        row, runs = self._unwritten[experiment_id]
        if _first(con, "SELECT 1 FROM experiments WHERE id = ?", [experiment_id]) is None:
            con.execute("INSERT INTO experiments VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        con.register("planned_runs", runs.to_arrow())
        con.execute(
            "INSERT INTO runs (run_id, experiment_id, position, label, scenario, seed, overrides, status)"
            " SELECT run_id, ?, position, label, scenario, seed, overrides, 'pending' FROM planned_runs"
            " WHERE run_id NOT IN (SELECT run_id FROM runs WHERE experiment_id = ?)",
            [experiment_id, experiment_id],
        )
        con.unregister("planned_runs")

    def save_runs(self, experiment_id: str, results: Sequence[tuple[str, RunOutput]]) -> int:
        """Write finished runs in one transaction; returns how many were pending (and now done)."""
        if not results:
            return 0
        ids = [rid for rid, _ in results]
        with self._write() as con:
            with self._commit(con):
                self._write_plan(con, experiment_id)
                pending = {
                    r[0]
                    for r in _rows(
                        con,
                        "SELECT run_id FROM runs WHERE experiment_id = ? AND status = 'pending'"
                        " AND list_contains(?, run_id)",
                        [experiment_id, ids],
                    )
                }
                rows = [(rid, out) for rid, out in results if rid in pending]
                if rows:
                    self._insert_rows(con, rows)
        self._unwritten.pop(experiment_id, None)
        return len(rows)

    @staticmethod
    def _insert_rows(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, RunOutput]]) -> None:
        ids = [rid for rid, _ in rows]
        columns = list(DAILY_COLUMNS)
        frames = [out.daily if out.daily.columns == columns else out.daily.select(columns) for _, out in rows]
        daily = pl.concat(frames, how="vertical_relaxed", rechunk=False)
        run_column = pl.Series("run_id", ids).gather(
            pl.Series(np.repeat(np.arange(len(rows)), [out.daily.height for _, out in rows]))
        )
        daily = daily.insert_column(0, run_column)
        con.register("batch_daily", daily.to_arrow())
        con.execute(f"INSERT INTO daily (run_id, {', '.join(DAILY_COLUMNS)}) SELECT * FROM batch_daily")
        con.unregister("batch_daily")
        events = [
            out.events.select(
                pl.lit(rid).alias("run_id"),
                pl.int_range(pl.len(), dtype=pl.Int32).alias("seq"),
                *EVENT_COLUMNS,
            )
            for rid, out in rows
        ]
        events = [e for e in events if e.height]
        if events:
            con.register("batch_events", pl.concat(events).to_arrow())
            con.execute(
                f"INSERT INTO events (run_id, seq, {', '.join(EVENT_COLUMNS)}) SELECT * FROM batch_events"
            )
            con.unregister("batch_events")
        meta = pl.DataFrame(
            {
                "run_id": [rid for rid, _ in rows],
                "parameters": [json.dumps(out.parameters) for _, out in rows],
                "scenario_hash": [out.scenario_hash for _, out in rows],
                "version": [out.version for _, out in rows],
                "wall_seconds": [float(out.seconds) for _, out in rows],
                "departments": [json.dumps(list(out.departments)) for _, out in rows],
                "population_scale": [float(out.population_scale) for _, out in rows],
                "ticks_per_day": [int(out.ticks_per_day) for _, out in rows],
                "start_date": [out.start_date for _, out in rows],
            },
            schema_overrides={"start_date": pl.String, "ticks_per_day": pl.Int32},
        )
        con.register("batch_runs", meta.to_arrow())
        con.execute(
            "UPDATE runs SET status = 'done', parameters = b.parameters, scenario_hash = b.scenario_hash,"
            " version = b.version, wall_seconds = b.wall_seconds, finished_at = ?,"
            " departments = b.departments, population_scale = b.population_scale,"
            " ticks_per_day = b.ticks_per_day, start_date = b.start_date"
            " FROM batch_runs b WHERE runs.run_id = b.run_id",
            [_now()],
        )
        con.unregister("batch_runs")

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file (each write already does)."""
        if check_store_file(self.path):
            with self._write() as con:
                con.execute("CHECKPOINT")

    def save_table(self, experiment_id: str, name: str, frame: pl.DataFrame) -> None:
        """Save (or replace) a named table derived by an experiment."""
        if not TABLE_NAME.match(name):
            raise UprisingError(
                f"table name {name!r}: must be lower-case letters, digits and _, starting with a letter"
            )
        table = f"saved_{experiment_id}_{name}"
        with self._write() as con:
            with self._commit(con):
                self._write_plan(con, experiment_id)
                if _first(con, "SELECT 1 FROM experiments WHERE id = ?", [experiment_id]) is None:
                    raise UprisingError(f"experiment {experiment_id}: not in store {self.path}")
                con.register("saved_frame", frame.to_arrow())
                con.execute(f'DROP TABLE IF EXISTS "{table}"')
                con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM saved_frame')
                con.unregister("saved_frame")
                con.execute(
                    "DELETE FROM saved_tables WHERE experiment_id = ? AND name = ?", [experiment_id, name]
                )
                con.execute(
                    "INSERT INTO saved_tables VALUES (?, ?, ?, ?, ?)",
                    [experiment_id, name, table, frame.height, _now()],
                )
        self._unwritten.pop(experiment_id, None)

    # -- reading -----------------------------------------------------------------------------

    def load_table(self, experiment_id: str, name: str) -> pl.DataFrame:
        """A table saved by `save_table`."""
        with self._read() as con:
            row = _first(
                con,
                "SELECT table_name FROM saved_tables WHERE experiment_id = ? AND name = ?",
                [experiment_id, name],
            )
            if row is None:
                names = self._table_names(con, experiment_id)
                have = f"; it has {', '.join(names)}" if names else "; it has none"
                raise UprisingError(f"table {name!r}: not saved for experiment {experiment_id}{have}")
            return _frame(con, f'SELECT * FROM "{row[0]}"')

    def tables(self, experiment_id: str) -> list[str]:
        """Names of the tables saved for an experiment."""
        with self._read() as con:
            return self._table_names(con, experiment_id)

    @staticmethod
    def _table_names(con: duckdb.DuckDBPyConnection, experiment_id: str) -> list[str]:
        rows = _rows(
            con, "SELECT name FROM saved_tables WHERE experiment_id = ? ORDER BY name", [experiment_id]
        )
        return [r[0] for r in rows]

    def experiments(self) -> pl.DataFrame:
        """Every experiment, newest first, with its runs planned and done."""
        with self._read() as con:
            return _frame(
                con,
                "SELECT e.id, e.kind, e.scenario, e.scenario_hash, e.version, e.created,"
                " count(r.run_id)::INTEGER AS runs,"
                " count(r.run_id) FILTER (WHERE r.status = 'done')::INTEGER AS done, e.spec"
                " FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id"
                " GROUP BY ALL ORDER BY e.created DESC, e.id",
            )

    def experiment(self, experiment_id: str) -> dict[str, Any]:
        """One experiment's row, with its spec parsed."""
        with self._read() as con:
            rows = _frame(
                con,
                "SELECT id, kind, scenario, scenario_hash, spec, version, created FROM experiments"
                " WHERE id = ?",
                [experiment_id],
            )
            if rows.height == 0:
                raise UprisingError(f"experiment {experiment_id}: not in store {self.path}")
            data = rows.row(0, named=True)
        data["spec"] = json.loads(data["spec"])
        return data

    def runs(self, experiment_id: str) -> pl.DataFrame:
        """An experiment's planned runs in order, with their status."""
        with self._read() as con:
            return _frame(
                con,
                "SELECT run_id, experiment_id, position, label, scenario, seed, overrides, status,"
                " scenario_hash, version, wall_seconds, finished_at, parameters FROM runs"
                " WHERE experiment_id = ? ORDER BY position",
                [experiment_id],
            )

    def groups(self, experiment_id: str) -> Groups:
        """The groups of an experiment's finished runs and the parameters that tell them apart."""
        return experiment_groups(self.experiment(experiment_id)["kind"], self.runs(experiment_id))

    def load_run(self, run_id: str) -> RunOutput:
        """A finished run, as the RunOutput it was saved from."""
        return self.load_runs([run_id])[0]

    def load_runs(self, run_ids: Sequence[str]) -> list[RunOutput]:
        """Finished runs, in the order of `run_ids`."""
        ids = list(run_ids)
        with self._read() as con:
            meta = _frame(con, "SELECT * FROM runs WHERE list_contains(?, run_id)", [ids])
            daily = _frame(con, "SELECT * FROM daily WHERE list_contains(?, run_id)", [ids])
            events = _frame(con, "SELECT * FROM events WHERE list_contains(?, run_id)", [ids])
        rows = {row["run_id"]: row for row in meta.iter_rows(named=True)}
        for run_id in ids:
            if run_id not in rows:
                raise UprisingError(f"run {run_id}: not in store {self.path}")
            if rows[run_id]["status"] != "done":
                raise UprisingError(f"run {run_id}: not finished (status {rows[run_id]['status']})")
        daily_by = daily.partition_by("run_id", as_dict=True) if daily.height else {}
        events_by = events.partition_by("run_id", as_dict=True) if events.height else {}
        return [
            _output(rows[i], daily_by.get((i,), daily.clear()), events_by.get((i,), events.clear()))
            for i in ids
        ]

    def load_experiment(self, experiment_id: str) -> list[RunOutput]:
        """An experiment's finished runs, in planned order."""
        with self._read() as con:
            self._check_experiment(con, experiment_id)
            ids = [
                r[0]
                for r in _rows(
                    con,
                    "SELECT run_id FROM runs WHERE experiment_id = ? AND status = 'done' ORDER BY position",
                    [experiment_id],
                )
            ]
        return self.load_runs(ids)

    def _check_experiment(self, con: duckdb.DuckDBPyConnection, experiment_id: str) -> None:
        if _first(con, "SELECT 1 FROM experiments WHERE id = ?", [experiment_id]) is None:
            raise UprisingError(f"experiment {experiment_id}: not in store {self.path}")

    def resolve(self, id_or_prefix: str) -> tuple[Literal["experiment", "run"], str]:
        """The experiment or run an id (or a unique prefix of one) names."""
        text = id_or_prefix.strip().lower()
        if not text:
            raise UprisingError("id: empty; give an experiment or run id (or its first characters)")
        with self._read() as con:
            experiments = [
                r[0] for r in _rows(con, "SELECT id FROM experiments WHERE starts_with(id, ?)", [text])
            ]
            runs = [r[0] for r in _rows(con, "SELECT run_id FROM runs WHERE starts_with(run_id, ?)", [text])]
        if text in experiments:
            return "experiment", text
        if text in runs:
            return "run", text
        found = [("experiment", i) for i in experiments] + [("run", i) for i in runs]
        if not found:
            raise UprisingError(f"id {id_or_prefix!r}: no experiment or run in store {self.path} starts so")
        if len(found) > 1:
            raise UprisingError(
                f"id {id_or_prefix!r}: matches {len(experiments)} experiment(s) and {len(runs)} run(s);"
                " give more characters"
            )
        return found[0]  # type: ignore[return-value]


def scan_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Read every column of every table in full, so DuckDB checks the checksum of each block
    (a store found damaged is never written); returns the tables' names."""
    tables = [r[0] for r in _rows(con, "SELECT table_name FROM duckdb_tables() ORDER BY table_name")]
    for table in tables:
        _rows(con, f'SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM "{table}"')
    return tables


def _lock(path: Path, shared: bool) -> int | None:
    """An open descriptor of `path` holding a lock on it, or None while another connection of
    a store (in this process or another) holds a conflicting one.

    A BSD lock (flock), which belongs to this descriptor alone: DuckDB's own lock on the file is
    a POSIX record lock, which belongs to the process, so closing a descriptor that held one
    would also drop DuckDB's while another connection in the process still has the file open.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as err:
        raise DataError(f"--db {path}: cannot open ({describe_os_error(err)})") from None
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


class _Unqueued:
    """`_take_turn`'s answer where no turnstile can be made: the connection goes ahead unqueued."""

    def close(self) -> None:
        return None


NO_TURNSTILE = _Unqueued()


class _Held:
    """How many store connections this process holds open (any thread, any store)."""

    def __init__(self) -> None:
        self.count = 0
        self._mutex = threading.Lock()

    def add(self, n: int) -> None:
        with self._mutex:
            self.count += n


_held = _Held()


def _take_turn(path: Path) -> socket.socket | _Unqueued | None:
    """The turnstile before a store's lock, or None while another connection waits its turn.

    A connection holds it only while it waits for the store's own lock, and lets it go once it
    has that lock, so the next one to ask waits behind it: a writer that saves one run after
    another must queue behind a reader that came first, which otherwise would see the file
    locked at every try (the gap between two writes is shorter than a try's pause).

    The turnstile is a name in Linux's abstract socket namespace, one per store file (its
    device and inode): binding a socket to it succeeds for one socket at a time (in any process
    or thread), and the name is free again when the socket closes, also when its process dies.
    It holds no file, and a store's waiters never hold up another store's. Where no such socket
    can be made (another system; the store's file gone), the connection goes ahead unqueued
    (NO_TURNSTILE), as it did before the turnstile.
    """
    try:
        info = os.stat(path)
        turn = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    except OSError:
        return NO_TURNSTILE
    try:
        turn.bind(f"\0uprising-store-turn-{info.st_dev}-{info.st_ino}")
    except OSError as err:
        turn.close()
        return None if err.errno == errno.EADDRINUSE else NO_TURNSTILE
    return turn


def _link_new(tmp: Path, path: Path) -> None:
    """Give the finished file `tmp` the name `path`, unless another process made it meanwhile
    (a file of 0 bytes, left by a failed write, is replaced)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        if path.stat().st_size == 0:
            os.replace(tmp, path)
    except OSError:  # a file system without hard links
        if not path.exists() or path.stat().st_size == 0:
            os.replace(tmp, path)


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _opening_error(err: duckdb.Error) -> str:
    """What a failed open says: why the file is unreadable (a permission), or else that it is
    damaged, in DuckDB's words (a checksum error, a file cut short)."""
    cause = describe_os_error(err)
    if cause in {os.strerror(code).lower() for code in UNREADABLE}:
        return f"cannot open ({cause})"
    return f"corrupt or unreadable database ({_first_line(err)[:300]})"


def _writing_error(err: duckdb.Error) -> str:
    """A failed write in one line, with its real cause (a full disk) first."""
    cause = describe_os_error(err)
    if cause in (os.strerror(errno.ENOSPC).lower(), os.strerror(errno.EDQUOT).lower()):
        return f"cannot write: {cause}; the runs saved before are kept, a re-run resumes"
    return f"cannot write ({_first_line(err)[:300]})"


def _rows(con: duckdb.DuckDBPyConnection, query: str, params: list[Any] | None = None) -> list[tuple]:
    """Every row of a query (fetched to the end, so the connection is free for the next one)."""
    return con.execute(query, params or []).fetchall()


def _first(con: duckdb.DuckDBPyConnection, query: str, params: list[Any] | None = None) -> tuple | None:
    """The first row of a query, or None."""
    rows = _rows(con, query, params)
    return rows[0] if rows else None


def _frame(con: duckdb.DuckDBPyConnection, query: str, params: list[Any] | None = None) -> pl.DataFrame:
    """The result of a query as a polars frame."""
    return con.sql(query, params=params).pl()


def _output(row: dict[str, Any], daily: pl.DataFrame, events: pl.DataFrame) -> RunOutput:
    """Rebuild a RunOutput from its runs row and its daily and event rows."""
    departments = json.loads(row["departments"])
    parameters = json.loads(row["parameters"])
    order = {name: i for i, name in enumerate(departments)}
    daily = (
        daily.select(DAILY_COLUMNS)
        .cast(DAILY_SCHEMA)  # type: ignore[arg-type]
        .sort(pl.col("day"), pl.col("department").replace_strict(order, return_dtype=pl.Int32))
    )
    events = events.sort("seq").select(EVENT_COLUMNS).cast(EVENT_SCHEMA)  # type: ignore[arg-type]
    return RunOutput(
        scenario=parameters["name"],
        seed=int(row["seed"]),
        scenario_hash=row["scenario_hash"],
        parameters=parameters,
        version=row["version"],
        seconds=float(row["wall_seconds"]),
        departments=departments,
        daily=daily,
        events=events,
        population_scale=float(row["population_scale"]),
        ticks_per_day=int(row["ticks_per_day"]),
        start_date=row["start_date"],
    )

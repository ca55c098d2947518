"""The DuckDB store: runs read back as saved, saved tables, ids, refusals, resume after SIGKILL, and
readers and writers taking the file in turn."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest
from benchmarks.bench_store_turns import WRITER

from uprising.errors import DataError, UprisingError
from uprising.experiment import run_ensemble
from uprising.recorder.output import EVENT_SCHEMA, RunOutput
from uprising.store import PlannedRun, Store


def synthetic_output(seed: int) -> RunOutput:
    """A run of two departments over three days, with events, as a recorder would give it."""
    departments = ["Puno", "Cusco"]
    rows = [
        {"day": d, "department": name, "quiescent": 100 - d, "active": d * (i + 1), "jailed": d,
         "killed": i, "arrests": d + i, "blockades": seed % 3, "forces": 10, "participants": d * i}
        for d in range(3) for i, name in enumerate(departments)
    ]  # fmt: skip
    daily = pl.DataFrame(rows).with_columns(pl.col("day").cast(pl.Int32))
    events = pl.DataFrame(
        {"day": [2, 0, 1], "kind": ["vote", "death", "vote"], "department": ["", "Puno", ""],
         "outcome": ["rejected", "", "passed"], "votes": [50, -1, 87]},
        schema=EVENT_SCHEMA,
    )  # fmt: skip
    return RunOutput(
        scenario="made-up", seed=seed, scenario_hash=f"h{seed}", parameters={"name": "made-up", "x": [1, 2]},
        version="0.1.0", seconds=0.5, departments=departments, daily=daily, events=events,
        population_scale=100.0, ticks_per_day=4, start_date="2022-12-07",
    )  # fmt: skip


def planned(n: int) -> list[PlannedRun]:
    return [PlannedRun(k, "made-up", 100 + k) for k in range(n)]


def test_a_saved_run_reads_back_as_the_same_output(tmp_path: Path):
    store = Store(tmp_path / "s.duckdb")
    plan = store.open_experiment("ensemble", "made-up", "h", {"runs": 2}, planned(2))
    outputs = [synthetic_output(100), synthetic_output(101)]
    assert store.save_runs(plan.experiment_id, list(zip(plan.run_ids, outputs, strict=True))) == 2
    for run_id, output in zip(plan.run_ids, outputs, strict=True):
        back = store.load_run(run_id)
        assert back.daily.equals(output.daily)
        assert back.events.equals(output.events)  # order of events kept
        assert back.metadata() == output.metadata()
        assert back.parameters == output.parameters
    assert [o.seed for o in store.load_experiment(plan.experiment_id)] == [100, 101]


def test_a_run_not_yet_finished_cannot_be_loaded_and_is_listed_pending(tmp_path: Path):
    store = Store(tmp_path / "s.duckdb")
    plan = store.open_experiment("ensemble", "made-up", "h", {"runs": 2}, planned(2))
    store.save_runs(plan.experiment_id, [(plan.run_ids[0], synthetic_output(100))])
    assert store.runs(plan.experiment_id)["status"].to_list() == ["done", "pending"]
    with pytest.raises(UprisingError, match="not finished"):
        store.load_run(plan.run_ids[1])
    assert len(store.load_experiment(plan.experiment_id)) == 1


def test_an_experiment_is_written_with_its_first_results_not_before(tmp_path: Path):
    store = Store(tmp_path / "s.duckdb")
    plan = store.open_experiment("ensemble", "made-up", "h", {"runs": 2}, planned(2))
    assert not (tmp_path / "s.duckdb").exists()
    assert not store.open_experiment("ensemble", "made-up", "h", {"runs": 2}, planned(2)).resumed
    store.save_runs(plan.experiment_id, [(plan.run_ids[1], synthetic_output(101))])
    assert store.experiments()[["id", "runs", "done"]].row(0) == (plan.experiment_id, 2, 1)


def test_opening_the_same_experiment_again_finds_its_finished_runs(tmp_path: Path):
    store = Store(tmp_path / "s.duckdb")
    plan = store.open_experiment("ensemble", "made-up", "h", {"runs": 3}, planned(3))
    store.save_runs(plan.experiment_id, [(plan.run_ids[1], synthetic_output(101))])
    again = store.open_experiment("ensemble", "made-up", "h", {"runs": 3}, planned(3))
    assert again.experiment_id == plan.experiment_id and again.run_ids == plan.run_ids
    assert again.resumed and again.done == {plan.run_ids[1]}
    other = store.open_experiment("sweep", "made-up", "h", {"runs": 3}, planned(3))
    assert other.experiment_id != plan.experiment_id and not other.resumed


def test_saving_a_finished_run_twice_adds_no_rows(tmp_path: Path):
    store = Store(tmp_path / "s.duckdb")
    plan = store.open_experiment("ensemble", "made-up", "h", {}, planned(1))
    store.save_runs(plan.experiment_id, [(plan.run_ids[0], synthetic_output(100))])
    assert store.save_runs(plan.experiment_id, [(plan.run_ids[0], synthetic_output(100))]) == 0
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM daily").fetchall() == [(6,)]


def test_saved_tables_round_trip_and_replace(tmp_path: Path):
    store = Store(tmp_path / "s.duckdb")
    plan = store.open_experiment("calibration", "made-up", "h", {}, planned(1))
    posterior = pl.DataFrame({"legitimacy": [0.1, 0.2], "weight": [0.25, 0.75]})
    store.save_table(plan.experiment_id, "posterior", posterior)
    assert store.load_table(plan.experiment_id, "posterior").equals(posterior)
    store.save_table(plan.experiment_id, "posterior", posterior.head(1))
    assert store.load_table(plan.experiment_id, "posterior").height == 1
    assert store.tables(plan.experiment_id) == ["posterior"]
    with pytest.raises(UprisingError, match="table 'prior': not saved .* it has posterior"):
        store.load_table(plan.experiment_id, "prior")
    with pytest.raises(UprisingError, match="table name"):
        store.save_table(plan.experiment_id, "Bad Name;", posterior)


def test_ids_resolve_from_a_unique_prefix(tmp_path: Path):
    store = Store(tmp_path / "s.duckdb")
    plan = store.open_experiment("ensemble", "made-up", "h", {}, planned(16))
    store.save_runs(plan.experiment_id, [(plan.run_ids[0], synthetic_output(100))])
    assert store.resolve(plan.experiment_id) == ("experiment", plan.experiment_id)
    assert store.resolve(plan.experiment_id[:10].upper()) == ("experiment", plan.experiment_id)
    assert store.resolve(plan.run_ids[1]) == ("run", plan.run_ids[1])
    with pytest.raises(UprisingError, match="no experiment or run"):
        store.resolve("zz")
    with pytest.raises(UprisingError, match="empty"):
        store.resolve(" ")
    ids = [plan.experiment_id, *plan.run_ids]  # 17 ids, 16 hex digits: two share a first one
    shared = next(c for c in "0123456789abcdef" if sum(i.startswith(c) for i in ids) > 1)
    with pytest.raises(UprisingError, match="give more characters"):
        store.resolve(shared)


def test_a_missing_store_reads_as_empty_and_is_not_created(tmp_path: Path):
    store = Store(tmp_path / "new.duckdb")
    assert store.experiments().height == 0
    assert not (tmp_path / "new.duckdb").exists()


def test_files_that_are_not_stores_are_refused_untouched(tmp_path: Path):
    text = tmp_path / "a.duckdb"
    text.write_bytes(b"not a database at all\n")
    with pytest.raises(DataError, match="not a DuckDB database"):
        Store(text)
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    before = other.read_bytes()
    with pytest.raises(DataError, match="a DuckDB database but not an uprising store"):
        Store(other).open_experiment("ensemble", "made-up", "h", {}, planned(1))
    assert other.read_bytes() == before
    with pytest.raises(DataError, match="is a folder"):
        Store(tmp_path)
    with pytest.raises(DataError, match="does not exist"):
        Store(tmp_path / "missing" / "s.duckdb")


# Long enough runs (about 0.2 s each) that a kill after the first saved run lands half-way
# even when the poll waits on the writer's lock; at 100 ticks all 40 were done in half a second.
KILL_STEPS = 1000


def uprising_run(db: Path, runs: int, json_line: bool = False) -> list[str]:
    command = [sys.executable, "-m", "uprising", "run", "epstein-2002", "--runs", str(runs), "--workers", "2",
               "--set", f"run.steps={KILL_STEPS}", "--db", str(db), "--no-report",
               "--save-every", "0"]  # fmt: skip
    return command + (["--json"] if json_line else [])


def runs_done(db: Path) -> int:
    if not db.exists():
        return 0
    frame = Store(db).experiments()
    return int(frame["done"].sum()) if frame.height else 0


def test_a_sigkilled_ensemble_resumes_without_partial_or_repeated_runs(tmp_path: Path):
    runs = 40
    killed_db, clean_db = tmp_path / "killed.duckdb", tmp_path / "clean.duckdb"
    proc = subprocess.Popen(
        uprising_run(killed_db, runs),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 240
    while runs_done(killed_db) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI, its worker pool and the forkserver alike
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()

    store = Store(killed_db)
    (experiment_id,) = store.experiments()["id"].to_list()
    before = store.runs(experiment_id)
    done_before = int((before["status"] == "done").sum())
    assert 0 < done_before < runs, "the kill should land half-way"
    with duckdb.connect(str(killed_db), read_only=True) as con:
        rows = dict(con.execute("SELECT run_id, count(*) FROM daily GROUP BY run_id").fetchall())
    assert set(rows) == set(before.filter(pl.col("status") == "done")["run_id"])  # no partial run
    assert set(rows.values()) == {KILL_STEPS}

    resumed = subprocess.run(uprising_run(killed_db, runs, json_line=True), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    line = json.loads(resumed.stdout)
    assert (line["experiment"], line["resumed"], line["runs"]) == (experiment_id, done_before, runs)
    after = store.runs(experiment_id)
    assert after.height == runs and after["run_id"].n_unique() == runs
    assert (after["status"] == "done").all()

    clean = run_ensemble(
        "epstein-2002", runs, overrides=[f"run.steps={KILL_STEPS}"], store=Store(clean_db), workers=1
    )
    assert clean.experiment_id == experiment_id
    for a, b in zip(
        store.load_experiment(experiment_id), Store(clean_db).load_experiment(experiment_id), strict=True
    ):
        assert a.seed == b.seed
        assert a.daily.equals(b.daily)


def test_readers_and_a_busy_writer_take_the_file_in_turn(tmp_path: Path):
    # The writer saves a table after another with no pause, each write holding the file for tens
    # of milliseconds, and after each the count of saves as the table "n". Before calls queued
    # in turn, a reader pausing 50 ms between reads found the file locked for up to 5.7 s, 6-10
    # reads of 20 over 1 s (`benchmarks/bench_store_turns.py`, six runs), and a reader reading
    # back to back could keep the writer out altogether.
    db = tmp_path / "busy.duckdb"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        reader = Store(db, lock_timeout=1.0)
        (experiment_id,) = reader.experiments()["id"].to_list()
        for _ in range(10):  # each raises if the file stays locked for 1 s
            assert reader.tables(experiment_id) == ["n", "t"]
            time.sleep(0.05)
        saves = [reader.load_table(experiment_id, "n")["n"][0] for _ in range(30)]  # back to back
        assert len(set(saves)) >= 5, f"the writer saved {len(set(saves)) - 1} times in 30 reads"
        assert writer.poll() is None, "the writer should still be writing"
    finally:
        writer.kill()
        writer.wait()


def test_a_store_waited_for_holds_up_no_other_store(tmp_path: Path):
    stores = {name: Store(tmp_path / f"{name}.duckdb") for name in ("held", "free")}
    for store in stores.values():
        plan = store.open_experiment("ensemble", "made-up", "h", {}, planned(1))
        store.save_runs(plan.experiment_id, [(plan.run_ids[0], synthetic_output(1))])
    holder = subprocess.Popen(  # another program keeps "held" open for writing
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]);"
         " print(1, flush=True); time.sleep(60)", str(stores["held"].path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    waited: list[object] = []
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "1"
        held = Store(stores["held"].path, lock_timeout=30)
        waiter = threading.Thread(target=lambda: waited.append(_read_or_error(held)))
        waiter.start()
        time.sleep(0.5)
        assert waiter.is_alive() and not waited, "the waiter should be waiting its turn for 'held'"
        assert Store(stores["free"].path, lock_timeout=1.0).experiments()["done"].to_list() == [1]
    finally:
        holder.kill()
        holder.wait()
    waiter.join(timeout=30)
    assert waited == [1]  # and once the holder is gone, the waiter reads "held"


def _read_or_error(store: Store) -> object:
    try:
        return store.experiments()["done"].to_list()[0]
    except DataError as err:
        return err


def test_a_stored_ensemble_equals_the_same_ensemble_unstored(tmp_path: Path):
    stored = run_ensemble(
        "epstein-2002", runs=2, overrides=["run.steps=10"], store=Store(tmp_path / "s.duckdb"), workers=1
    )
    plain = run_ensemble("epstein-2002", runs=2, overrides=["run.steps=10"], workers=1)
    assert plain.experiment_id is None
    for a, b in zip(stored.outputs, plain.outputs, strict=True):
        assert a.daily.equals(b.daily)


def test_each_write_leaves_the_database_file_holding_everything(tmp_path: Path):
    store = Store(tmp_path / "s.duckdb")
    plan = store.open_experiment("calibration", "made-up", "h", {}, planned(2))
    store.save_runs(plan.experiment_id, [(plan.run_ids[0], synthetic_output(100))])
    assert not (tmp_path / "s.duckdb.wal").exists()
    store.save_table(plan.experiment_id, "posterior", pl.DataFrame({"x": [1.0]}))
    assert not (tmp_path / "s.duckdb.wal").exists()


def test_runs_verify_reports_a_sound_store_and_rows_of_unknown_runs(tmp_path: Path):
    import uprising.cli.main  # noqa: F401  (registers every command)
    from tests.cli_checks import invoke_command, one_error_line

    db = tmp_path / "s.duckdb"
    store = Store(db)
    plan = store.open_experiment("ensemble", "made-up", "h", {}, planned(2))
    store.save_runs(plan.experiment_id, [(plan.run_ids[0], synthetic_output(100))])
    sound = invoke_command("runs", "verify", "--db", str(db), "--json")
    assert sound.exit_code == 0, sound.output
    report = json.loads(sound.stdout)
    assert report["sound"] and "1 runs done, 1 pending" in str(report["checks"])
    with duckdb.connect(str(db)) as con:
        con.execute("INSERT INTO daily (run_id, day, department) VALUES ('nobody', 0, 'Puno')")
    line = one_error_line(invoke_command("runs", "verify", "--db", str(db)))
    assert "not sound (no daily or event rows of unfinished runs: no: 1 found)" in line

"""Ensembles: the same runs whatever the workers, stored and resumed, and the `uprising run` command."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import uprising.cli.run  # noqa: F401  (registers `run`)
import uprising.cli.runs  # noqa: F401  (registers `runs`)
from uprising.cli.app import app
from uprising.cli.world_outputs import MAP_ONLY_METRICS
from uprising.errors import UprisingError
from uprising.experiment import RunTask, map_runs, run_ensemble
from uprising.experiment.ensemble import ensemble_tasks
from uprising.observed import METRIC_KEYS
from uprising.store import Store

FAST = ["run.steps=30"]


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_same_tasks_give_the_same_outputs_in_process_and_on_two_worker_processes():
    tasks = ensemble_tasks("epstein-2002", 4, 11, FAST)
    inline = dict(map_runs(tasks, workers=1))
    pooled = dict(map_runs(tasks, workers=2))
    assert set(inline) == set(pooled) == set(tasks)
    for task in tasks:
        assert inline[task].seed == task.seed
        assert inline[task].daily.equals(pooled[task].daily)
        assert inline[task].scenario_hash == pooled[task].scenario_hash


def test_different_seeds_give_different_runs():
    outputs = dict(map_runs(ensemble_tasks("epstein-2002", 2, 1, FAST), workers=1))
    first, second = outputs.values()
    assert not first.daily.equals(second.daily)


def test_progress_counts_every_run():
    calls = []
    tasks = ensemble_tasks("epstein-2002", 3, 1, FAST)
    list(map_runs(tasks, workers=1, progress=lambda done, total: calls.append((done, total))))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_an_ensemble_is_stored_as_one_experiment_and_reads_back_unchanged(tmp_path: Path):
    store = Store(tmp_path / "s.duckdb")
    result = run_ensemble("epstein-2002", runs=3, first_seed=5, overrides=FAST, store=store, workers=1)
    assert [o.seed for o in result.outputs] == [5, 6, 7]
    experiments = store.experiments()
    assert experiments.height == 1
    assert experiments.row(0, named=True)["kind"] == "ensemble"
    assert experiments.row(0, named=True)["done"] == 3
    loaded = store.load_experiment(result.experiment_id)
    for fresh, back in zip(result.outputs, loaded, strict=True):
        assert back.daily.equals(fresh.daily)
        assert back.parameters == fresh.parameters
        assert back.metadata() | {"seconds": 0} == fresh.metadata() | {"seconds": 0}


def test_running_the_same_ensemble_again_redoes_nothing(tmp_path: Path):
    store = Store(tmp_path / "s.duckdb")
    first = run_ensemble("epstein-2002", runs=3, overrides=FAST, store=store, workers=1)
    again = run_ensemble("epstein-2002", runs=3, overrides=FAST, store=store, workers=1)
    assert again.experiment_id == first.experiment_id
    assert (again.ran, again.resumed) == (0, 3)
    assert store.runs(first.experiment_id).height == 3
    for a, b in zip(first.outputs, again.outputs, strict=True):
        assert a.daily.equals(b.daily)


def test_more_seeds_or_other_overrides_make_another_experiment(tmp_path: Path):
    store = Store(tmp_path / "s.duckdb")
    a = run_ensemble("epstein-2002", runs=2, overrides=FAST, store=store, workers=1)
    b = run_ensemble("epstein-2002", runs=3, overrides=FAST, store=store, workers=1)
    c = run_ensemble("epstein-2002", runs=2, overrides=["run.steps=31"], store=store, workers=1)
    assert len({a.experiment_id, b.experiment_id, c.experiment_id}) == 3


def test_a_task_with_a_bad_parameter_fails_before_any_run():
    with pytest.raises(UprisingError, match="citizens.nonsense"):
        list(map_runs([RunTask("epstein-2002", ("citizens.nonsense=1",), 1)], workers=1))


def test_run_prints_one_json_line_with_the_ensemble_summary(tmp_path: Path):
    db = tmp_path / "s.duckdb"
    result = invoke(
        "run", "epstein-2002", "--runs", "3", "--workers", "1", "--seed", "4", "--set", "run.steps=20",
        "--db", str(db), "--json", "--no-report",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["runs"] == 3
    assert line["experiment"] == Store(db).experiments()["id"][0]
    for key in METRIC_KEYS:
        assert (key in line) is (key not in MAP_ONLY_METRICS), key  # a torus has no departments
    assert line["peak_active"] >= line["mean_active"] >= 0


def test_run_summarises_the_classic_lattice_in_a_table(tmp_path: Path):
    result = invoke(
        "run", "epstein-2002", "--runs", "2", "--workers", "1", "--set", "run.steps=20",
        "--db", str(tmp_path / "s.duckdb"), "--no-report",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "National totals over 2 runs" in result.stdout
    assert "peak active" in result.stdout and "final jailed" in result.stdout


def test_run_writes_the_html_report_by_default(tmp_path: Path):
    out = tmp_path / "report"
    result = invoke(
        "run", "epstein-2002", "--runs", "2", "--workers", "1", "--set", "run.steps=20",
        "--db", str(tmp_path / "s.duckdb"), "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file()
    assert f"report: {out / 'report.html'}" in result.stdout.replace("\n", "")


@pytest.fixture()
def store_file(tmp_path: Path) -> Path:
    """A store holding one small ensemble."""
    db = tmp_path / "s.duckdb"
    run_ensemble("epstein-2002", runs=1, overrides=["run.steps=5"], store=Store(db), workers=1)
    return db


BAD_OPTIONS = [
    (["--runs", "-1"], "--runs -1: must be from 1"),
    (["--runs", "0"], "--runs 0: must be from 1"),
    (["--workers", "0"], "--workers 0: must be from 1"),
    (["--set", "citizens.nonsense=1"], "--set citizens.nonsense: unknown parameter"),
    (["--set", "citizens.legitimacy=3"], "citizens.legitimacy"),
    (["--scheduler", "not an address"], "--scheduler not an address: not a scheduler address"),
]


@pytest.mark.parametrize(("options", "message"), BAD_OPTIONS)
def test_a_bad_option_gives_one_line_and_leaves_the_store_as_it_was(store_file: Path, options, message):
    before = digest(store_file)
    result = invoke("run", "epstein-2002", "--db", str(store_file), "--no-report", *options)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and message in lines[0]
    assert digest(store_file) == before


def test_a_file_that_is_not_a_store_is_refused_and_left_alone(tmp_path: Path):
    not_db = tmp_path / "notes.duckdb"
    not_db.write_text("some notes\n")
    before = digest(not_db)
    for args in (["run", "epstein-2002", "--no-report"], ["runs", "list"]):
        result = invoke(*args, "--db", str(not_db))
        assert result.exit_code == 2
        assert result.stderr.strip().splitlines() == [
            f"error: --db {not_db}: not a DuckDB database (a store is made by `uprising run`)"
        ]
    assert digest(not_db) == before


def test_runs_list_show_and_export_browse_the_store(store_file: Path, tmp_path: Path):
    experiment_id = Store(store_file).experiments()["id"][0]
    listed = invoke("runs", "list", "--db", str(store_file), "--json")
    assert listed.exit_code == 0, listed.output
    assert [row["id"] for row in json.loads(listed.stdout)] == [experiment_id]
    shown = invoke("runs", "show", experiment_id[:4], "--db", str(store_file))
    assert shown.exit_code == 0, shown.output
    assert f"ensemble {experiment_id}" in shown.stdout
    run_id = Store(store_file).runs(experiment_id)["run_id"][0]
    shown_run = invoke("runs", "show", run_id, "--db", str(store_file))
    assert shown_run.exit_code == 0 and f"run {run_id}" in shown_run.stdout
    out = tmp_path / "series.parquet"
    exported = invoke(
        "runs", "export", experiment_id, "--format", "parquet", "--out", str(out), "--db", str(store_file)
    )
    assert exported.exit_code == 0, exported.output
    import polars as pl

    frame = pl.read_parquet(out)
    assert frame.height == 5  # 5 ticks of one day each, one department
    assert frame["run_id"].unique().to_list() == [run_id]
    bad = invoke("runs", "export", experiment_id, "--format", "xlsx", "--db", str(store_file))
    assert bad.exit_code == 2 and bad.stderr.strip().splitlines() == [
        "error: --format 'xlsx': must be one of csv, parquet"
    ]

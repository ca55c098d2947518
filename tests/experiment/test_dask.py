"""Dask: a local cluster of two worker processes stores exactly what the local pool stores."""

from __future__ import annotations

import hashlib
from pathlib import Path

import distributed
import pytest
from typer.testing import CliRunner

import uprising.cli.run  # noqa: F401  (registers `run`)
import uprising.cli.runs  # noqa: F401  (registers `runs`: with two commands, `run` is a sub-command)
from uprising.cli.app import app
from uprising.experiment import run_ensemble
from uprising.store import Store

OVERRIDES = ["run.steps=30"]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


def test_a_dask_cluster_stores_the_same_series_as_the_local_pool(tmp_path: Path, cluster):
    on_dask = run_ensemble(
        "epstein-2002", runs=6, first_seed=3, overrides=OVERRIDES, store=Store(tmp_path / "dask.duckdb"),
        scheduler=cluster.scheduler_address,
    )  # fmt: skip
    on_pool = run_ensemble(
        "epstein-2002", runs=6, first_seed=3, overrides=OVERRIDES, store=Store(tmp_path / "pool.duckdb"),
        workers=2,
    )  # fmt: skip
    assert on_dask.experiment_id == on_pool.experiment_id  # the executor is not part of the experiment
    from_dask = Store(tmp_path / "dask.duckdb").load_experiment(on_dask.experiment_id)
    from_pool = Store(tmp_path / "pool.duckdb").load_experiment(on_pool.experiment_id)
    assert [o.seed for o in from_dask] == [o.seed for o in from_pool] == [3, 4, 5, 6, 7, 8]
    for a, b in zip(from_dask, from_pool, strict=True):
        assert a.daily.equals(b.daily)
        assert a.parameters == b.parameters


def test_the_run_command_takes_a_scheduler_address(tmp_path: Path, cluster):
    db = tmp_path / "s.duckdb"
    result = CliRunner().invoke(
        app,
        ["run", "epstein-2002", "--runs", "2", "--set", "run.steps=10", "--db", str(db), "--no-report",
         "--scheduler", cluster.scheduler_address, "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert Store(db).experiments()["done"].to_list() == [2]


def test_an_unreachable_scheduler_gives_one_line_and_leaves_the_store_alone(tmp_path: Path):
    db = tmp_path / "s.duckdb"
    run_ensemble("epstein-2002", runs=1, overrides=["run.steps=5"], store=Store(db), workers=1)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    result = CliRunner().invoke(
        app,
        ["run", "epstein-2002", "--runs", "2", "--set", "run.steps=5", "--db", str(db), "--no-report",
         "--scheduler", "tcp://127.0.0.1:9"],
    )  # fmt: skip
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: --scheduler tcp://127.0.0.1:9: unreachable within 5 s")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before

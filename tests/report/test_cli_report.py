"""`uprising report ID`: resolves an experiment or a run in the store, writes the report, prints its path."""

from __future__ import annotations

from pathlib import Path

import pytest

import uprising.cli.report  # noqa: F401  (registers the command)
import uprising.store as store_module
from tests.cli_checks import invoke_command, one_error_line


def invoke(*args: str):
    return invoke_command("report", *args)


@pytest.fixture(scope="module")
def store(classic_outputs, tmp_path_factory) -> tuple[Path, str, list[str]]:
    path = tmp_path_factory.mktemp("store") / "runs.duckdb"
    planned = [
        store_module.PlannedRun(position=i, scenario="epstein-2002-run1", seed=o.seed)
        for i, o in enumerate(classic_outputs)
    ]
    with store_module.Store(path) as s:
        plan = s.open_experiment(
            "ensemble",
            "epstein-2002-run1",
            classic_outputs[0].scenario_hash,
            {"seeds": [o.seed for o in classic_outputs]},
            planned,
        )
        s.save_runs(plan.experiment_id, list(zip(plan.run_ids, classic_outputs, strict=True)))
    return path, plan.experiment_id, plan.run_ids


def test_report_of_an_experiment_by_prefix(store, tmp_path: Path) -> None:
    db, experiment, _ = store
    out = tmp_path / "exp"
    result = invoke(experiment[:6], "--db", str(db), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out / "report.html")
    text = (out / "report.html").read_text("utf-8")
    assert f"ensemble {experiment}" in text
    assert "3 (seeds 1, 2, 3)" in text


def test_report_of_one_run(store, tmp_path: Path) -> None:
    db, _, runs = store
    result = invoke(runs[1], "--db", str(db), "--out", str(tmp_path / "run"))
    assert result.exit_code == 0, result.output
    assert "seed 2: run " in (tmp_path / "run" / "report.html").read_text("utf-8")


def test_unknown_id_is_one_error_line(store, tmp_path: Path) -> None:
    db, _, _ = store
    line = one_error_line(invoke("zzzz", "--db", str(db), "--out", str(tmp_path / "x")))
    assert "'zzzz'" in line and "no experiment or run" in line
    assert not (tmp_path / "x").exists()


def test_missing_store_is_one_error_line(tmp_path: Path) -> None:
    line = one_error_line(invoke("abc", "--db", str(tmp_path / "none.duckdb")))
    assert "--db" in line and "none.duckdb" in line


def test_bad_map_days_are_one_error_line(store, tmp_path: Path) -> None:
    db, experiment, _ = store
    line = one_error_line(invoke(experiment, "--db", str(db), "--map-days", "2,five"))
    assert "--map-days" in line and "2,five" in line
    line = one_error_line(
        invoke(experiment, "--db", str(db), "--map-days", "500", "--out", str(tmp_path / "m"))
    )
    assert "map day 500: must be from 0 to 59" in line
    assert not (tmp_path / "m").exists()

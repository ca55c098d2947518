"""The posterior predictive check: runs drawn from the posterior by weight, and each observed
statistic set beside the runs' band; `uprising calibrate` stores it and `uprising report` shows it."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import uprising.cli.calibrate  # noqa: F401  (registers `calibrate`)
import uprising.cli.report  # noqa: F401  (registers `report`)
from tests.cli_checks import invoke_command, one_error_line
from uprising.experiment.calibrate import Calibration, ParameterRange
from uprising.experiment.predictive import predictive_check, predictive_tasks
from uprising.scenario import load_scenario
from uprising.store import Store


def test_an_observed_value_outside_the_runs_band_is_marked_with_the_share_of_runs_below_it():
    runs = [{"a": float(v), "b": 5.0} for v in range(20)]  # a: 0..19; b: always 5
    check = predictive_check({"a": 30.0, "b": 5.0, "c": 1.0}, runs)
    rows = {r["statistic"]: r for r in check.iter_rows(named=True)}
    assert set(rows) == {"a", "b"}  # a statistic no run has is left out, not invented
    assert rows["a"]["inside"] is False and rows["a"]["share_below"] == 1.0
    assert rows["a"]["median"] == pytest.approx(9.5)
    assert rows["b"]["inside"] is True and rows["b"]["share_below"] == 0.5  # ties count half
    inside = predictive_check({"a": 10.0}, runs).row(0, named=True)
    assert inside["inside"] is True and inside["share_below"] == pytest.approx(10.5 / 20)


def test_no_run_gives_an_empty_check():
    assert predictive_check({"a": 1.0}, []).height == 0


def _posterior(scenario: Path, weights: list[float]) -> Calibration:
    base = load_scenario(str(scenario))
    values = [0.61, 0.72, 0.83]
    normalised = [w / sum(weights) for w in weights]  # as pyabc gives them
    particles = pl.DataFrame({"citizens.legitimacy": values, "weight": normalised, "distance": [0.0] * 3})
    generations = pl.DataFrame({"generation": [0], "epsilon": [1.0], "ess": [1.0]})
    rng = ParameterRange("citizens.legitimacy", 0.6, 0.9)
    return Calibration(base, str(scenario), ("run.steps=5",), [rng], {}, particles, generations, 3, 1, 3)


def test_the_check_draws_particles_by_weight_each_run_with_its_own_seed(case):
    tasks = predictive_tasks(_posterior(case["scenario"], [0.0, 1.0, 3.0]), 200, 40)
    assert [t.seed for t in tasks] == list(range(40, 240))
    assert all(t.overrides[0] == "run.steps=5" for t in tasks)  # the calibration's own overrides
    drawn = [t.overrides[-1] for t in tasks]
    assert "citizens.legitimacy=0.61" not in drawn  # weight 0: never drawn
    assert drawn.count("citizens.legitimacy=0.83") / len(drawn) == pytest.approx(0.75, abs=0.08)
    again = predictive_tasks(_posterior(case["scenario"], [0.0, 1.0, 3.0]), 200, 40)
    assert [t.overrides for t in again] == [t.overrides for t in tasks]  # same seed, same draws
    assert predictive_tasks(_posterior(case["scenario"], [1.0, 1.0, 1.0]), 0, 40) == []


@pytest.fixture(scope="module")
def calibrated(case, tmp_path_factory) -> tuple[Path, dict]:
    db = tmp_path_factory.mktemp("predictive") / "store.duckdb"
    args = ["--observed", str(case["observed"]), "--budget", "40", "--populations", "2"]
    args += ["--population-size", "10", "--workers", "1", "--db", str(db), "--check-runs", "5", "--json"]
    result = invoke_command("calibrate", str(case["scenario"]), *args)
    assert result.exit_code == 0, result.output
    return db, json.loads(result.stdout)


def test_calibrate_stores_the_checks_runs_and_table_with_the_posterior(calibrated):
    db, line = calibrated
    check = line["predictive_check"]
    assert check["runs"] == 5
    store = Store(db)
    experiment = line["experiment"]
    assert "predictive" in store.tables(experiment)
    runs = store.runs(experiment)
    assert runs.height == 5 and runs["seed"].to_list() == list(range(1, 6))  # the scenario's seed on
    table = store.load_table(experiment, "predictive")
    observed = store.load_table(experiment, "observed")
    assert table["statistic"].to_list() == observed["statistic"].to_list()
    assert table.to_dicts() == check["statistics"]
    assert (table["low"] <= table["median"]).all() and (table["median"] <= table["high"]).all()


def test_the_report_of_a_calibration_shows_its_posterior_and_check_before_the_runs(calibrated, tmp_path):
    db, line = calibrated
    folder = tmp_path / "report"
    result = invoke_command("report", line["experiment"], "--db", str(db), "--out", str(folder))
    assert result.exit_code == 0, result.output
    page = (folder / "report.html").read_text(encoding="utf-8")
    order = [
        page.index(f"<h2>{h}") for h in ("Posterior", "Generations", "Posterior predictive check", "National")
    ]
    assert order == sorted(order)
    assert (folder / "predictive_check.png").is_file()
    inside = sum(r["inside"] for r in line["predictive_check"]["statistics"])
    assert f"{inside} of {len(line['predictive_check']['statistics'])} observed statistics" in page
    assert "citizens.legitimacy" in page


def test_a_check_of_a_negative_number_of_runs_is_refused(case, tmp_path):
    line = one_error_line(
        invoke_command(
            "calibrate",
            str(case["scenario"]),
            "--observed",
            str(case["observed"]),
            "--check-runs",
            "-1",
            "--db",
            str(tmp_path / "s.duckdb"),
        )  # fmt: skip
    )
    assert "--check-runs -1: must be from 0 (no check) to 10000" in line
    assert not (tmp_path / "s.duckdb").exists()


def test_without_a_check_the_calibration_stores_no_run_and_its_report_says_why(case, tmp_path):
    db = tmp_path / "store.duckdb"
    args = ["--observed", str(case["observed"]), "--budget", "20", "--populations", "1"]
    args += ["--population-size", "20", "--workers", "1", "--db", str(db), "--check-runs", "0", "--json"]
    result = invoke_command("calibrate", str(case["scenario"]), *args)
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    assert line["predictive_check"] == {"runs": 0, "statistics": []}
    store = Store(db)
    assert store.runs(line["experiment"]).height == 0
    assert "predictive" not in store.tables(line["experiment"])
    refused = one_error_line(
        invoke_command("report", line["experiment"], "--db", str(db), "--out", str(tmp_path / "r"))
    )
    assert (
        "no finished run to report on (its posterior predictive check ran no run: --check-runs 0)" in refused
    )

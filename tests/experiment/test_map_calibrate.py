"""Calibration on a map world (`world.kind: map`): the target is the world's observed.csv, read
as `uprising score` reads it, summarised as Peru's December is (regions reported active on the
days with a report, deaths by period and group of regions, blockades on the days counted), and
a run is summarised the same way through the observation model. The world is the synthetic
island of docs/own_crisis.md, with its crisis and the observed.csv of its forecast's tests:
deaths in N (2, 2 March) and S (1, 5 March), reports on 2, 4 and 5 March, blockades on 3 and
6 March."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import uprising.cli.calibrate  # noqa: F401  (registers `calibrate`)
import uprising.cli.forecast  # noqa: F401  (registers `forecast`)
from tests.cli_checks import invoke_command, one_error_line
from tests.forecast.test_map_forecast import OBSERVED, island  # noqa: F401  (the fixture)
from uprising.experiment.calibrate import scale_or_observed
from uprising.experiment.summary_stats import death_cells, load_map_target
from uprising.runner import run_scenario
from uprising.scenario import load_scenario
from uprising.store import Store

CALIBRATED = "calibrated={citizens.legitimacy: {low: 0.6, high: 0.9}}"


@pytest.fixture(scope="module")
def crisis(island: Path) -> Path:  # noqa: F811  (the imported fixture)
    """The island's folder: crisis.yaml beside island/ (its data, with the observed.csv)."""
    return island


def scenario_of(folder: Path, *overrides: str):
    return load_scenario(str(folder / "crisis.yaml"), list(overrides))


def calibrate(folder: Path, *args: str):
    return invoke_command("calibrate", str(folder / "crisis.yaml"), "--workers", "1", *args)


def test_the_target_holds_the_observed_csv_summaries_on_the_days_observed(crisis):
    target = load_map_target(scenario_of(crisis), crisis / "island")
    assert target.kind == "map"
    assert target.observed == {
        "regions_reported_active_by_day[1]": 1.0,
        "regions_reported_active_by_day[3]": 1.0,
        "regions_reported_active_by_day[4]": 2.0,  # S and C active, N reported calm
        "deaths_by_period_and_group[1-4 Mar|Northcape]": 2.0,
        "deaths_by_period_and_group[1-4 Mar|rest]": 0.0,  # C: no death
        "deaths_by_period_and_group[1-4 Mar|Southmarsh]": 0.0,
        "deaths_by_period_and_group[5-8 Mar|Northcape]": 0.0,
        "deaths_by_period_and_group[5-8 Mar|rest]": 0.0,
        "deaths_by_period_and_group[5-8 Mar|Southmarsh]": 1.0,
        "deaths_by_period_and_group[9-10 Mar|Northcape]": 0.0,
        "deaths_by_period_and_group[9-10 Mar|rest]": 0.0,
        "deaths_by_period_and_group[9-10 Mar|Southmarsh]": 0.0,
        "blockades_by_day[2]": 3.0,
        "blockades_by_day[5]": 5.0,  # a crowd_estimate row is left out
        "regions_near_report_by_day[1]": 1.0,  # the reports again, against a run's nearness
        "regions_near_report_by_day[3]": 1.0,
        "regions_near_report_by_day[4]": 2.0,
    }


def test_a_target_cut_at_a_date_leaves_out_the_later_rows(crisis):
    target = load_map_target(scenario_of(crisis), crisis / "island", date(2030, 3, 4))
    assert target.observed == {
        "regions_reported_active_by_day[1]": 1.0,
        "regions_reported_active_by_day[3]": 1.0,
        "deaths_by_period_and_group[1-4 Mar|Northcape]": 2.0,
        "deaths_by_period_and_group[1-4 Mar|rest]": 0.0,
        "blockades_by_day[2]": 3.0,
        "regions_near_report_by_day[1]": 1.0,
        "regions_near_report_by_day[3]": 1.0,
    }


def test_the_regions_with_the_most_deaths_stand_alone_and_the_others_are_the_rest():
    deaths = np.zeros((3, 6))
    deaths[0, [0, 1, 2, 3, 4]] = [1, 5, 2, 2, 3]
    cells = death_cells(deaths, list("ABCDEF"), date(2019, 12, 30))
    assert cells.groups == ("rest", "B", "C", "D", "E", "rest")  # 4 alone, ties by order
    assert cells.periods == (("30 Dec-1 Jan", 0, 3),)
    assert cells.of(deaths)["30 Dec-1 Jan|rest"] == 1.0


def test_a_run_is_summarised_as_the_target_through_the_observation_model(crisis):
    scenario = scenario_of(crisis, "run.seed=3")
    target = load_map_target(scenario, crisis / "island")
    output = run_scenario(scenario)
    stats = target.stats_of(output)
    assert set(target.observed) <= set(stats)
    active = output.daily["active"].to_numpy().reshape(output.days, 3)
    assert stats["regions_reported_active_by_day[1]"] <= 3
    killed = output.daily["killed"].to_numpy().reshape(output.days, 3)
    assert stats["deaths_by_period_and_group[1-4 Mar|Northcape]"] == killed[:4, 0].sum()
    assert stats["blockades_by_day[2]"] == output.national()["blockades"][2]
    assert active.shape == (10, 3)
    near = stats["regions_near_report_by_day[1]"]
    assert stats["regions_reported_active_by_day[1]"] <= near <= 3  # a report is nearness 1 (detection 1)


def test_quiet_runs_differ_in_nearness_where_their_reports_tie(crisis):
    """Two runs whose crowds stay under the reporting threshold report nothing alike; their
    nearness to a report still says which came closer (a calibration's distance can rank them)."""
    quiet = ["dynamics.observation.threshold_people=1000000"]
    target = load_map_target(scenario_of(crisis, *quiet), crisis / "island")
    runs = [scenario_of(crisis, *quiet, f"dynamics.participation.daily_cost={c}") for c in (5.0, 0.5)]
    calm, stirred = (target.stats_of(run_scenario(run)) for run in runs)
    days = ("[1]", "[3]", "[4]")
    reported = "regions_reported_active_by_day"
    assert all(calm[reported + d] == stirred[reported + d] == 0 for d in days)
    near = [sum(run["regions_near_report_by_day" + d] for d in days) for run in (calm, stirred)]
    assert 0 <= near[0] < near[1] < 3


def test_the_command_reads_the_worlds_own_observed_csv_by_default(crisis, tmp_path):
    db = tmp_path / "runs.duckdb"
    args = ["--set", CALIBRATED, "--budget", "4", "--population-size", "2", "--populations", "1"]
    result = calibrate(crisis, *args, "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    assert line["simulations"] == 2 and line["posterior"][0]["parameter"] == "citizens.legitimacy"
    stored = Store(db).load_table(line["experiment"], "observed")
    stats = dict(zip(stored["statistic"], stored["value"], strict=True))
    assert stats == load_map_target(scenario_of(crisis), crisis / "island").observed


def test_a_forecast_on_a_map_world_fits_on_its_first_days(crisis, tmp_path):
    out = tmp_path / "f.json"
    args = ["--fit-until", "2030-03-04", "--until", "2030-03-07", "--runs", "2", "--set", CALIBRATED]
    result = invoke_command(
        "forecast", str(crisis / "crisis.yaml"), "--out", str(out), "--workers", "1", *args,
        "--fit-budget", "10", "--fit-populations", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    fit = json.loads(out.read_text())["metadata"]["fit"]
    assert fit["method"].startswith("ABC-SMC") and fit["simulations"] == 10
    assert fit["observed_statistics"] == 7  # the rows up to 4 March only (2 reported days twice)


@pytest.mark.parametrize(
    "row, where, allowed",
    [
        ("2030-03-03,X,deaths,1", "column region: 'X' is not a region of the calibration", "N, C, S"),
        ("2030-02-28,N,deaths,1", "column date: 2030-02-28 is outside the calibration's calendar",
         "from 2030-03-01 to 2030-03-10"),
        ("2030-03-03,N,deaths,-1", "column value", "from 0 to 1e12"),
    ],
)  # fmt: skip
def test_bad_observed_rows_give_one_line_naming_file_line_and_column(crisis, tmp_path, row, where, allowed):
    folder = tmp_path / "observed"
    folder.mkdir()
    (folder / "observed.csv").write_text(OBSERVED + row + "\n", "utf-8")
    line = one_error_line(calibrate(crisis, "--set", CALIBRATED, "--observed", str(folder)))
    assert "observed.csv line 14" in line and where in line and allowed in line


def test_a_world_without_observed_data_of_its_own_needs_the_option(tmp_path):
    scenario = tmp_path / "torus.yaml"
    scenario.write_text(
        "name: t\nworld: {kind: torus, width: 10, height: 10}\nrun: {steps: 5}\n"
        "calibrated:\n  citizens.legitimacy: {low: 0.6, high: 0.9}\n",
        "utf-8",
    )
    line = one_error_line(invoke_command("calibrate", str(scenario)))
    assert "--observed: needed for a torus world" in line


def test_a_generation_whose_every_statistic_has_scale_zero_falls_back_to_the_observed_values():
    same = np.array([[0.0, 2.0, 0.0], [0.0, 2.0, 0.0], [1.0, 3.0, 5.0]])  # medians shared by most
    observed = np.array([1.0, 3.0, 6.0])
    assert scale_or_observed(samples=same, s0=observed).tolist() == [1.0, 3.0, 6.0]
    spread = np.array([[0.0, 1.0, 0.0], [2.0, 2.0, 0.0], [4.0, 3.0, 5.0]])
    assert scale_or_observed(samples=spread, s0=observed).tolist() == [2.0, 1.0, 0.0]


def test_a_map_worlds_distance_keeps_a_statistic_most_particles_share():
    """Most runs quiet: the regions reported have scale 0, and pyabc would leave them out of the
    distance, blind to whether a run reported anything; a map world's keeps them."""
    spread = np.array([[0.0, 1.0, 0.0], [2.0, 2.0, 0.0], [4.0, 3.0, 5.0], [4.0, 3.0, 0.0]])
    observed = np.array([1.0, 3.0, 6.0])
    assert scale_or_observed(samples=spread, s0=observed)[2] == 0.0  # Peru's rule: left out
    kept = scale_or_observed(samples=spread, s0=observed, keep_flat=True)
    assert kept[2] == pytest.approx(1.25)  # mean absolute deviation from the median, 0
    assert kept[:2].tolist() == scale_or_observed(samples=spread, s0=observed)[:2].tolist()
    same = np.zeros((3, 3))
    assert scale_or_observed(samples=same, s0=observed, keep_flat=True).tolist() == [1.0, 3.0, 6.0]

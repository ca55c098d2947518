"""The observation model: reporting threshold and detection probability, and the metrics and
command line that use it."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

import uprising.cli.main  # noqa: F401  (registers the commands)
from tests.cli_checks import invoke_command, one_error_line
from uprising.observed.observation import ObservationModel, reported_active, reported_active_of
from uprising.recorder.output import DAILY_SCHEMA, RunOutput


def test_detection_one_reports_exactly_the_department_days_at_the_threshold():
    participants = np.array([[0, 999, 1000, 5000], [1000, 0, 20, 999]])
    got = reported_active(participants, ObservationModel(1000, 1.0), seed=1)
    assert np.array_equal(got, participants >= 1000)


def test_threshold_zero_and_detection_one_report_everything():
    participants = np.zeros((3, 4), dtype=np.int64)
    assert reported_active(participants, ObservationModel(0, 1.0), seed=1).all()


def test_detection_is_the_share_reported_and_never_reports_below_the_threshold():
    participants = np.full((200, 25), 5000)
    participants[:, :5] = 10
    got = reported_active(participants, ObservationModel(1000, 0.6), seed=3)
    assert not got[:, :5].any()
    assert got[:, 5:].mean() == pytest.approx(0.6, abs=0.02)
    assert np.array_equal(got, reported_active(participants, ObservationModel(1000, 0.6), seed=3))
    assert not reported_active(participants, ObservationModel(1000, 0.0), seed=3).any()


@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ("dynamics.observation.detection=1.5", "detection"),
        ("dynamics.observation.threshold_people=-1", "threshold_people"),
        ("dynamics.participation.daily_cost=50", "daily_cost"),
        ("dynamics.lethality.lethal_share=2", "lethal_share"),
    ],
)
def test_an_out_of_range_parameter_is_one_line_naming_it(setting, field, tmp_path):
    db = str(tmp_path / "s.duckdb")
    result = invoke_command("run", "peru-2022", "--runs", "1", "--set", setting, "--db", db)
    line = one_error_line(result)
    assert field in line
    assert not (tmp_path / "s.duckdb").exists()


def _scenario_file(tmp_path, extra_event: str = "", site: str = "") -> str:
    from uprising.scenario import load_scenario

    sc = load_scenario("peru-2022").model_dump(mode="json")
    sc["world"]["resolution_km"] = 20
    sc["world"]["population_scale"] = 1000
    sc["run"]["steps"] = 8
    if extra_event:
        sc["dynamics"]["timeline"].append(json.loads(extra_event))
    if site:
        sc["dynamics"]["sites"].append(json.loads(site))
    sc.pop("calibrated", None)
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps(sc), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("event", "site", "expected"),
    [
        ('{"kind": "call", "when": "2022-12-01", "departments": ["Puno"]}', "", "before run.start_date"),
        ('{"kind": "call", "when": "2022-12-09", "departments": ["Atlantis"]}', "", "Atlantis"),
        ('{"kind": "call", "when": "2022-12-09", "march_to": "Atlantis"}', "", "Atlantis"),
        ("", '{"name": "Nowhere bridge", "lon": -81.9, "lat": 0.4}', "dynamics.sites"),
        ('{"kind": "call", "when": "2022-12-09", "days": 0}', "", "days"),
    ],
)
def test_bad_dated_events_and_places_are_one_line(tmp_path, event, site, expected):
    path = _scenario_file(tmp_path, event, site)
    result = invoke_command(
        "run", path, "--runs", "1", "--json", "--no-report", "--db", str(tmp_path / "s.duckdb")
    )
    line = one_error_line(result)
    assert expected in line


def test_threshold_per_million_raises_the_bar_of_a_large_department_only():
    participants = np.array([[2000, 2000, 900]])
    population = np.array([10_000_000, 500_000, 100_000])
    model = ObservationModel(1000, 1.0, threshold_per_million=1000.0)
    got = reported_active(participants, model, seed=1, population=population)
    # Lima-sized: 10,000 needed; half a million: the floor of 1,000; a small one below the floor.
    assert got.tolist() == [[False, True, False]]


def test_detection_slope_reports_small_protests_sometimes_and_large_ones_nearly_always():
    participants = np.repeat(np.array([[100, 1000, 10_000, 0]]), 4000, axis=0)
    model = ObservationModel(1000, 0.8, detection_slope=2.0)
    share = reported_active(participants, model, seed=5, population=np.ones(4)).mean(axis=0)
    # detection / (1 + (threshold / participants) ** slope): 0.8/101, 0.8/2, 0.8/1.01, none.
    assert share == pytest.approx([0.8 / 101, 0.4, 0.8 / 1.01, 0.0], abs=0.02)


def test_detection_concentration_keeps_the_mean_and_varies_the_days_together():
    # 2,000 days of 20 reportable departments: the same mean share reported, but whole days
    # named or missed together (the beta-binomial's variance), where one detection for every
    # day gives the binomial's 20 * 0.4 * 0.6 = 4.8.
    participants = np.full((2000, 20), 5000)
    steady = reported_active(participants, ObservationModel(1000, 0.4), seed=9).sum(axis=1)
    days = reported_active(participants, ObservationModel(1000, 0.4, detection_concentration=4.0), seed=9)
    per_day = days.sum(axis=1)
    assert steady.mean() == pytest.approx(8.0, abs=0.3)
    assert per_day.mean() == pytest.approx(8.0, abs=0.5)
    assert steady.var() == pytest.approx(4.8, rel=0.15)
    # n p (1 - p) (1 + (n - 1) / (k + 1)) = 4.8 * (1 + 19 / 5) = 23.04
    assert per_day.var() == pytest.approx(23.04, rel=0.15)
    # Never a department below the threshold, and the same draws for the same seed.
    quiet = participants.copy()
    quiet[:, :5] = 999
    model = ObservationModel(1000, 0.4, detection_concentration=4.0)
    assert not reported_active(quiet, model, seed=9)[:, :5].any()
    assert np.array_equal(reported_active(quiet, model, seed=9), reported_active(quiet, model, seed=9))


def test_detection_concentration_reads_from_the_scenario_and_stays_out_of_old_hashes():
    from uprising.scenario import load_scenario
    from uprising.scenario.loader import scenario_hash

    plain = load_scenario("peru-2022")
    varied = load_scenario("peru-2022", ["dynamics.observation.detection_concentration=5"])
    assert "detection_concentration" not in plain.model_dump(mode="json")["dynamics"]["observation"]
    assert scenario_hash(plain) != scenario_hash(varied)
    output = _synthetic_run({"threshold_people": 1000, "detection": 0.5, "detection_concentration": 5.0})
    assert ObservationModel.of(output).detection_concentration == 5.0


def _synthetic_run(observation: dict) -> RunOutput:
    """Two departments over three days: a large one and a small one with the same crowds."""
    from uprising.recorder.output import COUNT_COLUMNS
    from uprising.scenario import load_scenario

    params = load_scenario("peru-2022").model_dump(mode="json")
    params["dynamics"]["observation"] = observation
    rows = []
    for day in range(3):
        for name, people in (("Lima", 10_000_000), ("Moquegua", 180_000)):
            row = dict.fromkeys(COUNT_COLUMNS, 0) | {"quiescent": people, "participants": 3000}
            rows.append({"day": day, "department": name, **row})
    daily = pl.DataFrame(rows, schema=DAILY_SCHEMA)
    return RunOutput("peru-2022", 7, "h", params, "v", 0.0, ["Lima", "Moquegua"], daily)


def test_every_series_of_reported_departments_goes_through_the_rule():
    from uprising.experiment.summary_stats import _PeruRunStats
    from uprising.observed.metrics import run_metrics

    output = _synthetic_run({"threshold_people": 1000, "detection": 1.0, "threshold_per_million": 500.0})
    assert reported_active_of(output).tolist() == [[False, True]] * 3
    assert run_metrics(output)["departments_reported_active_by_day"] == [1, 1, 1]
    assert run_metrics(output)["days_reported_active_by_department"] == {"Lima": 0, "Moquegua": 3}
    assert run_metrics(output)["departments_active_max"] == 1.0
    stats = _PeruRunStats(3)(output)
    assert [stats[f"departments_reported_active_by_day[{d}]"] for d in range(3)] == [1, 1, 1]


@pytest.mark.parametrize(
    ("setting", "field", "bound"),
    [
        ("dynamics.observation.threshold_per_million=-5", "threshold_per_million", "1000000"),
        ("dynamics.observation.detection_slope=0", "detection_slope", "100"),
        ("dynamics.observation.detection_concentration=0", "detection_concentration", "10000"),
    ],
)
def test_an_out_of_range_observation_rule_is_one_line_with_its_range(setting, field, bound, tmp_path):
    result = invoke_command(
        "run", "peru-2022", "--runs", "1", "--set", setting, "--db", str(tmp_path / "s.duckdb")
    )
    line = one_error_line(result)
    assert field in line
    assert bound in line.replace(",", "").replace("_", "")
    assert not (tmp_path / "s.duckdb").exists()

"""The observation model: reporting threshold and detection probability, and the metrics and
command line that use it."""

from __future__ import annotations

import json

import numpy as np
import pytest

import uprising.cli.main  # noqa: F401  (registers the commands)
from tests.cli_checks import invoke_command, one_error_line
from uprising.observed.observation import ObservationModel, reported_active


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

"""Crowd estimates of December 2022: the packaged file, its checks, and the model beside it in
`uprising run --json`."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

import uprising.cli.main  # noqa: F401  (registers the commands)
from tests.cli_checks import invoke_command
from uprising.errors import DataError
from uprising.observed.crowds import COLUMNS, crowd_comparison, load_crowds
from uprising.recorder.output import RunOutput

HEADER = ",".join(COLUMNS)


def _file(tmp_path, *rows: str):
    path = tmp_path / "crowds.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_the_packaged_estimates_are_december_figures_in_known_departments():
    estimates = load_crowds()
    assert len(estimates) >= 10
    assert all(date(2022, 12, 7) <= e.date <= date(2022, 12, 31) for e in estimates)
    assert all(e.high is None or e.high >= e.low >= 1 for e in estimates)
    assert {"Lima", "Cusco", "Apurímac", "Arequipa", "Ayacucho"} <= {e.department for e in estimates}
    assert all(e.source.startswith("http") for e in estimates)


def test_every_estimate_is_kept_even_for_the_same_action():
    airport = [e for e in load_crowds() if e.date == date(2022, 12, 11) and e.department == "Apurímac"]
    assert sorted(e.low for e in airport) == [10, 100, 5000]


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("2022-12-09,event,Atlantis,plaza,1000,,press,http://x", ["line 2", "department", "Atlantis"]),
        ("2023-01-19,event,Lima,plaza,1000,,press,http://x", ["line 2", "date", "2022-12-31"]),
        ("2022-12-09,event,Lima,plaza,0,,press,http://x", ["line 2", "low", "[1, "]),
        ("2022-12-09,event,Lima,plaza,500,100,press,http://x", ["line 2", "high 100 below low 500"]),
        ("2022-12-09,rumour,Lima,plaza,500,,press,http://x", ["line 2", "date_basis", "event, report"]),
    ],
)
def test_a_bad_row_is_one_line_naming_its_field(tmp_path, row, words):
    with pytest.raises(DataError) as raised:
        load_crowds(_file(tmp_path, row))
    message = str(raised.value)
    assert "\n" not in message
    assert all(w in message for w in words)


def _output(participants: list[list[int]], departments: list[str]) -> RunOutput:
    days = len(participants)
    daily = pl.DataFrame(
        {
            "day": [d for d in range(days) for _ in departments],
            "participants": [p for row in participants for p in row],
        }
    )
    return RunOutput("s", 1, "h", {}, "v", 0.0, departments, daily, start_date="2022-12-07")


def test_the_comparison_is_the_median_over_runs_that_day_there_and_its_ratio(tmp_path):
    rows = (
        "2022-12-08,event,Lima,plaza,1000,2000,press,http://x",
        "2022-12-20,event,Lima,plaza,1000,,press,http://x",
    )
    estimates = load_crowds(_file(tmp_path, *rows), departments=["Lima", "Cusco"])
    runs = [_output([[0, 5], [k, 7]], ["Lima", "Cusco"]) for k in (100, 300, 2000)]
    first, beyond = crowd_comparison(runs, estimates)
    assert first["model_participants_median"] == 300
    assert first["ratio_to_low"] == 0.3
    assert first["ratio_to_high"] == 0.15
    assert beyond["model_participants_median"] is None and beyond["ratio_to_low"] is None


def test_run_json_puts_each_estimate_beside_the_model(tmp_path):
    from uprising.scenario import load_scenario

    sc = load_scenario("peru-2022").model_dump(mode="json")
    sc["world"].update(resolution_km=20, population_scale=1000)
    sc["run"]["steps"] = 8  # two days: 7 and 8 December
    sc.pop("calibrated", None)
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps(sc), encoding="utf-8")
    result = invoke_command(
        "run", str(path), "--runs", "2", "--json", "--no-report", "--db", str(tmp_path / "s.duckdb")
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output.strip().splitlines()[-1])["crowd_estimates"]
    assert len(rows) == len(load_crowds())
    lima = [r for r in rows if r["date"] == "2022-12-08" and r["department"] == "Lima"]
    assert lima and all(r["model_participants_median"] is not None for r in lima)
    assert all(r["model_participants_median"] is None for r in rows if r["date"] > "2022-12-08")

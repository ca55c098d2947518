"""`uprising forecast` and `uprising score` on a map world: the synthetic island of
docs/own_crisis.md (three regions, 1-10 March 2030) with the crisis its dynamics test runs,
forecast from 5 March (fit to 4 March) to 7 March and scored against a chosen observed.csv."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest

import uprising.cli.forecast  # noqa: F401  (registers `forecast` and `score`)
from tests.cli_checks import invoke_command, one_error_line
from tests.dynamics.test_map_crisis import DYNAMICS, EXAMPLE
from uprising.forecast.files import read_forecast
from uprising.forecast.scoring import crps_poisson
from uprising.world import cache

WINDOW = ["--fit-until", "2030-03-04", "--until", "2030-03-07"]
# Fit window (1-4 March): 2 deaths in N (0.5 a day), blockades 2 + 1 on 3 March (national 3).
# Forecast window (5-7 March): 1 death in S, S and C report protests on 5 March (N calm),
# blockades 3 + 2 on 6 March (national 5).
FIT_ROWS = """date,region,series,value
2030-03-02,N,deaths,2
2030-03-02,S,protest,1
2030-03-03,S,blockades,2
2030-03-03,C,blockades,1
2030-03-04,C,protest,1
"""
LATER_ROWS = """2030-03-05,S,deaths,1
2030-03-05,S,protest,1
2030-03-05,C,protest,1
2030-03-05,N,protest,0
"""
ROAD_ROWS = """2030-03-06,S,blockades,3
2030-03-06,C,blockades,2
2030-03-06,C,crowd_estimate,5000
"""
OBSERVED = FIT_ROWS + LATER_ROWS + ROAD_ROWS
PEOPLE = np.array([75_000.0, 140_000.0, 40_000.0])  # N, C, S: population.csv
OPPOSITION = np.array([45.0, 35.0, 70.0])  # indicators.csv opposition_vote_pct, direction against


@pytest.fixture(scope="module")
def island(tmp_path_factory) -> Path:
    """The island's folder with its crisis scenario (crisis.yaml) and the observed.csv above."""
    folder = tmp_path_factory.mktemp("map") / "own_crisis"
    shutil.copytree(EXAMPLE, folder)
    (folder / "island" / "observed.csv").write_text(OBSERVED, "utf-8")
    (folder / "crisis.yaml").write_text((EXAMPLE / "island.yaml").read_text() + DYNAMICS)
    cache.clear()
    return folder


def forecast(island: Path, out: Path, *args: str):
    return invoke_command("forecast", str(island / "crisis.yaml"), "--out", str(out), "--workers", "1", *args)


@pytest.fixture(scope="module")
def made(island, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("forecast") / "island.json"
    result = forecast(island, out, *WINDOW, "--runs", "2")
    assert result.exit_code == 0, result.output
    assert "calibrated" in result.stderr  # the warning of a forecast made without a fit
    return out


def score(made: Path, *folders: Path):
    observed = [item for f in folders for item in ("--observed", str(f))]
    return invoke_command("score", str(made), *observed, "--json")


def test_a_map_worlds_forecast_names_its_regions_series_and_calendar(made):
    data = json.loads(made.read_text())
    assert data["regions"] == ["Northcape", "Centrala", "Southmarsh"] and "departments" not in data
    assert data["region_codes"] == ["N", "C", "S"]
    assert (data["start_date"], data["run_until"]) == ("2030-03-01", "2030-03-10")
    assert list(data["series"]) == ["deaths_by_region", "blockades_by_day", "regions_reported_active_by_day"]
    assert data["metadata"]["observed"] == "island"  # the world's own folder, by name
    fc = read_forecast(made)
    assert [d.isoformat() for d in fc.dates] == ["2030-03-05", "2030-03-06", "2030-03-07"]
    assert fc.members["deaths_by_department"].shape == (2, 3, 3)


def test_the_alignment_baseline_shares_people_weighted_by_the_alignment_column(made):
    alignment = json.loads(made.read_text())["alignment"]
    assert (alignment["column"], alignment["direction"]) == ("opposition_vote_pct", "against")
    weight = PEOPLE * OPPOSITION
    assert alignment["share"] == pytest.approx(weight / weight.sum(), abs=1e-6)


def test_score_reads_the_observed_csv_of_the_regions_with_the_alignment_baseline(made, island):
    result = score(made, island / "island")
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert set(scores["crps"]["deaths_by_region"]) == {"model", "persistence", "shares", "alignment"}
    # 3 days x 3 regions of deaths; the national blockades of 6 March; the lists of 5 March
    # (a protest row of value 0 reports its region calm), over 3 regions.
    assert scores["observations"] == {
        "deaths_by_region": 9, "blockades_by_day": 1, "regions_reported_active_by_day": 1,
        "region_days_reported": 3,
    }  # fmt: skip
    # Blockades: a day's national figure is the sum over regions (3 on 3 March, 5 on 6 March).
    assert scores["crps"]["blockades_by_day"]["shares"] == pytest.approx(crps_poisson(3.0, 5.0), abs=1e-4)
    # Deaths: the fit window's 0.5 a day shared by people times the opposition's vote.
    share = PEOPLE * OPPOSITION / (PEOPLE * OPPOSITION).sum()
    y = np.array([[0, 0, 1], [0, 0, 0], [0, 0, 0]])
    expected = crps_poisson(np.tile(0.5 * share, (3, 1)), y).mean()
    assert scores["crps"]["deaths_by_region"]["alignment"] == pytest.approx(expected, abs=1e-4)
    assert scores["brier"]["regions_reported_active_by_day"]["shares"] == pytest.approx(
        np.mean([(0 - 0) ** 2, (0.5 - 1) ** 2, (0.5 - 1) ** 2]), abs=1e-4
    )


def test_score_prints_a_table_naming_regions_and_the_alignment_baseline(made, island):
    result = invoke_command("score", str(made), "--observed", str(island / "island"))
    assert result.exit_code == 0, result.output
    for word in ("deaths_by_region", "alignment", "region reported active", "calibrated"):
        assert word in result.stdout
    assert "castillo" not in result.stdout and "department" not in result.stdout


def test_score_joins_a_map_worlds_folders(made, island, tmp_path):
    lines = OBSERVED.splitlines()
    for name, rows in (("fit", lines[1:6]), ("rest", lines[6:])):
        (tmp_path / name).mkdir()
        (tmp_path / name / "observed.csv").write_text("\n".join([lines[0], *rows]) + "\n", "utf-8")
    joined = score(made, tmp_path / "fit", tmp_path / "rest")
    assert json.loads(joined.stdout) == json.loads(score(made, island / "island").stdout)


def observed_folder(tmp_path: Path, extra: str) -> Path:
    folder = tmp_path / "observed"
    folder.mkdir()
    (folder / "observed.csv").write_text(OBSERVED + extra + "\n", "utf-8")
    return folder


BAD_OBSERVED = [
    ("2030-03-05,X,deaths,1", "line 14, column region: 'X' is not a region", "expected one of N, C, S"),
    ("2030-02-28,N,deaths,1", "line 14, column date: 2030-02-28 is outside", "from 2030-03-01 to 2030-03-10"),
    ("2030-03-11,N,deaths,1", "line 14, column date: 2030-03-11 is outside", "from 2030-03-01 to 2030-03-10"),
    ("2030-03-05,N,deaths,-1", "line 14, column value: '-1'", "from 0 to 1e12"),
]


@pytest.mark.parametrize("extra, where, allowed", BAD_OBSERVED)
def test_score_refuses_observed_rows_it_cannot_place(made, tmp_path, extra, where, allowed):
    line = one_error_line(score(made, observed_folder(tmp_path, extra)))
    assert "observed.csv" in line and where in line and allowed in line


@pytest.mark.parametrize("extra, where, allowed", BAD_OBSERVED)
def test_forecast_refuses_observed_rows_it_cannot_place_and_writes_nothing(
    island, tmp_path, extra, where, allowed
):
    folder = observed_folder(tmp_path, extra)
    out = tmp_path / "out" / "f.json"
    line = one_error_line(forecast(island, out, *WINDOW, "--observed", str(folder)))
    assert "--observed" in line and where in line and allowed in line
    assert not out.parent.exists()


@pytest.mark.parametrize(
    "args, option, allowed",
    [
        (
            ["--fit-until", "2030-02-28", "--until", "2030-03-05"],
            "--fit-until",
            "from 2030-03-01 to 2030-03-09",
        ),
        (
            ["--fit-until", "2030-03-10", "--until", "2030-03-10"],
            "--fit-until",
            "from 2030-03-01 to 2030-03-09",
        ),
        (["--fit-until", "2030-03-05", "--until", "2030-03-04"], "--until", "after --fit-until (2030-03-05)"),
        (["--fit-until", "2030-03-05", "--until", "2030-03-12"], "--until", "at most 2030-03-10"),
        ([*WINDOW, "--observed", "elsewhere"], "--observed", "not a folder"),
    ],
)
def test_bad_map_forecast_options_give_one_line_naming_the_option_and_write_nothing(
    island, tmp_path, args, option, allowed
):
    line = one_error_line(forecast(island, tmp_path / "f.json", *args))
    assert option in line and allowed in line
    assert list(tmp_path.iterdir()) == []


def test_a_folder_given_for_a_map_world_needs_an_observed_csv(island, tmp_path):
    (tmp_path / "empty").mkdir()
    line = one_error_line(
        forecast(island, tmp_path / "f.json", *WINDOW, "--observed", str(tmp_path / "empty"))
    )
    assert "missing observed.csv (date, region, series, value)" in line


def test_a_world_without_places_cannot_be_forecast(tmp_path):
    scenario = tmp_path / "torus.yaml"
    scenario.write_text("name: torus\nrun: {steps: 20, ticks_per_day: 2, start_date: 2030-03-01}\n")
    line = one_error_line(
        invoke_command("forecast", str(scenario), "--out", str(tmp_path / "f.json"), *WINDOW)
    )
    assert "world.kind torus" in line and "allowed: peru, map" in line


def test_the_own_crisis_page_forecasts_and_scores_the_island_as_it_shows(tmp_path, monkeypatch):
    page = (EXAMPLE.parents[1] / "docs" / "own_crisis.md").read_text("utf-8")
    block = page.split("## Forecasting your crisis", 1)[1].split("```\n", 2)[1]
    shutil.copytree(EXAMPLE, tmp_path / "examples" / "own_crisis")
    monkeypatch.chdir(tmp_path)
    cache.clear()
    for line in block.strip().splitlines():
        words = shlex.split(line)
        assert words[0] == "uprising"
        result = invoke_command(*words[1:])
        assert result.exit_code == 0, result.output
    for word in ("deaths_by_region", "regions_reported_active_by_day", "alignment"):
        assert word in result.stdout and word in page
    assert read_forecast(tmp_path / "island-forecast.json").metadata["runs"] == 4

"""The crisis layer on a map world (`world.kind: map`): everything it knows of the map comes
from the world's data folder. The folder is the synthetic island of docs/own_crisis.md."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import uprising.cli.run  # noqa: F401  (registers the command)
from tests.cli_checks import invoke_command, one_error_line
from uprising.errors import ScenarioError
from uprising.model import Model
from uprising.scenario.loader import load_scenario
from uprising.world import cache
from uprising.world.build import run_calendar
from uprising.world.map_world import crisis_geography

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "own_crisis"
DYNAMICS = """
dynamics:
  active_department_people: 200
  participation: {daily_cost: 0.5}
  observation: {threshold_people: 200, detection: 1.0}
  lethality: {crowd_min_people: 200, police_rate: 50, military_rate: 50, lethal_share: 1.0,
              blockade_rate: 0.0}
  timeline:
    - {kind: legitimacy_shock, when: 2030-03-02, size: 0.2, alignment: 1.0, label: decree}
    - {kind: call, when: 2030-03-02, days: 3, departments: [S, Northcape], march_to: C}
    - {kind: deployment, when: 2030-03-03, departments: [C], military: 1000, days: 2, label: emergency}
"""


@pytest.fixture()
def crisis_file(tmp_path: Path) -> Path:
    """The island's scenario with a small dynamics section: a shock, a call, a deployment."""
    shutil.copytree(EXAMPLE, tmp_path / "own_crisis")
    cache.clear()
    path = tmp_path / "own_crisis" / "crisis.yaml"
    path.write_text((EXAMPLE / "island.yaml").read_text() + DYNAMICS)
    return path


def test_the_crisis_takes_neighbours_capitals_roads_sites_and_alignment_from_the_folder(crisis_file):
    scenario = load_scenario(str(crisis_file))
    geo = crisis_geography(scenario.world, run_calendar(scenario))
    assert geo.codes == ["N", "C", "S"]
    assert geo.adjacency.astype(int).tolist() == [[0, 1, 0], [1, 0, 1], [0, 1, 0]]  # touching squares
    assert geo.capitals_lonlat.tolist() == [[10.05, 0.15], [10.30, 0.10], [10.50, 0.10]]  # largest seats
    names = ["Capital airport", "North station", "Marsh station", "Marsh bridge"]
    assert [name for name, _, _ in geo.sites] == names  # sites.csv
    assert geo.alignment_pct.tolist() == [45.0, 35.0, 70.0]  # opposition_vote_pct, direction against
    reference = (45 * 75_000 + 35 * 140_000 + 70 * 40_000) / 255_000  # population-weighted mean
    assert geo.national_alignment_pct == pytest.approx(reference)

    crisis = Model(scenario).crisis
    lattice = crisis.sim.world.lattice
    roads = geo.layout.road_cells[lattice.department[geo.layout.road_cells] >= 0]
    assert np.array_equal(np.flatnonzero(crisis.road), np.sort(roads))  # roads.geojson, not lines
    assert lattice.department[crisis.site_cell].tolist() == [1, 0, 2, 2]
    assert lattice.department[crisis.capital_cell].tolist() == [0, 1, 2]


def test_a_shock_goes_deeper_where_the_alignment_column_is_higher(crisis_file):
    overrides = ["world.alignment.reference=50", "dynamics.legitimacy.feedback=false"]
    model = Model(load_scenario(str(crisis_file), overrides))
    model.step(3)  # to the first tick of 2 March (day 1), when the shock comes
    drop = model.sim.legitimacy_drop
    decay = model.crisis.decay
    assert drop / decay == pytest.approx(0.2 * np.array([45.0, 35.0, 70.0]) / 50.0, rel=1e-6)


def test_a_run_with_dynamics_on_a_map_has_participants_events_and_deaths(crisis_file):
    out = Model(load_scenario(str(crisis_file))).run()
    national = out.national()
    assert national["participants"].sum() > 0
    kinds = set(out.events["kind"].to_list())
    assert {"legitimacy_shock", "call", "deployment", "withdrawal", "confrontation", "deaths"} <= kinds
    killed = int(national["killed"].sum())
    outcomes = out.events.filter(out.events["kind"] == "confrontation")["outcome"].to_list()
    tolls = sum(int(text.split(": ")[1].split()[0]) for text in outcomes)
    assert killed > 0 and killed == tolls  # every death in a confrontation (no blockade deaths)
    forces = national["forces"].to_list()
    soldiers = [f - forces[0] for f in forces]  # people: 100 agents at 1:10
    assert soldiers == [0, 0, 1000, 1000, 0, 0, 0, 0, 0, 0]  # for the emergency's 2 days


def test_a_timeline_naming_no_region_of_the_folder_is_refused_in_one_line(crisis_file, tmp_path):
    text = crisis_file.read_text().replace("departments: [C]", "departments: [Lima]")
    crisis_file.write_text(text)
    with pytest.raises(ScenarioError, match="unknown; expected one of Northcape, Centrala, Southmarsh"):
        Model(load_scenario(str(crisis_file)))
    db = str(tmp_path / "runs.duckdb")
    result = invoke_command("run", str(crisis_file), "--runs", "1", "--no-report", "--json", "--db", db)
    assert "dynamics.timeline (deployment on 2030-03-03)" in one_error_line(result)


def test_the_folder_observed_csv_is_read_on_the_days_of_the_run(crisis_file):
    from uprising.observed import load_map_observed, observed_metrics

    obs = load_map_observed(crisis_file.parent / "island", date(2030, 3, 1), 10)
    assert obs.regions_active.select("day", "department").rows() == [(1, "Southmarsh"), (3, "Centrala")]
    assert obs.blockades.filter(pl.col("department") == "").select("day", "blockades").rows() == [(2, 2)]
    metrics = observed_metrics(obs, days=10)
    assert metrics["departments_active_by_day"] == [None, 1, None, 1] + [None] * 6
    assert metrics["blockades_by_day"][2] == 2 and metrics["total_deaths"] == 0


def test_run_prints_and_reports_a_map_world_observed_against_simulated(crisis_file, tmp_path):
    observed = crisis_file.parent / "island" / "observed.csv"
    observed.write_text(observed.read_text() + "2030-03-03,C,deaths,2\n2030-03-04,C,deaths,1\n")
    db, out = str(tmp_path / "runs.duckdb"), str(tmp_path / "report")
    result = invoke_command("run", str(crisis_file), "--runs", "2", "--db", db, "--out", out)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "deaths (obs.)" in text and "Regions reported active by day" in text
    centrala = next(line for line in text.splitlines() if "Centrala" in line)
    assert centrala.rstrip(" │|").split()[-1] == "3"  # its observed deaths, in the last column
    assert "2030-03-02" in text  # the days are dated from the run's start
    page = (tmp_path / "report" / "report.html").read_text()
    assert "Validation scorecard" in page
    assert "total deaths (days 0 to 9)" in page and "region-days reported active" in page
    line = json.loads(
        invoke_command("run", str(crisis_file), "--runs", "2", "--db", db, "--json", "--no-report").stdout
    )
    assert "ranking_spearman" in line and line["deaths_by_region"]["Centrala"] >= 0

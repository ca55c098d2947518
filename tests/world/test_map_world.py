"""The map world (`world.kind: map`): any country from a data folder, checked file by file.

The folder used is the synthetic island of docs/own_crisis.md (examples/own_crisis/), copied
so that each test may break one of its files.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import uprising.cli.run  # noqa: F401  (registers the command)
import uprising.cli.world  # noqa: F401  (registers the command)
from tests.cli_checks import invoke_command, one_error_line
from tests.world.conftest import EXAMPLE
from uprising.scenario.loader import load_scenario
from uprising.world.map_world import build_map_world, map_layout


def build(scenario: Path, seed: int = 1):
    loaded = load_scenario(str(scenario))
    return build_map_world(loaded.world, seed)


def test_a_scenario_file_names_its_data_folder_relative_to_itself(island, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # not the scenario's folder
    loaded = load_scenario(str(island / "island.yaml"))
    assert Path(loaded.world.data) == (island / "island").resolve()


def test_the_island_is_three_equal_regions_holding_their_people_as_agents(island):
    built = build(island / "island.yaml")
    lattice, world = built.world.lattice, built.world
    assert lattice.department_names == ["Northcape", "Centrala", "Southmarsh"]
    cells = np.bincount(lattice.department[lattice.department >= 0], minlength=3)
    assert cells[0] == cells[1] == cells[2]  # equal squares, equal-area projection
    # 75,000, 140,000 and 40,000 people at 1:10
    assert np.bincount(lattice.department[world.citizen_cell]).tolist() == [7500, 14000, 4000]
    assert world.cops == round(255_000 * 300 / 1e5 / 10)


def test_hardship_and_legitimacy_follow_the_named_columns_and_directions(island):
    built = build(island / "island.yaml")
    # Southmarsh: the poorest, fewest services, most opposition votes; Centrala the reverse.
    assert np.argmax(built.hardship_mu) == 2 and np.argmin(built.hardship_mu) == 1
    multiplier = built.world.legitimacy_multiplier
    assert np.argmin(multiplier) == 2 and np.argmax(multiplier) == 1
    text = (island / "island.yaml").read_text().replace("direction: against", "direction: for")
    (island / "island.yaml").write_text(text)
    assert np.argmax(build(island / "island.yaml").world.legitimacy_multiplier) == 2


def test_sites_roads_and_adjacency_are_placed_on_the_lattice(island):
    layout = build(island / "island.yaml").layout
    dept = layout.lattice.department
    assert dept[layout.site_cells["airport"]].tolist() == [1]
    assert dept[layout.site_cells["police"]].tolist() == [0, 2]
    assert set(dept[layout.road_cells][dept[layout.road_cells] >= 0].tolist()) == {0, 1, 2}
    assert layout.adjacency == ((0, 1), (1, 2))  # derived from the polygons
    (island / "island" / "adjacency.csv").write_text("region_a,region_b\nN,S\n")
    assert build(island / "island.yaml").layout.adjacency == ((0, 2),)


def test_the_layout_is_built_once_and_again_when_a_file_changes(island):
    loaded = load_scenario(str(island / "island.yaml"))
    first = map_layout(loaded.world)
    assert map_layout(loaded.world) is first
    assert build_map_world(loaded.world, 2).world.lattice.department is not first.lattice.department
    population = island / "island" / "population.csv"
    population.write_text(population.read_text().replace("40000", "50000"))
    assert map_layout(loaded.world) is not first
    assert map_layout(loaded.world).targets[2] == 5000


def test_the_world_command_summarises_a_map_world(island):
    result = invoke_command("world", str(island / "island.yaml"), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["world"] == "map" and summary["citizens"] == 25500


def test_check_passes_the_example_folder(island):
    result = invoke_command("world", "--check", str(island / "island"))
    assert result.exit_code == 0, result.output
    assert "no problems (3 regions, 5 seats, 255,000 people, 4 sites, 1 road)" in result.stdout


def break_file(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def break_everything(island: Path) -> None:
    """Five problems, one of each kind, in four files."""
    data = island / "island"
    break_file(data, "indicators.csv", "S,45", "X,45")  # unknown region code
    doc = json.loads((data / "regions.geojson").read_text())
    doc["features"][0]["geometry"]["coordinates"][0].pop()  # the ring no longer closes
    (data / "regions.geojson").write_text(json.dumps(doc))
    break_file(data, "population.csv", "S,Marsh town,10.50", "C,Marsh town,10.50")  # outside
    break_file(data, "sites.csv", "kind,name", "what,name")  # missing column
    break_file(data, "observed.csv", "2030-03-04", "2030-04-04")  # after the run's last day


def test_check_lists_every_problem_with_file_row_and_column(island):
    break_everything(island)
    result = invoke_command("world", "--check", str(island / "island.yaml"))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("error: data file ") for line in lines[:-1])
    text = "\n".join(lines)
    assert "regions.geojson: feature 0 (N), geometry: ring 0 does not close" in text
    assert "population.csv: line 6, columns lon, lat: (10.5, 0.1) lies outside region C" in text
    assert "indicators.csv: line 4, column region: 'X' is not a region of regions.geojson" in text
    assert "sites.csv: line 1, column kind: missing column" in text
    assert "observed.csv: line 4, column date: 2030-04-04 is outside the run" in text
    assert lines[-1].endswith("problems in " + str((island / "island").resolve()))


def test_check_of_a_bare_folder_cannot_know_the_run_but_finds_the_rest(island):
    break_everything(island)
    result = invoke_command("world", "--check", str(island / "island"))
    assert result.exit_code == 2
    assert "observed.csv" not in result.stderr
    assert result.stderr.count("error: data file ") >= 5  # the N region is lost: its rows too


def test_run_refuses_a_folder_with_problems_naming_the_first_and_counting_the_rest(island, tmp_path):
    break_everything(island)
    db = str(tmp_path / "runs.duckdb")
    result = invoke_command(
        "run", str(island / "island.yaml"), "--runs", "1", "--no-report", "--json", "--db", db
    )
    line = one_error_line(result)
    assert "data file regions.geojson: feature 0 (N), geometry: ring 0 does not close" in line
    assert "more problems: uprising world --check" in line


def test_a_map_world_takes_no_institutions_and_may_take_dynamics(island):
    loaded = load_scenario(str(island / "island.yaml"))
    assert loaded.institutions is None and loaded.dynamics is None
    crisis = load_scenario(str(island / "island.yaml"), ["dynamics.active_department_people=1000"])
    assert crisis.dynamics is not None and crisis.dynamics.active_department_people == 1000


def test_the_run_holds_its_last_day_and_not_the_next(island):
    data = island / "island"
    break_file(data, "observed.csv", "2030-03-04", "2030-03-10")  # day 9 of 0..9 (20 ticks, 2 a day)
    assert invoke_command("world", "--check", str(island / "island.yaml")).exit_code == 0
    break_file(data, "observed.csv", "2030-03-10", "2030-03-11")
    result = invoke_command("world", "--check", str(island / "island.yaml"))
    assert "2030-03-11 is outside the run (2030-03-01 to 2030-03-10" in result.stderr


def test_the_world_command_takes_resolution_and_scale_within_the_map_world_ranges(island):
    scenario = str(island / "island.yaml")
    result = invoke_command("world", scenario, "--resolution", "1", "--scale", "100", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["resolution_km"] == 1 and summary["citizens"] == 2550
    line = one_error_line(invoke_command("world", scenario, "--resolution", "0.01"))
    assert line == "error: --resolution 0.01: must be a number from 0.1 to 50 km"


def test_an_empty_indicator_is_no_figure_and_said_so_but_an_empty_column_is_a_problem(island):
    data = island / "island"
    break_file(data, "indicators.csv", "S,45,50", "S,,50")
    result = invoke_command("world", str(island / "island.yaml"))
    assert result.exit_code == 0, result.output
    assert "note: indicators.csv poverty_pct: no figure for 1 of 3 regions" in result.stdout
    break_file(data, "indicators.csv", "N,30", "N,")
    break_file(data, "indicators.csv", "C,15", "C,")
    result = invoke_command("world", "--check", str(island / "island.yaml"))
    assert "error: data file indicators.csv: column poverty_pct: no figure in any row" in result.stderr


def test_check_names_the_folders_own_word_for_its_regions(island):
    (island / "island" / "metadata.json").write_text('{"region": "county", "regions": "counties"}')
    result = invoke_command("world", "--check", str(island / "island"))
    assert result.exit_code == 0, result.output
    assert "no problems (3 counties, 5 seats" in result.stdout
    plain = invoke_command("world", "--check", str(EXAMPLE / "island"))  # no metadata.json
    assert "no problems (3 regions, 5 seats" in plain.stdout


def test_check_lists_the_problems_of_metadata_json(island):
    (island / "island" / "metadata.json").write_text('{"region": "county", "colour": "red"}')
    result = invoke_command("world", "--check", str(island / "island"))
    assert result.exit_code == 2, result.output
    text = result.stderr
    assert "data file metadata.json: key 'colour': unknown; the keys are region, regions" in text
    assert "data file metadata.json: key regions: missing; give both, letters and spaces" in text

"""Peru's blockade points on a road network given as a GeoJSON file (`world.roads_geojson`)
instead of the straight lines between the capitals of neighbouring departments."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

import uprising.cli.run  # noqa: F401  (registers the command)
from tests.cli_checks import invoke_command, one_error_line
from uprising.errors import ScenarioError
from uprising.model import Model
from uprising.scenario import load_scenario, scenario_hash
from uprising.world.projection import cell_centres_xy_km, lonlat_to_cell, lonlat_to_xy_km

SMALL = ["world.population_scale=1000", "run.steps=4"]
# The road of Lake Titicaca's western shore (PE-3S, then PE-36A): town centres, lon/lat.
JULIACA, PUNO, ILAVE, POMATA = (-70.133, -15.500), (-70.020, -15.840), (-69.638, -16.086), (-69.293, -16.273)
DESAGUADERO = (-69.040, -16.565)  # the border town: outside the simplified limits of Puno
IQUITOS = (-73.254, -3.749)  # no road reaches it


def write_roads(path: Path, *lines: list[tuple[float, float]]) -> Path:
    features = [
        {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": line}}
        for line in lines
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def road_flags(overrides: list[str]) -> tuple[np.ndarray, object]:
    crisis = Model(load_scenario("peru-2022", SMALL + overrides)).crisis
    return crisis.road, crisis.sim.world.lattice


def cell(lattice, lonlat: tuple[float, float]) -> int:
    return int(lonlat_to_cell(lattice, lonlat[0], lonlat[1]))


def test_the_road_cells_are_those_of_the_network_file(tmp_path):
    shore = [JULIACA, PUNO, ILAVE, POMATA, DESAGUADERO]
    road, lattice = road_flags([f"world.roads_geojson={write_roads(tmp_path / 'roads.geojson', shore)}"])
    assert all(road[cell(lattice, town)] for town in shore[:-1])
    assert not road[cell(lattice, IQUITOS)]
    # Every road cell is crossed by the line: its centre lies within half a diagonal (5 km cells) of it.
    x, y = lonlat_to_xy_km(lattice, *np.array(shore).T)
    line = shapely.LineString(np.column_stack([x, y]))
    centres = shapely.points(cell_centres_xy_km(lattice, np.flatnonzero(road)))
    assert shapely.distance(line, centres).max() <= 5 * np.sqrt(2) / 2 + 1e-9
    assert set(lattice.department[road].tolist()) == {lattice.department_names.index("Puno")}


def test_without_a_file_the_roads_are_the_lines_between_capitals():
    road, lattice = road_flags([])
    assert road[cell(lattice, PUNO)]  # a capital: an end of its lines
    assert not road[cell(lattice, JULIACA)] and not road[cell(lattice, ILAVE)]  # off every line
    assert road[cell(lattice, IQUITOS)]  # the lines cross the roadless forest of Loreto


def test_a_multilinestring_counts_every_part(tmp_path):
    two = tmp_path / "two.geojson"
    geometry = {"type": "MultiLineString", "coordinates": [[JULIACA, PUNO], [ILAVE, POMATA]]}
    feature = {"type": "Feature", "properties": {}, "geometry": geometry}
    two.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), "utf-8")
    road, lattice = road_flags([f"world.roads_geojson={two}"])
    assert road[cell(lattice, JULIACA)] and road[cell(lattice, POMATA)]


@pytest.mark.parametrize(
    "content, problem",
    [
        ("{not json", "not valid JSON"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": [{"geometry": {"type": "Point", '
         '"coordinates": [-70, -15]}}]}', "feature 0, geometry: not a LineString or MultiLineString"),
        ('{"type": "FeatureCollection", "features": []}', "no LineString or MultiLineString"),
        ('{"type": "FeatureCollection", "features": [{"geometry": {"type": "LineString", '
         '"coordinates": [[10, 50], [11, 51]]}}]}', "crosses a department"),
    ],
)  # fmt: skip
def test_a_malformed_roads_file_is_refused_naming_the_field(tmp_path, content, problem):
    bad = tmp_path / "roads.geojson"
    bad.write_text(content, "utf-8")
    with pytest.raises(ScenarioError, match=problem) as err:
        road_flags([f"world.roads_geojson={bad}"])
    assert str(err.value).startswith("world.roads_geojson: ") and "\n" not in str(err.value)


def test_the_run_command_refuses_a_missing_roads_file_in_one_line_and_stores_nothing(tmp_path):
    db = tmp_path / "runs.duckdb"
    args = ("peru-2022", "--runs", "1", "--json", "--no-report", "--db", str(db))
    line = one_error_line(
        invoke_command("run", *args, "--set", f"world.roads_geojson={tmp_path / 'none.geojson'}")
    )
    assert "world.roads_geojson" in line and "not found" in line, line
    assert not db.exists()


def test_the_switch_left_unset_keeps_the_scenario_and_its_hash():
    plain = load_scenario("peru-2022")
    assert plain.world.roads_geojson is None
    assert "roads_geojson" not in plain.model_dump(mode="json")["world"]
    assert scenario_hash(plain) != scenario_hash(
        load_scenario("peru-2022", ["world.roads_geojson=x.geojson"])
    )


def test_an_edited_roads_file_is_read_again(tmp_path):
    roads = write_roads(tmp_path / "roads.geojson", [JULIACA, PUNO])
    road, lattice = road_flags([f"world.roads_geojson={roads}"])
    assert road[cell(lattice, JULIACA)] and not road[cell(lattice, POMATA)]
    write_roads(roads, [JULIACA, PUNO], [ILAVE, POMATA])
    road, lattice = road_flags([f"world.roads_geojson={roads}"])
    assert road[cell(lattice, JULIACA)] and road[cell(lattice, POMATA)]

"""The seed-free parts of a crisis on Peru's map (the road lines, the agents' homes) are drawn
once per process, and a remembered part gives every run what a fresh one would."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from uprising.dynamics import geography
from uprising.dynamics.geography import LatticeFrame, road_cells
from uprising.scenario.world import PeruWorld
from uprising.world import peru
from uprising.world.map_world import crisis_geography, map_layout

COARSE = PeruWorld(resolution_km=20.0, population_scale=1000.0)


def peru_roads(lattice):
    geo = crisis_geography(peru.peru_map_world(COARSE), source=peru.peru_source())
    return road_cells(lattice, LatticeFrame(lattice), geo.capitals_lonlat, geo.adjacency)


def fresh_roads(lattice):
    geography._ROAD_LINES.clear()
    return peru_roads(lattice)


def test_road_lines_are_drawn_once_and_give_what_a_fresh_drawing_gives(monkeypatch):
    lattice = peru.build_peru_world(COARSE, seed=1).world.lattice
    expected = fresh_roads(lattice)
    drawn = []
    original = geography.polyline_cells
    monkeypatch.setattr(geography, "polyline_cells", lambda *a: drawn.append(1) or original(*a))
    other_run = peru.build_peru_world(COARSE, seed=2).world.lattice
    again = peru_roads(other_run)
    assert drawn == []  # nothing drawn again for a second run on the same map
    assert np.array_equal(again, expected) and expected.size > 0


def test_remembered_road_lines_keep_only_the_cells_of_this_lattices_regions():
    lattice = peru.build_peru_world(COARSE, seed=1).world.lattice
    all_roads = fresh_roads(lattice)
    department = lattice.department.copy()
    department[department == department[all_roads[0]]] = -1  # one region taken off the map
    fewer = replace(lattice, department=department)
    remembered = peru_roads(fewer)
    assert np.array_equal(remembered, fresh_roads(fewer))
    assert remembered.size < all_roads.size and np.all(fewer.department[remembered] >= 0)


def test_the_agents_homes_are_built_once_and_each_world_writes_its_own_copy():
    layout = map_layout(peru.peru_map_world(COARSE), source=peru.peru_source())
    assert not layout.homes.flags.writeable
    first = peru.build_peru_world(COARSE, seed=1).world
    assert np.array_equal(first.citizen_cell, layout.homes)
    first.citizen_cell[:] = -1  # a world may write its own homes
    second = peru.build_peru_world(COARSE, seed=2).world
    assert np.array_equal(second.citizen_cell, layout.homes)
    # by department, then cell, as many per cell as the layout counts
    cells = np.repeat(np.arange(layout.counts.size), layout.counts)
    by_department = cells[np.argsort(layout.lattice.department[cells], kind="stable")]
    assert np.array_equal(second.citizen_cell, by_department)


def test_a_run_whose_travellers_outgrow_their_list_runs_as_any_other():
    from uprising.model import Model
    from uprising.scenario import load_scenario

    scenario = load_scenario("peru-2022", ["world.population_scale=1000", "run.steps=40"])
    plain = Model(scenario, seed=5)
    short = Model(scenario, seed=5)
    short.crisis._movers = np.zeros(1, dtype=np.int64)  # grown, and the travellers listed again
    a, b = plain.run(), short.run()
    assert short.crisis._movers.size > 1
    assert a.daily.equals(b.daily) and a.events.equals(b.events)

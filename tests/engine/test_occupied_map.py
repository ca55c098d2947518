"""A bounded map is stepped over the cells that hold agents, and that changes nothing: tick by
tick, the same states, jail terms, cells and arrests as the step over every cell."""

from __future__ import annotations

import numpy as np
import pytest

from uprising.engine.lattice import Lattice, World
from uprising.engine.params import EngineParams, RuleSwitches
from uprising.engine.simulation import Simulation
from uprising.engine.steppers import MapStepper, OccupiedMapStepper


def scattered_world(seed: int, per_cell_legitimacy: bool) -> World:
    """A 30 x 40 map with sea (department -1), crowds on a few cells, lone citizens elsewhere
    (some at sea), and cops on the crowds, the edges and the corners."""
    rng = np.random.default_rng(seed)
    height, width = 30, 40
    department = np.where(rng.random(height * width) < 0.3, -1, rng.integers(0, 3, height * width))
    crowds = rng.integers(0, height * width, 6)
    home = np.concatenate([np.repeat(crowds, 40), rng.integers(0, height * width, 300)]).astype(np.int32)
    corners = [0, width - 1, (height - 1) * width, height * width - 1]
    cops = np.concatenate([crowds[:3], corners, rng.integers(0, height * width, 12)]).astype(np.int32)
    lattice = Lattice(height, width, False, 0, department.astype(np.int16), ["a", "b", "c"], cell_km=5.0)
    cells = height * width
    own = rng.uniform(0.7, 1.2, cells).astype(np.float32) if per_cell_legitimacy else None
    return World(
        lattice=lattice,
        citizen_cell=home,
        hardship=rng.random(home.size).astype(np.float32),
        risk_aversion=rng.random(home.size).astype(np.float32),
        cop_cell=cops,
        cop_kind=np.zeros(cops.size, np.int8),
        legitimacy_multiplier=np.array([1.0, 0.8, 1.1]),
        cell_legitimacy_multiplier=own,
    )


def params(vision: float, keep_site: bool) -> EngineParams:
    return EngineParams(
        schedule="synchronous",
        seed=11,
        legitimacy=0.75,
        threshold=0.05,
        arrest_prob_constant=2.3,
        rounding=2,
        citizen_vision=vision,
        cop_vision=vision + 1,
        max_jail_term=4,
        rules=RuleSwitches(neighbourhood="euclidean", jailed_keep_site=keep_site),
    )


@pytest.mark.parametrize(
    ("vision", "keep_site", "per_cell"),
    [(2.0, False, True), (1.0, True, False), (45.0, False, False)],  # 45: wider than the map
)
def test_the_step_over_occupied_cells_is_the_step_over_every_cell(vision, keep_site, per_cell):
    world = scattered_world(5, per_cell)
    sims = [Simulation(world, params(vision, keep_site)) for _ in range(2)]
    assert isinstance(sims[0].stepper, OccupiedMapStepper)
    sims[1].stepper = MapStepper(sims[1])
    moves = np.random.default_rng(9)
    arrests = 0
    for tick in range(12):
        # Between ticks, as the crisis does: some free citizens and cops move, drops change.
        free = np.flatnonzero(sims[0].cit_cell >= 0)
        who = moves.choice(free, 40, replace=False)
        to = moves.integers(0, world.lattice.cells, 40).astype(np.int32)
        cops_to = moves.integers(0, world.lattice.cells, sims[0].cop_cell.size).astype(np.int32)
        stray = np.flatnonzero((sims[0].state == 1) & (sims[0].cit_cell >= 0))[:1]  # taken off
        for sim in sims:
            sim.cit_cell[who] = to
            sim.cit_cell[stray] = -1
            if tick % 3 == 0:
                sim.cop_cell[:] = cops_to
            sim.legitimacy_drop[:] = 0.02 * tick
            sim.step()
        a, b = sims
        assert np.array_equal(a.state, b.state) and np.array_equal(a.jail, b.jail)
        assert np.array_equal(a.cit_cell, b.cit_cell)
        assert np.array_equal(a.arrests_by_dept, b.arrests_by_dept)
        arrests += int(a.arrests_by_dept.sum())
    assert arrests > 0 and 0 < np.count_nonzero(sims[0].state == 1) < world.citizens


def test_a_torus_or_a_crowded_map_keeps_the_step_over_every_cell():
    world = scattered_world(2, False)
    world.lattice.torus = True
    assert isinstance(Simulation(world, params(2.0, True)).stepper, MapStepper)
    crowded = scattered_world(2, False)
    crowded.lattice.height, crowded.lattice.width = 3, 4  # 540 citizens on 12 cells
    crowded.lattice.department = crowded.lattice.department[:12]
    crowded.citizen_cell = crowded.citizen_cell % 12
    crowded.cop_cell = crowded.cop_cell % 12
    assert isinstance(Simulation(crowded, params(2.0, True)).stepper, MapStepper)


def test_an_active_taken_off_the_map_decides_at_home_with_what_it_sees_there():
    # Citizen 0 is active but off the map (a hook took it); it comes back home to cell 5, where
    # it sees citizen 1 active on cell 4 and three cops on cell 6: both steps make it quiet.
    lattice = Lattice(1, 12, False, 0, np.zeros(12, np.int16), ["a"], cell_km=5.0)
    world = World(
        lattice=lattice,
        citizen_cell=np.array([5, 4, 11], np.int32),
        hardship=np.ones(3, np.float32),
        risk_aversion=np.full(3, 0.9, np.float32),
        cop_cell=np.full(3, 6, np.int32),
        cop_kind=np.zeros(3, np.int8),
    )
    sims = [Simulation(world, params(2.0, False)) for _ in range(2)]
    sims[1].stepper = MapStepper(sims[1])
    for sim in sims:
        sim.state[:2] = 1
        sim.cit_cell[0] = -1
        sim.params["legitimacy"] = 0.5
        sim.step()
    assert sims[0].state[0] == sims[1].state[0] == 0 and sims[0].cit_cell[0] == 5


@pytest.mark.parametrize("keep_site", [False, True])
def test_arrests_of_the_listed_actives_are_those_of_the_pass_over_every_citizen(keep_site):
    from uprising.engine import occupied, synchronous
    from uprising.engine.rules import ACTIVE

    world = scattered_world(9, False)
    dense, listed = (Simulation(world, params(2.0, keep_site)) for _ in range(2))
    rng = np.random.default_rng(3)
    state = np.where(rng.random(world.citizens) < 0.4, ACTIVE, 0).astype(np.int8)
    hazard = np.where(rng.random(world.lattice.cells) < 0.5, rng.uniform(0.0, 1.5, world.lattice.cells), 0.0)
    for sim in (dense, listed):
        sim.state[:] = state
        sim.cit_cell[rng.random(world.citizens) < 0.05] = -1  # a few off the lattice, never taken
    listed.cit_cell[:] = dense.cit_cell
    expected = synchronous.arrest(
        dense.seed, 4, dense.citizens(), dense.cell_dept, 3, hazard, dense.rule_params
    )
    agents = np.flatnonzero((listed.state == ACTIVE) & (listed.cit_cell >= 0))
    out = np.full(3, 9, dtype=np.int64)
    occupied.arrest_listed(
        listed.seed, 4, listed.citizens(), listed.cell_dept, hazard, listed.rule_params, agents, out
    )
    assert np.array_equal(out, expected) and expected.sum() > 0
    for a, b in ((dense.state, listed.state), (dense.jail, listed.jail), (dense.cit_cell, listed.cit_cell)):
        assert np.array_equal(a, b)

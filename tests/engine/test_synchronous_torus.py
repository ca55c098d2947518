"""The synchronous torus: traits recomputed from the seed match a world that stores them, and
the run fits in 24 bytes per agent."""

from __future__ import annotations

import numpy as np

from uprising.engine import Simulation
from uprising.scenario import load_scenario
from uprising.world.build import build_world


def scenario(seed: int = 5, size: int = 60):
    return load_scenario(
        "epstein-2002",
        ["run.schedule=synchronous", f"run.seed={seed}", "run.steps=40", "citizens.legitimacy=0.7",
         f"world.width={size}", f"world.height={size}"],
    )  # fmt: skip


def test_recomputed_traits_give_the_series_of_stored_ones():
    sc = scenario()
    world = build_world(sc)
    assert world.hardship.shape[0] == world.citizens > 0
    stored = Simulation(sc, world).run().series
    recomputed = Simulation(sc).run().series
    for key in stored:
        np.testing.assert_array_equal(stored[key], recomputed[key])


def test_traits_are_uniform_on_zero_one():
    world = build_world(scenario(size=300))
    for values in (world.hardship, world.risk_aversion):
        assert values.min() >= 0.0 and values.max() < 1.0
        assert abs(float(values.mean()) - 0.5) < 0.01
        assert abs(float(values.var()) - 1 / 12) < 0.005
    assert abs(float(np.corrcoef(world.hardship, world.risk_aversion)[0, 1])) < 0.02


def test_a_run_holds_at_most_24_bytes_per_agent():
    sim = Simulation(scenario(size=400))
    sim.step()
    assert sim.bytes_per_agent() <= 24.0


def test_no_site_ever_holds_two_agents():
    sim = Simulation(load_scenario("netlogo-rebellion", ["run.schedule=synchronous", "run.seed=2"]))
    for _ in range(60):
        sim.step()
        cells = np.concatenate([sim.cit_cell[sim.cit_cell >= 0], sim.cop_cell])
        assert np.unique(cells).shape[0] == cells.shape[0]

"""The synchronous torus: traits recomputed from the seed match a world that stores them, and
the run fits in 24 bytes per agent."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from uprising.engine.lattice import FORCE_POLICE, Lattice, World
from uprising.engine_params import build_simulation
from uprising.errors import ScenarioError
from uprising.model import Model
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
    stored = Model(sc, world=world).run().series
    recomputed = Model(sc).run().series
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
    sim = build_simulation(scenario(size=400))
    sim.step()
    assert sim.bytes_per_agent() <= 24.0


def test_no_site_ever_holds_two_agents():
    sim = build_simulation(load_scenario("netlogo-rebellion", ["run.schedule=synchronous", "run.seed=2"]))
    for _ in range(60):
        sim.step()
        cells = np.concatenate([sim.cit_cell[sim.cit_cell >= 0], sim.cop_cell])
        assert np.unique(cells).shape[0] == cells.shape[0]


def bounded_world(size: int, seed: int) -> World:
    """A size x size grid without wrap-around: 60% citizens, 5% cops on random sites."""
    rng = np.random.default_rng(seed)
    sites = rng.permutation(size * size).astype(np.int32)
    n, m = int(0.6 * size * size), int(0.05 * size * size)
    lattice = Lattice(size, size, False, 1, np.zeros(size * size, dtype=np.int16), ["all"])
    return World(
        lattice=lattice,
        citizen_cell=np.sort(sites[:n]),
        hardship=rng.random(n, dtype=np.float32),
        risk_aversion=rng.random(n, dtype=np.float32),
        cop_cell=np.sort(sites[n : n + m]),
        cop_kind=np.full(m, FORCE_POLICE, dtype=np.int8),
    )


@pytest.mark.parametrize("keep_site", ["true", "false"])
def test_a_bounded_grid_keeps_everyone_on_it_one_per_site(keep_site):
    # Off a torus, moves near an edge are clipped to the grid, not wrapped.
    sc = load_scenario("epstein-2002", ["run.schedule=synchronous", "citizens.legitimacy=0.6",
                                        f"rules.jailed_keep_site={keep_site}"])  # fmt: skip
    series = []
    for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
        numba.set_num_threads(threads)
        try:
            sim = build_simulation(sc, bounded_world(24, 3))
            moved = False
            start = sim.cit_cell.copy()
            for _ in range(30):
                sim.step()
                cells = np.concatenate([sim.cit_cell[sim.cit_cell >= 0], sim.cop_cell])
                assert cells.min() >= 0 and cells.max() < 24 * 24
                assert np.unique(cells).shape[0] == cells.shape[0]
                moved |= bool(np.any(sim.cit_cell != start))
            assert moved
            series.append((sim.cit_cell.copy(), sim.state.copy()))
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    for a, b in zip(series[0], series[1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_vision_too_wide_for_the_packed_counts_is_refused_in_one_line():
    sc = load_scenario("epstein-2002", ["run.schedule=synchronous", "world.width=400",
                                        "world.height=400", "citizens.vision=190"])  # fmt: skip
    with pytest.raises(ScenarioError, match=r"citizens\.vision .* at most 65536 together"):
        build_simulation(sc)


@pytest.mark.parametrize("height", [1, 13, 14, 28, 40, 57, 120, 1000, 5003])
@pytest.mark.parametrize("reach", [0, 1, 7, 20])
def test_move_stripes_keep_same_parity_claims_apart(height, reach):
    # Stripes of one parity are claimed at once: two of them must never reach the same row, so
    # each stripe is at least 2 * reach rows high and, on a torus, the count is even (or 1).
    from uprising.engine.sites import stripes

    bounds = stripes(height, reach)
    count = bounds.shape[0] - 1
    assert bounds[0] == 0 and bounds[-1] == height and np.all(np.diff(bounds) > 0)
    assert count == 1 or (count % 2 == 0 and np.diff(bounds).min() >= 2 * reach)


@pytest.mark.parametrize(
    "overrides",
    [
        ["citizens.legitimacy=0.5"],
        ["citizens.legitimacy=0.1", "rules.jailed_keep_site=false", "cops.vision=3"],
        ["citizens.legitimacy=0.2", "rules.neighbourhood=euclidean", "cops.vision=9.5"],
    ],
)
@pytest.mark.parametrize("height", [50, 150])  # one pass per step, then the tick in one pass
def test_arrests_summed_from_either_side_are_the_same(overrides, height):
    # With few actives, each active sums the shares of the cops around it; otherwise each cop's
    # share is summed along rows first. Both give the same integer sums, so the same run.
    sc = load_scenario("epstein-2002", ["run.schedule=synchronous", "run.steps=80",
                                        "world.width=50", f"world.height={height}", *overrides])  # fmt: skip
    runs = []
    for every in (10**12, 0):  # from the actives' side only without actives, then always
        model = Model(sc)
        model.sim.sparse_actives = every
        model.sim.one_pass = True  # where the lattice is tall enough
        runs.append((model.run().series, model.sim.cit_cell.copy()))
    (a, cells_a), (b, cells_b) = runs
    assert a["jailed"].max() > 0
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    np.testing.assert_array_equal(cells_a, cells_b)


@pytest.mark.parametrize(
    "overrides, world",
    [
        (["citizens.legitimacy=0.45"], None),
        (["citizens.legitimacy=0.3", "rules.jailed_keep_site=false", "cops.vision=3"], None),
        (["citizens.legitimacy=0.5", "rules.neighbourhood=moore", "citizens.vision=4"], None),
        (["citizens.legitimacy=0.4"], "bounded"),
    ],
)
def test_the_tick_in_one_pass_over_the_rows_is_the_tick_step_by_step(overrides, world):
    # On lattices tall enough, decisions, arrests, claims and settling run as one wave over the
    # rows, band by band, with the rows near the bands' edges done after; the same tick as one
    # pass per step, on one thread or two.
    from uprising.engine import sites

    sc = load_scenario("epstein-2002", ["run.schedule=synchronous", "run.steps=40", "run.seed=4",
                                        "world.width=90", "world.height=150", *overrides])  # fmt: skip
    runs = []
    for one_pass, threads in ((False, 2), (True, 2), (True, 1)):
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        try:
            model = Model(sc, world=bounded_world(150, 4) if world else None)
            sim = model.sim
            sim.one_pass = one_pass
            assert sites.wave_bands(150, sim.stepper.margin, threads).shape[0] == threads + 1  # tall enough
            runs.append((model.run().series, sim.cit_cell.copy(), sim.cop_cell.copy(), sim.jail.copy()))
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    (a, *rest_a) = runs[0]
    assert a["active"].max() > 0 and a["jailed"].max() > 0
    for b, *rest_b in runs[1:]:
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
        for x, y in zip(rest_a, rest_b, strict=True):
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("one_pass", [False, True])
def test_the_tick_counts_the_actives_after_the_decisions(one_pass):
    # The count of actives the decisions return picks the quicker arrest sum for the next
    # tick: the actives after the tick plus those arrested in it.
    sc = load_scenario("epstein-2002", ["run.schedule=synchronous", "run.seed=3",
                                        "world.width=60", "world.height=150",
                                        "citizens.legitimacy=0.5"])  # fmt: skip
    sim = build_simulation(sc)
    sim.one_pass = one_pass
    seen = 0
    for _ in range(30):
        sim.step()
        _, active, _ = sim.counts()
        assert sim.stepper.last_actives == active + int(sim.arrests_by_dept.sum())
        seen += active
    assert seen > 0

"""Each rule alone, on tiny hand-made lattices."""

from __future__ import annotations

import math

import numpy as np
import pytest

from uprising.engine import sequential, sites
from uprising.engine.lattice import FORCE_POLICE, Lattice, World
from uprising.engine.neighbourhood import offsets, row_spans
from uprising.engine.rules import (
    ACTIVE,
    JAIL_FOREVER,
    JAILED,
    QUIET,
    ROUNDING_CODES,
    arrest_probability,
    jail_term,
    wants_active,
)
from uprising.engine_params import build_simulation
from uprising.scenario import load_scenario

SCHEDULES = ["random-sequential", "synchronous"]


def tiny_world(citizens, cops, size=5, hardship=None, risk=None):
    """A size x size torus with citizens and cops on the given (y, x) sites."""
    cell = lambda yx: yx[0] * size + yx[1]  # noqa: E731
    n = len(citizens)
    return World(
        lattice=Lattice.torus_grid(size, size),
        citizen_cell=np.array([cell(p) for p in citizens], dtype=np.int32),
        hardship=np.array(hardship if hardship is not None else [1.0] * n, dtype=np.float32),
        risk_aversion=np.array(risk if risk is not None else [0.0] * n, dtype=np.float32),
        cop_cell=np.array([cell(p) for p in cops], dtype=np.int32),
        cop_kind=np.full(len(cops), FORCE_POLICE, dtype=np.int8),
    )


def tiny_scenario(schedule, **params):
    overrides = [f"run.schedule={schedule}", "rules.movement=false", "citizens.vision=1",
                 "cops.vision=1", "rules.neighbourhood=von_neumann"]  # fmt: skip
    # `legitimacy` alone is ambiguous (the dynamics have a section of that name).
    overrides += [f"{'citizens.legitimacy' if k == 'legitimacy' else k}={v}" for k, v in params.items()]
    return load_scenario("epstein-2002", overrides)


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize(("hardship", "expected"), [(0.1001, ACTIVE), (0.0999, QUIET)])
def test_citizen_just_above_and_below_threshold(schedule, hardship, expected):
    # L = 0 and no cop in sight: G = H, P = 0, active iff H > T = 0.1.
    sc = tiny_scenario(schedule, legitimacy=0.0, threshold=0.1)
    sim = build_simulation(sc, tiny_world([(2, 2)], [], hardship=[hardship], risk=[1.0]))
    sim.step()
    assert sim.state[0] == expected


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_cop_arrests_the_one_active_in_vision(schedule):
    sc = tiny_scenario(schedule, legitimacy=0.0, max_jail_term=5)
    sim = build_simulation(sc, tiny_world([(2, 2)], [(2, 3)], hardship=[1.0], risk=[0.0]))
    # The citizen (G = 1, R = 0) turns active whatever the cop; in the random order the cop
    # may act before it does, so by the second tick it has surely been taken.
    sim.step()
    sim.step()
    assert sim.state[0] == JAILED


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_cop_leaves_a_quiet_citizen_alone(schedule):
    # G = 0 never exceeds T: the citizen stays quiet beside the cop and is never taken.
    sc = tiny_scenario(schedule, legitimacy=0.0, max_jail_term=5)
    sim = build_simulation(sc, tiny_world([(2, 2)], [(2, 3)], hardship=[0.0], risk=[0.0]))
    for _ in range(3):
        sim.step()
        assert sim.state[0] == QUIET
        assert sim.state[0] not in (ACTIVE, JAILED)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_counts_tell_quiet_active_and_jailed_apart(schedule):
    # No cop: two stay quiet (G = 0), one turns active (G = 1), one serves; three different
    # counts, so no state can be read in another's place.
    sc = tiny_scenario(schedule, legitimacy=0.0, max_jail_term=20)
    cells = [(0, 0), (0, 2), (2, 2), (4, 4)]
    sim = build_simulation(sc, tiny_world(cells, [], hardship=[0.0, 0.0, 1.0, 1.0], risk=[0.0] * 4))
    sim.state[3], sim.jail[3] = JAILED, 10
    sim.step()
    assert sim.counts() == (2, 1, 1)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_cop_out_of_vision_arrests_no_one(schedule):
    sc = tiny_scenario(schedule, legitimacy=0.0)
    sim = build_simulation(sc, tiny_world([(0, 0)], [(2, 2)], hardship=[1.0], risk=[0.0]))
    for _ in range(5):
        sim.step()
    assert sim.state[0] == ACTIVE


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_prisoner_is_released_and_decides_again(schedule):
    sc = tiny_scenario(schedule, legitimacy=0.0, max_jail_term=3)
    sim = build_simulation(sc, tiny_world([(2, 2)], [(2, 3)], hardship=[1.0], risk=[0.0]))
    sim.state[0] = JAILED
    sim.jail[0] = 2
    sim.cop_cell[:] = 0  # move the cop out of sight so the released citizen stays free
    states = []
    for _ in range(4):
        sim.step()
        states.append(int(sim.state[0]))
    # Mesa's order: a term of 2 skips two decisions; the third tick decides again.
    assert states[:2] == [JAILED, JAILED]
    assert states[2] == ACTIVE


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_vision_wraps_around_the_torus(schedule):
    # A cop at (4, 2) is one step from (0, 2) across the edge: C = 1, A = 1, P = 0.9 > G - T.
    sc = tiny_scenario(schedule, legitimacy=0.5, arrest_rounding="literal")
    wrapped = build_simulation(sc, tiny_world([(0, 2)], [(4, 2)], hardship=[1.0], risk=[1.0]))
    far = build_simulation(sc, tiny_world([(0, 2)], [(2, 0)], hardship=[1.0], risk=[1.0]))
    wrapped.step()
    far.step()
    assert wrapped.state[0] == QUIET
    assert far.state[0] == ACTIVE


@pytest.mark.parametrize(
    ("cops", "actives", "mode", "ratio"),
    [
        (1, 2, "literal", 0.5),
        (1, 2, "floor", 0.0),
        (1, 2, "round", 0.0),  # half to even: round(0.5) = 0, as Python and Mesa
        (3, 2, "floor", 1.0),
        (3, 2, "round", 2.0),  # round(1.5) = 2
        (5, 2, "round", 2.0),  # round(2.5) = 2
        (7, 2, "literal", 3.5),
    ],
)
def test_rounding_modes(cops, actives, mode, ratio):
    p = arrest_probability(cops, actives, 2.3, ROUNDING_CODES[mode])
    assert p == pytest.approx(1 - math.exp(-2.3 * ratio))


def test_k_gives_p_of_nine_tenths_at_one_cop_one_active():
    assert arrest_probability(1, 1, 2.3, ROUNDING_CODES["literal"]) == pytest.approx(0.9, abs=0.001)


# Exact in binary: G = 0.75 (1 - 0.5) = 0.375 and R P = 0.5 * 0.25 = 0.125, so G - R P = 0.25 to
# the last bit, and each other operation on these values lands at least 0.1 away.
@pytest.mark.parametrize(("threshold", "active"), [(0.2499, True), (0.25, False), (0.2501, False)])
def test_wants_active_is_grievance_minus_net_risk_strictly_above_the_threshold(threshold, active):
    assert wants_active(0.75, 0.5, 0.5, 0.25, threshold) is active


@pytest.mark.parametrize("mode", ["literal", "floor", "round"])
def test_arrest_probability_reads_the_rounding_code_by_value_not_identity(mode):
    # The kernels pass the code as a typed integer: the same P as from the Python int.
    code = ROUNDING_CODES[mode]
    for cops, actives in [(3, 2), (5, 2), (1, 3)]:
        assert arrest_probability(cops, actives, 2.3, np.int64(code)) == arrest_probability(
            cops, actives, 2.3, code
        )


def test_no_cop_in_sight_means_no_risk_in_every_mode():
    for code in ROUNDING_CODES.values():
        assert arrest_probability(0, 4, 2.3, code) == 0.0


def test_a_jail_term_with_j_max_zero_is_zero():
    for u in (0.0, 0.5, 0.999999):
        assert jail_term(u, 0, True) == 0
        assert jail_term(u, 0, False) == 0


def test_the_life_term_is_out_of_reach_of_every_drawn_term():
    # J_max is at most 1,000,000 (the scenario's bound): no drawn term is the life sentinel.
    assert jail_term(0.999999999, 1_000_000, True) < JAIL_FOREVER
    assert JAIL_FOREVER == np.iinfo(np.int32).max


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_a_prisoner_for_life_is_never_released(schedule):
    sc = tiny_scenario(schedule, legitimacy=0.0, **{"cops.max_jail_term": "null"})
    sim = build_simulation(sc, tiny_world([(2, 2)], [(2, 3)], hardship=[1.0], risk=[0.0]))
    for _ in range(3):
        sim.step()
    assert sim.state[0] == JAILED
    sim.cop_cell[:] = 0  # nothing left to arrest it again if it were let out
    for _ in range(70):
        sim.step()
    assert sim.state[0] == JAILED
    assert sim.jail[0] == np.iinfo(np.int32).max


def test_jail_terms_cover_their_range():
    u = np.linspace(0, 0.999999, 1000)
    inclusive = {jail_term(x, 3, True) for x in u}
    exclusive = {jail_term(x, 3, False) for x in u}
    assert inclusive == {0, 1, 2, 3}
    assert exclusive == {0, 1, 2}
    assert jail_term(0.5, -1, True) == JAIL_FOREVER


@pytest.mark.parametrize(
    ("shape", "radius", "sites"),
    [("euclidean", 1.7, 8), ("euclidean", 7, 148), ("moore", 1, 8), ("von_neumann", 7, 112)],
)
def test_vision_shapes_have_the_known_number_of_sites(shape, radius, sites):
    assert offsets(shape, radius, 40, 40, torus=True).shape[0] == sites
    spans = row_spans(shape, radius, 40, 40, torus=True)
    assert int((2 * spans[:, 1] + 1).sum()) - 1 == sites


def test_vision_larger_than_a_small_torus_counts_each_site_once():
    # 5 x 5 torus, von Neumann radius 7: every other site is in sight exactly once.
    assert offsets("von_neumann", 7, 5, 5, torus=True).shape[0] == 24


@pytest.mark.parametrize("movement", ["true", "false"])
def test_prisoner_off_the_lattice_comes_back_on_a_free_site(movement):
    # Jailed without keeping its site, the citizen is off the lattice; when its term is over it
    # reappears on a free site, whether or not agents move.
    sc = tiny_scenario(
        "synchronous", legitimacy=0.0, max_jail_term=3, **{"rules.jailed_keep_site": "false",
                                                           "rules.movement": movement},
    )  # fmt: skip
    sim = build_simulation(sc, tiny_world([(2, 2), (0, 0)], [], hardship=[1.0, 0.0], risk=[0.0, 0.0]))
    sim.state[0], sim.jail[0], sim.cit_cell[0] = JAILED, 2, -1
    cells = []
    for _ in range(4):
        sim.step()
        cells.append(int(sim.cit_cell[0]))
    assert cells[0] == -1 and cells[1] >= 0  # out after two ticks served
    assert cells[1] != int(sim.cit_cell[1])
    assert sim.state[0] == ACTIVE  # and it decides again the tick after


def map_world(hardship, risk):
    """One citizen alone on a 5 x 5 bounded map (many agents per cell: the map's stepper)."""
    lattice = Lattice(
        height=5, width=5, torus=False, capacity=0,
        department=np.zeros(25, dtype=np.int16), department_names=["all"],
    )  # fmt: skip
    return World(
        lattice=lattice,
        citizen_cell=np.array([12], dtype=np.int32),
        hardship=np.array([hardship], dtype=np.float32),
        risk_aversion=np.array([risk], dtype=np.float32),
        cop_cell=np.zeros(0, dtype=np.int32),
        cop_kind=np.zeros(0, dtype=np.int8),
    )


# Values exact in binary (float32 hardship, float64 legitimacy and threshold), so that
# G = H (1 - L) = 0.25 equals T = 0.25 to the last bit: the rule is strict, G - R P > T.
@pytest.mark.parametrize("lattice", ["random-sequential", "synchronous", "synchronous map"])
@pytest.mark.parametrize(("threshold", "expected"), [(0.25, QUIET), (0.2499, ACTIVE), (0.2501, QUIET)])
def test_citizen_at_the_exact_threshold_stays_quiet(lattice, threshold, expected):
    schedule = lattice.split()[0]
    sc = tiny_scenario(schedule, legitimacy=0.5, threshold=threshold)
    if lattice.endswith("map"):
        sim = build_simulation(sc, map_world(0.5, 1.0))
    else:
        sim = build_simulation(sc, tiny_world([(2, 2)], [], hardship=[0.5], risk=[1.0]))
    sim.step()
    assert sim.state[0] == expected


@pytest.mark.parametrize("mode", ["literal", "floor", "round"])
@pytest.mark.parametrize("k", [2.3, 1.15, 0.7])
def test_every_arrest_probability_table_holds_the_rule_bit_for_bit(mode, k):
    # The random-sequential table (P per whole C/A) and the site lattice's (P per count of
    # cops and actives) are read instead of the rule; each entry must be the rule's own value.
    rounding = ROUNDING_CODES[mode]
    by_ratio = np.empty(113, dtype=np.float64)
    sequential.fill_p_table(k, by_ratio)
    by_pair = np.zeros((30, 32), dtype=np.float64)
    sites.fill_pair_table(k, rounding, by_pair)
    for cops in range(by_pair.shape[0]):
        for actives in range(1, by_pair.shape[1]):
            rule = arrest_probability(cops, actives, k, rounding)
            assert by_pair[cops, actives] == rule
            assert sequential._arrest_probability(cops, actives, k, rounding, by_ratio) == rule
    for r in range(by_ratio.shape[0]):
        assert by_ratio[r] == arrest_probability(r, 1, k, rounding)


@pytest.mark.parametrize("rounding", sorted(ROUNDING_CODES.values()))
@pytest.mark.parametrize("k", [0.0, 2.3, 100.0])
def test_no_cop_in_sight_gives_an_arrest_probability_of_zero_exactly(rounding, k):
    for actives in (1, 2, 7, 1000):
        p = arrest_probability(0, actives, k, rounding)
        assert p == 0.0 and not math.copysign(1.0, p) < 0
        assert p == 1.0 - math.exp(-k * 0.0)

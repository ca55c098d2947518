"""Epstein (2002)'s qualitative results, each a claim checked over 20 seeds.

A claim that our reading of the paper does not reproduce is marked as a strict expected
failure with the reason, never dropped: if it starts to pass, the suite says so.
"""

from __future__ import annotations

import numpy as np
import pytest

from uprising.model import Model, simulate
from uprising.scenario import load_scenario

pytestmark = pytest.mark.statistical

SEEDS = range(1, 21)


def series(name: str, seed: int, *extra: str) -> dict[str, np.ndarray]:
    return simulate(load_scenario(name, [f"run.seed={seed}", *extra])).series


@pytest.mark.slow
def test_run2_outbursts_recur():
    """'Punctuated equilibrium': long calm broken by repeated outbursts (actives > 50)."""
    from uprising.recorder.output import count_outbursts

    counts = [count_outbursts(series("epstein-2002-run2", s, "run.steps=500")["active"], 50)
              for s in SEEDS]  # fmt: skip
    assert sum(c >= 3 for c in counts) >= 18
    calm = [np.mean(series("epstein-2002-run2", s, "run.steps=500")["active"] < 50) for s in SEEDS[:5]]
    assert min(calm) > 0.5  # most of the time is calm between outbursts


def outburst_intervals(active: np.ndarray, level: int = 50) -> np.ndarray:
    """Ticks from the start of one outburst (actives rising above `level`) to the next's."""
    above = active > level
    return np.diff(np.flatnonzero(above[1:] & ~above[:-1]) + 1)


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="not reproduced: outbursts start every 27-28 ticks (s.d. 8-9) against the paper's mean "
    "wait of 60 (s.d. 55). Each outburst ends with nearly every active jailed for a uniform term "
    "below J_max = 30, and the next starts as they come back, so the jail term sets the period "
    "and its spread: J_max 60 doubles the wait (45 ticks end to start against 21)",
)
def test_run2_waits_between_outbursts_are_the_papers():
    """Run 2's statistics (Epstein 2002): mean wait between outbursts 60 ticks, s.d. 55."""
    waits = np.concatenate([outburst_intervals(series("epstein-2002-run2", s, "run.steps=1000")["active"])
                            for s in SEEDS[:10]])  # fmt: skip
    assert 30 <= waits.mean() <= 120  # half to twice the paper's mean
    assert waits.std(ddof=1) >= 0.5 * waits.mean()  # as irregular as the paper's, half at least


@pytest.mark.slow
def test_run4_abrupt_drop_peaks_higher_than_run3_gradual_decline():
    higher = sum(
        series("epstein-2002-run4", s)["active"].max() > series("epstein-2002-run3", s)["active"].max()
        for s in SEEDS
    )
    assert higher > len(SEEDS) // 2


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="not reproduced: with J_max infinite (Table 2) each removal of cops sets off a burst "
    "(peaks of 104-392 actives, seeds 1-20) but every rebel is jailed for life, so none is "
    "sustained: the last 50 ticks average 0.0-0.2 actives",
)
def test_run5_cop_removal_tips_into_sustained_rebellion():
    sustained = 0
    for s in SEEDS:
        active = series("epstein-2002-run5", s)["active"]
        sustained += active[-50:].mean() > 10 * max(active[:50].mean(), 1.0)
    assert sustained > len(SEEDS) // 2


def cop_near_and_far_rates(seeds: range, *extra: str) -> tuple[np.ndarray, np.ndarray]:
    """Per seed, the share of active citizens among those next to a cop and among the others
    (run 1 after 100 ticks)."""
    near_rates, far_rates = [], []
    for s in seeds:
        model = Model(load_scenario("epstein-2002-run1", [f"run.seed={s}", *extra]))
        model.step(100)
        sim = model.sim
        lat = sim.world.lattice
        cop_near = np.zeros(lat.cells, dtype=bool)
        ys, xs = np.divmod(sim.cop_cell, lat.width)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                cop_near[((ys + dy) % lat.height) * lat.width + (xs + dx) % lat.width] = True
        free = sim.cit_cell >= 0
        near = cop_near[sim.cit_cell[free]]
        active = sim.state[free] == 1
        near_rates.append(active[near].mean())
        far_rates.append(active[~near].mean())
    return np.array(near_rates), np.array(far_rates)


@pytest.mark.slow
def test_run1_actives_are_rarer_next_to_cops():
    """'Deceptive behaviour': a citizen next to a cop is less often active than one away."""
    near, far = cop_near_and_far_rates(SEEDS)
    assert np.mean(near < far) >= 0.9

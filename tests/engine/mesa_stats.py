"""Per-seed statistics of our engine in Mesa's configuration, as the Mesa references record them,
and the equivalence test (two one-sided tests) that compares them."""

from __future__ import annotations

import numpy as np
from scipy import stats

from uprising.model import simulate
from uprising.scenario import load_scenario

WINDOW = slice(50, 201)  # ticks 50..200 inclusive, as in benchmarks/mesa_reference.py
STATISTICS = ("mean_active", "peak_active", "time_active", "final_jailed")


def ours_per_seed(seeds: range, scenario: str = "epstein-2002", *overrides: str) -> dict[str, np.ndarray]:
    rows = []
    for seed in seeds:
        sc = load_scenario(scenario, [f"run.seed={seed}", "run.steps=200", *overrides])
        result = simulate(sc)
        active = result.series["active"][WINDOW]
        rows.append((active.mean(), active.max(), np.mean(active > 0), result.series["jailed"][200]))
    return dict(zip(STATISTICS, np.array(rows, dtype=float).T, strict=True))


def equivalence_p(ours: np.ndarray, ref: np.ndarray, margin: float) -> tuple[float, float]:
    """TOST p-value that the means differ by less than `margin` times the reference's mean
    (Welch's t, unequal variances), and the relative difference of the means."""
    delta = margin * ref.mean()
    va, vb = ours.var(ddof=1) / ours.size, ref.var(ddof=1) / ref.size
    se = np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (ours.size - 1) + vb**2 / (ref.size - 1))
    diff = ours.mean() - ref.mean()
    p_below = stats.t.sf((diff + delta) / se, df)  # H0: diff <= -delta
    p_above = stats.t.cdf((diff - delta) / se, df)  # H0: diff >= +delta
    return float(max(p_below, p_above)), float(diff / ref.mean())

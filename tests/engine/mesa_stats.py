"""Per-seed statistics of our engine in Mesa's configuration, as the Mesa reference records them."""

from __future__ import annotations

import numpy as np

from uprising.model import simulate
from uprising.scenario import load_scenario

WINDOW = slice(50, 201)  # ticks 50..200 inclusive, as in benchmarks/mesa_reference.py


def ours_per_seed(seeds: range, scenario: str = "epstein-2002") -> dict[str, np.ndarray]:
    mean_active, peak_active, final_jailed = [], [], []
    for seed in seeds:
        result = simulate(load_scenario(scenario, [f"run.seed={seed}", "run.steps=200"]))
        active = result.series["active"][WINDOW]
        mean_active.append(active.mean())
        peak_active.append(active.max())
        final_jailed.append(result.series["jailed"][200])
    return {
        "mean_active": np.array(mean_active),
        "peak_active": np.array(peak_active),
        "final_jailed": np.array(final_jailed),
    }

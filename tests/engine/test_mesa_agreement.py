"""Our random-sequential engine, in Mesa's configuration, against Mesa's own example.

The reference (benchmarks/reference/mesa_epstein.json) was made by benchmarks/mesa_reference.py,
which imports and runs Mesa's example; this test does not need Mesa installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from tests.engine.mesa_stats import ours_per_seed

REFERENCE = Path(__file__).resolve().parents[2] / "benchmarks" / "reference" / "mesa_epstein.json"


@pytest.fixture(scope="module")
def both() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    ref = json.loads(REFERENCE.read_text())
    assert len(ref["per_seed"]) >= 30
    mesa = {k: np.array([p[k] for p in ref["per_seed"]], float) for k in ref["per_seed"][0]
            if k in ("mean_active", "peak_active", "final_jailed")}  # fmt: skip
    # Seeds disjoint from Mesa's: the two generators differ anyway; more seeds on our side
    # cost little (a run takes ~20 ms) and shrink our half of the sampling error.
    return ours_per_seed(range(1001, 1201)), mesa


@pytest.mark.slow
@pytest.mark.parametrize("stat", ["mean_active", "peak_active", "final_jailed"])
def test_distributions_match_mesa(both, stat):
    ours, mesa = both
    assert stats.ks_2samp(ours[stat], mesa[stat]).pvalue > 0.01
    assert stats.mannwhitneyu(ours[stat], mesa[stat]).pvalue > 0.01


@pytest.mark.slow
@pytest.mark.parametrize("stat", ["peak_active", "final_jailed"])
def test_means_within_ten_percent_of_mesa(both, stat):
    # Within 10%, or, where the reference's 40 seeds cannot resolve 10% (peak actives: standard
    # error 18% of the mean; final jailed: 12%), within the 99% interval of the difference.
    ours, mesa = both
    a, b = ours[stat], mesa[stat]
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert abs(a.mean() - b.mean()) <= max(0.10 * b.mean(), 2.576 * se)


@pytest.mark.slow
def test_mean_active_within_sampling_error_of_mesa(both):
    # Mesa's mean of mean_active is about 0.16 with a standard error near 20% of itself over
    # 40 seeds, so a 10% bound would test the reference's noise, not the engine: we require
    # the difference of means to lie within its 99% interval instead.
    ours, mesa = both
    a, b = ours["mean_active"], mesa["mean_active"]
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert abs(a.mean() - b.mean()) <= 2.576 * se

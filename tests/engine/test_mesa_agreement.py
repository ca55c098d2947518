"""Our random-sequential engine, in Mesa's configuration, against Mesa's own example.

The references (benchmarks/reference/mesa_epstein*.json) were made by benchmarks/mesa_reference.py,
which imports and runs Mesa's example (the version is in each file); these tests do not need
Mesa installed, only our side runs.

Agreement is tested as equivalence in an active regime (the paper's run 2 parameters: L 0.82,
cop density 0.04, J_max 30, in Mesa's rules): two one-sided tests that the means differ by
less than a stated margin, so a test that cannot tell passes nothing. Mesa's default regime
(L 0.8, 7.4% cops) is nearly silent (0.16 actives on average); there we only check that the
distributions are not told apart.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from tests.engine.mesa_stats import STATISTICS, equivalence_p, ours_per_seed

REFERENCES = Path(__file__).resolve().parents[2] / "benchmarks" / "reference"
RUN2 = ["citizens.legitimacy=0.82", "world.cop_density=0.04", "cops.max_jail_term=30"]
# Margins, as a share of Mesa's mean. The reference's 120 seeds put Mesa's own standard error at
# 3.7% of its mean for mean actives, 3.0% for peak actives, 1.2% for time active and 2.8% for
# final jailed, so a 10% difference is 2.7 to 8 of them: detectable.
MARGINS = dict.fromkeys(STATISTICS, 0.10)
ALPHA = 0.05


def reference(name: str) -> dict[str, np.ndarray]:
    ref = json.loads((REFERENCES / name).read_text())
    return {
        k: np.array([p[k] for p in ref["per_seed"]], float) for k in STATISTICS if k in ref["per_seed"][0]
    }


@pytest.fixture(scope="module")
def run2() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    # Seeds disjoint from Mesa's: the two generators differ anyway; more seeds on our side
    # cost little and shrink our half of the sampling error.
    return ours_per_seed(range(1001, 1301), "epstein-2002", *RUN2), reference("mesa_epstein_run2.json")


@pytest.fixture(scope="module")
def silent() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    return ours_per_seed(range(1001, 1201)), reference("mesa_epstein.json")


@pytest.mark.slow
@pytest.mark.statistical
@pytest.mark.parametrize("stat", STATISTICS)
def test_run2_regime_is_equivalent_to_mesa(run2, stat):
    ours, mesa = run2
    p, rel = equivalence_p(ours[stat], mesa[stat], MARGINS[stat])
    assert p < ALPHA, f"{stat}: ours {ours[stat].mean():.3f}, Mesa {mesa[stat].mean():.3f} ({rel:+.1%})"


@pytest.mark.statistical
def test_the_run2_reference_resolves_a_ten_percent_difference():
    # A 10% difference of any statistic's mean is at least 2 standard errors of Mesa's own mean.
    mesa = reference("mesa_epstein_run2.json")
    for stat in STATISTICS:
        se = mesa[stat].std(ddof=1) / np.sqrt(mesa[stat].size)
        assert 0.10 * mesa[stat].mean() >= 2 * se, stat


@pytest.mark.slow
@pytest.mark.statistical
@pytest.mark.parametrize("stat", ["mean_active", "peak_active", "final_jailed"])
def test_silent_regime_distributions_are_not_told_apart(silent, stat):
    ours, mesa = silent
    assert stats.ks_2samp(ours[stat], mesa[stat]).pvalue > 0.01
    assert stats.mannwhitneyu(ours[stat], mesa[stat]).pvalue > 0.01

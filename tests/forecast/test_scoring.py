"""Proper scores: the ensemble CRPS against cases worked by hand and its definition, the
Poisson CRPS against its expectation form, interval coverage on synthetic data, Brier."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson

from uprising.forecast.files import QUANTILES, quantiles_of
from uprising.forecast.scoring import brier, covered, crps_ensemble, crps_poisson, pit_covered


@pytest.mark.parametrize("member, observed", [(3.0, 3.0), (0.0, 5.0), (7.0, 2.0)])
def test_an_ensemble_of_one_member_scores_its_absolute_error(member, observed):
    assert crps_ensemble(np.array([member]), np.array(observed)) == pytest.approx(abs(member - observed))


def test_a_small_ensemble_scores_as_worked_by_hand():
    # members 1, 3, 4 against 2: mean |X - y| = 4/3, mean |X - X'| over the 9 pairs = 12/9
    assert crps_ensemble(np.array([1.0, 3.0, 4.0]), np.array(2.0)) == pytest.approx(4 / 3 - 6 / 9)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 50), min_size=1, max_size=12),
    st.integers(0, 50),
)
def test_the_sorted_formula_equals_the_pairwise_definition(members, observed):
    x = np.array(members, dtype=float)
    pairwise = np.abs(x - observed).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()
    assert crps_ensemble(x, np.array(float(observed))) == pytest.approx(pairwise, abs=1e-9)


def test_cells_are_scored_independently():
    members = np.array([[0.0, 10.0], [2.0, 10.0]])  # two members, two cells
    scores = crps_ensemble(members, np.array([1.0, 13.0]))
    assert scores == pytest.approx([1.0 - 0.5, 3.0])


@pytest.mark.parametrize("mean, observed", [(2.5, 1), (2.5, 7), (0.3, 0), (12.0, 30)])
def test_the_poisson_crps_equals_its_expectation_form(mean, observed):
    k = np.arange(200)
    p = poisson.pmf(k, mean)
    expected = (p * np.abs(k - observed)).sum() - 0.5 * (np.outer(p, p) * np.abs(k[:, None] - k)).sum()
    assert crps_poisson(np.array(mean), np.array(observed)) == pytest.approx(expected, rel=1e-9)


def test_a_poisson_of_mean_zero_is_a_point_at_zero():
    assert crps_poisson(np.zeros(3), np.array([0, 2, 5])) == pytest.approx([0.0, 2.0, 5.0])


def test_intervals_of_a_well_calibrated_ensemble_cover_their_nominal_share():
    rng = np.random.default_rng(5)
    cells = 4000
    members = rng.normal(size=(200, cells))
    observed = rng.normal(size=cells)
    q = dict(zip(QUANTILES, (np.array(v) for v in quantiles_of(members).values()), strict=True))
    assert covered(q[0.25], q[0.75], observed).mean() == pytest.approx(0.5, abs=0.03)
    assert covered(q[0.05], q[0.95], observed).mean() == pytest.approx(0.9, abs=0.02)
    too_narrow = members * 0.3
    q = dict(zip(QUANTILES, (np.array(v) for v in quantiles_of(too_narrow).values()), strict=True))
    assert covered(q[0.05], q[0.95], observed).mean() < 0.5


def test_interval_ends_count_as_covered():
    assert covered(np.array([0, 1]), np.array([0, 2]), np.array([0, 3])).tolist() == [True, False]


def test_brier_scores_the_squared_gap_between_probability_and_outcome():
    assert brier(np.array([1.0, 0.5, 0.0, 0.2]), np.array([1, 1, 1, 0])) == pytest.approx([0, 0.25, 1, 0.04])


def test_pit_coverage_of_a_calibrated_count_forecast_is_nominal_where_interval_coverage_is_not():
    rng = np.random.default_rng(3)
    rate = 0.05  # deaths in a department on a day: nearly always 0
    members = rng.poisson(rate, size=(40, 4000))
    observed = rng.poisson(rate, size=4000)
    low, high = np.quantile(members, 0.05, axis=0), np.quantile(members, 0.95, axis=0)
    assert covered(low, high, observed).mean() > 0.94  # 0 lies inside nearly every interval
    assert pit_covered(members, observed, 0.9).mean() == pytest.approx(0.9, abs=0.02)
    assert pit_covered(members, observed, 0.5).mean() == pytest.approx(0.5, abs=0.03)


def test_pit_coverage_is_zero_for_observations_beyond_every_member():
    members = np.zeros((16, 3))
    assert np.array_equal(pit_covered(members, np.array([1.0, 5.0, 99.0]), 0.9), np.zeros(3))
    # an observation on the ensemble's median counts as inside, whatever the level
    spread = np.arange(1.0, 11.0)[:, None]  # members 1..10
    assert pit_covered(spread, np.array([5.0]), 0.5)[0] == pytest.approx(1.0)

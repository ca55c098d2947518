"""The three baselines on a hand-made observed set, and that they read nothing after the fit."""

from __future__ import annotations

import numpy as np
import pytest

from uprising.forecast.baselines import build_baselines, castillo_shares
from uprising.forecast.observations import ObservedDays

FIT_DAY, LAST_DAY = 9, 16  # days 0-9 observed for the fit, days 10-16 forecast


@pytest.fixture
def observed() -> ObservedDays:
    """Ten days, three departments: A loses one person a day on days 3-9, B two on day 8."""
    days, n = 17, 3
    deaths = np.zeros((days, n))
    deaths[3:10, 0] = 1
    deaths[8, 1] = 2
    blockades = np.full(days, np.nan)
    blockades[[2, 4, 5]] = [100, 40, 60]  # day 5 is in the last week (days 3-9), as is day 4
    active = np.zeros((days, n))
    reported = np.zeros(days, dtype=bool)
    reported[[1, 4, 6]] = True
    active[1, :] = 1
    active[4, 0] = 1
    active[6, [0, 2]] = 1
    return ObservedDays(["A", "B", "C"], deaths, blockades, active, reported)


def test_persistence_repeats_the_last_observed_week(observed):
    b = build_baselines(observed, FIT_DAY, LAST_DAY, None)["persistence"]
    # day 10 repeats day 3, ..., day 15 repeats day 8 (B's two deaths), day 16 repeats day 9
    assert b.deaths[:, 0].tolist() == [1] * 7
    assert b.deaths[:, 1].tolist() == [0, 0, 0, 0, 0, 2, 0]
    # blockades: day 11 repeats day 4 (40), day 12 day 5 (60); other days the week's mean, 50
    assert b.blockades.tolist() == [50, 40, 60, 50, 50, 50, 50]
    # active: day 11 repeats day 4 and day 13 day 6; others: the share of the week's reported days
    assert b.active[1].tolist() == [1, 0, 0]
    assert b.active[3].tolist() == [1, 0, 1]
    assert b.active[0].tolist() == [1, 0, 0.5]
    assert b.active_count.tolist() == [1.5, 1, 1.5, 2, 1.5, 1.5, 1.5]


def test_shares_carry_the_fit_windows_regional_rates_forward(observed):
    b = build_baselines(observed, FIT_DAY, LAST_DAY, None)["shares"]
    assert b.deaths.shape == (7, 3)
    assert b.deaths[0].tolist() == pytest.approx([7 / 10, 2 / 10, 0])
    assert b.blockades.tolist() == pytest.approx([200 / 3] * 7)
    assert b.active[0].tolist() == pytest.approx([1, 1 / 3, 2 / 3])
    assert b.active_count[0] == pytest.approx(2)


def test_castillo_shares_out_the_national_rate_by_vote_share(observed):
    share = np.array([0.5, 0.3, 0.2])
    b = build_baselines(observed, FIT_DAY, LAST_DAY, share)["castillo"]
    assert b.deaths[3].tolist() == pytest.approx([0.45, 0.27, 0.18])  # 9 deaths over 10 days
    assert b.active[0].tolist() == pytest.approx([1.0, 0.6, 0.4])  # share x 2 departments a day
    assert b.blockades[0] == pytest.approx(200 / 3)


def test_baselines_never_read_the_forecast_window(observed):
    before = build_baselines(observed, FIT_DAY, LAST_DAY, np.array([0.5, 0.3, 0.2]))
    observed.deaths[FIT_DAY + 1 :] = 99
    observed.blockades[FIT_DAY + 1 :] = 999
    observed.active[FIT_DAY + 1 :] = 1
    observed.reported[FIT_DAY + 1 :] = True
    after = build_baselines(observed, FIT_DAY, LAST_DAY, np.array([0.5, 0.3, 0.2]))
    for name in before:
        for field in ("deaths", "blockades", "active", "active_count"):
            assert np.array_equal(getattr(before[name], field), getattr(after[name], field))


def test_castillo_shares_are_the_departments_share_of_his_runoff_votes():
    from uprising.data.peru_data import load_peru_data

    names = list(load_peru_data().names)
    share = castillo_shares(names)
    assert share.sum() == pytest.approx(1.0)
    assert share[names.index("Lima")] == share.max()
    assert castillo_shares(["A", "B"]) is None

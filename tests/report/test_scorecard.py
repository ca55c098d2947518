"""The scorecard passes a target exactly when the simulated median is within its tolerance."""

from __future__ import annotations

from datetime import date

import pytest

from uprising.report.observed_series import ObservedSeries
from uprising.report.scorecard import SOUTHERN, Tolerance, mean_rank, score, scorecard


def observed(run_days: int = 20) -> ObservedSeries:
    span = max(run_days, 25)
    blockades = [None] * span
    blockades[5] = 120
    blockades[9] = 99
    active = [None] * span
    active[:4] = [3, 3, 12, 3]
    cumulative = [0] * 4 + [2] * 13 + [28] * (span - 17)
    return ObservedSeries(
        start=date(2022, 12, 7),
        start_assumed=False,
        run_days=run_days,
        cumulative_deaths=cumulative,
        blockades=blockades,
        departments_active=active,
        deaths_in_run={"Lima": 0, "Puno": 0, "Cusco": 3, "Ayacucho": 10, "Piura": 0},
        days_active_by_department={
            "Lima": 6,
            "Puno": 6,
            "Cusco": 8,
            "Ayacucho": 4,
            "Piura": 0,
            "Loreto": 0,
            "Tumbes": 0,
        },  # fmt: skip
    )


def run(day4: int, peak: int, peak_day: int, deaths_by_24: int, south_deaths: int, days_active: dict) -> dict:
    blockades = [0] * 20
    blockades[peak_day] = peak
    return {
        "departments_reported_active_by_day": [1, 2, day4, 1] + [0] * 16,
        "blockades_by_day": blockades,
        "cumulative_deaths_by_day": [0] * 17 + [deaths_by_24] * 3,
        "deaths_by_department": {"Lima": 0, "Puno": 0, "Cusco": south_deaths // 3, "Ayacucho": south_deaths},
        "days_reported_active_by_department": days_active,
    }


SOUTH_HIGH = {"Lima": 5.0, "Puno": 9.0, "Cusco": 8.0, "Ayacucho": 7.0, "Piura": 1.0, "Loreto": 0, "Tumbes": 0}
SOUTH_LOW = {"Lima": 9.0, "Puno": 1.0, "Cusco": 2.0, "Ayacucho": 3.0, "Piura": 8.0, "Loreto": 7, "Tumbes": 6}


def rows_by_target(rows):
    return {r.target.split(" (")[0]: r for r in rows}


def test_a_target_passes_within_its_tolerance_and_fails_outside() -> None:
    tol = Tolerance(3, unit="departments")
    assert score("x", "d", 12, [14, 15, 16], tol).passed is True  # median 15: |15 - 12| = 3
    assert score("x", "d", 12, [15, 16, 17], tol).passed is False  # median 16
    relative = Tolerance(10, 0.5, "points")  # 50% of 120 = 60 > 10
    assert score("x", "p", 120, [180], relative).passed is True
    assert score("x", "p", 120, [181], relative).passed is False
    assert score("x", "p", 4, [14], relative).passed is True  # the absolute 10 is larger
    assert score("x", "p", 4, [15], relative).passed is False


def test_a_target_the_runs_do_not_reach_has_no_verdict() -> None:
    row = score("x", "d", 28, None, Tolerance(5))
    assert row.passed is None and row.median is None and row.observed == 28


def test_the_band_is_the_5th_to_95th_percentile_of_the_runs() -> None:
    row = score("x", "d", 50, list(range(101)), Tolerance(1))
    assert (row.low, row.median, row.high) == (5.0, 50.0, 95.0)


def test_scorecard_on_a_constructed_ensemble() -> None:
    good = [
        run(12, 120, 5, 28, 10, SOUTH_HIGH),
        run(13, 130, 6, 30, 9, SOUTH_HIGH),
        run(11, 100, 5, 25, 11, SOUTH_HIGH),
    ]
    rows = rows_by_target(scorecard(good, observed()))
    assert rows["departments reported active by day 4"].observed == 12
    assert rows["departments reported active by day 4"].median == 12
    assert rows["peak national road blockades"].median == 120
    assert rows["day of the peak of blockades"].observed == 5
    assert rows["total deaths by 24 Dec 2022"].observed == 28
    assert rows["deaths in Ayacucho"].median == 10
    assert rows["deaths in Cusco"].median == 3
    south = rows["mean rank of the 3 southern departments"]
    assert south.observed == pytest.approx((1 + 2.5 + 4) / 3)  # Cusco 8; Lima, Puno 6 (tied); Ayacucho 4
    assert south.median == pytest.approx(2.0)
    assert all(r.passed for r in rows.values()), [r for r in rows.values() if not r.passed]
    # Departments with no death observed or simulated get no row.
    assert "deaths in Lima" not in rows and "deaths in Piura" not in rows

    bad = [run(20, 400, 15, 90, 30, SOUTH_LOW)] * 3
    rows = rows_by_target(scorecard(bad, observed()))
    assert rows["mean rank of the 3 southern departments"].median == 6.0
    assert not any(r.passed for r in rows.values()), [r for r in rows.values() if r.passed]


def test_targets_beyond_the_end_of_the_runs_are_not_scored() -> None:
    short = [dict(m, blockades_by_day=m["blockades_by_day"][:4]) for m in [run(12, 0, 2, 0, 0, SOUTH_HIGH)]]
    rows = rows_by_target(scorecard(short, observed(run_days=4)))
    assert rows["peak national road blockades"].passed is None
    assert rows["total deaths by 24 Dec 2022"].passed is None
    assert rows["departments reported active by day 4"].passed is True


def test_mean_rank_shares_ties() -> None:
    assert mean_rank({"a": 3, "b": 3, "c": 1}, ("a",)) == 1.5
    assert mean_rank({"a": 3, "b": 2, "c": 1}, ("b", "c")) == 2.5
    assert "Puno" in SOUTHERN and "Lima" not in SOUTHERN

"""Road points that outlast their crowd (`dynamics.blockades.hold_half_life_days`)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.dynamics.test_crisis import QUIET_DYNAMICS, TPD, crisis_for, scenario, three_departments
from uprising.dynamics.config import Dynamics


def _dynamics(half_life: float | None) -> Dynamics:
    blockades = {"enabled": True, "crowd_min_people": 10, "hold_half_life_days": half_life}
    return Dynamics(**{**QUIET_DYNAMICS, "blockades": blockades})


def _held_after_crowd_leaves(half_life: float, ticks: int) -> tuple[int, list[int]]:
    """(road cells, points held after the first tick, when a crowd stood on every road cell)."""
    crisis = crisis_for(scenario(_dynamics(half_life)), three_departments())
    road = np.flatnonzero(crisis.road)
    assert road.size >= 20
    people = np.full(road.size, 50, dtype=np.int64)
    held = [int(crisis._hold_road_points(1, road, people).sum())]
    empty = np.zeros(0, dtype=np.int64)
    for tick in range(2, ticks + 2):
        held.append(int(crisis._hold_road_points(tick, empty, empty).sum()))
    return road.size, held


def test_a_road_point_its_crowd_left_is_cleared_at_the_half_life():
    road, held = _held_after_crowd_leaves(1.0, 40 * TPD)
    first = held[0]
    assert first == road
    # after one day about half remain, after ten days almost none; never more than before
    assert all(b <= a for a, b in zip(held, held[1:], strict=False))
    assert held[TPD] == pytest.approx(first / 2, abs=0.25 * first)
    assert held[10 * TPD] <= 0.05 * first


def test_a_crowd_that_returns_holds_its_point_again_and_no_point_is_cleared_under_its_crowd():
    dyn = _dynamics(0.1)
    crisis = crisis_for(scenario(dyn), three_departments())
    road = np.flatnonzero(crisis.road)[:5]
    people = np.full(road.size, 50, dtype=np.int64)
    for tick in range(1, 20):
        assert crisis._hold_road_points(tick, road, people).sum() == road.size


def test_without_the_switch_a_run_records_what_it_did_before():
    # Off by default: the switch is left out of a dump, so scenarios keep their hash.
    assert "hold_half_life_days" not in Dynamics().model_dump()["blockades"]

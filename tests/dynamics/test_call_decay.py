"""Calls that wear off: a call's pull on the cost of taking part and on its marches halves with
a half-life from the day it began; without one a call keeps its full pull while in force."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from tests.dynamics.test_crisis import DAY0, QUIET_DYNAMICS, TPD, crisis_for, scenario, three_departments
from uprising.dynamics.config import Call, Dynamics, Participation
from uprising.engine.rules import ACTIVE
from uprising.scenario import load_scenario, scenario_hash

COST = {"daily_cost": 3.0, "call_cut": 0.8, "sunday_cost": 0, "holiday_cost": 0}
LONG_CALL = Call(when=DAY0, days=90, departments=["East"], label="an indefinite strike")


def _p_on_days(participation: dict, call: Call, days: list[int]) -> list[float]:
    """East's chance of taking part on each of `days` (from day 0), once the day has begun."""
    dyn = Dynamics(**QUIET_DYNAMICS, participation=participation, timeline=[call])
    crisis = crisis_for(scenario(dyn, legitimacy=0.7), three_departments())
    out = []
    for day in days:
        crisis.before_tick(day * TPD + 1)
        assert crisis.called[2] and not crisis.called[0]
        out.append(float(crisis.p_today[2]))
    return out


def test_with_a_half_life_a_long_calls_cut_of_the_cost_is_smaller_on_day_60_than_on_day_1():
    first, sixtieth = _p_on_days({**COST, "call_half_life_days": 20.0}, LONG_CALL, [0, 60])
    assert first == pytest.approx(np.exp(-3.0 * (1 - 0.8)))
    assert sixtieth == pytest.approx(np.exp(-3.0 * (1 - 0.8 * 0.5**3)))  # three half-lives
    assert np.exp(-3.0) < sixtieth < first


def test_without_a_half_life_a_call_keeps_its_full_pull_as_before():
    assert _p_on_days(COST, LONG_CALL, [0, 30, 89]) == [pytest.approx(np.exp(-3.0 * 0.2))] * 3


def test_a_calls_own_half_life_overrides_the_participations():
    own = LONG_CALL.model_copy(update={"half_life_days": 10.0})
    (day_30,) = _p_on_days({**COST, "call_half_life_days": 1000.0}, own, [30])
    assert day_30 == pytest.approx(np.exp(-3.0 * (1 - 0.8 * 0.5**3)))


def test_a_new_call_brings_back_the_full_pull_over_an_old_one():
    fresh = Call(when=DAY0 + timedelta(days=40), days=1, label="a national strike")
    dyn = Dynamics(
        **QUIET_DYNAMICS, participation={**COST, "call_half_life_days": 5.0}, timeline=[LONG_CALL, fresh]
    )
    crisis = crisis_for(scenario(dyn, legitimacy=0.7), three_departments())
    crisis.before_tick(40 * TPD + 1)
    assert np.allclose(crisis.call_pull, 1.0)
    crisis.before_tick(41 * TPD + 1)
    assert crisis.call_pull[2] == pytest.approx(0.5 ** (41 / 5)) and crisis.call_pull[0] == 0.0


def test_a_worn_off_call_marches_almost_nobody():
    march = Call(
        when=DAY0, days=30, departments=["West"], march_to="East", march_share=1.0, half_life_days=0.5
    )
    dyn = Dynamics(**QUIET_DYNAMICS, participation={"enabled": False}, timeline=[march])
    crisis = crisis_for(scenario(dyn, legitimacy=0.7), three_departments())
    sim = crisis.sim
    sim.step()  # supporters decide once before the march
    west = (sim.cell_dept[sim.home] == 0) & (sim.state == ACTIVE)
    assert west.any()
    crisis.before_tick(20 * TPD + 1)  # 40 half-lives: a share of 1e-12
    assert np.all(sim.cit_cell[west] == sim.home[west])
    crisis.before_tick(1)  # its first day: the whole share
    assert np.all(sim.cit_cell[west] == crisis.capital_cell[2])


def test_half_lives_are_left_out_of_dumps_when_unset_so_scenarios_keep_their_hash():
    assert "call_half_life_days" not in Participation().model_dump()
    assert "half_life_days" not in LONG_CALL.model_dump()
    assert Participation(call_half_life_days=12.0).model_dump()["call_half_life_days"] == 12.0
    dumped = load_scenario("peru-2022").model_dump(mode="json")["dynamics"]
    assert "call_half_life_days" not in dumped["participation"]
    # Only the strike of 12 Dec has a half-life set; the other calls dump without one.
    assert [i for i, e in enumerate(dumped["timeline"]) if "half_life_days" in e] == [11]
    sc = load_scenario("peru-2022")
    assert scenario_hash(load_scenario("peru-2022", ["dynamics.participation.call_half_life_days=12"])) != (
        scenario_hash(sc)
    )

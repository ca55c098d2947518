"""Demobilisation between calls: fatigue that builds over a wave (a day off does not rest it
away) and a cost where nothing new mobilises, lifted by a call or by a fresh shock or death."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

import uprising.cli.simulate  # noqa: F401  (registers the command)
from tests.cli_checks import invoke_command, one_error_line
from tests.dynamics.test_crisis import DAY0, QUIET_DYNAMICS, TPD, crisis_for, scenario, three_departments
from uprising.dynamics.config import Call, Dynamics, LegitimacyShock, Participation
from uprising.scenario import load_scenario, scenario_hash

COST = {"daily_cost": 3.0, "call_cut": 0.5, "sunday_cost": 0, "holiday_cost": 0}
OUT, OFF = np.array([True]), np.array([False])


def _crisis(participation: dict, timeline: list):
    dyn = Dynamics(**QUIET_DYNAMICS, participation=participation, timeline=timeline)
    return crisis_for(scenario(dyn, legitimacy=0.7), three_departments())


def _after_days(cfg: Participation, days: list[np.ndarray]) -> float:
    from uprising.dynamics.participation import update_fatigue

    fatigue = np.zeros(1)
    for out in days:
        fatigue = update_fatigue(cfg, fatigue, out)
    return float(fatigue[0])


def test_without_a_half_life_a_day_off_rests_the_fatigue_of_a_streak_away():
    assert _after_days(Participation(), [OUT] * 5 + [OFF]) == 0.0


def test_with_a_half_life_fatigue_outlasts_a_day_off_and_decays_by_it():
    cfg = Participation(fatigue_half_life_days=14.0)
    assert _after_days(cfg, [OUT] * 5 + [OFF]) == pytest.approx(sum(0.5 ** (k / 14) for k in range(1, 6)))
    assert _after_days(cfg, [OUT] + [OFF] * 14) == pytest.approx(0.5)


def test_where_nothing_new_mobilises_the_quiet_cost_keeps_supporters_home():
    quiet = {**COST, "quiet_cost": 2.0}
    crisis = _crisis(quiet, [])
    crisis.before_tick(1)
    assert crisis.p_today == pytest.approx(np.exp(-5.0))


def test_a_call_lifts_the_quiet_cost_where_it_is_in_force():
    call = Call(when=DAY0, days=3, departments=["East"])
    crisis = _crisis({**COST, "quiet_cost": 2.0}, [call])
    crisis.before_tick(1)
    assert crisis.p_today[2] == pytest.approx(np.exp(-1.5))
    assert crisis.p_today[0] == pytest.approx(np.exp(-5.0))


def test_a_fresh_shock_lifts_the_quiet_cost_and_its_novelty_halves_by_the_half_life():
    shock = LegitimacyShock(when=DAY0 + timedelta(days=1), size=0.05, departments=["West"])
    crisis = _crisis({**COST, "quiet_cost": 2.0, "novelty_half_life_days": 3.0}, [shock])
    crisis.before_tick(1 * TPD + 1)
    assert crisis.p_today[0] == pytest.approx(np.exp(-3.0))
    assert crisis.p_today[2] == pytest.approx(np.exp(-5.0))
    crisis.before_tick(4 * TPD + 1)
    assert crisis.p_today[0] == pytest.approx(np.exp(-3.0 - 2.0 * 0.5))


def test_a_death_in_a_department_is_a_fresh_shock_there():
    crisis = _crisis({**COST, "quiet_cost": 2.0, "novelty_half_life_days": 1.0}, [])
    crisis.last_shock[1] = 2  # as after_tick marks a department where someone was killed on day 2
    crisis.before_tick(3 * TPD + 1)
    assert crisis.p_today[1] == pytest.approx(np.exp(-3.0 - 2.0 * 0.5))
    assert crisis.p_today[0] == pytest.approx(np.exp(-5.0))


def test_the_switches_are_left_out_of_dumps_when_off_so_scenarios_keep_their_hash():
    dumped = Participation().model_dump()
    assert not {"fatigue_half_life_days", "quiet_cost", "novelty_half_life_days"} & set(dumped)
    base = scenario_hash(load_scenario("peru-2022"))
    assert scenario_hash(load_scenario("peru-2022", ["dynamics.participation.quiet_cost=1"])) != base


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("quiet_cost", "-1", "[0.0, 20.0]"),
        ("fatigue_half_life_days", "0", "3650"),
        ("novelty_half_life_days", "4000", "3650"),
    ],
)
def test_a_demobilisation_parameter_out_of_range_is_one_line_naming_it(key, value, words):
    setting = f"dynamics.participation.{key}={value}"
    line = one_error_line(invoke_command("simulate", "peru-2022", "--steps", "1", "--set", setting))
    assert f"dynamics.participation.{key}" in line and words in line

"""Participation, organised calls and confrontation events on the three-department map."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from tests.dynamics.test_crisis import DAY0, QUIET_DYNAMICS, TPD, crisis_for, run, scenario, three_departments
from uprising.dynamics.config import Call, Dynamics, Lethality, Participation
from uprising.dynamics.confrontation import confrontation_tolls
from uprising.dynamics.participation import participation_probability
from uprising.engine.rules import ACTIVE
from uprising.errors import ScenarioError


def _participants(dyn: Dynamics, ticks: int, legitimacy: float = 0.7) -> tuple[list, object]:
    crisis = crisis_for(scenario(dyn, legitimacy=legitimacy), three_departments())
    out = []
    for t in range(1, ticks + 1):
        crisis.before_tick(t)
        crisis.sim.step()
        crisis.after_tick(t)
        out.append(crisis.participants_dept.copy())
    return out, crisis


def test_without_participation_every_supporter_is_in_the_street():
    dyn = Dynamics(**QUIET_DYNAMICS, participation={"enabled": False})
    parts, crisis = _participants(dyn, 2)
    sim = crisis.sim
    supporters = np.bincount(sim.cell_dept[sim.cit_cell[sim.state == ACTIVE]], minlength=3) * 10
    assert supporters.sum() > 0
    assert np.array_equal(parts[-1], supporters)


def test_participants_are_a_share_of_supporters_set_by_the_daily_cost():
    cheap = Dynamics(**QUIET_DYNAMICS, participation={"daily_cost": 0.5, "sunday_cost": 0, "holiday_cost": 0})
    dear = Dynamics(**QUIET_DYNAMICS, participation={"daily_cost": 3.0, "sunday_cost": 0, "holiday_cost": 0})
    (c, crisis), (d, _) = _participants(cheap, 1), _participants(dear, 1)
    supporters = crisis.actives_here.sum() * 10
    assert 0 < d[0].sum() < c[0].sum() < supporters
    assert c[0].sum() == pytest.approx(np.exp(-0.5) * supporters, rel=0.1)
    assert d[0].sum() == pytest.approx(np.exp(-3.0) * supporters, rel=0.3)


def test_a_call_raises_participation_only_where_and_while_it_is_in_force():
    call = Call(when=date(2022, 12, 8), days=1, departments=["East"])
    cfg = {"daily_cost": 3.0, "call_cut": 0.8, "sunday_cost": 0, "holiday_cost": 0}
    dyn = Dynamics(**QUIET_DYNAMICS, participation=cfg, timeline=[call])
    _, crisis = _participants(dyn, 1)
    assert np.allclose(crisis.p_today, np.exp(-3.0))
    crisis.before_tick(TPD + 1)  # 8 Dec: the call is in force in East only
    assert crisis.p_today[2] == pytest.approx(np.exp(-3.0 * 0.2))
    assert crisis.p_today[0] == crisis.p_today[1] == pytest.approx(np.exp(-3.0))
    crisis.before_tick(2 * TPD + 1)  # 9 Dec: over
    assert np.allclose(crisis.p_today, np.exp(-3.0))


def test_fatigue_sundays_and_holidays_raise_the_cost():
    cfg = Participation(daily_cost=1.0, fatigue_cost=0.1, sunday_cost=0.5, holiday_cost=2.0, holidays=[DAY0])
    none = np.zeros(1, bool)
    weekday = date(2022, 12, 6)  # a Tuesday
    assert participation_probability(cfg, none, np.array([0]), weekday)[0] == pytest.approx(np.exp(-1.0))
    assert participation_probability(cfg, none, np.array([5]), weekday)[0] == pytest.approx(np.exp(-1.5))
    assert participation_probability(cfg, none, np.array([0]), date(2022, 12, 11))[0] == pytest.approx(
        np.exp(-1.5)
    )  # a Sunday
    assert participation_probability(cfg, none, np.array([0]), DAY0)[0] == pytest.approx(np.exp(-3.0))


def test_a_march_moves_supporters_of_the_called_departments_to_the_named_capital():
    call = Call(when=DAY0, days=1, departments=["West"], march_to="East", march_share=1.0)
    dyn = Dynamics(**QUIET_DYNAMICS, participation={"enabled": False}, timeline=[call])
    crisis = crisis_for(scenario(dyn, legitimacy=0.7), three_departments())
    sim = crisis.sim
    sim.step()  # supporters decide once before the march
    crisis.before_tick(1)
    west = (sim.cell_dept[sim.home] == 0) & (sim.state == ACTIVE)
    assert west.any()
    assert np.all(sim.cit_cell[west] == crisis.capital_cell[2])
    others = (sim.cell_dept[sim.home] != 0) & (sim.state == ACTIVE)
    assert np.all(sim.cit_cell[others] == sim.home[others])


def test_a_march_on_a_named_site_takes_the_called_supporters_to_its_cell():
    site = {"name": "East airport", "lon": -73.95, "lat": -12.07}
    call = Call(when=DAY0, days=1, departments=["West"], march_to="East airport", march_share=1.0)
    dyn = Dynamics(**QUIET_DYNAMICS, participation={"enabled": False}, sites=[site], timeline=[call])
    crisis = crisis_for(scenario(dyn, legitimacy=0.7), three_departments())
    sim = crisis.sim
    sim.step()
    crisis.before_tick(1)
    airport = crisis.site_cell[crisis.site_names.index("East airport")]
    assert sim.cell_dept[airport] == 2  # the site lies in East
    west = (sim.cell_dept[sim.home] == 0) & (sim.state == ACTIVE)
    assert west.any() and np.all(sim.cit_cell[west] == airport)
    others = (sim.cell_dept[sim.home] != 0) & (sim.state == ACTIVE)
    assert np.all(sim.cit_cell[others] == sim.home[others])


def test_a_march_on_a_place_that_is_neither_a_department_nor_a_site_is_refused_in_one_line():
    call = Call(when=DAY0, days=1, departments=["West"], march_to="Atlantis airport")
    dyn = Dynamics(**QUIET_DYNAMICS, timeline=[call])
    with pytest.raises(ScenarioError) as err:
        crisis_for(scenario(dyn), three_departments())
    message = str(err.value)
    assert "\n" not in message and "dynamics.timeline" in message and "Atlantis airport" in message


def test_confrontation_tolls_are_mostly_zero_with_a_heavy_tail():
    cfg = Lethality(lethal_share=0.3, toll_mean=2.5, toll_dispersion=0.5, military_toll_multiplier=2.0)
    rng = np.random.default_rng(1)
    police = confrontation_tolls(rng, cfg, np.zeros(100_000, bool))
    army = confrontation_tolls(rng, cfg, np.ones(100_000, bool))
    assert (police == 0).mean() == pytest.approx(0.7, abs=0.01)
    assert police[police > 0].mean() == pytest.approx(2.5, rel=0.05)
    assert army[army > 0].mean() > police[police > 0].mean()
    assert 0 < (army >= 5).mean() < 0.15 and (army >= 10).sum() > 0
    assert army.max() <= cfg.toll_max


def test_deaths_come_only_from_confrontation_events_in_place_and_time():
    deadly = {"crowd_min_people": 10, "police_rate": 100.0, "lethal_share": 1.0, "blockade_rate": 0.0}
    dyn = Dynamics(**{**QUIET_DYNAMICS, "lethality": deadly}, participation={"enabled": False})
    crisis = crisis_for(scenario(dyn, legitimacy=0.7), three_departments())
    records = run(crisis, 4 * TPD)
    killed = sum(r["killed"] for r in records)
    events = [e for e in crisis.events if e.kind == "confrontation"]
    assert events
    tolls = {d: 0 for d in ("West", "Middle", "East")}
    for e in events:
        tolls[e.department] += int(e.outcome.rsplit(": ", 1)[1].split()[0])
    assert [tolls[d] for d in ("West", "Middle", "East")] == list(killed)


def test_without_lethality_nobody_dies_and_participation_is_unchanged():
    on = Dynamics(
        **{**QUIET_DYNAMICS, "lethality": {"crowd_min_people": 10, "police_rate": 100.0, "lethal_share": 1.0}}
    )
    off = Dynamics(**QUIET_DYNAMICS)
    a, _ = _participants(on, 1)
    b, crisis = _participants(off, 1)
    assert np.array_equal(a[0], b[0])  # the first tick's deaths act only from the next tick
    assert not [e for e in crisis.events if e.kind == "confrontation"]

"""Restraint after mass-casualty confrontations, police at strategic sites, reinforcements under
ordinary orders and fewer killings near the seat of government, on the three-department map."""

from __future__ import annotations

import numpy as np
import pytest

import uprising.cli.simulate  # noqa: F401  (registers the command)
from tests.cli_checks import invoke_command, one_error_line
from tests.dynamics.test_crisis import DAY0, QUIET_DYNAMICS, TPD, crisis_for, run, scenario, three_departments
from uprising.dynamics.config import Deployment, Dynamics, Forces, Lethality, Site
from uprising.dynamics.confrontation import confrontation_rate, periphery_factor, restraint_factor
from uprising.engine.lattice import FORCE_MILITARY, FORCE_POLICE
from uprising.scenario import load_scenario

SITE = Site(name="airport", lon=-74.35, lat=-12.07)  # in Middle


def test_restraint_cuts_the_lethal_share_after_a_mass_casualty_event_and_fades():
    cfg = Lethality(restraint_depth=0.8, restraint_half_life_days=7.0)
    assert restraint_factor(cfg, None) == 1.0  # no such event yet
    assert restraint_factor(cfg, 0.0) == pytest.approx(0.2)
    assert restraint_factor(cfg, 7.0) == pytest.approx(0.6)  # the cut has halved
    assert restraint_factor(cfg, 70.0) == pytest.approx(1.0, abs=1e-3)
    assert restraint_factor(Lethality(), 0.0) == 1.0  # depth 0: off


def _killings(depth: float) -> tuple[int, list]:
    deadly = {
        "crowd_min_people": 10, "police_rate": 100.0, "lethal_share": 1.0, "toll_mean": 6.0,
        "blockade_rate": 0.0, "restraint_depth": depth, "restraint_min_toll": 5,
    }  # fmt: skip
    dyn = Dynamics(**{**QUIET_DYNAMICS, "lethality": deadly}, participation={"enabled": False})
    crisis = crisis_for(scenario(dyn, legitimacy=0.5), three_departments(people_per_cell=100))
    records = run(crisis, 6 * TPD)
    return sum(int(r["killed"].sum()) for r in records), crisis.events


def test_after_a_mass_casualty_confrontation_forces_kill_less():
    free, free_events = _killings(0.0)
    restrained, events = _killings(0.9)
    scrutiny = [e for e in events if e.kind == "scrutiny"]
    assert scrutiny and not [e for e in free_events if e.kind == "scrutiny"]
    first = scrutiny[0].day
    # Same seed: the same confrontations happen; fewer of those after the first one kill.
    later = [[e for e in evs if e.kind == "confrontation" and e.day > first] for evs in (free_events, events)]
    deaths_after = [sum(int(e.outcome.rsplit(": ", 1)[-1].split()[0]) for e in evs) for evs in later]
    assert deaths_after[1] < deaths_after[0] / 2
    assert restrained < free


def test_police_of_a_deployment_can_be_flown_to_the_strategic_sites():
    for to_sites in (False, True):
        deploy = Deployment(when=DAY0, departments=["Middle"], police=200, police_to_sites=to_sites)
        dyn = Dynamics(**QUIET_DYNAMICS, sites=[SITE], timeline=[deploy])
        crisis = crisis_for(scenario(dyn), three_departments())
        before = crisis.sim.cop_cell.size
        run(crisis, 1)
        at_site = np.mean(crisis.sim.cop_cell[before:] == crisis.site_cell[0])
        assert at_site == 1.0 if to_sites else at_site < 0.5


def test_reinforcements_under_ordinary_orders_are_no_emergency():
    for emergency in (True, False):
        deploy = Deployment(when=DAY0, departments=["Middle"], police=100, emergency=emergency)
        crisis = crisis_for(scenario(Dynamics(**QUIET_DYNAMICS, timeline=[deploy])), three_departments())
        run(crisis, 1)
        assert crisis.emergency.tolist() == [False, emergency, False]


def test_ordinary_police_guard_the_strategic_sites_from_day_0():
    forces = {"redeploy_share": 0.0, "site_police_share": 1.0}
    dyn = Dynamics(**{**QUIET_DYNAMICS, "forces": forces}, sites=[SITE])
    world = three_departments(seed=3)
    crisis = crisis_for(scenario(dyn), world)
    sim = crisis.sim
    police = sim.cop_kind == FORCE_POLICE
    middle = sim.cell_dept[world.cop_cell] == 1
    assert middle.any() and np.all(sim.cop_cell[police & middle] == crisis.site_cell[0])
    # Departments without a site keep their police where the world put them.
    np.testing.assert_array_equal(sim.cop_cell[~middle], world.cop_cell[~middle])


def test_the_new_switches_leave_dumps_unchanged_when_off_and_can_be_set():
    off_fields = {"restraint_depth", "restraint_min_toll", "restraint_half_life_days", "force_exponent"}
    assert not off_fields & set(Lethality().model_dump())
    assert "site_police_share" not in Forces().model_dump()
    assert not {"police_to_sites", "emergency"} & set(Deployment(when=DAY0, police=1).model_dump())
    sc = load_scenario(
        "peru-2022",
        ["dynamics.lethality.restraint_depth=0.5", "dynamics.forces.site_police_share=0.1",
         "dynamics.timeline.2.emergency=false"],
    )  # fmt: skip
    assert sc.dynamics.lethality.restraint_depth == 0.5 and sc.dynamics.forces.site_police_share == 0.1
    assert sc.dynamics.timeline[2].emergency is False


def test_below_1_the_force_exponent_makes_a_small_contingent_confront_more_per_agent():
    crowd, site, emergency = np.full(2, 5000.0), np.zeros(2, bool), np.zeros(2, bool)
    police, none = np.array([200.0, 10_000.0]), np.zeros(2)
    linear = confrontation_rate(Lethality(), police, none, crowd, site, emergency)
    outnumbered = confrontation_rate(Lethality(force_exponent=0.5), police, none, crowd, site, emergency)
    assert linear[1] / linear[0] == pytest.approx(50.0)  # in proportion to the forces
    assert outnumbered[1] / outnumbered[0] == pytest.approx(50.0**0.5)
    assert outnumbered[0] > linear[0] and outnumbered[1] < linear[1]  # 1,000 people: the same
    assert confrontation_rate(Lethality(force_exponent=0.5), none, none, crowd, site, emergency).sum() == 0.0


def test_the_periphery_cut_is_whole_at_the_seat_and_halves_with_its_distance():
    cfg = Lethality(periphery=1.0, periphery_half_km=50.0)
    at = periphery_factor(cfg, np.array([0.0, 50.0, 500.0]))
    assert at[0] == 0.0 and at[1] == pytest.approx(0.5) and at[2] == pytest.approx(1.0, abs=1e-3)
    assert np.all(periphery_factor(Lethality(), np.array([0.0, 50.0])) == 1.0)  # 0: off


def _deaths_by_department(lethality: dict) -> tuple[np.ndarray, list]:
    """Deaths per department of six days of confrontations on every cell (West is the seat)."""
    deadly = {"crowd_min_people": 10, "police_rate": 100.0, "lethal_share": 1.0, "blockade_rate": 0.0}
    dyn = Dynamics(
        **{**QUIET_DYNAMICS, "lethality": {**deadly, **lethality}}, participation={"enabled": False}
    )
    crisis = crisis_for(scenario(dyn, legitimacy=0.5), three_departments(people_per_cell=100))
    records = run(crisis, 6 * TPD)
    return sum(r["killed"] for r in records), crisis.events


def test_at_full_periphery_crowds_near_the_seat_of_government_are_killed_less_than_far_away():
    # West's cells lie 0-25 km from its capital (the seat): a cut of 50-100%; East's 75-125 km: 3-13%.
    seat = {"periphery_seat": "West", "periphery_half_km": 25.0}
    off, _ = _deaths_by_department({})
    on, events = _deaths_by_department({"periphery": 1.0, **seat})
    assert off[0] > 0 and off[2] > 0  # without it, forces kill on both sides of the map
    confronted = {e.department for e in events if e.kind == "confrontation"}
    assert {"West", "East"} <= confronted  # the same crowds are still confronted
    assert on[0] < 0.5 * off[0]  # the same crowds, confronted as often, are killed less near it
    assert on[2] > 0.9 * off[2]


def test_off_the_periphery_reproduces_the_model_without_it_and_leaves_dumps_unchanged():
    today, today_events = _deaths_by_department({})
    off, off_events = _deaths_by_department(
        {"periphery": 0.0, "periphery_seat": "East", "periphery_half_km": 9.0}
    )
    np.testing.assert_array_equal(off, today)
    assert [e.outcome for e in off_events] == [e.outcome for e in today_events]
    assert not {"periphery", "periphery_half_km", "periphery_seat"} & set(Lethality().model_dump())


def test_a_seat_of_government_that_is_no_department_is_one_line_naming_the_field():
    seat = ("--set", "dynamics.lethality.periphery=1", "--set", "dynamics.lethality.periphery_seat=Atlantis")
    line = one_error_line(invoke_command("simulate", "peru-2022", "--steps", "1", *seat))
    assert "dynamics.lethality.periphery_seat" in line and "Lima" in line, line


def _confrontation_days(growth: float, siege_forces: str = "all", soldiers: bool = False) -> list[int]:
    rare = {
        "crowd_min_people": 10, "police_rate": 1.0, "military_rate": 1.0, "lethal_share": 0.0,
        "blockade_rate": 0.0, "siege_growth": growth, "siege_forces": siege_forces,
    }  # fmt: skip
    dyn = Dynamics(**{**QUIET_DYNAMICS, "lethality": rare}, participation={"enabled": False})
    crisis = crisis_for(scenario(dyn, legitimacy=0.5), three_departments(people_per_cell=100))
    if soldiers:
        crisis.sim.cop_kind[:] = FORCE_MILITARY
    run(crisis, 6 * TPD)
    return [e.day for e in crisis.events if e.kind == "confrontation"]


def test_forces_besieged_by_a_crowd_for_days_confront_it_more_and_more():
    # lethal share 0: nobody dies, so the crowds are the same with the siege and without it
    plain, besieged = _confrontation_days(0.0), _confrontation_days(4.0)
    assert len(besieged) > 2 * len(plain) > 0
    # the longer the forces stay among the crowd, the more the confrontations
    assert sum(1 for d in besieged if d >= 3) > 3 * sum(1 for d in plain if d >= 3) > 0


def test_a_siege_of_police_alone_grows_for_police_and_never_for_soldiers():
    # Police alone: the same siege as with every force counted.
    assert _confrontation_days(4.0, "police") == _confrontation_days(4.0, "all")
    # Soldiers: besieged with every force counted, never with police alone.
    plain = _confrontation_days(0.0, soldiers=True)
    assert _confrontation_days(4.0, "police", soldiers=True) == plain
    assert len(_confrontation_days(4.0, "all", soldiers=True)) > 2 * len(plain) > 0
    assert "siege_forces" not in Lethality().model_dump()
    assert Lethality(siege_forces="police").model_dump()["siege_forces"] == "police"

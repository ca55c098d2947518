"""Each crisis mechanism on a small synthetic map of three departments side by side."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from uprising.dynamics.config import Deployment, Dynamics, LegitimacyShock, Site
from uprising.dynamics.crisis import Crisis
from uprising.engine.lattice import FORCE_MILITARY, Lattice, World
from uprising.engine.rules import ACTIVE
from uprising.engine_params import build_simulation
from uprising.scenario.model import Scenario

DAY0 = date(2022, 12, 7)
TPD = 2  # ticks per day
NAMES = ["West", "Middle", "East"]


def three_departments(people_per_cell: int = 40, cops: bool = True, seed: int = 0) -> World:
    """A 6 x 30 map of 5 km cells, three departments of 10 columns, people on every cell."""
    h, w = 6, 30
    dept = np.repeat(np.arange(3, dtype=np.int16)[None, :], 10, axis=1).repeat(h, axis=0).reshape(-1)
    lattice = Lattice(h, w, False, 0, dept, list(NAMES), cell_km=5.0, origin_lonlat=(-75.0, -12.0))
    cells = np.repeat(np.arange(h * w, dtype=np.int32), people_per_cell)
    rng = np.random.default_rng(seed)
    cop_cell = rng.integers(0, h * w, 20).astype(np.int32) if cops else np.zeros(0, np.int32)
    return World(
        lattice=lattice,
        citizen_cell=cells,
        hardship=rng.uniform(0.0, 1.0, cells.size).astype(np.float32),
        risk_aversion=rng.uniform(0.0, 1.0, cells.size).astype(np.float32),
        cop_cell=cop_cell,
        cop_kind=np.zeros(cop_cell.size, np.int8),
        legitimacy_multiplier=np.ones(3),
        population_scale=10.0,
    )


def scenario(dynamics: Dynamics, legitimacy: float = 0.9, threshold: float = 0.1, seed: int = 7) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "three",
            "citizens": {"legitimacy": legitimacy, "threshold": threshold, "vision": 1},
            "cops": {"vision": 1, "max_jail_term": 4},
            "rules": {"movement": False, "jailed_keep_site": False},
            "run": {"schedule": "synchronous", "seed": seed, "ticks_per_day": TPD, "start_date": DAY0},
            "dynamics": dynamics.model_dump(),
        }
    )


def crisis_for(sc: Scenario, world: World) -> Crisis:
    adjacency = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=bool)
    capitals = np.array([[-74.8, -12.07], [-74.35, -12.07], [-73.9, -12.07]])
    sim = build_simulation(sc, world)
    return Crisis(
        sim=sim,
        cfg=sc.dynamics,
        start_date=DAY0,
        ticks_per_day=TPD,
        alignment_pct=np.array([30.0, 50.0, 70.0]),
        national_alignment_pct=50.0,
        adjacency=adjacency,
        capitals_lonlat=capitals,
    )


def run(crisis: Crisis, ticks: int) -> list[dict[str, np.ndarray]]:
    """Advance `ticks` ticks; per tick: legitimacy drop, actives, killed, blockades per department."""
    out = []
    sim = crisis.sim
    for t in range(sim.tick + 1, sim.tick + ticks + 1):
        crisis.before_tick(t)
        sim.step()
        killed, blockades = crisis.after_tick(t)
        actives = np.bincount(
            sim.cell_dept[sim.cit_cell[(sim.state == ACTIVE) & (sim.cit_cell >= 0)]], minlength=3
        )
        out.append(
            {"drop": sim.legitimacy_drop.copy(), "active": actives, "killed": killed, "blockades": blockades}
        )
    return out


QUIET_DYNAMICS = dict(
    legitimacy={"feedback": False},
    lethality={"enabled": False},
    blockades={"enabled": False},
    contagion={"enabled": False},
    travel={"enabled": False},
    forces={"redeploy_share": 0.0},
)


def test_a_shock_lowers_legitimacy_only_where_and_when_scheduled():
    shock = LegitimacyShock(when=date(2022, 12, 9), departments=["East"], size=0.2, alignment=1.0)
    dyn = Dynamics(**QUIET_DYNAMICS, timeline=[shock])
    records = run(crisis_for(scenario(dyn), three_departments()), 3 * TPD)
    drops = np.array([r["drop"] for r in records])
    assert np.all(drops[: 2 * TPD] == 0.0)  # days 0 and 1: nothing yet
    first = drops[2 * TPD]  # first tick of 9 Dec (day 2)
    assert first[2] == pytest.approx(0.2 * 70 / 50 * 0.5 ** (1 / (8.0 * TPD)))
    assert first[0] == 0.0 and first[1] == 0.0


def test_alignment_makes_a_national_shock_deeper_where_the_share_is_higher():
    shock = LegitimacyShock(when=DAY0, size=0.1, alignment=2.0)
    dyn = Dynamics(**QUIET_DYNAMICS, timeline=[shock])
    drop = run(crisis_for(scenario(dyn), three_departments()), 1)[0]["drop"]
    assert drop[0] < drop[1] < drop[2]


def _deadly(feedback: bool) -> Dynamics:
    return Dynamics(
        legitimacy={"feedback": feedback, "death_local": 0.05, "death_neighbour": 0.02},
        lethality={"crowd_min_people": 10, "police_rate": 50.0, "military_rate": 50.0},
        blockades={"enabled": False},
        contagion={"enabled": False},
        travel={"enabled": False},
        forces={"redeploy_share": 0.0},
    )


def test_with_feedback_deaths_lower_legitimacy_and_raise_activity_later():
    world = three_departments()
    on = run(crisis_for(scenario(_deadly(True), legitimacy=0.82), world), 6 * TPD)
    off = run(crisis_for(scenario(_deadly(False), legitimacy=0.82), world), 6 * TPD)
    assert sum(r["killed"].sum() for r in on) > 0
    assert all(np.all(r["drop"] == 0.0) for r in off)  # no feedback: legitimacy untouched
    assert on[-1]["drop"].max() > 0.0
    # Same seed, same world: the runs agree until the first death, then feedback raises activity.
    later_on = sum(r["active"].sum() for r in on[2 * TPD :])
    later_off = sum(r["active"].sum() for r in off[2 * TPD :])
    assert later_on > later_off


def test_forces_added_by_an_emergency_appear_on_its_date_and_where_it_says():
    deploy = Deployment(when=date(2022, 12, 10), departments=["Middle"], military=200, police=0)
    dyn = Dynamics(**QUIET_DYNAMICS, timeline=[deploy])
    crisis = crisis_for(scenario(dyn), three_departments())
    sim = crisis.sim
    before = sim.cop_cell.size
    run(crisis, 3 * TPD)  # days 0-2
    assert sim.cop_cell.size == before
    run(crisis, 1)  # first tick of 10 Dec
    added = sim.cop_cell[before:]
    assert added.size == 200 // 10  # soldiers / population scale
    assert np.all(sim.cop_kind[before:] == FORCE_MILITARY)
    assert set(sim.cell_dept[added].tolist()) == {1}


def test_soldiers_go_to_a_strategic_site_of_their_department():
    site = Site(name="airport", lon=-74.35, lat=-12.07)
    deploy = Deployment(when=DAY0, departments=["Middle"], military=100)
    dyn = Dynamics(**QUIET_DYNAMICS, sites=[site], timeline=[deploy])
    crisis = crisis_for(scenario(dyn), three_departments())
    before = crisis.sim.cop_cell.size
    run(crisis, 1)
    assert set(crisis.sim.cop_cell[before:].tolist()) == {int(crisis.site_cell[0])}


def test_soldiers_only_at_sites_skip_the_departments_without_one():
    site = Site(name="airport", lon=-74.35, lat=-12.07)  # in Middle
    dyn_all = Dynamics(**QUIET_DYNAMICS, sites=[site], timeline=[Deployment(when=DAY0, military=300)])
    dyn_sites = Dynamics(
        **QUIET_DYNAMICS, sites=[site], timeline=[Deployment(when=DAY0, military=300, sites_only=True)]
    )
    spread, guarded = (crisis_for(scenario(d), three_departments()) for d in (dyn_all, dyn_sites))
    before = spread.sim.cop_cell.size
    run(spread, 1)
    run(guarded, 1)
    assert set(spread.sim.cell_dept[spread.sim.cop_cell[before:]].tolist()) == {0, 1, 2}
    added = guarded.sim.cop_cell[before:]
    assert added.size == 300 // 10  # every soldier deployed, all of them at the one site
    assert set(added.tolist()) == {int(guarded.site_cell[0])}


def test_sites_only_leaves_a_scenario_dump_unchanged_when_off():
    assert "sites_only" not in Deployment(when=DAY0, military=1).model_dump()
    assert Deployment(when=DAY0, military=1, sites_only=True).model_dump()["sites_only"] is True


def test_no_blockades_and_no_deaths_without_actives():
    dyn = Dynamics(
        lethality={"crowd_min_people": 1, "police_rate": 100.0},
        blockades={"crowd_min_people": 1},
        travel={"enabled": False},
    )
    # Legitimacy 1: no grievance, nobody ever turns active.
    records = run(crisis_for(scenario(dyn, legitimacy=1.0), three_departments()), 4 * TPD)
    assert all(r["active"].sum() == 0 for r in records)
    assert all(r["blockades"].sum() == 0 and r["killed"].sum() == 0 for r in records)


def test_no_deaths_without_forces_even_with_large_crowds():
    dyn = Dynamics(lethality={"crowd_min_people": 1, "police_rate": 100.0, "blockade_rate": 0.0})
    records = run(crisis_for(scenario(dyn, legitimacy=0.3), three_departments(cops=False)), 4 * TPD)
    assert sum(r["active"].sum() for r in records) > 0
    assert all(r["killed"].sum() == 0 for r in records)


def test_blockades_are_held_only_on_road_cells_with_a_crowd():
    dyn = Dynamics(
        blockades={"crowd_min_people": 10}, lethality={"enabled": False}, travel={"enabled": False}
    )
    crisis = crisis_for(scenario(dyn, legitimacy=0.3), three_departments(cops=False))
    records = run(crisis, 2)
    road_cells_per_dept = np.bincount(crisis.sim.cell_dept[np.flatnonzero(crisis.road)], minlength=3)
    assert records[-1]["blockades"].sum() > 0
    assert np.all(records[-1]["blockades"] <= road_cells_per_dept)


def test_contagion_lowers_the_threshold_next_to_an_active_department():
    dyn = Dynamics(**{**QUIET_DYNAMICS, "contagion": {"enabled": True, "strength": 0.2, "delay_days": 0.5}})
    crisis = crisis_for(scenario(dyn, legitimacy=0.3), three_departments(cops=False))
    run(crisis, 2)
    crisis.before_tick(3)
    assert np.all(crisis.sim.threshold_dept < 0.0)
    assert crisis.sim.threshold_dept[1] == pytest.approx(-0.2)  # both neighbours active


def test_same_seed_same_crisis():
    dyn = Dynamics(lethality={"crowd_min_people": 10, "police_rate": 20.0})
    a = run(crisis_for(scenario(dyn, legitimacy=0.6), three_departments()), 3 * TPD)
    b = run(crisis_for(scenario(dyn, legitimacy=0.6), three_departments()), 3 * TPD)
    for ra, rb in zip(a, b, strict=True):
        for key in ra:
            assert np.array_equal(ra[key], rb[key])


def test_the_crowds_kept_per_cell_are_those_of_a_fresh_count_every_tick():
    # The crisis writes its per-cell arrays only where supporters stand: nothing may go stale
    # where a crowd was the tick before, while crowds travel, march and get arrested.
    dyn = Dynamics(travel={"enabled": True, "radius_km": 10, "rate": 0.8}, forces={"redeploy_share": 0.5})
    crisis = crisis_for(scenario(dyn, legitimacy=0.7), three_departments())
    sim, scale = crisis.sim, crisis.scale
    moved = 0
    for t in range(1, 13):
        before = sim.cit_cell.copy()
        crisis.before_tick(t)
        sim.step()
        crisis.after_tick(t)
        moved += int(np.count_nonzero((sim.cit_cell != before) & (sim.cit_cell >= 0) & (before >= 0)))
        off = np.setdiff1d(np.arange(sim.world.lattice.cells), crisis.crowd_cells)
        assert not crisis.actives_here[off].any() and not crisis.participants_here[off].any()
        assert crisis.actives_here.sum() == np.count_nonzero((sim.state == ACTIVE) & (sim.cit_cell >= 0))
        np.testing.assert_array_equal(crisis.participants_here[crisis.crowd_cells], crisis.crowd_people)
        np.testing.assert_array_equal(
            crisis.participants_dept,
            np.bincount(sim.cell_dept, weights=crisis.participants_here, minlength=3),
        )
        np.testing.assert_array_equal(crisis.score, crisis.participants_here / scale + crisis.pull)
    assert moved > 0  # crowds did travel


def test_fields_left_out_of_the_dump_can_still_be_set():
    from uprising.errors import ScenarioError
    from uprising.scenario import load_scenario

    sc = load_scenario(
        "peru-2022", ["dynamics.timeline.5.sites_only=true", "dynamics.forces.guards_hold_sites=true"]
    )
    assert sc.dynamics.timeline[5].sites_only is True and sc.dynamics.forces.guards_hold_sites is True
    with pytest.raises(ScenarioError, match="sites_onlyy: unknown parameter"):
        load_scenario("peru-2022", ["dynamics.timeline.5.sites_onlyy=true"])
    with pytest.raises(ScenarioError, match="unknown field citizens.sites_only"):
        load_scenario("peru-2022", ["citizens.sites_only=true"])


def test_guards_hold_their_site_while_the_other_forces_go_to_the_crowds():
    site = Site(name="airport", lon=-74.35, lat=-12.07)  # in Middle, where the crowd is not
    deploy = Deployment(when=DAY0, departments=["Middle"], military=200, police=200)
    quiet = {**QUIET_DYNAMICS, "blockades": {"enabled": False, "crowd_min_people": 100}}
    for hold in (False, True):
        forces = {"redeploy_share": 1.0, "guards_hold_sites": hold}
        dyn = Dynamics(**{**quiet, "forces": forces}, sites=[site], timeline=[deploy])
        crisis = crisis_for(
            scenario(dyn, legitimacy=0.2, threshold=0.0), three_departments(people_per_cell=400)
        )
        before = crisis.sim.cop_cell.size
        run(crisis, 3 * TPD)
        soldiers = crisis.sim.cop_cell[before:][crisis.sim.cop_kind[before:] == FORCE_MILITARY]
        at_site = np.mean(soldiers == crisis.site_cell[0])
        assert at_site == 1.0 if hold else at_site < 0.5

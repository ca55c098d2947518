"""Legitimacy inside departments: each cell's runoff share from the districts placed on it, the
multiplier and the depth of legitimacy shocks per cell, and the engine reading them."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from tests.world.conftest import peru_layout
from uprising.data import DATA_DIR
from uprising.data.peru_data import PeruData
from uprising.dynamics.config import Dynamics, LegitimacyShock
from uprising.dynamics.crisis import Crisis
from uprising.engine.lattice import Lattice, World
from uprising.engine.rules import ACTIVE
from uprising.engine_params import build_simulation
from uprising.errors import ScenarioError
from uprising.scenario import load_scenario
from uprising.scenario.model import Scenario
from uprising.scenario.world import PeruWorld
from uprising.world import peru
from uprising.world.map_world import place_by_territory
from uprising.world.peru import peru_map_world

COARSE = PeruWorld(resolution_km=20, population_scale=1000)


@pytest.fixture(scope="module")
def build() -> peru.PeruBuild:
    """The shipped world at 5 km and 1:100; its `data` serves the tests of the data alone."""
    return peru.build_peru_world(PeruWorld(), seed=3)


@pytest.fixture(scope="module")
def data(build) -> PeruData:
    return build.data


def test_every_district_has_its_runoff_share(data):
    share = data.district_castillo_pct
    assert share.shape == data.district_population.shape
    assert np.all(np.isfinite(share)) and share.min() > 0 and share.max() < 100
    with (DATA_DIR / "peru" / "runoff_2021_by_district.csv").open(encoding="utf-8") as fh:
        rows = {r["ubigeo_inei"]: r for r in csv.DictReader(fh)}
    with (DATA_DIR / "peru" / "districts.csv").open(encoding="utf-8") as fh:
        order = [r["ubigeo"] for r in csv.DictReader(fh)]
    assert sorted(rows) == sorted(order)
    counted = [j for j, u in enumerate(order) if rows[u]["castillo_pct_valid"]]
    assert len(counted) == len(order) - 18
    file_pct = np.array([float(rows[order[j]]["castillo_pct_valid"]) for j in counted])
    assert np.abs(share[counted] - file_pct).max() < 0.006  # the file rounds to 0.01
    # A district with no counted table takes its province's share.
    for j in sorted(set(range(len(order))) - set(counted)):
        same = [i for i in counted if order[i][:4] == order[j][:4]]
        votes = np.array(
            [[int(rows[order[i]][c]) for c in ("castillo_votes", "fujimori_votes")] for i in same]
        )
        assert share[j] == pytest.approx(100 * votes[:, 0].sum() / votes.sum())


def test_a_cell_share_lies_between_its_departments_districts(data):
    layout = peru_layout(COARSE)
    lived = np.flatnonzero(np.isfinite(layout.seat_share))
    dept = layout.lattice.department[lived]
    share = data.district_castillo_pct
    low = np.array([share[data.district_department == d].min() for d in range(data.departments)])
    high = np.array([share[data.district_department == d].max() for d in range(data.departments)])
    cells = layout.seat_share[lived]
    assert np.all(cells >= low[dept] - 1e-9) and np.all(cells <= high[dept] + 1e-9)


def test_a_cell_share_is_its_districts_mean_weighted_by_the_people_placed(data):
    layout = peru_layout(COARSE)
    seats = (layout.lattice, layout.seat_cell, layout.data.seat_region, layout.seat_xy)
    cfg = peru_map_world(COARSE)
    # Two shares only (0 and 100): a cell's share is then 100 x the part of its people from
    # the second kind of district, which placing that kind alone measures.
    people = data.district_population.astype(float)
    odd = np.arange(len(people)) % 2 == 1
    expected, aligned, _ = place_by_territory(*seats, people, cfg, np.where(odd, 100.0, 0.0))
    only_odd, _, _ = place_by_territory(*seats, np.where(odd, people, 0.0), cfg)
    lived = expected > 0
    assert np.allclose(aligned[lived] / expected[lived], 100 * only_odd[lived] / expected[lived])


def test_lima_cells_differ_and_the_east_and_south_of_the_city_are_more_aligned(build, data):
    world = build.world
    lima = data.names.index("Lima")
    people = np.bincount(world.citizen_cell, minlength=world.lattice.cells)
    cells = np.flatnonzero((world.lattice.department == lima) & (people > 0))
    share = world.cell_alignment[cells] * data.national_castillo_pct
    assert share.max() - share.min() > 30
    # The capital's own cells (the 43 districts of the province of Lima) range from San Isidro's
    # 12% to Lurigancho's 48%: some hold people far above the department's 35%.
    city = cells[people[cells] >= 5_000]  # cells of 500,000 people or more at 1:100
    assert world.cell_alignment[city].max() * data.national_castillo_pct > data.castillo_pct[lima] + 5
    multiplier = world.cell_legitimacy_multiplier[cells]
    assert multiplier.max() - multiplier.min() > 0.05
    expected = 1 - PeruWorld().legitimacy_strength * (share - data.national_castillo_pct) / 100
    assert np.allclose(multiplier, expected, atol=1e-6)


def test_department_alignment_leaves_the_world_without_cell_tables():
    world = peru.build_peru_world(COARSE.model_copy(update={"legitimacy_alignment": "department"})).world
    assert world.cell_legitimacy_multiplier is None and world.cell_alignment is None


# --- the engine and the crisis on a small map --------------------------------------------------

DAY0 = date(2022, 12, 7)


def strip_world(multiplier: list[float], alignment: list[float], per_cell: int = 50) -> World:
    """One row of cells, two departments (the first half, the second half), no police,
    `per_cell` citizens on every cell with hardship 0.5 and risk aversion 0."""
    cells = len(multiplier)
    lattice = Lattice(
        height=1,
        width=cells,
        torus=False,
        capacity=0,
        department=(np.arange(cells) >= cells // 2).astype(np.int16),
        department_names=["North", "South"],
        cell_km=5.0,
        origin_lonlat=(-75.0, -12.0),
    )
    home = np.repeat(np.arange(cells, dtype=np.int32), per_cell)
    return World(
        lattice=lattice,
        citizen_cell=home,
        hardship=np.full(home.size, 0.5, np.float32),
        risk_aversion=np.zeros(home.size, np.float32),
        cop_cell=np.zeros(0, np.int32),
        cop_kind=np.zeros(0, np.int8),
        legitimacy_multiplier=np.ones(2),
        population_scale=1.0,
        cell_legitimacy_multiplier=np.asarray(multiplier, np.float32),
        cell_alignment=np.asarray(alignment, np.float32),
    )


def strip_scenario(timeline: list) -> Scenario:
    off = {"enabled": False}
    dynamics = Dynamics(
        legitimacy={"feedback": False, "half_life_days": 1000},
        lethality=off,
        blockades=off,
        contagion=off,
        travel=off,
        forces={"redeploy_share": 0.0},
        timeline=timeline,
    )
    return Scenario.model_validate(
        {
            "name": "strip",
            "citizens": {"legitimacy": 0.8, "threshold": 0.1, "vision": 1},
            "cops": {"vision": 1},
            "rules": {"movement": False},
            "run": {"schedule": "synchronous", "ticks_per_day": 1, "start_date": DAY0},
            "dynamics": dynamics.model_dump(),
        }
    )


def strip_crisis(sc: Scenario, sim, alignment_pct: tuple[float, float] = (40.0, 60.0)) -> Crisis:
    """The crisis layer of the strip, one tick a day (its departments' alignment is unused
    where cells have their own)."""
    return Crisis(
        sim=sim,
        cfg=sc.dynamics,
        start_date=DAY0,
        ticks_per_day=1,
        alignment_pct=np.array(alignment_pct),
        national_alignment_pct=50.0,
        adjacency=np.array([[0, 1], [1, 0]], dtype=bool),
        capitals_lonlat=np.array([[-74.95, -12.02], [-74.85, -12.02]]),
    )


def test_each_citizen_weighs_the_legitimacy_of_its_own_cell():
    # Grievance H (1 - L m) = 0.5 (1 - 0.8 m) exceeds the threshold 0.1 only where m < 1.
    world = strip_world([0.5, 1.0, 1.2, 0.5], [1.0] * 4)
    sim = build_simulation(strip_scenario([]), world)
    group, legit = sim.levers()[:2]
    assert np.array_equal(group, np.arange(4)) and np.allclose(legit, [0.4, 0.8, 0.96, 0.4])
    sim.step()
    active = np.bincount(sim.cit_cell[sim.state == ACTIVE], minlength=4)
    assert active.tolist() == [50, 0, 0, 50]


def test_a_shock_drops_legitimacy_per_cell_by_size_times_alignment_to_the_power():
    ratio = [0.5, 1.0, 1.5, 2.0]
    shocks = [
        LegitimacyShock(when=DAY0, size=0.1, alignment=2.0),
        LegitimacyShock(when=date(2022, 12, 8), departments=["South"], size=0.05, alignment=1.0),
    ]
    sc = strip_scenario(shocks)
    sim = build_simulation(sc, strip_world([1.0] * 4, ratio))
    crisis = strip_crisis(sc, sim)
    crisis.before_tick(1)
    first = 0.1 * np.array(ratio) ** 2.0
    assert np.allclose(sim.legitimacy_drop_cell, first, rtol=1e-6)
    assert np.all(sim.legitimacy_drop == 0.0)
    sim.step()
    crisis.after_tick(1)
    decay = crisis.decay
    crisis.before_tick(2)
    second = first * decay + np.array([0.0, 0.0, 0.05 * 1.5, 0.05 * 2.0])
    assert np.allclose(sim.legitimacy_drop_cell, second, rtol=1e-6)
    # A department's drop (feedback, a hook) still reaches all its cells, on top of theirs.
    sim.legitimacy_drop[0] = 0.2
    legit = sim.levers()[1]
    assert np.allclose(legit, np.clip(0.8 - second - [0.2, 0.2, 0.0, 0.0], 0, 1), rtol=1e-6)


def test_a_shock_per_cell_drops_and_decays_legitimacy_on_the_cells_where_citizens_live():
    # Citizens live on cells 0, 1 and 3; cell 2 is empty land, whose levers nobody reads.
    world = strip_world([1.0] * 4, [1.0] * 4)
    lived = np.array([0, 1, 3], dtype=np.int32)
    home = np.repeat(lived, 50)
    world = replace(
        world,
        citizen_cell=home,
        hardship=world.hardship[: home.size],
        risk_aversion=world.risk_aversion[: home.size],
    )
    sc = strip_scenario([LegitimacyShock(when=DAY0, size=0.1, alignment=1.0)])
    sim = build_simulation(sc, world)
    crisis = strip_crisis(sc, sim, alignment_pct=(50.0, 50.0))
    crisis.before_tick(1)
    assert sim.legitimacy_drop_cell.tolist() == [0.1, 0.1, 0.0, 0.1]
    sim.step()
    crisis.after_tick(1)
    assert np.array_equal(sim.legitimacy_drop_cell, np.array([0.1, 0.1, 0.0, 0.1]) * crisis.decay)


def test_per_cell_legitimacy_needs_a_map_of_many_agents_per_cell():
    torus = load_scenario("epstein-2002", ["world.width=10", "world.height=10"])
    from uprising.world.classic import build_torus_world

    world = build_torus_world(torus)
    assert world.cell_legitimacy_multiplier is None
    assert build_simulation(torus, world).legitimacy_drop_cell.size == 0
    with pytest.raises(ScenarioError, match="legitimacy per cell"):
        build_simulation(torus, replace(world, cell_legitimacy_multiplier=np.ones(100, np.float32)))


# --- legitimacy per voter (world.legitimacy_alignment: voter) ----------------------------------

VOTER = COARSE.model_copy(update={"legitimacy_alignment": "voter"})


@pytest.fixture(scope="module")
def voters() -> peru.PeruBuild:
    return peru.build_peru_world(VOTER, seed=3)


@pytest.mark.statistical
def test_the_share_of_castillo_voters_in_a_cell_is_its_districts_share(voters):
    world, national = voters.world, voters.data.national_castillo_pct
    share = world.cell_alignment.astype(float) * national / 100.0  # each cell's expected share
    cells = world.citizen_cell
    people = np.bincount(cells, minlength=world.lattice.cells)
    voted = np.bincount(cells, weights=world.citizen_side, minlength=world.lattice.cells)
    assert set(np.unique(world.citizen_side)) == {0, 1}
    # Cell by cell where a cell is large, and over all cells: within 4.5 standard errors.
    big = np.flatnonzero(people >= 400)
    assert big.size >= 10
    p = share[big]
    z = (voted[big] - people[big] * p) / np.sqrt(people[big] * p * (1 - p))
    assert np.abs(z).max() < 4.5
    lived = people > 0
    expected = (people * share)[lived]
    z_all = (voted[lived].sum() - expected.sum()) / np.sqrt((expected * (1 - share[lived])).sum())
    assert abs(z_all) < 4.5
    # A cell at a minority share still has its minority of strongly aligned voters.
    lima = voters.data.names.index("Lima")
    in_lima = big[world.lattice.department[big] == lima]
    assert np.all(voted[in_lima] > 0.2 * people[in_lima])


def test_a_voter_weighs_the_multiplier_of_its_own_vote_at_the_same_national_mean(voters):
    world, data = voters.world, voters.data
    strength = VOTER.legitimacy_strength
    expected = np.clip(1 - strength * (np.array([0.0, 100.0]) - data.national_castillo_pct) / 100, 0, 2)
    assert np.allclose(world.side_legitimacy_multiplier, expected)
    # The formula is linear in the share: a cell's mean over its voters' multipliers is, in
    # expectation, the cell's own multiplier, and so is the nation's.
    p = world.cell_alignment.astype(float)[world.citizen_cell] * data.national_castillo_pct / 100.0
    per_citizen = p * expected[1] + (1 - p) * expected[0]
    cell_mean = world.cell_legitimacy_multiplier[world.citizen_cell]
    assert np.allclose(per_citizen, cell_mean, atol=1e-5)
    drawn = world.side_legitimacy_multiplier[world.citizen_side].mean()
    spread = (expected[0] - expected[1]) * 0.5 / np.sqrt(world.citizens)
    assert abs(drawn - cell_mean.mean()) < 4.5 * spread


def test_voters_are_drawn_from_their_own_stream_and_leave_the_rest_of_the_world_as_it_was(voters):
    district = peru.build_peru_world(COARSE, seed=3).world
    world = voters.world
    assert district.citizen_side is None and district.side_legitimacy_multiplier is None
    for name in ("citizen_cell", "hardship", "risk_aversion", "cop_cell", "cell_legitimacy_multiplier"):
        assert np.array_equal(getattr(world, name), getattr(district, name)), name
    again = peru.build_peru_world(VOTER, seed=3).world
    assert np.array_equal(again.citizen_side, world.citizen_side)
    other = peru.build_peru_world(VOTER, seed=4).world
    assert not np.array_equal(other.citizen_side, world.citizen_side)


def sided_strip(side_of_each: list[int], per_cell: int = 50) -> World:
    """The strip of four cells at the national share, each citizen's side from a repeating list,
    multipliers 1.5 (side 0) and 0.5 (side 1)."""
    world = strip_world([1.0] * 4, [1.0] * 4, per_cell)
    side = np.resize(np.asarray(side_of_each, np.int8), world.citizens)
    return replace(world, citizen_side=side, side_legitimacy_multiplier=np.array([1.5, 0.5]))


def test_each_citizen_weighs_the_legitimacy_of_its_own_side_on_its_cell():
    # Grievance 0.5 (1 - 0.8 m) > 0.1 for side 1 (m = 0.5: 0.3), not for side 0 (m = 1.5: 0).
    world = sided_strip([0, 1])
    sim = build_simulation(strip_scenario([]), world)
    group, legit = sim.levers()[:2]
    assert np.array_equal(group, np.arange(4))
    assert np.allclose(legit, [1.0] * 4 + [0.4] * 4)
    sim.step()
    assert np.array_equal(sim.state == ACTIVE, world.citizen_side == 1)


def test_a_shock_falls_on_the_aligned_side_alone_with_the_cell_mean_of_district_alignment():
    ratio = np.array([0.5, 1.0, 1.5, 2.0])
    shocks = [
        LegitimacyShock(when=DAY0, size=0.1, alignment=2.0),
        LegitimacyShock(when=date(2022, 12, 8), size=0.02, alignment=0.0),
    ]
    sc = strip_scenario(shocks)
    world = replace(sided_strip([0, 1]), cell_alignment=ratio.astype(np.float32))
    sim = build_simulation(sc, world)
    crisis = strip_crisis(sc, sim)
    crisis.before_tick(1)
    share = ratio * 0.5  # the aligned fraction of each cell
    cell_drop = 0.1 * ratio**2.0
    aligned = sim.legitimacy_drop_cell[4:]
    assert np.all(sim.legitimacy_drop_cell[:4] == 0.0)
    assert np.allclose(aligned, cell_drop / share, rtol=1e-6)
    assert np.allclose(share * aligned, cell_drop, rtol=1e-6)  # the cell's mean drop
    sim.step()
    crisis.after_tick(1)
    crisis.before_tick(2)  # alignment 0: the same drop on both sides
    assert np.allclose(sim.legitimacy_drop_cell[:4], 0.02, rtol=1e-6)
    assert np.allclose(sim.legitimacy_drop_cell[4:], cell_drop / share * crisis.decay + 0.02, rtol=1e-6)


def test_a_side_per_citizen_needs_legitimacy_per_cell():
    world = replace(sided_strip([0, 1]), cell_legitimacy_multiplier=None, cell_alignment=None)
    with pytest.raises(ScenarioError, match="side per citizen"):
        build_simulation(strip_scenario([]), world)

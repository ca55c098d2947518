"""The map world's general options: projection, region totals, the territory kernel, capitals,
alignment carried by seats to cells, military at the start and the random streams.

Each test edits a copy of the synthetic island of docs/own_crisis.md (examples/own_crisis/).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import uprising.cli.world  # noqa: F401  (registers the command)
from tests.cli_checks import invoke_command, one_error_line
from uprising.engine.lattice import FORCE_MILITARY
from uprising.scenario.loader import load_scenario
from uprising.world.map_world import build_map_world, crisis_geography
from uprising.world.projection import lonlat_to_cell


def world_of(island: Path, *overrides: str, seed: int = 1):
    return build_map_world(load_scenario(str(island / "island.yaml"), list(overrides)).world, seed)


def people_by_region(built) -> list[int]:
    world = built.world
    return np.bincount(world.lattice.department[world.citizen_cell], minlength=3).tolist()


def test_the_equirectangular_projection_keeps_the_lattice_in_degrees(island):
    laea = world_of(island)
    equi = world_of(island, "world.projection=equirectangular")
    assert laea.world.lattice.origin_lonlat is None
    lattice = equi.world.lattice
    assert lattice.origin_lonlat is not None
    seats = equi.layout.data.seat_lonlat
    assert np.array_equal(equi.layout.cell_of(seats[:, 0], seats[:, 1]), lonlat_to_cell(lattice, *seats.T))
    # The same people on either projection, only the cells differ.
    assert people_by_region(equi) == people_by_region(laea) == [7500, 14000, 4000]


def test_a_population_column_sets_the_region_totals_and_the_seats_only_shape_them(island):
    indicators = island / "island" / "indicators.csv"
    lines = indicators.read_text().splitlines()
    totals = ["people", "80000", "150000", "40000"]
    indicators.write_text("\n".join(f"{a},{b}" for a, b in zip(lines, totals, strict=True)) + "\n")
    assert people_by_region(world_of(island, "world.population_column=people")) == [8000, 15000, 4000]
    indicators.write_text(indicators.read_text().replace(",40000", ",4.5e4x"))
    line = one_error_line(
        invoke_command("world", str(island / "island.yaml"), "--set", "world.population_column=people")
    )
    assert "indicators.csv" in line and "people" in line


def test_the_territory_kernel_narrows_to_sigma_min_and_widens_with_spread(island):
    narrow = world_of(island, "world.seat_kernel=territory", "world.spread=0", "world.sigma_min_km=0.1")
    homes = np.unique(narrow.world.citizen_cell)
    assert set(homes.tolist()) == set(narrow.layout.seat_cell.tolist())  # everyone on a seat's cell
    wide = world_of(island, "world.seat_kernel=territory", "world.spread=1", "world.sigma_max_km=200")
    assert np.unique(wide.world.citizen_cell).size > 10 * homes.size


def test_capitals_set_the_crisis_capitals_and_are_checked(island):
    capitals = island / "island" / "capitals.csv"
    capitals.write_text("region,lon,lat\nN,10.15,0.05\nC,10.35,0.04\nS,10.5,0.1\n")
    loaded = load_scenario(str(island / "island.yaml"))
    geo = crisis_geography(loaded.world)
    assert geo.capitals_lonlat.tolist() == [[10.15, 0.05], [10.35, 0.04], [10.5, 0.1]]
    capitals.write_text("region,lon,lat\nN,10.15,0.05\nC,10.35,0.04\n")
    result = invoke_command("world", "--check", str(island / "island"))
    assert result.exit_code == 2
    assert "error: data file capitals.csv: column region: no row for region S" in result.stderr


def aligned(island: Path, *overrides: str):
    population = island / "island" / "population.csv"
    shares = ["seat_pct", "30", "60", "20", "50", "70"]
    rows = population.read_text().splitlines()
    population.write_text("\n".join(f"{r},{s}" for r, s in zip(rows, shares, strict=True)) + "\n")
    return world_of(island, "world.alignment.seat_column=seat_pct", *overrides)


def test_alignment_carried_by_seats_gives_each_cell_its_own_legitimacy(island):
    assert world_of(island).world.cell_legitimacy_multiplier is None
    built = aligned(island, "world.alignment.by=cell", "world.seat_kernel=territory", "world.spread=0")
    world, seats = built.world, built.layout.seat_cell
    multiplier = world.cell_legitimacy_multiplier
    # Port North (30%) is less against the government than Hill village (60%), in one region.
    assert multiplier[seats[0]] > 1.0 > multiplier[seats[1]]
    reference = (45 * 75 + 35 * 140 + 70 * 40) / 255  # the regions' mean by people
    assert world.cell_alignment[seats[1]] == pytest.approx(60 / reference, rel=1e-6)


def test_voters_are_drawn_with_their_cell_share(island):
    built = aligned(island, "world.alignment.by=voter", "world.seat_kernel=territory", "world.spread=0")
    world = built.world
    lima = built.layout.seat_cell[2]  # the Capital, 20%
    assert world.citizen_side[world.citizen_cell == lima].mean() == pytest.approx(0.20, abs=0.03)
    assert world.side_legitimacy_multiplier[1] < 1.0 < world.side_legitimacy_multiplier[0]


def test_per_cell_alignment_needs_a_seat_column(island):
    result = invoke_command("world", str(island / "island.yaml"), "--set", "world.alignment.by=cell")
    assert "seat_column" in one_error_line(result)


def test_soldiers_at_the_start_come_from_forces_csv_and_the_scenario_on_their_own_stream(island):
    (island / "island" / "forces.csv").write_text("region,military\nS,2000\n")
    base = world_of(island)
    built = world_of(island, "world.military_at_start={N: 500}")
    world = built.world
    military = world.lattice.department[world.cop_cell[world.cop_kind == FORCE_MILITARY]]
    assert np.bincount(military, minlength=3).tolist() == [50, 0, 200]
    # Soldiers draw from their own stream: the citizens and the police are as before.
    police = world.cop_kind != FORCE_MILITARY
    assert np.array_equal(world.hardship, base.world.hardship)
    assert np.array_equal(world.cop_cell[police], base.world.cop_cell[base.world.cop_kind != FORCE_MILITARY])


def test_a_hardship_column_moves_the_log_odds_per_its_own_units(island):
    per_ten = world_of(island, "world.hardship.0.weight=0.4")
    per_hundred = world_of(island, "world.hardship.0.weight=4", "world.hardship.0.per=100")
    assert per_hundred.hardship_mu == pytest.approx(per_ten.hardship_mu, rel=1e-12)

"""The world of Peru, the map world of Peru's files: rasterisation, placement, attributes and
forces."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from scipy.stats import spearmanr

from tests.world.conftest import peru_layout as layout_of
from uprising.data.peru_data import PeruData, department_index, load_peru_data, police_count
from uprising.engine.lattice import FORCE_MILITARY, FORCE_POLICE
from uprising.errors import UprisingError
from uprising.scenario.world import PeruWorld
from uprising.world import peru
from uprising.world.map_world import deploy_military
from uprising.world.projection import cell_centres_lonlat, cell_centres_xy_km, lonlat_to_cell, lonlat_to_xy_km


@pytest.fixture(scope="module")
def data() -> PeruData:
    return load_peru_data()


@pytest.fixture(scope="module")
def build() -> peru.PeruBuild:
    return peru.build_peru_world(PeruWorld(), seed=7)


def test_data_totals(data):
    assert data.departments == 25
    assert int(data.population.sum()) == 31_237_385
    district_sums = np.bincount(data.district_department, weights=data.district_population, minlength=25)
    assert np.array_equal(district_sums.astype(np.int64), data.population)


def test_lattice_is_bounded_and_tagged(build, data):
    lattice = build.world.lattice
    assert not lattice.torus and lattice.capacity == 0
    assert lattice.cell_km == 5.0
    assert lattice.department.dtype == np.int16
    assert lattice.department.shape == (lattice.cells,)
    assert set(np.unique(lattice.department)) == set(range(-1, 25))
    # The map covers INEI's 1.28 million km^2 (simplified limits, up to 4% projection error).
    area = np.count_nonzero(lattice.department >= 0) * lattice.cell_km**2
    assert abs(area / data.area_km2.sum() - 1) < 0.03


@pytest.mark.parametrize("resolution", [5.0, 20.0])
def test_cell_department_is_the_polygon_holding_its_centre(data, resolution):
    layout = layout_of(PeruWorld(resolution_km=resolution, population_scale=1000))
    lattice, forced = layout.lattice, list(layout.forced)
    lon, lat = cell_centres_lonlat(lattice)
    lons, lats = np.meshgrid(lon, lat)
    expected = np.full(lattice.cells, -1)
    for d, poly in enumerate(data.polygons):
        expected[shapely.contains_xy(poly, lons.ravel(), lats.ravel())] = d
    differ = np.flatnonzero(expected != lattice.department)
    assert sorted(differ.tolist()) == sorted(c for c, _ in forced)
    # Only a department too small to hold a cell centre is forced, on its capital's cell.
    for cell, d in forced:
        assert data.area_km2[d] < resolution**2
        assert lattice.department[cell] == d
    if resolution == 5.0:
        assert forced == []


def test_projection_round_trip(build):
    lattice = build.world.lattice
    cells = np.array([0, 12345, lattice.cells - 1])
    xy = cell_centres_xy_km(lattice, cells)
    lon, lat = cell_centres_lonlat(lattice)
    row, col = np.divmod(cells, lattice.width)
    assert np.array_equal(lonlat_to_cell(lattice, lon[col], lat[row]), cells)
    x, y = lonlat_to_xy_km(lattice, lon[col], lat[row])
    assert np.allclose(np.column_stack([x, y]), xy)
    assert lonlat_to_cell(lattice, 0.0, 0.0) == -1


def test_placement_matches_source_totals_at_scale_1(data):
    layout = layout_of(PeruWorld(resolution_km=20.0, population_scale=1.0))
    lattice, counts = layout.lattice, layout.counts
    inside = lattice.department >= 0
    assert counts[~inside].sum() == 0
    by_dept = np.bincount(lattice.department[inside], weights=counts[inside], minlength=25)
    assert np.all(np.abs(by_dept / data.population - 1) < 0.01)
    assert int(counts.sum()) == 31_237_385


def test_population_scales_back_at_1_to_100(build, data):
    world = build.world
    assert world.population_scale == 100
    per_dept = np.diff(build.citizen_offsets)
    assert np.all(np.abs(per_dept * 100 / data.population - 1) < 0.01)
    assert world.citizens == int(np.round(data.population / 100).sum())


def test_every_agent_sits_in_its_own_department(build):
    world = build.world
    dept = world.lattice.department
    o = build.citizen_offsets
    for d in range(25):
        assert np.all(dept[world.citizen_cell[o[d] : o[d + 1]]] == d)
    assert np.all(dept[world.cop_cell] >= 0)


def test_cities_dense_puna_sparse(build, data):
    world = build.world
    counts = np.bincount(world.citizen_cell, minlength=world.lattice.cells)
    lima = counts[lonlat_to_cell(world.lattice, *data.capital_lonlat[data.names.index("Lima")])]
    assert lima > 100 * np.median(counts[counts > 0])
    assert lima > 1000
    # Most of Loreto's cells (Amazon forest) hold nobody.
    loreto = counts[world.lattice.department == data.names.index("Loreto")]
    assert np.mean(loreto == 0) > 0.5


def test_attribute_types_and_ranges(build):
    world = build.world
    assert world.citizen_cell.dtype == np.int32
    assert world.hardship.dtype == np.float32 and world.risk_aversion.dtype == np.float32
    assert world.cop_cell.dtype == np.int32 and world.cop_kind.dtype == np.int8
    assert 0 <= world.hardship.min() and world.hardship.max() <= 1
    assert 0 <= world.risk_aversion.min() and world.risk_aversion.max() < 1
    assert abs(world.risk_aversion.mean() - 0.5) < 0.01
    assert world.agent_bytes() / (world.citizens + world.cops) <= 24


def test_mean_hardship_follows_the_source_order(build, data):
    world = build.world
    o = build.citizen_offsets
    means = np.array([world.hardship[o[d] : o[d + 1]].mean() for d in range(25)])
    cfg = build.config
    index = cfg.hardship_informality_weight * data.informal_pct + (
        cfg.hardship_poverty_weight * data.poverty_pct
    )
    assert spearmanr(means, index).statistic > 0.9
    assert spearmanr(means, build.hardship_mu).statistic > 0.95
    assert spearmanr(means, data.informal_pct).statistic > 0.8
    assert np.all(np.abs(means - build.hardship_mu) < 0.03)


def test_mean_hardship_is_a_logistic_of_informality_and_poverty_against_the_national_rates(build, data):
    cfg = build.config
    z = (
        np.log(cfg.hardship_national_mean / (1 - cfg.hardship_national_mean))
        + cfg.hardship_informality_weight * (data.informal_pct - cfg.national_informality_pct) / 10
        + cfg.hardship_poverty_weight * (data.poverty_pct - cfg.national_poverty_pct) / 10
    )
    assert build.hardship_mu == pytest.approx(1 / (1 + np.exp(-z)), rel=1e-12)


def test_legitimacy_multiplier(build, data):
    m = build.world.legitimacy_multiplier
    assert m.shape == (25,)
    assert data.national_castillo_pct == pytest.approx(50.44, abs=0.01)
    puno, lima = data.names.index("Puno"), data.names.index("Lima")
    assert m[puno] < 1 < m[lima]
    assert spearmanr(m, data.castillo_pct).statistic == pytest.approx(-1.0)
    expected = 1 - build.config.legitimacy_strength * (data.castillo_pct - data.national_castillo_pct) / 100
    assert m == pytest.approx(expected, rel=1e-12)


def test_discrimination_term(data):
    default = peru.build_peru_world(PeruWorld(resolution_km=20, population_scale=1000), 1)
    # The source has no figure: term 0, said so.
    assert default.discrimination_missing.all() and np.all(default.discrimination == 0)
    assert any("no figure for 25 of 25" in n for n in default.notes)
    partial = peru.build_peru_world(
        PeruWorld(resolution_km=20, population_scale=1000, discrimination_source="indigenous_partial"),
        1,
    )
    assert np.count_nonzero(partial.discrimination) == 5
    assert partial.hardship_mu[data.names.index("Puno")] > default.hardship_mu[data.names.index("Puno")]
    assert any("no figure for 20 of 25" in n for n in partial.notes)


def test_police_in_proportion_to_population(build, data):
    world = build.world
    assert np.all(world.cop_kind == FORCE_POLICE)
    expected = police_count(data.population, 390.0, 100.0)
    got = np.bincount(world.lattice.department[world.cop_cell], minlength=25)
    assert np.array_equal(got, expected)
    assert world.cops == pytest.approx(31_237_385 * 390e-5 / 100, abs=25)
    # Police stand where people live.
    counts = np.bincount(world.citizen_cell, minlength=world.lattice.cells)
    assert np.all(counts[world.cop_cell] > 0)


def test_deploy_military(build):
    world = build.world
    rng = np.random.Generator(np.random.Philox(3))
    more = deploy_military(world, "Puno", 50, rng)
    assert more.cops == world.cops + 50
    new = more.cop_kind == FORCE_MILITARY
    assert new.sum() == 50
    puno = world.lattice.department_names.index("Puno")
    assert np.all(world.lattice.department[more.cop_cell[new]] == puno)
    counts = np.bincount(world.citizen_cell, minlength=world.lattice.cells)
    assert np.all(counts[more.cop_cell[new]] > 0)
    assert world.cops == build.world.cops  # the original is untouched
    same = deploy_military(world, "21", 5, np.random.Generator(np.random.Philox(3)))
    assert np.all(world.lattice.department[same.cop_cell[same.cop_kind == FORCE_MILITARY]] == puno)
    junin = world.lattice.department_names.index("Junín")
    assert department_index(world.lattice.department_names, "JUNIN") == junin
    with pytest.raises(UprisingError, match="unknown"):
        deploy_military(world, "Atlantis", 1, rng)


def test_military_at_start():
    cfg = PeruWorld(resolution_km=20, population_scale=100, military_at_start={"Lima": 1000, "21": 500})
    b = peru.build_peru_world(cfg, 1)
    mil = b.world.cop_kind == FORCE_MILITARY
    assert mil.sum() == 15
    depts = b.world.lattice.department[b.world.cop_cell[mil]]
    assert (depts == 14).sum() == 10 and (depts == 20).sum() == 5


def test_same_seed_same_world():
    cfg = PeruWorld(resolution_km=20, population_scale=1000)
    a, b = peru.build_peru_world(cfg, 11).world, peru.build_peru_world(cfg, 11).world
    c = peru.build_peru_world(cfg, 12).world
    for name in ("citizen_cell", "hardship", "risk_aversion", "cop_cell", "cop_kind"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.hardship, c.hardship)
    assert np.array_equal(a.citizen_cell, c.citizen_cell)  # placement does not depend on the seed


def test_resolution_range_is_enforced():
    from pydantic import ValidationError

    for bad in (0.5, 25.0):
        with pytest.raises(ValidationError):
            PeruWorld(resolution_km=bad)
    for bad in (0.5, 5000):
        with pytest.raises(ValidationError):
            PeruWorld(population_scale=bad)

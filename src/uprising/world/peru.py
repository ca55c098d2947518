"""The world of Peru: departments rasterised to square cells, people and forces placed on them.

Everything comes from the files in `uprising/data/peru/` (see SOURCES.md there) and the
parameters of `uprising.scenario.world.PeruWorld`. The steps, each a named function:

1. **Projection** (`lonlat_to_xy_km`, `cell_centres_lonlat`). A local equirectangular
   projection: x = (lon - lon_west) * 111.320 cos(lat0) km, y = (lat - lat_south) * 110.574 km,
   with lat0 the latitude of the middle row of the lattice (about 9.2 S). Peru spans 0-18.4 S,
   so the east-west scale is off by at most cos(18.4)/cos(9.2) - 1 = -3.9% at the southern tip
   and +1.3% at the equator; areas by the same factor. That is well inside the error of the
   simplified 2007 department limits, and it keeps cells square and the mapping to degrees
   linear (a cell's (lon, lat) follows from `origin_lonlat`, `cell_km` and the height).
2. **Rasterisation** (`peru_lattice`). A cell belongs to the department whose polygon contains
   its centre (`shapely.contains_xy` on prepared polygons, one vectorised call per
   department). A department too small to own a cell centre at the chosen resolution (Callao,
   146 km^2, at about 12 km and coarser) is given the cell that holds its capital, so that
   every department has people; those cells are listed in `PeruBuild.forced_cells`.
3. **Placement** (`place_population`, `cell_counts`). Each district's 2017 population
   (districts.csv) goes to the cells of its own department around its capital town: a share
   `seat_share` on the capital's cell, the rest on a Gaussian kernel of width
   sigma = clip(spread * sqrt(territory), sigma_min_km, sigma_max_km), where the territory is
   the area of the department's cells nearer to this capital than to any other of the same
   department. Dense city districts have small territories, hence narrow kernels; puna and
   jungle districts wide ones. A capital that falls outside its department's cells (coast,
   Lake Titicaca, or a coarse lattice) is snapped to the nearest cell of its department.
   Department totals then match regions.csv `population` (INEI's 2017 total, census count plus
   estimated omission, 31,237,385) exactly: each department's target of agents,
   round(population / population_scale), is split over its cells by largest remainders.
   districts.csv adds up to the same totals in every department; if a future file did not,
   regions.csv would still set the totals and districts.csv only the shape within each
   department, and the difference is reported.
4. **Agents** (`build_peru_world`). Citizens are `np.repeat(cells, counts)`, ordered by
   department then cell. Hardship ~ Beta(mu_d c, (1 - mu_d) c) with mu_d from `hardship_mean`;
   risk aversion ~ U(0, 1) as in Epstein (2002); police in proportion to population, on the
   cells of randomly drawn citizens of their department (`police_count`); no military at
   start unless the scenario sets some (`deploy_military` adds them later).
5. **Department tables**: `legitimacy_multiplier` from Castillo's 2021 runoff share and an
   optional `discrimination_term` in the hardship mean.
6. **Legitimacy per cell** (`legitimacy_alignment: district`): placement also carries each
   district's runoff share (runoff_2021_by_district.csv) to the cells its people go to, so a
   cell's share is the population-weighted mean over its districts; the same multiplier formula
   applied to it gives `World.cell_legitimacy_multiplier`, and share / national share gives
   `World.cell_alignment`, the exponent base of the crisis's legitimacy shocks.
7. **Legitimacy per voter** (`legitimacy_alignment: voter`): the cell tables of step 6, and
   each citizen a Castillo voter or not, a Bernoulli draw with its home cell's share
   (`castillo_voters`, `World.citizen_side`); a citizen weighs the multiplier of its own vote,
   that of a share of 100% or of 0% (`World.side_legitimacy_multiplier`), whose mean over the
   people of a cell is, in expectation, the cell's multiplier of step 6 (the formula is linear
   in the share). A mean hides a minority at a threshold rule: a Lima cell at 40% has no
   strongly aligned citizen in step 6, 40% of them here.

Random numbers come from numpy's Philox generator, one independent stream per use spawned
from the scenario's seed: the same seed gives the same world.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import shapely
from scipy.spatial import cKDTree

from uprising.data.peru_data import PeruData, department_index, police_count
from uprising.engine.lattice import FORCE_MILITARY, FORCE_POLICE, Lattice, World
from uprising.errors import DataError, UprisingError
from uprising.scenario.world import PeruWorld
from uprising.world.cache import peru_layout

KM_PER_DEG_LAT = 110.574  # length of one degree of latitude near 9 S, km
KM_PER_DEG_LON_EQUATOR = 111.320  # length of one degree of longitude at the equator, km
LEGITIMACY_MULTIPLIER_RANGE = (0.0, 2.0)
_CHUNK = 1 << 21  # agents per batch of random draws (bounds the float64 temporaries)


# ---------------------------------------------------------------------------------------------
# Projection and lattice


def projection_lat0(lattice: Lattice) -> float:
    """Latitude (degrees) of the lattice's middle row: the standard parallel of the projection."""
    cell, (_, lat_top) = _geo(lattice)
    return lat_top - lattice.height * cell / KM_PER_DEG_LAT / 2.0


def km_per_deg_lon(lattice: Lattice) -> float:
    """Kilometres per degree of longitude everywhere on this lattice (equirectangular)."""
    return KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(projection_lat0(lattice)))


def _geo(lattice: Lattice) -> tuple[float, tuple[float, float]]:
    if lattice.cell_km is None or lattice.origin_lonlat is None:
        raise UprisingError("this lattice has no geography (cell_km and origin_lonlat unset)")
    return lattice.cell_km, lattice.origin_lonlat


def cell_centres_lonlat(lattice: Lattice) -> tuple[np.ndarray, np.ndarray]:
    """(lon of each column's centres, lat of each row's centres), degrees."""
    cell, (lon_w, lat_n) = _geo(lattice)
    lon = lon_w + (np.arange(lattice.width) + 0.5) * cell / km_per_deg_lon(lattice)
    lat = lat_n - (np.arange(lattice.height) + 0.5) * cell / KM_PER_DEG_LAT
    return lon, lat


def lonlat_to_xy_km(lattice: Lattice, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Projected km: x east of the lattice's west edge, y north of its south edge."""
    cell, (lon_w, lat_n) = _geo(lattice)
    x = (np.asarray(lon, float) - lon_w) * km_per_deg_lon(lattice)
    y = lattice.height * cell - (lat_n - np.asarray(lat, float)) * KM_PER_DEG_LAT
    return x, y


def lonlat_to_cell(lattice: Lattice, lon, lat) -> np.ndarray:
    """Cell id holding each (lon, lat) point, -1 for points off the lattice."""
    cell = _geo(lattice)[0]
    x, y = lonlat_to_xy_km(lattice, lon, lat)
    col = np.floor(x / cell).astype(np.int64)
    row = lattice.height - 1 - np.floor(y / cell).astype(np.int64)
    ok = (col >= 0) & (col < lattice.width) & (row >= 0) & (row < lattice.height)
    return np.where(ok, row * lattice.width + col, -1)


def cell_centres_xy_km(lattice: Lattice, cells: np.ndarray) -> np.ndarray:
    """Projected (x, y) km of the centres of the given cells, shape (n, 2)."""
    cell = _geo(lattice)[0]
    row, col = np.divmod(np.asarray(cells, np.int64), lattice.width)
    return np.column_stack([(col + 0.5) * cell, (lattice.height - row - 0.5) * cell])


def peru_lattice(data: PeruData, resolution_km: float) -> tuple[Lattice, list[tuple[int, int]]]:
    """Rasterise the department polygons to square cells of `resolution_km`.

    Returns the lattice and the forced cells: (cell, department) pairs given to a department
    that owned no cell centre (see the module docstring).
    """
    cell = float(resolution_km)
    bounds = np.array([g.bounds for g in data.polygons])
    lon_min, lat_min = bounds[:, 0].min(), bounds[:, 1].min()
    lon_max, lat_max = bounds[:, 2].max(), bounds[:, 3].max()
    # One empty cell of margin on every side.
    height = int(math.ceil((lat_max - lat_min) * KM_PER_DEG_LAT / cell)) + 2
    lat_n = lat_max + cell / KM_PER_DEG_LAT
    lat0 = lat_n - height * cell / KM_PER_DEG_LAT / 2.0
    kx = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
    width = int(math.ceil((lon_max - lon_min) * kx / cell)) + 2
    lon_w = lon_min - cell / kx
    if height * width > 50_000_000:
        raise UprisingError(f"resolution {cell:g} km: lattice of {height}x{width} cells is too big")

    lattice = Lattice(
        height=height,
        width=width,
        torus=False,
        capacity=0,
        department=np.full(height * width, -1, dtype=np.int16),
        department_names=list(data.names),
        cell_km=cell,
        origin_lonlat=(float(lon_w), float(lat_n)),
    )
    lon_c, lat_c = cell_centres_lonlat(lattice)
    dlon, dlat = cell / kx, cell / KM_PER_DEG_LAT
    grid = lattice.department.reshape(height, width)
    for d, poly in enumerate(data.polygons):
        minx, miny, maxx, maxy = poly.bounds
        j0 = max(0, math.ceil((minx - lon_w) / dlon - 0.5))
        j1 = min(width - 1, math.floor((maxx - lon_w) / dlon - 0.5))
        i0 = max(0, math.ceil((lat_n - maxy) / dlat - 0.5))
        i1 = min(height - 1, math.floor((lat_n - miny) / dlat - 0.5))
        if j1 < j0 or i1 < i0:
            continue
        shapely.prepare(poly)
        lons, lats = np.meshgrid(lon_c[j0 : j1 + 1], lat_c[i0 : i1 + 1])
        inside = shapely.contains_xy(poly, lons, lats)
        grid[i0 : i1 + 1, j0 : j1 + 1][inside] = d

    forced: list[tuple[int, int]] = []
    present = np.bincount(lattice.department[lattice.department >= 0], minlength=data.departments)
    for d in np.flatnonzero(present == 0):
        lon, lat = data.capital_lonlat[d]
        c = int(lonlat_to_cell(lattice, lon, lat))
        if c < 0:
            raise DataError(f"capital of {data.names[d]} lies off the lattice")
        lattice.department[c] = d
        forced.append((c, int(d)))
    return lattice, forced


# ---------------------------------------------------------------------------------------------
# Placement


@dataclass
class Placement:
    """Expected people per cell, and where each district was put."""

    expected: np.ndarray  # float64[cells], real people
    castillo_pct: np.ndarray  # float64[cells], mean runoff share of the people placed; NaN: none
    seat_cell: np.ndarray  # int64[k] capital cell of each district (after snapping)
    sigma_km: np.ndarray  # float64[k] kernel width of each district
    snapped: int  # districts whose capital fell outside their department's cells


def place_population(data: PeruData, lattice: Lattice, cfg: PeruWorld) -> Placement:
    """Spread each district's people over the cells of its department near its capital.

    Each cell also gets the population-weighted mean of the runoff shares of the districts
    whose people were put on it: an agent of that cell is aligned as its district on average.
    """
    cell = float(lattice.cell_km or 1.0)
    h, w = lattice.height, lattice.width
    dept = lattice.department
    k = len(data.district_population)
    d_of = data.district_department.astype(np.int64)
    seat = lonlat_to_cell(lattice, data.district_lonlat[:, 0], data.district_lonlat[:, 1])
    px, py = lonlat_to_xy_km(lattice, data.district_lonlat[:, 0], data.district_lonlat[:, 1])
    centre = np.column_stack([px, py])

    cells_of = [np.flatnonzero(dept == d) for d in range(data.departments)]
    bad = (seat < 0) | (dept[np.maximum(seat, 0)] != d_of)
    snapped = int(bad.sum())
    territory = np.zeros(k)
    for d in range(data.departments):
        own = cells_of[d]
        xy = cell_centres_xy_km(lattice, own)
        mine = np.flatnonzero(d_of == d)
        fix = mine[bad[mine]]
        if fix.size:
            _, nearest = cKDTree(xy).query(centre[fix])
            seat[fix] = own[nearest]
            centre[fix] = xy[nearest]
        _, owner = cKDTree(centre[mine]).query(xy)
        territory[mine] = np.bincount(owner, minlength=mine.size) * cell * cell
    sigma = np.clip(cfg.spread * np.sqrt(territory), cfg.sigma_min_km, cfg.sigma_max_km)

    expected = np.zeros(h * w)
    aligned = np.zeros(h * w)  # people x their district's share, summed per cell
    grid, agrid = expected.reshape(h, w), aligned.reshape(h, w)
    dgrid = dept.reshape(h, w)
    pop = data.district_population.astype(float)
    share = data.district_castillo_pct
    spread_pop = pop * (1.0 - cfg.seat_share)
    np.add.at(expected, seat, pop * cfg.seat_share)
    np.add.at(aligned, seat, pop * cfg.seat_share * share)
    rows, cols = np.divmod(seat, w)
    reach = np.ceil(3.0 * sigma / cell).astype(np.int64)
    for j in range(k):
        if spread_pop[j] <= 0:
            continue
        r, c, m = rows[j], cols[j], reach[j]
        i0, i1, j0, j1 = max(0, r - m), min(h, r + m + 1), max(0, c - m), min(w, c + m + 1)
        dx = (np.arange(j0, j1) + 0.5) * cell - centre[j, 0]
        dy = (h - np.arange(i0, i1) - 0.5) * cell - centre[j, 1]
        weight = np.exp(-(dy[:, None] ** 2 + dx[None, :] ** 2) / (2.0 * sigma[j] ** 2))
        weight *= dgrid[i0:i1, j0:j1] == d_of[j]
        total = weight.sum()
        if total > 0 and np.isfinite(total):
            weight *= spread_pop[j] / total
            grid[i0:i1, j0:j1] += weight
            agrid[i0:i1, j0:j1] += weight * share[j]
        else:
            expected[seat[j]] += spread_pop[j]
            aligned[seat[j]] += spread_pop[j] * share[j]
    with np.errstate(invalid="ignore", divide="ignore"):
        castillo = np.where(expected > 0, aligned / expected, np.nan)
    return Placement(
        expected=expected, castillo_pct=castillo, seat_cell=seat, sigma_km=sigma, snapped=snapped
    )


def department_targets(data: PeruData, population_scale: float) -> np.ndarray:
    """Agents per department: round(INEI 2017 population / people per agent)."""
    return np.round(data.population / float(population_scale)).astype(np.int64)


def cell_counts(expected: np.ndarray, department: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Whole agents per cell: each department's target split by largest remainders.

    Within a department the counts are proportional to `expected`; the department total is
    exactly `targets[d]`.
    """
    counts = np.zeros(expected.shape[0], np.int64)
    for d, target in enumerate(targets):
        own = np.flatnonzero(department == d)
        x = expected[own]
        total = x.sum()
        if total <= 0:  # no district mass on the department's cells: spread evenly
            x = np.ones(own.size)
            total = float(own.size)
        share = x * (target / total)
        base = np.floor(share).astype(np.int64)
        short = int(target - base.sum())
        frac = share - base
        if short > 0:
            base[np.argpartition(-frac, short - 1)[:short]] += 1
        elif short < 0:  # rounding noise only: take back from the smallest remainders
            held = np.flatnonzero(base > 0)
            base[held[np.argsort(frac[held])[:-short]]] -= 1
        counts[own] = base
    return counts


# ---------------------------------------------------------------------------------------------
# Department attributes


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def discrimination_term(share_pct: np.ndarray, weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Added to the log-odds of mean hardship: weight * share / 100; 0 where share is missing.

    Returns (term per department, mask of departments with no figure).
    """
    share = np.asarray(share_pct, float)
    missing = ~np.isfinite(share)
    return np.where(missing, 0.0, weight * share / 100.0), missing


def hardship_mean(
    informal_pct: np.ndarray,
    poverty_pct: np.ndarray,
    cfg: PeruWorld,
    extra_logit: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Mean hardship mu_d of each department, a logistic of its informality and poverty.

    logit(mu_d) = logit(hardship_national_mean)
                  + w_inf * (informal_d - national_informal) / 10
                  + w_pov * (poverty_d - national_poverty) / 10 + extra_logit_d
    so a department at the national rates has mean hardship_national_mean, and mu rises with
    informal employment and poverty when the weights are positive.
    """
    z = (
        _logit(cfg.hardship_national_mean)
        + cfg.hardship_informality_weight * (np.asarray(informal_pct) - cfg.national_informality_pct) / 10
        + cfg.hardship_poverty_weight * (np.asarray(poverty_pct) - cfg.national_poverty_pct) / 10
        + extra_logit
    )
    return 1.0 / (1.0 + np.exp(-z))


def hardship_beta_parameters(mu: np.ndarray, concentration: float) -> tuple[np.ndarray, np.ndarray]:
    """Beta(alpha, beta) with mean mu and alpha + beta = concentration."""
    mu = np.clip(np.asarray(mu, float), 1e-6, 1 - 1e-6)
    return mu * concentration, (1.0 - mu) * concentration


def legitimacy_multiplier(castillo_pct: np.ndarray, national_pct: float, strength: float) -> np.ndarray:
    """Regional multiplier of perceived legitimacy from Castillo's 2021 runoff share.

    1 - strength * (share_d - national_share) / 100, clipped to [0, 2]: where Castillo won more
    than nationally, the Congress that removed him and the government that followed are seen
    as less legitimate.
    """
    m = 1.0 - strength * (np.asarray(castillo_pct, float) - national_pct) / 100.0
    return np.clip(m, *LEGITIMACY_MULTIPLIER_RANGE)


def cell_castillo_pct(
    placement: Placement, department: np.ndarray, castillo_pct: np.ndarray, national_pct: float
) -> np.ndarray:
    """Castillo's runoff share (%) of each cell's people (`Placement.castillo_pct`); a cell with
    nobody placed takes its department's share, a cell outside every department the national."""
    share = placement.castillo_pct.copy()
    empty = ~np.isfinite(share)
    inside = department >= 0
    share[empty & inside] = np.asarray(castillo_pct, float)[department[empty & inside]]
    share[empty & ~inside] = national_pct
    return share


def castillo_voters(cell_pct: np.ndarray, citizen_cell: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Whether each citizen voted for Castillo (int8, 1 = yes): a Bernoulli draw with its home
    cell's share (%), in batches so the temporaries stay bounded."""
    side = np.empty(citizen_cell.shape[0], np.int8)
    for a in range(0, side.shape[0], _CHUNK):
        b = min(a + _CHUNK, side.shape[0])
        side[a:b] = rng.random(b - a) * 100.0 < cell_pct[citizen_cell[a:b]]
    return side


# ---------------------------------------------------------------------------------------------
# The build


@dataclass
class PeruBuild:
    """A built world and what the summary, the plot and the tests need to know about it."""

    world: World
    config: PeruWorld
    seed: int
    data: PeruData
    citizen_offsets: np.ndarray  # int64[d + 1]: citizens of department d are [o[d], o[d+1])
    hardship_mu: np.ndarray  # float64[d], the model mean of each department
    discrimination: np.ndarray  # float64[d], the term added to the log-odds
    discrimination_missing: np.ndarray  # bool[d]: the source has no figure there
    forced_cells: list[tuple[int, int]]
    snapped_districts: int
    district_total_gap: np.ndarray  # int64[d]: districts.csv sum - regions.csv population
    seconds: float
    notes: list[str] = field(default_factory=list)


def _streams(seed: int, n: int) -> list[np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(n)
    return [np.random.Generator(np.random.Philox(c)) for c in children]


def build_peru_world(cfg: PeruWorld, seed: int = 1, data_root: Path | None = None) -> PeruBuild:
    """Build the world of Peru from a `PeruWorld` section and a seed (see the module docstring)."""
    started = time.perf_counter()
    layout = peru_layout(cfg, data_root)  # steps 1-3 depend on no seed: built once per process
    data, lattice, forced = layout.data, layout.lattice(), list(layout.forced)
    rng_hardship, rng_risk, rng_police, rng_military, rng_voters = _streams(seed, 5)
    placement, targets = layout.placement, layout.targets

    citizen_cell = layout.homes.copy()  # by department, then cell: seed-free, built once
    offsets = np.concatenate([[0], np.cumsum(targets)])
    n = int(offsets[-1])

    disc_share = {
        "none": np.full(data.departments, np.nan),
        "quechua_aymara": data.quechua_aymara_pct,
        "indigenous_partial": data.indigenous_partial_pct,
    }[cfg.discrimination_source]
    disc, disc_missing = discrimination_term(disc_share, cfg.discrimination_weight)
    mu = hardship_mean(data.informal_pct, data.poverty_pct, cfg, disc)
    alpha, beta = hardship_beta_parameters(mu, cfg.hardship_concentration)
    hardship = np.empty(n, np.float32)
    for d in range(data.departments):
        for a in range(int(offsets[d]), int(offsets[d + 1]), _CHUNK):
            b = min(a + _CHUNK, int(offsets[d + 1]))
            hardship[a:b] = rng_hardship.beta(alpha[d], beta[d], b - a)
    risk_aversion = rng_risk.random(n, dtype=np.float32)

    police = police_count(data.population, cfg.police_per_100k, cfg.population_scale)
    cop_cells = []
    for d in range(data.departments):
        lo, hi = int(offsets[d]), int(offsets[d + 1])
        if police[d] and hi > lo:
            cop_cells.append(citizen_cell[rng_police.integers(lo, hi, int(police[d]))])
    cop_cell = np.concatenate(cop_cells).astype(np.int32) if cop_cells else np.zeros(0, np.int32)

    cell_multiplier = cell_alignment = side = side_multiplier = None
    if cfg.legitimacy_alignment in ("district", "voter"):
        national = data.national_castillo_pct
        share = cell_castillo_pct(placement, lattice.department, data.castillo_pct, national)
        cell_multiplier = legitimacy_multiplier(share, national, cfg.legitimacy_strength)
        cell_multiplier = cell_multiplier.astype(np.float32)
        cell_alignment = (share / national).astype(np.float32)
        if cfg.legitimacy_alignment == "voter":
            side = castillo_voters(share, citizen_cell, rng_voters)
            side_multiplier = legitimacy_multiplier(np.array([0.0, 100.0]), national, cfg.legitimacy_strength)
    world = World(
        lattice=lattice,
        citizen_cell=citizen_cell,
        hardship=hardship,
        risk_aversion=risk_aversion,
        cop_cell=cop_cell,
        cop_kind=np.full(cop_cell.shape[0], FORCE_POLICE, np.int8),
        legitimacy_multiplier=legitimacy_multiplier(
            data.castillo_pct, data.national_castillo_pct, cfg.legitimacy_strength
        ),
        population_scale=float(cfg.population_scale),
        cell_legitimacy_multiplier=cell_multiplier,
        cell_alignment=cell_alignment,
        citizen_side=side,
        side_legitimacy_multiplier=side_multiplier,
    )
    for key, soldiers in cfg.military_at_start.items():
        d = department_index(data.names, key, data.ubigeo)
        world = deploy_military(world, d, int(round(soldiers / cfg.population_scale)), rng_military)

    gap = (
        np.bincount(
            data.district_department, weights=data.district_population, minlength=data.departments
        ).astype(np.int64)
        - data.population
    )
    notes = []
    if cfg.discrimination_source != "none" and disc_missing.any():
        column = {
            "quechua_aymara": "regions.csv quechua_aymara_pct",
            "indigenous_partial": "regions_provenance.csv indigenous_mother_tongue_pct_2017_partial",
        }[cfg.discrimination_source]
        notes.append(
            f"discrimination: {column} has no figure for {int(disc_missing.sum())} of "
            f"{data.departments} departments; the term is 0 there"
        )
    if forced:
        names = ", ".join(data.names[d] for _, d in forced)
        notes.append(
            f"{names}: too small for a {cfg.resolution_km:g} km cell centre; given the cell of its capital"
        )
    if gap.any():
        notes.append(
            "districts.csv totals differ from regions.csv in "
            f"{int(np.count_nonzero(gap))} departments; regions.csv totals are used"
        )
    return PeruBuild(
        world=world,
        config=cfg,
        seed=seed,
        data=data,
        citizen_offsets=offsets,
        hardship_mu=mu,
        discrimination=disc,
        discrimination_missing=disc_missing,
        forced_cells=forced,
        snapped_districts=placement.snapped,
        district_total_gap=gap,
        seconds=time.perf_counter() - started,
        notes=notes,
    )


def deploy_military(world: World, department: int | str, agents: int, rng: np.random.Generator) -> World:
    """A copy of `world` with `agents` military agents added in one department.

    They go to the department's populated cells, each cell drawn with probability proportional
    to its citizens (its cells uniformly if it has none). `department` is an index, a name or a
    2-digit ubigeo. Convert soldiers to agents with round(soldiers / world.population_scale).
    """
    lattice = world.lattice
    d = department_index(lattice.department_names, department)
    if agents < 0:
        raise UprisingError(f"deploy_military: {agents} agents; must be >= 0")
    own = np.flatnonzero(lattice.department == d)
    if own.size == 0:
        raise UprisingError(f"deploy_military: {lattice.department_names[d]} has no cells")
    people = np.bincount(world.citizen_cell, minlength=lattice.cells)[own]
    if people.sum() > 0:
        cells = rng.choice(own, size=agents, p=people / people.sum())
    else:
        cells = rng.choice(own, size=agents)
    return replace(
        world,
        cop_cell=np.concatenate([world.cop_cell, cells.astype(np.int32)]),
        cop_kind=np.concatenate([world.cop_kind, np.full(agents, FORCE_MILITARY, np.int8)]),
    )

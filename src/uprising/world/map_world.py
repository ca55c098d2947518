"""A map world of any country, from a data folder (`uprising.data.map_data`) and a scenario's
`MapWorld` section. The steps, each a named function:

1. **Projection and rasterisation** (`uprising.world.projection`, `world.projection`): Lambert
   azimuthal equal-area centred on the data (laea), or the equirectangular projection of the
   lattice's middle latitude. A cell belongs to the region whose polygon contains its centre; a
   region owning no cell centre is given the cell of its capital (capitals.csv), else of its
   largest seat.
2. **Placement** (`place_seats`, `place_by_territory`). Each row of population.csv puts a share
   `seat_share` of its people on the cell of its seat and spreads the rest over the cells of its
   own region: by one Gaussian kernel of width `spread_km` centred on the seat's cell
   (`seat_kernel: fixed`), or by one centred on the seat itself of width
   sigma = clip(spread * sqrt(territory), sigma_min_km, sigma_max_km), the territory being the
   area of the region's cells nearer to this seat than to any other of the region
   (`seat_kernel: territory`). A seat off its region's cells is snapped to the nearest of them.
   Region totals (the sum of population.csv, or `population_column` of indicators.csv) are then
   split into whole agents by largest remainders (`cell_counts`); population.csv then shapes
   only where they live. With an alignment `seat_column` each cell also gets the
   population-weighted mean of the shares of the seats whose people were put on it.
3. **Agents** (`build_map_world`). Hardship ~ Beta(mu_d c, (1 - mu_d) c) with mu_d moved by the
   scenario's indicator columns (`hardship_mean`); risk aversion ~ U(0, 1); police in proportion
   to population on the cells of randomly drawn citizens of their region; military at the start
   (forces.csv, then `military_at_start`) on the cells of their region in proportion to their
   citizens (`deploy_military`); legitimacy by region from the alignment column
   (`alignment_multiplier`), or by cell or by voter (`cell_tables`, `aligned_voters`).
4. **Sites, roads, adjacency.** Each site's cell, each road's cells, and the pairs of
   neighbouring regions (adjacency.csv, else regions whose polygons touch).

Steps 1-2 and 4 depend on no seed and are built once per process (`uprising.world.cache`).
Random numbers come from numpy's Philox generator, one independent stream per use spawned from
the scenario's seed (hardship, risk aversion, police, military, voters): the same seed gives the
same world, and a stream a world does not use leaves the others as they were.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np
import shapely
from scipy.spatial import cKDTree

from uprising.data.map_data import MapData, load_map_data
from uprising.data.peru_data import department_index, police_count
from uprising.engine.lattice import FORCE_MILITARY, FORCE_POLICE, Lattice, World
from uprising.errors import DataError, UprisingError
from uprising.scenario.world import MapWorld
from uprising.world.cache import folder_key, remember_map
from uprising.world.projection import (
    cell_centres_xy_km,
    cells_of_points,
    equal_area_projection,
    equirectangular_lattice,
    lonlat_to_cell,
    lonlat_to_xy_km,
    map_lattice,
)

MULTIPLIER_RANGE = (0.0, 2.0)
LAYOUT_FIELDS = (
    "code_property",
    "name_property",
    "projection",
    "resolution_km",
    "population_scale",
    "population_column",
    "seat_share",
    "seat_kernel",
    "spread_km",
    "spread",
    "sigma_min_km",
    "sigma_max_km",
)
STREAMS = ("hardship", "risk", "police", "military", "voters")
_CHUNK = 1 << 21  # agents per batch of voter draws (bounds the float64 temporaries)

# A map world's data from elsewhere than a folder: (the key of what was read, the loader).
DataSource = tuple[tuple, Callable[[], MapData]]


@dataclass(frozen=True)
class MapFrame:
    """Where points (lon, lat) fall on a map world's lattice, for either projection."""

    projection: str  # laea or equirectangular
    lattice: Lattice
    origin_km: tuple[float, float]  # laea: projected (x, y) of the lattice's north-west corner
    centre: tuple[float, float]  # laea: (lon, lat) of the projection's centre

    def xy_km(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Projected (x, y) km of points (lon, lat)."""
        if self.projection == "equirectangular":
            return lonlat_to_xy_km(self.lattice, lon, lat)
        return equal_area_projection(*self.centre)(lon, lat)

    def cell_of(self, lon, lat) -> np.ndarray:
        """Cell id holding each point (lon, lat), -1 off the lattice."""
        if self.projection == "equirectangular":
            return lonlat_to_cell(self.lattice, lon, lat)
        x, y = self.xy_km(lon, lat)
        shape = (self.lattice.height, self.lattice.width)
        return cells_of_points(x, y, self.origin_km, float(self.lattice.cell_km or 1.0), shape)

    def centres_xy(self, cells: np.ndarray) -> np.ndarray:
        """Projected (x, y) km of the centres of the given cells, shape (n, 2)."""
        if self.projection == "equirectangular":
            return cell_centres_xy_km(self.lattice, cells)
        cell = float(self.lattice.cell_km or 1.0)
        row, col = np.divmod(np.asarray(cells, np.int64), self.lattice.width)
        return np.column_stack(
            [self.origin_km[0] + (col + 0.5) * cell, self.origin_km[1] - (row + 0.5) * cell]
        )

    def local(self, xy: np.ndarray) -> np.ndarray:
        """Projected points (n, 2) as km east of the lattice's west edge, north of its south edge."""
        if self.projection == "equirectangular":
            return xy
        south = self.origin_km[1] - self.lattice.height * float(self.lattice.cell_km or 1.0)
        return xy - np.array([self.origin_km[0], south])


@dataclass(frozen=True)
class MapLayout:
    """The seed-free parts of a map world."""

    data: MapData
    lattice: Lattice  # shared: copy the department array for a world
    frame: MapFrame
    forced: tuple[tuple[int, int], ...]  # (cell, region) given to a region with no cell centre
    targets: np.ndarray  # int64[d] agents per region
    counts: np.ndarray  # int64[cells] agents per cell
    homes: np.ndarray  # int32[agents] each citizen's cell, by region, then cell: take a copy
    site_cells: dict[str, np.ndarray]  # kind -> int64 cells of its sites
    road_cells: np.ndarray  # int64 cells crossed by a road
    adjacency: tuple[tuple[int, int], ...]  # pairs of neighbouring regions, a < b
    people: np.ndarray  # int64[d] people of each region
    seat_cell: np.ndarray  # int64[k] cell of each seat (after snapping)
    seat_xy: np.ndarray  # float64[k, 2] km of each seat east of the west edge, north of the south
    snapped: int  # seats that fell off their region's cells
    seat_share: np.ndarray | None  # float64[cells] mean seat share of the people placed; NaN: none

    def xy_km(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Projected (x, y) km of points (lon, lat) on the world's projection."""
        return self.frame.xy_km(lon, lat)

    def cell_of(self, lon, lat) -> np.ndarray:
        """Cell id holding each point (lon, lat), -1 off the lattice."""
        return self.frame.cell_of(lon, lat)


def place_seats(
    lattice: Lattice,
    seat_cell: np.ndarray,
    seat_region: np.ndarray,
    people: np.ndarray,
    cfg: MapWorld,
    share: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(expected people per cell, people x seat share per cell): each seat's share on its cell,
    the rest on one Gaussian kernel of width spread_km over the cells of its region."""
    cell, h, w = float(lattice.cell_km or 1.0), lattice.height, lattice.width
    dgrid = lattice.department.reshape(h, w)
    share = np.zeros(len(people)) if share is None else share
    expected, aligned = np.zeros(h * w), np.zeros(h * w)
    np.add.at(expected, seat_cell, people * cfg.seat_share)
    np.add.at(aligned, seat_cell, people * cfg.seat_share * share)
    grid, agrid = expected.reshape(h, w), aligned.reshape(h, w)
    reach = int(math.ceil(3.0 * cfg.spread_km / cell))
    offsets = (np.arange(-reach, reach + 1) * cell) ** 2
    kernel = np.exp(-(offsets[:, None] + offsets[None, :]) / (2.0 * cfg.spread_km**2))
    rest = people * (1.0 - cfg.seat_share)
    for j in np.flatnonzero(rest > 0):
        r, c = divmod(int(seat_cell[j]), w)
        i0, i1, j0, j1 = max(0, r - reach), min(h, r + reach + 1), max(0, c - reach), min(w, c + reach + 1)
        weight = kernel[i0 - r + reach : i1 - r + reach, j0 - c + reach : j1 - c + reach]
        weight = weight * (dgrid[i0:i1, j0:j1] == seat_region[j])
        total = weight.sum()
        if total > 0:
            weight = weight * (rest[j] / total)
            grid[i0:i1, j0:j1] += weight
            agrid[i0:i1, j0:j1] += weight * share[j]
        else:
            expected[seat_cell[j]] += rest[j]
            aligned[seat_cell[j]] += rest[j] * share[j]
    return expected, aligned


def place_by_territory(
    lattice: Lattice,
    seat_cell: np.ndarray,
    seat_region: np.ndarray,
    centre: np.ndarray,
    people: np.ndarray,
    cfg: MapWorld,
    share: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(expected people per cell, people x seat share per cell, sigma of each seat): each seat's
    share on its cell, the rest on a Gaussian kernel centred on the seat (`centre`, local km of
    `MapFrame.local_xy`) of width clip(spread * sqrt(territory), sigma_min_km, sigma_max_km).

    `seat_cell` must already lie on the seat's region (snapped); `centre` of a snapped seat is
    its cell's centre."""
    cell = float(lattice.cell_km or 1.0)
    h, w = lattice.height, lattice.width
    dept = lattice.department
    k = len(people)
    territory = np.zeros(k)
    for d in range(len(lattice.department_names)):
        mine = np.flatnonzero(seat_region == d)
        if mine.size:
            own = np.flatnonzero(dept == d)
            _, owner = cKDTree(centre[mine]).query(cell_centres_xy_km(lattice, own))
            territory[mine] = np.bincount(owner, minlength=mine.size) * cell * cell
    sigma = np.clip(cfg.spread * np.sqrt(territory), cfg.sigma_min_km, cfg.sigma_max_km)

    share = np.zeros(k) if share is None else share
    expected, aligned = np.zeros(h * w), np.zeros(h * w)
    grid, agrid = expected.reshape(h, w), aligned.reshape(h, w)
    dgrid = dept.reshape(h, w)
    spread_pop = people * (1.0 - cfg.seat_share)
    np.add.at(expected, seat_cell, people * cfg.seat_share)
    np.add.at(aligned, seat_cell, people * cfg.seat_share * share)
    rows, cols = np.divmod(seat_cell, w)
    reach = np.ceil(3.0 * sigma / cell).astype(np.int64)
    for j in range(k):
        if spread_pop[j] <= 0:
            continue
        r, c, m = rows[j], cols[j], reach[j]
        i0, i1, j0, j1 = max(0, r - m), min(h, r + m + 1), max(0, c - m), min(w, c + m + 1)
        dx = (np.arange(j0, j1) + 0.5) * cell - centre[j, 0]
        dy = (h - np.arange(i0, i1) - 0.5) * cell - centre[j, 1]
        weight = np.exp(-(dy[:, None] ** 2 + dx[None, :] ** 2) / (2.0 * sigma[j] ** 2))
        weight *= dgrid[i0:i1, j0:j1] == seat_region[j]
        total = weight.sum()
        if total > 0 and np.isfinite(total):
            weight *= spread_pop[j] / total
            grid[i0:i1, j0:j1] += weight
            agrid[i0:i1, j0:j1] += weight * share[j]
        else:
            expected[seat_cell[j]] += spread_pop[j]
            aligned[seat_cell[j]] += spread_pop[j] * share[j]
    return expected, aligned, sigma


def cell_counts(expected: np.ndarray, department: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Whole agents per cell: each region's target split by largest remainders.

    Within a region the counts are proportional to `expected`; the region total is exactly
    `targets[d]`.
    """
    counts = np.zeros(expected.shape[0], np.int64)
    for d, target in enumerate(targets):
        own = np.flatnonzero(department == d)
        x = expected[own]
        total = x.sum()
        if total <= 0:  # no seat mass on the region's cells: spread evenly
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


def _line_cells(lines: list, project, frame: MapFrame, cell: float, shape) -> np.ndarray:
    """Cells crossed by projected lines, sampled every half cell."""
    found = [np.zeros(0, np.int64)]
    for line in lines:
        projected = shapely.transform(line, lambda xy: np.column_stack(project(xy[:, 0], xy[:, 1])))
        for part in getattr(projected, "geoms", [projected]):
            steps = np.linspace(0.0, part.length, max(2, int(part.length / (cell / 2)) + 2))
            pts = shapely.get_coordinates(shapely.line_interpolate_point(part, steps))
            if frame.projection == "equirectangular":
                found.append(_local_cells(frame.lattice, pts))
            else:
                found.append(cells_of_points(pts[:, 0], pts[:, 1], frame.origin_km, cell, shape))
    cells = np.unique(np.concatenate(found))
    return cells[cells >= 0]


def _local_cells(lattice: Lattice, pts: np.ndarray) -> np.ndarray:
    """Cell id of points in km east of the lattice's west edge and north of its south edge."""
    cell = float(lattice.cell_km or 1.0)
    col = np.floor(pts[:, 0] / cell).astype(np.int64)
    row = lattice.height - 1 - np.floor(pts[:, 1] / cell).astype(np.int64)
    ok = (col >= 0) & (col < lattice.width) & (row >= 0) & (row < lattice.height)
    return np.where(ok, row * lattice.width + col, -1)


TOUCH_DEGREES = 1e-6  # polygons closer than this (about 0.1 m) share a border


def touching_pairs(polygons: list) -> tuple[tuple[int, int], ...]:
    """Pairs (a, b), a < b, of polygons that touch or overlap (within TOUCH_DEGREES)."""
    tree = shapely.STRtree(polygons)
    a, b = tree.query(polygons, predicate="dwithin", distance=TOUCH_DEGREES)
    return tuple(sorted({(int(i), int(j)) for i, j in zip(a, b, strict=True) if i < j}))


def layout_columns(cfg: MapWorld) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(columns of indicators.csv, columns of population.csv) that a map world reads."""
    spec = cfg.alignment
    columns = tuple(c.column for c in cfg.hardship) + ((spec.column,) if spec else ())
    columns += (cfg.population_column,) if cfg.population_column else ()
    seats = (spec.seat_column,) if spec is not None and spec.seat_column and spec.by != "region" else ()
    return tuple(dict.fromkeys(columns)), seats


def region_people(data: MapData, cfg: MapWorld) -> np.ndarray:
    """People of each region: `population_column` of indicators.csv, else the sum of its rows of
    population.csv; a DataError naming the region where the column has no whole number."""
    if cfg.population_column is None:
        return data.population
    column = data.indicators[cfg.population_column]
    for d, value in enumerate(column):
        if not (np.isfinite(value) and value >= 0 and value == round(value)):
            raise DataError(
                f"data file indicators.csv: column {cfg.population_column} (world.population_column), "
                f"region {data.codes[d]}: {value:g} is not a whole number of people >= 0"
            )
    return column.astype(np.int64)


def _frame_and_lattice(data: MapData, cfg: MapWorld) -> tuple[MapFrame, Callable]:
    """The world's frame, and a function (lon, lat) -> projected (x, y) for lines and sites."""
    if cfg.projection == "equirectangular":
        lattice = equirectangular_lattice(data.polygons, data.names, cfg.resolution_km)
        frame = MapFrame("equirectangular", lattice, (0.0, 0.0), (0.0, 0.0))
        return frame, frame.xy_km
    (lon0, lat0) = np.mean(np.reshape(shapely.total_bounds(data.polygons), (2, 2)), axis=0)
    project = equal_area_projection(float(lon0), float(lat0))
    to_km = lambda xy: np.column_stack(project(xy[:, 0], xy[:, 1]))  # noqa: E731
    projected = [shapely.transform(p, to_km) for p in data.polygons]
    lattice, origin = map_lattice(projected, data.names, cfg.resolution_km)
    return MapFrame("laea", lattice, origin, (float(lon0), float(lat0))), project


def _force_small_regions(data: MapData, frame: MapFrame, seat: np.ndarray) -> list[tuple[int, int]]:
    """Give each region owning no cell centre the cell of its capital, else of its largest seat."""
    lattice = frame.lattice
    forced = []
    present = np.bincount(lattice.department[lattice.department >= 0], minlength=data.regions)
    for d in np.flatnonzero(present == 0):
        if data.capital_lonlat is not None:
            c = int(frame.cell_of(*data.capital_lonlat[d]))
            if c < 0:
                raise DataError(f"data file capitals.csv: capital of {data.names[d]} lies off the lattice")
        else:
            own = np.flatnonzero(data.seat_region == d)
            if own.size == 0 or seat[own[np.argmax(data.seat_population[own])]] < 0:
                raise DataError(
                    f"data file regions.geojson: region {data.codes[d]} owns no cell and has no seat"
                )
            c = int(seat[own[np.argmax(data.seat_population[own])]])
        lattice.department[c] = d
        forced.append((c, int(d)))
    return forced


def _snap_seats(frame: MapFrame, seat: np.ndarray, region: np.ndarray, xy: np.ndarray) -> int:
    """Move each seat off its region's cells (in place, cell and projected point) to the nearest
    cell of its region; returns how many moved."""
    dept = frame.lattice.department
    bad = (seat < 0) | (dept[np.maximum(seat, 0)] != region)
    for d in np.unique(region[bad]):
        own = np.flatnonzero(dept == d)
        centres = frame.centres_xy(own)
        fix = np.flatnonzero(bad & (region == d))
        nearest = cKDTree(centres).query(xy[fix])[1]
        seat[fix] = own[nearest]
        xy[fix] = centres[nearest]
    return int(bad.sum())


def map_layout(
    cfg: MapWorld, calendar: tuple[date, int] | None = None, source: DataSource | None = None
) -> MapLayout:
    """The lattice, placement and agents per cell of `cfg`, built once per data and fields.

    The data come from the folder `cfg.data`, or from `source` (key, loader) where given."""
    columns, seat_columns = layout_columns(cfg)
    folder = Path(cfg.data)

    def build() -> MapLayout:
        if source is not None:
            data = source[1]()
        else:
            data = load_map_data(
                folder, cfg.code_property, cfg.name_property, columns, calendar, seat_columns
            )
        frame, project = _frame_and_lattice(data, cfg)
        lattice, cell = frame.lattice, cfg.resolution_km
        sx, sy = frame.xy_km(data.seat_lonlat[:, 0], data.seat_lonlat[:, 1])
        seat = frame.cell_of(data.seat_lonlat[:, 0], data.seat_lonlat[:, 1])
        forced = _force_small_regions(data, frame, seat)
        xy = np.column_stack([sx, sy])
        snapped = _snap_seats(frame, seat, data.seat_region, xy)
        share = data.seat_columns[seat_columns[0]] if seat_columns else None
        people = data.seat_population.astype(float)
        local = frame.local(xy)
        if cfg.seat_kernel == "territory":
            expected, aligned, _ = place_by_territory(
                lattice, seat, data.seat_region, local, people, cfg, share
            )
        else:
            expected, aligned = place_seats(lattice, seat, data.seat_region, people, cfg, share)
        seat_share = None
        if share is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                seat_share = np.where(expected > 0, aligned / expected, np.nan)
            seat_share.flags.writeable = False
        dept = lattice.department
        people_d = region_people(data, cfg)
        targets = np.round(people_d / cfg.population_scale).astype(np.int64)
        counts = cell_counts(expected, dept, targets)
        order = np.argsort(dept, kind="stable")
        order = order[dept[order] >= 0].astype(np.int32)
        homes = np.repeat(order, counts[order])
        shape = (lattice.height, lattice.width)
        site_cells = {}
        for kind in sorted({s.kind for s in data.sites}):
            lonlat = np.array([(s.lon, s.lat) for s in data.sites if s.kind == kind])
            site_cells[kind] = frame.cell_of(lonlat[:, 0], lonlat[:, 1])
        adjacency = tuple(data.adjacency) if data.adjacency is not None else touching_pairs(data.polygons)
        for array in (dept, targets, counts, homes, seat, local, people_d, *site_cells.values()):
            array.flags.writeable = False
        road_cells = _line_cells(data.roads, project, frame, cell, shape)
        return MapLayout(
            data, lattice, frame, tuple(forced), targets, counts, homes, site_cells, road_cells, adjacency,
            people_d, seat, local, snapped, seat_share,
        )  # fmt: skip

    fields = cfg.model_dump(mode="json", include=set(LAYOUT_FIELDS))
    data_key = source[0] if source is not None else folder_key(folder)
    key = (data_key, columns, seat_columns, calendar, tuple(sorted(fields.items())))
    return remember_map(key, build)


def _reference(values: np.ndarray, weights: np.ndarray, given: float | None) -> float:
    """The given national value, else the population-weighted mean of the regions with one."""
    if given is not None:
        return float(given)
    ok = np.isfinite(values)
    return float(np.average(values[ok], weights=weights[ok])) if ok.any() and weights[ok].sum() > 0 else 0.0


def hardship_mean(data: MapData, cfg: MapWorld) -> np.ndarray:
    """Mean hardship mu_d of each region: logit(mu_d) = logit(hardship_national_mean) + the sum
    over the scenario's columns of sign * weight * (x_d - reference) / per (0 where x_d is empty)."""
    z = np.full(data.regions, math.log(cfg.hardship_national_mean / (1.0 - cfg.hardship_national_mean)))
    people = region_people(data, cfg).astype(float)
    for spec in cfg.hardship:
        x = data.indicators[spec.column]
        sign = 1.0 if spec.direction == "raises" else -1.0
        step = sign * spec.weight * (x - _reference(x, people, spec.reference)) / spec.per
        z += np.where(np.isfinite(step), step, 0.0)
    return 1.0 / (1.0 + np.exp(-z))


def _multiplier(x: np.ndarray, reference: float, cfg: MapWorld) -> np.ndarray:
    """1 - sign * strength * (x - reference) / 100 clipped to [0, 2], 1 where x is empty."""
    spec = cfg.alignment
    assert spec is not None
    sign = 1.0 if spec.direction == "against" else -1.0
    m = 1.0 - sign * spec.strength * (np.asarray(x, float) - reference) / 100.0
    return np.clip(np.where(np.isfinite(m), m, 1.0), *MULTIPLIER_RANGE)


def alignment_reference(data: MapData, cfg: MapWorld) -> float:
    """The alignment column's reference: the given national share, else the regions' mean
    weighted by their people."""
    spec = cfg.alignment
    assert spec is not None
    x = data.indicators[spec.column]
    return _reference(x, region_people(data, cfg).astype(float), spec.reference)


def alignment_multiplier(data: MapData, cfg: MapWorld) -> np.ndarray:
    """Legitimacy multiplier of each region: 1 - sign * strength * (share - reference) / 100,
    clipped to [0, 2]; 1 without an alignment column (or where the region has no figure)."""
    if cfg.alignment is None:
        return np.ones(data.regions)
    return _multiplier(data.indicators[cfg.alignment.column], alignment_reference(data, cfg), cfg)


@dataclass(frozen=True)
class CellTables:
    """Legitimacy by cell (`alignment.by: cell` or `voter`)."""

    share: np.ndarray  # float64[cells], the column's share of the people of each cell, %
    multiplier: np.ndarray  # float32[cells]
    alignment: np.ndarray  # float32[cells]: the share against the government over its reference


def cell_tables(layout: MapLayout, cfg: MapWorld) -> CellTables:
    """Each cell's share (the seats' mean of `Layout.seat_share`; a cell with nobody placed takes
    its region's, a cell outside every region the reference), its multiplier and its alignment."""
    assert cfg.alignment is not None and layout.seat_share is not None
    data, dept = layout.data, layout.lattice.department
    reference = alignment_reference(data, cfg)
    region = data.indicators[cfg.alignment.column]
    region = np.where(np.isfinite(region), region, reference)
    share = layout.seat_share.copy()
    empty = ~np.isfinite(share)
    inside = dept >= 0
    share[empty & inside] = region[dept[empty & inside]]
    share[empty & ~inside] = reference
    multiplier = _multiplier(share, reference, cfg).astype(np.float32)
    if cfg.alignment.direction == "against":
        alignment = share / reference
    else:
        alignment = (100.0 - share) / (100.0 - reference)
    return CellTables(share, multiplier, alignment.astype(np.float32))


def aligned_voters(share_pct: np.ndarray, citizen_cell: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Whether each citizen holds the column's side (int8, 1 = yes): a Bernoulli draw with its
    home cell's share (%), in batches so the temporaries stay bounded."""
    side = np.empty(citizen_cell.shape[0], np.int8)
    for a in range(0, side.shape[0], _CHUNK):
        b = min(a + _CHUNK, side.shape[0])
        side[a:b] = rng.random(b - a) * 100.0 < share_pct[citizen_cell[a:b]]
    return side


def deploy_military(world: World, region: int | str, agents: int, rng: np.random.Generator) -> World:
    """A copy of `world` with `agents` military agents added in one region.

    They go to the region's populated cells, each cell drawn with probability proportional to
    its citizens (its cells uniformly if it has none). `region` is an index, a name or a code in
    the order of the regions (01, 02, ...). Convert soldiers to agents with
    round(soldiers / world.population_scale).
    """
    lattice = world.lattice
    d = department_index(lattice.department_names, region)
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


@dataclass
class MapBuild:
    """A built map world and what a summary or a test needs to know about it."""

    world: World
    layout: MapLayout
    hardship_mu: np.ndarray  # float64[d]
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def citizen_offsets(self) -> np.ndarray:
        """int64[d + 1]: the citizens of region d are [o[d], o[d+1])."""
        return np.concatenate([[0], np.cumsum(self.layout.targets)])


def _streams(seed: int) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.Generator(np.random.Philox(c)) for name, c in zip(STREAMS, children, strict=True)}


def build_map_world(
    cfg: MapWorld, seed: int = 1, calendar: tuple[date, int] | None = None, source: DataSource | None = None
) -> MapBuild:
    """Build a map world from its section and a seed (see the module docstring)."""
    started = time.perf_counter()
    layout = map_layout(cfg, calendar, source)
    data, shared = layout.data, layout.lattice
    lattice = Lattice(**{**shared.__dict__, "department": shared.department.copy()})
    lattice.department_names = list(shared.department_names)
    rng = _streams(seed)
    citizen_cell = layout.homes.copy()  # seed-free, built once
    offsets = np.concatenate([[0], np.cumsum(layout.targets)])
    mu = hardship_mean(data, cfg)
    alpha, beta = hardship_beta_parameters(mu, cfg.hardship_concentration)
    hardship = np.concatenate(
        [rng["hardship"].beta(alpha[d], beta[d], int(n)) for d, n in enumerate(layout.targets)]
        or [np.zeros(0)]
    ).astype(np.float32)
    risk_aversion = rng["risk"].random(citizen_cell.shape[0], dtype=np.float32)
    police = police_count(layout.people, cfg.police_per_100k, cfg.population_scale)
    cop_cells = [
        citizen_cell[rng["police"].integers(offsets[d], offsets[d + 1], int(police[d]))]
        for d in range(data.regions)
        if police[d] and offsets[d + 1] > offsets[d]
    ]
    cop_cell = np.concatenate(cop_cells).astype(np.int32) if cop_cells else np.zeros(0, np.int32)
    tables = side = side_multiplier = None
    spec = cfg.alignment
    if spec is not None and spec.by != "region":
        tables = cell_tables(layout, cfg)
        if spec.by == "voter":
            side = aligned_voters(tables.share, citizen_cell, rng["voters"])
            held = np.array([0.0, 100.0] if spec.direction == "against" else [100.0, 0.0])
            side_multiplier = _multiplier(held, alignment_reference(data, cfg), cfg)
    world = World(
        lattice,
        citizen_cell,
        hardship,
        risk_aversion,
        cop_cell,
        cop_kind=np.full(cop_cell.shape[0], FORCE_POLICE, np.int8),
        legitimacy_multiplier=alignment_multiplier(data, cfg),
        population_scale=float(cfg.population_scale),
        cell_legitimacy_multiplier=None if tables is None else tables.multiplier,
        cell_alignment=None if tables is None else tables.alignment,
        citizen_side=side,
        side_legitimacy_multiplier=side_multiplier,
    )
    soldiers = list(data.military) + [
        (department_index(data.names, key, data.codes), n) for key, n in cfg.military_at_start.items()
    ]
    for d, n in soldiers:
        world = deploy_military(world, d, int(round(n / cfg.population_scale)), rng["military"])
    used = [c.column for c in cfg.hardship] + ([spec.column] if spec else [])
    notes = [
        f"indicators.csv {c}: no figure for {gaps} of {data.regions} regions; they sit at its reference"
        for c in dict.fromkeys(used)
        if (gaps := int((~np.isfinite(data.indicators[c])).sum()))
    ]
    given = "capital" if data.capital_lonlat is not None else "largest seat"
    notes += [
        f"{data.names[d]}: too small for a {cfg.resolution_km:g} km cell centre; "
        f"given the cell of its {given}"
        for _, d in layout.forced
    ]
    return MapBuild(world, layout, mu, time.perf_counter() - started, notes)


def hardship_beta_parameters(mu: np.ndarray, concentration: float) -> tuple[np.ndarray, np.ndarray]:
    """Beta(alpha, beta) with mean mu and alpha + beta = concentration."""
    mu = np.clip(np.asarray(mu, float), 1e-6, 1 - 1e-6)
    return mu * concentration, (1.0 - mu) * concentration


@dataclass(frozen=True)
class CrisisGeography:
    """What the crisis layer (`uprising.dynamics`) reads of a map world, by region in the
    order of regions.geojson."""

    layout: MapLayout  # also the frame: where points (lon, lat) fall on the lattice
    codes: list[str]  # region codes, accepted beside names in the timeline
    adjacency: np.ndarray  # bool[d, d] neighbours (adjacency.csv, else touching polygons)
    capitals_lonlat: np.ndarray  # float[d, 2]: capitals.csv, else each region's most populous seat
    alignment_pct: np.ndarray  # float[d]: the alignment column, oriented against the government
    national_alignment_pct: float  # its reference (> 0)
    roads: np.ndarray | None  # cells of roads.geojson; None without one (lines between capitals)
    sites: list[tuple[str, float, float]]  # (name, lon, lat) of sites.csv


def alignment_shares(data: MapData, cfg: MapWorld) -> tuple[np.ndarray, float]:
    """Each region's alignment share and the national one, both oriented so that more is less
    legitimacy (`direction: for` turns a share x into 100 - x); a region without a figure sits
    at the reference. Without an alignment column every share is 1 (shocks the same everywhere)."""
    spec = cfg.alignment
    if spec is None:
        return np.ones(data.regions), 1.0
    x = data.indicators[spec.column]
    reference = _reference(x, region_people(data, cfg).astype(float), spec.reference)
    shares = np.where(np.isfinite(x), x, reference)
    if spec.direction == "for":
        shares, reference = 100.0 - shares, 100.0 - reference
    if reference <= 0:
        return np.ones(data.regions), 1.0
    return shares, float(reference)


def crisis_geography(
    cfg: MapWorld, calendar: tuple[date, int] | None = None, source: DataSource | None = None
) -> CrisisGeography:
    """The regions' neighbours, capitals, roads, sites and alignment of a map world (its layout
    is built once per process)."""
    layout = map_layout(cfg, calendar, source)
    data = layout.data
    adjacency = np.zeros((data.regions, data.regions), dtype=bool)
    for a, b in layout.adjacency:
        adjacency[a, b] = adjacency[b, a] = True
    capitals = data.capital_lonlat  # capitals.csv, or each region's largest seat
    if capitals is None:
        capitals = np.zeros((data.regions, 2))
        for d in range(data.regions):
            own = np.flatnonzero(data.seat_region == d)
            capitals[d] = data.seat_lonlat[own[np.argmax(data.seat_population[own])]]
    shares, national = alignment_shares(data, cfg)
    return CrisisGeography(
        layout=layout,
        codes=list(data.codes),
        adjacency=adjacency,
        capitals_lonlat=capitals,
        alignment_pct=shares,
        national_alignment_pct=national,
        roads=layout.road_cells if data.roads else None,
        sites=[(s.name, s.lon, s.lat) for s in data.sites],
    )

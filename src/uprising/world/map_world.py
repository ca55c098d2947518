"""A map world of any country, from a data folder (`uprising.data.map_data`) and a scenario's
`MapWorld` section. The steps, each a named function:

1. **Projection** (`equal_area_projection`). Lambert azimuthal equal-area on a sphere of the
   authalic radius of WGS 84, centred on the middle of the regions' bounding box: cells of the
   lattice have the same area everywhere, and a country of a few thousand km is drawn with a
   distortion of shape of a few per cent at its edges.
2. **Rasterisation** (`map_lattice`). A cell belongs to the region whose projected polygon
   contains its centre; a region owning no cell centre is given the cell of its largest seat.
3. **Placement** (`place_seats`). Each row of population.csv puts a share `seat_share` of its
   people on the cell of its seat and spreads the rest by a Gaussian kernel of width
   `spread_km` over the cells of its own region; a seat off its region's cells is snapped to the
   nearest of them. Region totals are then split into whole agents by largest remainders
   (`uprising.world.peru.cell_counts`).
4. **Agents** (`build_map_world`). Hardship ~ Beta(mu_d c, (1 - mu_d) c) with mu_d moved by the
   scenario's indicator columns (`hardship_mean`); risk aversion ~ U(0, 1); police in proportion
   to population on the cells of randomly drawn citizens of their region; legitimacy by region
   from the alignment column (`alignment_multiplier`).
5. **Sites, roads, adjacency.** Each site's cell, each road's cells, and the pairs of
   neighbouring regions (adjacency.csv, else regions whose polygons touch).

Steps 1-3 and 5 depend on no seed and are built once per process (`uprising.world.cache`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import shapely
from scipy.spatial import cKDTree

from uprising.data.map_data import MapData, load_map_data
from uprising.data.peru_data import police_count
from uprising.engine.lattice import FORCE_POLICE, Lattice, World
from uprising.errors import DataError, UprisingError
from uprising.scenario.world import MapWorld
from uprising.world.cache import folder_key, remember_map
from uprising.world.peru import cell_counts, hardship_beta_parameters

EARTH_RADIUS_KM = 6371.0072  # authalic radius of WGS 84: the sphere of the same area
MULTIPLIER_RANGE = (0.0, 2.0)
LAYOUT_FIELDS = (
    "code_property",
    "name_property",
    "resolution_km",
    "population_scale",
    "seat_share",
    "spread_km",
)


def equal_area_projection(lon0: float, lat0: float):
    """A function (lon, lat) degrees -> (x, y) km: Lambert azimuthal equal-area centred on
    (lon0, lat0), on the authalic sphere."""
    phi0, lam0 = math.radians(lat0), math.radians(lon0)

    def project(lon, lat) -> tuple[np.ndarray, np.ndarray]:
        phi, dlam = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float)) - lam0
        cos_c = math.sin(phi0) * np.sin(phi) + math.cos(phi0) * np.cos(phi) * np.cos(dlam)
        k = np.sqrt(2.0 / np.maximum(1.0 + cos_c, 1e-12))
        x = EARTH_RADIUS_KM * k * np.cos(phi) * np.sin(dlam)
        y = EARTH_RADIUS_KM * k * (math.cos(phi0) * np.sin(phi) - math.sin(phi0) * np.cos(phi) * np.cos(dlam))
        return x, y

    return project


@dataclass(frozen=True)
class MapLayout:
    """The seed-free parts of a map world."""

    data: MapData
    lattice: Lattice  # shared: copy the department array for a world
    origin_km: tuple[float, float]  # projected (x, y) of the lattice's north-west corner
    forced: tuple[tuple[int, int], ...]  # (cell, region) given to a region with no cell centre
    targets: np.ndarray  # int64[d] agents per region
    counts: np.ndarray  # int64[cells] agents per cell
    site_cells: dict[str, np.ndarray]  # kind -> int64 cells of its sites
    road_cells: np.ndarray  # int64 cells crossed by a road
    adjacency: tuple[tuple[int, int], ...]  # pairs of neighbouring regions, a < b
    centre: tuple[float, float]  # (lon, lat) of the projection's centre

    def xy_km(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Projected (x, y) km of points (lon, lat) on the world's equal-area projection."""
        return equal_area_projection(*self.centre)(lon, lat)

    def cell_of(self, lon, lat) -> np.ndarray:
        """Cell id holding each point (lon, lat), -1 off the lattice."""
        x, y = self.xy_km(lon, lat)
        shape = (self.lattice.height, self.lattice.width)
        return _cells_of_points(x, y, self.origin_km, float(self.lattice.cell_km or 1.0), shape)


def _cells_of_points(
    x: np.ndarray, y: np.ndarray, origin: tuple[float, float], cell: float, shape
) -> np.ndarray:
    """Cell id of each projected point, -1 off the lattice."""
    height, width = shape
    col = np.floor((np.asarray(x) - origin[0]) / cell).astype(np.int64)
    row = np.floor((origin[1] - np.asarray(y)) / cell).astype(np.int64)
    ok = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    return np.where(ok, row * width + col, -1)


def map_lattice(projected: list, names: list[str], cell: float) -> tuple[Lattice, tuple[float, float]]:
    """Rasterise projected region polygons to square cells of `cell` km, one empty cell of
    margin on every side; returns the lattice and its north-west corner in projected km."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(projected)
    width = int(math.ceil((xmax - xmin) / cell)) + 2
    height = int(math.ceil((ymax - ymin) / cell)) + 2
    if height * width > 50_000_000:
        raise UprisingError(f"world.resolution_km {cell:g}: lattice of {height}x{width} cells is too big")
    origin = (xmin - cell, ymax + cell)
    grid = np.full((height, width), -1, dtype=np.int16)
    for d, poly in enumerate(projected):
        x0, y0, x1, y1 = poly.bounds
        j0, j1 = max(0, int((x0 - origin[0]) / cell)), min(width, int((x1 - origin[0]) / cell) + 1)
        i0, i1 = max(0, int((origin[1] - y1) / cell)), min(height, int((origin[1] - y0) / cell) + 1)
        xs = origin[0] + (np.arange(j0, j1) + 0.5) * cell
        ys = origin[1] - (np.arange(i0, i1) + 0.5) * cell
        shapely.prepare(poly)
        inside = shapely.contains_xy(poly, *np.meshgrid(xs, ys))
        grid[i0:i1, j0:j1][inside] = d
    lattice = Lattice(
        height=height,
        width=width,
        torus=False,
        capacity=0,
        department=grid.reshape(-1),
        department_names=list(names),
        cell_km=float(cell),
    )
    return lattice, origin


def place_seats(
    lattice: Lattice, seat_cell: np.ndarray, seat_region: np.ndarray, people: np.ndarray, cfg: MapWorld
) -> np.ndarray:
    """Expected people per cell: each seat's share on its cell, the rest on a Gaussian kernel
    over the cells of its region (see the module docstring)."""
    cell, h, w = float(lattice.cell_km or 1.0), lattice.height, lattice.width
    dgrid = lattice.department.reshape(h, w)
    expected = np.zeros(h * w)
    np.add.at(expected, seat_cell, people * cfg.seat_share)
    grid = expected.reshape(h, w)
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
            grid[i0:i1, j0:j1] += weight * (rest[j] / total)
        else:
            expected[seat_cell[j]] += rest[j]
    return expected


def _line_cells(lines: list, project, origin, cell: float, shape) -> np.ndarray:
    """Cells crossed by projected lines, sampled every half cell."""
    found = [np.zeros(0, np.int64)]
    for line in lines:
        projected = shapely.transform(line, lambda xy: np.column_stack(project(xy[:, 0], xy[:, 1])))
        for part in getattr(projected, "geoms", [projected]):
            steps = np.linspace(0.0, part.length, max(2, int(part.length / (cell / 2)) + 2))
            pts = shapely.get_coordinates(shapely.line_interpolate_point(part, steps))
            found.append(_cells_of_points(pts[:, 0], pts[:, 1], origin, cell, shape))
    cells = np.unique(np.concatenate(found))
    return cells[cells >= 0]


TOUCH_DEGREES = 1e-6  # polygons closer than this (about 0.1 m) share a border


def touching_pairs(polygons: list) -> tuple[tuple[int, int], ...]:
    """Pairs (a, b), a < b, of polygons that touch or overlap (within TOUCH_DEGREES)."""
    tree = shapely.STRtree(polygons)
    a, b = tree.query(polygons, predicate="dwithin", distance=TOUCH_DEGREES)
    return tuple(sorted({(int(i), int(j)) for i, j in zip(a, b, strict=True) if i < j}))


def map_layout(cfg: MapWorld, calendar: tuple[date, int] | None = None) -> MapLayout:
    """The lattice, placement and agents per cell of `cfg`, built once per data and fields."""
    columns = tuple(c.column for c in cfg.hardship) + ((cfg.alignment.column,) if cfg.alignment else ())
    folder = Path(cfg.data)

    def build() -> MapLayout:
        data = load_map_data(folder, cfg.code_property, cfg.name_property, columns, calendar)
        (lon0, lat0) = np.mean(np.reshape(shapely.total_bounds(data.polygons), (2, 2)), axis=0)
        project = equal_area_projection(float(lon0), float(lat0))
        to_km = lambda xy: np.column_stack(project(xy[:, 0], xy[:, 1]))  # noqa: E731
        projected = [shapely.transform(p, to_km) for p in data.polygons]
        cell = cfg.resolution_km
        lattice, origin = map_lattice(projected, data.names, cell)
        shape = (lattice.height, lattice.width)
        sx, sy = project(data.seat_lonlat[:, 0], data.seat_lonlat[:, 1])
        seat = _cells_of_points(sx, sy, origin, cell, shape)
        forced = []
        present = np.bincount(lattice.department[lattice.department >= 0], minlength=data.regions)
        for d in np.flatnonzero(present == 0):
            own = np.flatnonzero(data.seat_region == d)
            if own.size == 0 or seat[own[np.argmax(data.seat_population[own])]] < 0:
                raise DataError(
                    f"data file regions.geojson: region {data.codes[d]} owns no cell and has no seat"
                )
            c = int(seat[own[np.argmax(data.seat_population[own])]])
            lattice.department[c] = d
            forced.append((c, int(d)))
        dept = lattice.department
        bad = (seat < 0) | (dept[np.maximum(seat, 0)] != data.seat_region)
        for d in np.unique(data.seat_region[bad]):
            own = np.flatnonzero(dept == d)
            row, col = np.divmod(own, lattice.width)
            xy = np.column_stack([origin[0] + (col + 0.5) * cell, origin[1] - (row + 0.5) * cell])
            fix = np.flatnonzero(bad & (data.seat_region == d))
            seat[fix] = own[cKDTree(xy).query(np.column_stack([sx[fix], sy[fix]]))[1]]
        expected = place_seats(lattice, seat, data.seat_region, data.seat_population.astype(float), cfg)
        targets = np.round(data.population / cfg.population_scale).astype(np.int64)
        counts = cell_counts(expected, dept, targets)
        site_cells = {}
        for kind in sorted({s.kind for s in data.sites}):
            lonlat = np.array([(s.lon, s.lat) for s in data.sites if s.kind == kind])
            site_cells[kind] = _cells_of_points(*project(lonlat[:, 0], lonlat[:, 1]), origin, cell, shape)
        adjacency = tuple(data.adjacency) if data.adjacency is not None else touching_pairs(data.polygons)
        for array in (dept, targets, counts, *site_cells.values()):
            array.flags.writeable = False
        road_cells = _line_cells(data.roads, project, origin, cell, shape)
        return MapLayout(
            data, lattice, origin, tuple(forced), targets, counts, site_cells, road_cells, adjacency,
            (float(lon0), float(lat0)),
        )  # fmt: skip

    fields = cfg.model_dump(mode="json", include=set(LAYOUT_FIELDS))
    key = (folder_key(folder), columns, calendar, tuple(sorted(fields.items())))
    return remember_map(key, build)


def _reference(values: np.ndarray, weights: np.ndarray, given: float | None) -> float:
    """The given national value, else the population-weighted mean of the regions with one."""
    if given is not None:
        return float(given)
    ok = np.isfinite(values)
    return float(np.average(values[ok], weights=weights[ok])) if ok.any() and weights[ok].sum() > 0 else 0.0


def hardship_mean(data: MapData, cfg: MapWorld) -> np.ndarray:
    """Mean hardship mu_d of each region: logit(mu_d) = logit(hardship_national_mean) + the sum
    over the scenario's columns of sign * weight * (x_d - reference) / 10 (0 where x_d is empty)."""
    z = np.full(data.regions, math.log(cfg.hardship_national_mean / (1.0 - cfg.hardship_national_mean)))
    people = data.population.astype(float)
    for spec in cfg.hardship:
        x = data.indicators[spec.column]
        sign = 1.0 if spec.direction == "raises" else -1.0
        step = sign * spec.weight * (x - _reference(x, people, spec.reference)) / 10.0
        z += np.where(np.isfinite(step), step, 0.0)
    return 1.0 / (1.0 + np.exp(-z))


def alignment_multiplier(data: MapData, cfg: MapWorld) -> np.ndarray:
    """Legitimacy multiplier of each region: 1 - sign * strength * (share - reference) / 100,
    clipped to [0, 2]; 1 without an alignment column (or where the region has no figure)."""
    spec = cfg.alignment
    if spec is None:
        return np.ones(data.regions)
    x = data.indicators[spec.column]
    sign = 1.0 if spec.direction == "against" else -1.0
    m = (
        1.0
        - sign * spec.strength * (x - _reference(x, data.population.astype(float), spec.reference)) / 100.0
    )
    return np.clip(np.where(np.isfinite(m), m, 1.0), *MULTIPLIER_RANGE)


@dataclass
class MapBuild:
    """A built map world and what a summary or a test needs to know about it."""

    world: World
    layout: MapLayout
    hardship_mu: np.ndarray  # float64[d]
    seconds: float
    notes: list[str] = field(default_factory=list)


def build_map_world(cfg: MapWorld, seed: int = 1, calendar: tuple[date, int] | None = None) -> MapBuild:
    """Build a map world from its section and a seed (see the module docstring)."""
    started = time.perf_counter()
    layout = map_layout(cfg, calendar)
    data, shared = layout.data, layout.lattice
    lattice = Lattice(**{**shared.__dict__, "department": shared.department.copy()})
    lattice.department_names = list(shared.department_names)
    children = np.random.SeedSequence(seed).spawn(3)
    rng_hardship, rng_risk, rng_police = (np.random.Generator(np.random.Philox(c)) for c in children)
    order = np.argsort(lattice.department, kind="stable")
    order = order[lattice.department[order] >= 0].astype(np.int32)
    citizen_cell = np.repeat(order, layout.counts[order])
    offsets = np.concatenate([[0], np.cumsum(layout.targets)])
    mu = hardship_mean(data, cfg)
    alpha, beta = hardship_beta_parameters(mu, cfg.hardship_concentration)
    hardship = np.concatenate(
        [rng_hardship.beta(alpha[d], beta[d], int(n)) for d, n in enumerate(layout.targets)] or [np.zeros(0)]
    ).astype(np.float32)
    risk_aversion = rng_risk.random(citizen_cell.shape[0], dtype=np.float32)
    police = police_count(data.population, cfg.police_per_100k, cfg.population_scale)
    cop_cells = [
        citizen_cell[rng_police.integers(offsets[d], offsets[d + 1], int(police[d]))]
        for d in range(data.regions)
        if police[d] and offsets[d + 1] > offsets[d]
    ]
    cop_cell = np.concatenate(cop_cells).astype(np.int32) if cop_cells else np.zeros(0, np.int32)
    world = World(
        lattice,
        citizen_cell,
        hardship,
        risk_aversion,
        cop_cell,
        cop_kind=np.full(cop_cell.shape[0], FORCE_POLICE, np.int8),
        legitimacy_multiplier=alignment_multiplier(data, cfg),
        population_scale=float(cfg.population_scale),
    )
    used = [c.column for c in cfg.hardship] + ([cfg.alignment.column] if cfg.alignment else [])
    notes = [
        f"indicators.csv {c}: no figure for {gaps} of {data.regions} regions; they sit at its reference"
        for c in dict.fromkeys(used)
        if (gaps := int((~np.isfinite(data.indicators[c])).sum()))
    ]
    notes += [
        f"{data.names[d]}: too small for a {cfg.resolution_km:g} km cell centre; "
        "given the cell of its largest seat"
        for _, d in layout.forced
    ]
    return MapBuild(world, layout, mu, time.perf_counter() - started, notes)


@dataclass(frozen=True)
class CrisisGeography:
    """What the crisis layer (`uprising.dynamics`) reads of a map world, by region in the
    order of regions.geojson."""

    layout: MapLayout  # also the frame: where points (lon, lat) fall on the lattice
    codes: list[str]  # region codes, accepted beside names in the timeline
    adjacency: np.ndarray  # bool[d, d] neighbours (adjacency.csv, else touching polygons)
    capitals_lonlat: np.ndarray  # float[d, 2]: the seat of each region's most populous row
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
    reference = _reference(x, data.population.astype(float), spec.reference)
    shares = np.where(np.isfinite(x), x, reference)
    if spec.direction == "for":
        shares, reference = 100.0 - shares, 100.0 - reference
    if reference <= 0:
        return np.ones(data.regions), 1.0
    return shares, float(reference)


def crisis_geography(cfg: MapWorld, calendar: tuple[date, int] | None = None) -> CrisisGeography:
    """The regions' neighbours, capitals, roads, sites and alignment of a map world (its layout
    is built once per process)."""
    layout = map_layout(cfg, calendar)
    data = layout.data
    adjacency = np.zeros((data.regions, data.regions), dtype=bool)
    for a, b in layout.adjacency:
        adjacency[a, b] = adjacency[b, a] = True
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

"""How the earth falls on a map world's lattice: two projections and the rasterisation of
regions to square cells.

- **laea** (`equal_area_projection`, `map_lattice`): Lambert azimuthal equal-area on a sphere of
  the authalic radius of WGS 84, centred on the middle of the regions' bounding box. Cells have
  the same area everywhere; a country of a few thousand km is drawn with a distortion of shape
  of a few per cent at its edges. A cell belongs to the region whose projected polygon holds its
  centre.
- **equirectangular** (`equirectangular_lattice`, `lonlat_to_xy_km`, `lonlat_to_cell`): x = (lon
  - lon_west) * 111.320 cos(lat0) km, y = (lat - lat_south) * 110.574 km, with lat0 the latitude
  of the lattice's middle row. Over Peru (0-18.4 S, lat0 about 9.2 S) the east-west scale is off
  by at most cos(18.4)/cos(9.2) - 1 = -3.9% at the southern tip and +1.3% at the equator, areas
  by the same factor: well inside the error of simplified administrative limits. Cells stay
  square and the mapping to degrees linear (a cell's (lon, lat) follows from the lattice's
  `origin_lonlat`, `cell_km` and height). A cell belongs to the region whose polygon holds its
  centre in degrees.

Both leave one empty cell of margin on every side.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from uprising.engine.lattice import Lattice
from uprising.errors import UprisingError

EARTH_RADIUS_KM = 6371.0072  # authalic radius of WGS 84: the sphere of the same area
KM_PER_DEG_LAT = 110.574  # length of one degree of latitude near 9 S, km
KM_PER_DEG_LON_EQUATOR = 111.320  # length of one degree of longitude at the equator, km
MAX_CELLS = 50_000_000


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


def cells_of_points(
    x: np.ndarray, y: np.ndarray, origin: tuple[float, float], cell: float, shape
) -> np.ndarray:
    """Cell id of each projected point (origin: the lattice's north-west corner), -1 off it."""
    height, width = shape
    col = np.floor((np.asarray(x) - origin[0]) / cell).astype(np.int64)
    row = np.floor((origin[1] - np.asarray(y)) / cell).astype(np.int64)
    ok = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    return np.where(ok, row * width + col, -1)


def map_lattice(projected: list, names: list[str], cell: float) -> tuple[Lattice, tuple[float, float]]:
    """Rasterise projected region polygons to square cells of `cell` km; returns the lattice and
    its north-west corner in projected km."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(projected)
    width = int(math.ceil((xmax - xmin) / cell)) + 2
    height = int(math.ceil((ymax - ymin) / cell)) + 2
    if height * width > MAX_CELLS:
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


# ---------------------------------------------------------------------------------------------
# Equirectangular: the lattice carries its own geography (origin_lonlat, cell_km)


def _geo(lattice: Lattice) -> tuple[float, tuple[float, float]]:
    if lattice.cell_km is None or lattice.origin_lonlat is None:
        raise UprisingError("this lattice has no geography (cell_km and origin_lonlat unset)")
    return lattice.cell_km, lattice.origin_lonlat


def projection_lat0(lattice: Lattice) -> float:
    """Latitude (degrees) of the lattice's middle row: the standard parallel of the projection."""
    cell, (_, lat_top) = _geo(lattice)
    return lat_top - lattice.height * cell / KM_PER_DEG_LAT / 2.0


def km_per_deg_lon(lattice: Lattice) -> float:
    """Kilometres per degree of longitude everywhere on this lattice (equirectangular)."""
    return KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(projection_lat0(lattice)))


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
    """(x, y) km of the centres of the given cells, east of the lattice's west edge and north of
    its south edge, shape (n, 2)."""
    cell = float(lattice.cell_km or 1.0)
    row, col = np.divmod(np.asarray(cells, np.int64), lattice.width)
    return np.column_stack([(col + 0.5) * cell, (lattice.height - row - 0.5) * cell])


def equirectangular_lattice(polygons: list, names: list[str], resolution_km: float) -> Lattice:
    """Rasterise region polygons (lon/lat) to square cells of `resolution_km` on the
    equirectangular projection of the lattice's middle latitude."""
    cell = float(resolution_km)
    bounds = np.array([g.bounds for g in polygons])
    lon_min, lat_min = bounds[:, 0].min(), bounds[:, 1].min()
    lon_max, lat_max = bounds[:, 2].max(), bounds[:, 3].max()
    height = int(math.ceil((lat_max - lat_min) * KM_PER_DEG_LAT / cell)) + 2
    lat_n = lat_max + cell / KM_PER_DEG_LAT
    lat0 = lat_n - height * cell / KM_PER_DEG_LAT / 2.0
    kx = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
    width = int(math.ceil((lon_max - lon_min) * kx / cell)) + 2
    lon_w = lon_min - cell / kx
    if height * width > MAX_CELLS:
        raise UprisingError(f"world.resolution_km {cell:g}: lattice of {height}x{width} cells is too big")
    lattice = Lattice(
        height=height,
        width=width,
        torus=False,
        capacity=0,
        department=np.full(height * width, -1, dtype=np.int16),
        department_names=list(names),
        cell_km=cell,
        origin_lonlat=(float(lon_w), float(lat_n)),
    )
    lon_c, lat_c = cell_centres_lonlat(lattice)
    dlon, dlat = cell / kx, cell / KM_PER_DEG_LAT
    grid = lattice.department.reshape(height, width)
    for d, poly in enumerate(polygons):
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
    return lattice

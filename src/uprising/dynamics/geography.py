"""What the dynamics need to know of the map: neighbours, road points, strategic sites.

Every function takes the world's `Frame`: how a point of the earth falls on its lattice (Peru's
equirectangular lattice, `lattice_frame`, or a map world's equal-area one, `MapLayout`).

Road points: a point is one cell crossed by a road. Where the data give a road network (a map
folder's roads.geojson, or Peru's `world.roads_geojson`), its lines are rasterised to the
lattice (`line_cells`). Where they give none (Peru's package ships none: no extract of the
national road network with a licence could be had), the roads are the straight lines between
the capitals (a map world: the seats of the most populous sub-regions) of neighbouring
regions (`road_cells`). Those lines stand in for the national road network (in Peru the
Panamericana and the Andean highways link those capitals); they undercount roads within a
region and misplace winding mountain roads by up to tens of km.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import shapely

from uprising.data.map_data import read_road_lines
from uprising.engine.lattice import Lattice
from uprising.errors import DataError, ScenarioError


class Frame(Protocol):
    """How points (lon, lat in degrees) fall on a world's lattice."""

    def xy_km(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Projected (x, y) in km (only differences are used)."""
        ...

    def cell_of(self, lon, lat) -> np.ndarray:
        """Cell id holding each point, -1 off the lattice."""
        ...


@dataclass(frozen=True)
class LatticeFrame:
    """The frame of a lattice that carries its own geography (`origin_lonlat`, `cell_km`): the
    equirectangular map (`uprising.world.projection`)."""

    lattice: Lattice

    def xy_km(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        from uprising.world.projection import lonlat_to_xy_km

        return lonlat_to_xy_km(self.lattice, lon, lat)

    def cell_of(self, lon, lat) -> np.ndarray:
        from uprising.world.projection import lonlat_to_cell

        return lonlat_to_cell(self.lattice, lon, lat)


def road_cells(
    lattice: Lattice, frame: Frame, capitals_lonlat: np.ndarray, adjacency: np.ndarray
) -> np.ndarray:
    """Sorted cell ids on the straight lines between capitals of neighbouring departments.

    On a lattice's own frame (Peru) the lines' cells depend only on the grid, the capitals and
    the neighbours: they are drawn once per process (`_ROAD_LINES`) and only their regions are
    looked up again, since every run of an ensemble or a calibration asks for the same."""
    capitals = np.asarray(capitals_lonlat, float)
    key = None
    if isinstance(frame, LatticeFrame) and frame.lattice is lattice:
        grid = (lattice.width, lattice.height, lattice.cell_km, lattice.origin_lonlat)
        key = (grid, capitals.tobytes(), np.asarray(adjacency, bool).tobytes())
    if key is None or key not in _ROAD_LINES:
        step = 0.5 * float(lattice.cell_km or 1.0)
        pairs = zip(*np.nonzero(np.triu(adjacency)), strict=True)
        cells = [polyline_cells(frame, capitals[[a, b]], step) for a, b in pairs]
        lines = np.unique(np.concatenate(cells)).astype(np.int64) if cells else np.zeros(0, np.int64)
        if key is None:
            return on_regions(lattice, [lines])
        lines.setflags(write=False)
        _ROAD_LINES.clear()  # one map at a time: a run reads one
        _ROAD_LINES[key] = lines
    return on_regions(lattice, [_ROAD_LINES[key]])


_ROAD_LINES: dict[tuple, np.ndarray] = {}


def line_cells(lattice: Lattice, frame: Frame, lines: list) -> np.ndarray:
    """Sorted cell ids crossed by road lines (shapely LineString or MultiLineString in lon/lat),
    sampled every half cell, on a region."""
    step = 0.5 * float(lattice.cell_km or 1.0)
    parts = [part for line in lines for part in getattr(line, "geoms", [line])]
    return on_regions(lattice, [polyline_cells(frame, shapely.get_coordinates(p), step) for p in parts])


def roads_file_cells(lattice: Lattice, frame: Frame, path: str) -> np.ndarray:
    """Road cells of a GeoJSON file of road lines (Peru's `world.roads_geojson`), or one
    ScenarioError line naming the field and the file's first problem. Kept per file (its size
    and modification time) and lattice, so the runs of an ensemble read it once per process."""
    file = Path(path)
    stat = file.stat() if file.is_file() else None
    version = None if stat is None else (stat.st_size, stat.st_mtime_ns)
    grid = (lattice.width, lattice.height, lattice.cell_km, lattice.origin_lonlat)
    key = (str(file.resolve()), version, grid)
    if key not in _ROAD_FILES:
        try:
            lines = read_road_lines(file)
        except DataError as err:
            raise ScenarioError(f"world.roads_geojson: {err}") from None
        cells = line_cells(lattice, frame, lines)
        if not cells.size:
            raise ScenarioError(f"world.roads_geojson: no line of {file.name} crosses a department")
        cells.setflags(write=False)
        _ROAD_FILES.clear()  # one network at a time: a run reads one
        _ROAD_FILES[key] = cells
    return _ROAD_FILES[key]


_ROAD_FILES: dict[tuple, np.ndarray] = {}


def polyline_cells(frame: Frame, lonlat: np.ndarray, step_km: float) -> np.ndarray:
    """Cells of points every `step_km` or less along a polyline of (lon, lat) vertices (-1 off
    the lattice); each segment is straight in lon/lat, as GeoJSON draws it."""
    lonlat = np.asarray(lonlat, float).reshape(-1, 2)
    if len(lonlat) < 2:
        return frame.cell_of(lonlat[:, 0], lonlat[:, 1])
    x, y = frame.xy_km(lonlat[:, 0], lonlat[:, 1])
    n = np.maximum(2, (np.hypot(np.diff(x), np.diff(y)) / step_km).astype(np.int64) + 1)
    seg = np.repeat(np.arange(len(n)), n)
    first = np.repeat(np.cumsum(n) - n, n)
    t = (np.arange(len(seg)) - first) / (n[seg] - 1)  # 0 to 1 along each segment, n points
    a, b = lonlat[seg], lonlat[seg + 1]
    pts = a + t[:, None] * (b - a)
    return frame.cell_of(pts[:, 0], pts[:, 1])


def on_regions(lattice: Lattice, cells: list[np.ndarray]) -> np.ndarray:
    """The sorted distinct cells among `cells` that belong to a region."""
    if not cells:
        return np.zeros(0, dtype=np.int64)
    out = np.unique(np.concatenate(cells)).astype(np.int64)
    out = out[out >= 0]
    return out[lattice.department[out] >= 0]


def site_cells(lattice: Lattice, frame: Frame, lonlat: list[tuple[float, float]]) -> np.ndarray:
    """Cell of each strategic site (-1 when it falls off the map)."""
    if not lonlat:
        return np.zeros(0, dtype=np.int64)
    lon, lat = np.array(lonlat, float).T
    cells = frame.cell_of(lon, lat)
    return np.where((cells >= 0) & (lattice.department[np.maximum(cells, 0)] >= 0), cells, -1)


def capital_cells(
    lattice: Lattice, frame: Frame, capitals_lonlat: np.ndarray, homes: np.ndarray
) -> np.ndarray:
    """Cell of each department's capital; where it falls off the department's cells (a coastal
    capital at a coarse resolution), the department's most populated cell (-1: no cell)."""
    n = len(lattice.department_names)
    cells = frame.cell_of(capitals_lonlat[:, 0], capitals_lonlat[:, 1]) if n else np.zeros(0, int)
    people = None  # counted only for a capital off its department's cells
    out = np.full(n, -1, dtype=np.int64)
    for d in range(n):
        c = int(cells[d])
        if c >= 0 and lattice.department[c] == d:
            out[d] = c
            continue
        if people is None:
            people = np.bincount(homes, minlength=lattice.cells)
        mine = np.flatnonzero(lattice.department == d)
        if mine.size:
            out[d] = mine[np.argmax(people[mine])]
    return out

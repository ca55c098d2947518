"""What the dynamics need to know of the map: neighbours, road points, strategic sites.

Every function takes the world's `Frame`: how a point of the earth falls on its lattice (Peru's
equirectangular lattice, `lattice_frame`, or a map world's equal-area one, `MapLayout`).

Road points: where the data give no road network (Peru's package, a map folder without
roads.geojson), the roads are the straight lines between the capitals (a map world: the seats
of the most populous sub-regions) of neighbouring regions, rasterised to the lattice; a point
is one cell on such a line. This stands in for the national road network (in Peru the
Panamericana and the Andean highways link those capitals); it undercounts roads within a
region and misplaces winding mountain roads by up to tens of km.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from uprising.data import data_path
from uprising.engine.lattice import Lattice
from uprising.errors import DataError


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
    map of Peru's local equirectangular projection (`uprising.world.peru`)."""

    lattice: Lattice

    def xy_km(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        from uprising.world.peru import lonlat_to_xy_km

        return lonlat_to_xy_km(self.lattice, lon, lat)

    def cell_of(self, lon, lat) -> np.ndarray:
        from uprising.world.peru import lonlat_to_cell

        return lonlat_to_cell(self.lattice, lon, lat)


def adjacency_matrix(ubigeo: list[str]) -> np.ndarray:
    """bool[d, d]: departments sharing a land border (adjacency.csv), in the order of `ubigeo`."""
    index = {u: i for i, u in enumerate(ubigeo)}
    adj = np.zeros((len(ubigeo), len(ubigeo)), dtype=bool)
    path = data_path("peru/adjacency.csv")
    with path.open(encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), 2):
            a, b = row.get("ubigeo_a", ""), row.get("ubigeo_b", "")
            if a not in index or b not in index:
                raise DataError(f"adjacency.csv line {line}: unknown ubigeo {a!r} or {b!r}")
            adj[index[a], index[b]] = adj[index[b], index[a]] = True
    return adj


def road_cells(
    lattice: Lattice, frame: Frame, capitals_lonlat: np.ndarray, adjacency: np.ndarray
) -> np.ndarray:
    """Sorted cell ids on the straight lines between capitals of neighbouring departments."""
    cells: list[np.ndarray] = []
    step = 0.5 * float(lattice.cell_km or 1.0)
    for a, b in zip(*np.nonzero(np.triu(adjacency)), strict=True):
        (lon_a, lat_a), (lon_b, lat_b) = capitals_lonlat[a], capitals_lonlat[b]
        xa, ya = frame.xy_km(lon_a, lat_a)
        xb, yb = frame.xy_km(lon_b, lat_b)
        n = max(2, int(np.hypot(xb - xa, yb - ya) / step) + 1)
        t = np.linspace(0.0, 1.0, n)
        cells.append(frame.cell_of(lon_a + t * (lon_b - lon_a), lat_a + t * (lat_b - lat_a)))
    return on_regions(lattice, cells)


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
    people = np.bincount(homes, minlength=lattice.cells)
    out = np.full(n, -1, dtype=np.int64)
    for d in range(n):
        c = int(cells[d])
        if c >= 0 and lattice.department[c] == d:
            out[d] = c
            continue
        mine = np.flatnonzero(lattice.department == d)
        if mine.size:
            out[d] = mine[np.argmax(people[mine])]
    return out

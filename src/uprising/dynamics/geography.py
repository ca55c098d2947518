"""What the dynamics need to know of the map: neighbours, road points, strategic sites.

Road points: no road network ships with the package, so the roads are the straight lines
between the capitals of neighbouring departments (adjacency.csv, regions.csv capital_lat/lon),
rasterised to the lattice; a point is one cell on such a line. This stands in for the national
road network (the Panamericana and the Andean highways link those capitals); it undercounts
roads within a department and misplaces winding mountain roads by up to tens of km.
"""

from __future__ import annotations

import csv

import numpy as np

from uprising.data import data_path
from uprising.engine.lattice import Lattice
from uprising.errors import DataError


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


def road_cells(lattice: Lattice, capitals_lonlat: np.ndarray, adjacency: np.ndarray) -> np.ndarray:
    """Sorted cell ids on the straight lines between capitals of neighbouring departments."""
    from uprising.world.peru import lonlat_to_cell, lonlat_to_xy_km

    cells: list[np.ndarray] = []
    step = 0.5 * float(lattice.cell_km or 1.0)
    for a, b in zip(*np.nonzero(np.triu(adjacency)), strict=True):
        (lon_a, lat_a), (lon_b, lat_b) = capitals_lonlat[a], capitals_lonlat[b]
        xa, ya = lonlat_to_xy_km(lattice, lon_a, lat_a)
        xb, yb = lonlat_to_xy_km(lattice, lon_b, lat_b)
        n = max(2, int(np.hypot(xb - xa, yb - ya) / step) + 1)
        t = np.linspace(0.0, 1.0, n)
        cells.append(lonlat_to_cell(lattice, lon_a + t * (lon_b - lon_a), lat_a + t * (lat_b - lat_a)))
    if not cells:
        return np.zeros(0, dtype=np.int64)
    out = np.unique(np.concatenate(cells))
    out = out[out >= 0]
    return out[lattice.department[out] >= 0]


def site_cells(lattice: Lattice, lonlat: list[tuple[float, float]]) -> np.ndarray:
    """Cell of each strategic site (-1 when it falls off the map)."""
    from uprising.world.peru import lonlat_to_cell

    if not lonlat:
        return np.zeros(0, dtype=np.int64)
    lon, lat = np.array(lonlat, float).T
    cells = lonlat_to_cell(lattice, lon, lat)
    return np.where((cells >= 0) & (lattice.department[np.maximum(cells, 0)] >= 0), cells, -1)


def capital_cells(lattice: Lattice, capitals_lonlat: np.ndarray, homes: np.ndarray) -> np.ndarray:
    """Cell of each department's capital; where it falls off the department's cells (a coastal
    capital at a coarse resolution), the department's most populated cell (-1: no cell)."""
    from uprising.world.peru import lonlat_to_cell

    n = len(lattice.department_names)
    cells = lonlat_to_cell(lattice, capitals_lonlat[:, 0], capitals_lonlat[:, 1]) if n else np.zeros(0, int)
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

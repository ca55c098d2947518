"""Maps of Peru's departments: their outlines (read once) and a choropleth of one value each."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.colors import Normalize
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from shapely.geometry.polygon import orient

MAP_CMAP = "YlOrRd"


@dataclass(frozen=True)
class DepartmentShapes:
    """Department polygons in lon/lat, in the order of the packaged data, with label points."""

    names: tuple[str, ...]
    polygons: tuple[Any, ...]  # shapely Polygon or MultiPolygon of each department
    label_points: np.ndarray  # float64[d, 2], a point inside each department
    bounds: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max


@lru_cache(maxsize=1)
def department_shapes() -> DepartmentShapes:
    """The department polygons of `data/peru/departments.geojson`, read once."""
    from uprising.data.peru_data import load_peru_data

    data = load_peru_data()
    points = [(p.x, p.y) for p in (geom.representative_point() for geom in data.polygons)]
    lon_min, lat_min, lon_max, lat_max = np.array([g.bounds for g in data.polygons]).T
    return DepartmentShapes(
        names=tuple(data.names),
        polygons=tuple(data.polygons),
        label_points=np.asarray(points),
        bounds=(float(lon_min.min()), float(lat_min.min()), float(lon_max.max()), float(lat_max.max())),
    )


def on_peru_map(names: Sequence[str]) -> bool:
    """Whether `names` are several departments of Peru (a world the map can show)."""
    return len(names) > 1 and set(names) <= set(department_shapes().names)


def polygon_rings(geom) -> list[np.ndarray]:
    """The rings of a (Multi)Polygon as [n, 2] coordinate arrays: exteriors and holes."""
    rings = []
    for part in list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]:
        rings.append(np.asarray(part.exterior.coords))
        rings.extend(np.asarray(r.coords) for r in part.interiors)
    return rings


def department_patch(geom) -> PathPatch:
    """One patch of a (Multi)Polygon, holes included (exteriors counter-clockwise, holes clockwise)."""
    parts = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    vertices, codes = [], []
    for part in parts:
        part = orient(part, 1.0)
        for ring in (part.exterior, *part.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            vertices.append(xy)
            codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
    return PathPatch(MplPath(np.concatenate(vertices), np.concatenate(codes)))


@lru_cache(maxsize=1)
def _department_paths() -> tuple[MplPath, ...]:
    return tuple(department_patch(geom).get_path() for geom in department_shapes().polygons)


def draw_departments(
    ax: Axes, names: Sequence[str], values: Sequence[float], norm: Normalize, linewidth: float = 0.5
) -> PatchCollection:
    """Every department of Peru on `ax`, coloured by the value of its name in `names` (uncoloured
    where it has none), framed in lon/lat with the aspect of the map's middle latitude."""
    shapes = department_shapes()
    index = {name: i for i, name in enumerate(names)}
    shown = [values[index[name]] if name in index else np.nan for name in shapes.names]
    patches = [PathPatch(path) for path in _department_paths()]
    collection = PatchCollection(patches, cmap=MAP_CMAP, norm=norm, edgecolor="#444444", linewidth=linewidth)
    collection.set_array(np.ma.masked_invalid(np.asarray(shown, dtype=float)))
    ax.add_collection(collection)
    lon_min, lat_min, lon_max, lat_max = shapes.bounds
    ax.set_xlim(lon_min - 0.3, lon_max + 0.3)
    ax.set_ylim(lat_min - 0.3, lat_max + 0.3)
    ax.set_aspect(1.0 / math.cos(math.radians(0.5 * (lat_min + lat_max))))
    return collection


def label_point(name: str) -> tuple[float, float]:
    """A point inside department `name`, for its label."""
    shapes = department_shapes()
    x, y = shapes.label_points[shapes.names.index(name)]
    return float(x), float(y)


LABEL_RINGS = (10.0, 18.0, 28.0, 40.0, 54.0, 70.0, 90.0, 115.0)
"""Distances, in points, at which a label that would overlap another is tried, nearest first."""


def _label_offsets(prefer_west: bool) -> list[tuple[float, float]]:
    """Where to try a label, in points from its department: in place, then around it, ring by
    ring; westward (out to sea, on the map of Peru) first when `prefer_west`."""
    offsets = [(0.0, 0.0)]
    for radius in LABEL_RINGS:
        angles = np.linspace(0.0, 2 * math.pi, 16, endpoint=False)
        if prefer_west:
            angles = sorted(angles, key=lambda a: abs(a - math.pi))
        offsets += [(radius * 1.6 * math.cos(a), radius * math.sin(a)) for a in angles]
    return offsets


def _annotate(ax: Axes, text: str, xy: tuple[float, float], offset: tuple[float, float], fontsize: float):
    """One label `offset` points from `xy`, joined to it by a leader line when moved, outside
    the layout."""
    leader = {"arrowstyle": "-", "linewidth": 0.5, "shrinkA": 1, "shrinkB": 0}
    label = ax.annotate(
        text, xy, xytext=offset, textcoords="offset points", ha="center", va="center",
        fontsize=fontsize, annotation_clip=False, arrowprops=leader if offset != (0.0, 0.0) else None,
    )  # fmt: skip
    label.set_in_layout(False)
    return label


def place_labels(
    ax: Axes,
    points: Sequence[tuple[float, float]],
    texts: Sequence[str],
    fontsize: float = 6,
    prefer_west: Sequence[bool] | None = None,
) -> list[Any]:
    """Label each point (data coordinates) so that no two labels overlap: in place where there
    is room, else at the nearest free spot on rings around it, joined to it by a leader line.

    Labels are placed in the given order against the figure as laid out now (drawn once first),
    and are left out of the layout so that placing them moves nothing.
    """
    fig = ax.get_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    placed: list[Any] = []
    labels = []
    for i, (xy, text) in enumerate(zip(points, texts, strict=True)):
        west = bool(prefer_west[i]) if prefer_west is not None else False
        for offset in [*_label_offsets(west), (0.0, -LABEL_RINGS[-1] - 12)]:
            label = _annotate(ax, text, (float(xy[0]), float(xy[1])), offset, fontsize)
            label.update_positions(renderer)
            box = Text.get_window_extent(label, renderer).padded(1.0)  # the words, not the leader
            if not any(box.overlaps(other) for other in placed) or offset[1] < -LABEL_RINGS[-1]:
                break  # a free spot, or past the last ring: kept, still joined to its point
            label.remove()
        placed.append(box)
        labels.append(label)
    return labels

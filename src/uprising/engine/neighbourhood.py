"""Vision shapes: the sites an agent sees, as offsets or as row half-widths.

Shapes (`euclidean`, `moore`, `von_neumann`) follow NetLogo's `in-radius` (sites whose centre
lies within the radius), the square, and the diamond of Mesa's von Neumann grid. On a torus
smaller than the shape, offsets that wrap onto the same site are merged, as Mesa does.
"""

from __future__ import annotations

import math

import numpy as np

SHAPES = ("euclidean", "moore", "von_neumann")


def half_width(shape: str, radius: float, dy: int) -> int:
    """How far the shape reaches left and right on the row `dy` rows away (-1: not at all)."""
    dy = abs(dy)
    if shape == "euclidean":
        inside = radius * radius - dy * dy
        return -1 if inside < 0 else math.floor(math.sqrt(inside) + 1e-9)
    r = math.floor(radius + 1e-9)
    if dy > r:
        return -1
    if shape == "moore":
        return r
    if shape == "von_neumann":
        return r - dy
    raise ValueError(f"neighbourhood {shape!r}: must be one of {', '.join(SHAPES)}")


def offsets(shape: str, radius: float, height: int, width: int, torus: bool) -> np.ndarray:
    """(dy, dx) offsets of the sites in vision, the centre excluded; int32[k, 2].

    On a torus, offsets equal modulo the grid are merged and the centre's images dropped.
    """
    reach = math.floor(radius + 1e-9)
    seen: set[tuple[int, int]] = set()
    out: list[tuple[int, int]] = []
    for dy in range(-reach, reach + 1):
        w = half_width(shape, radius, dy)
        for dx in range(-w, w + 1):
            key = (dy % height, dx % width) if torus else (dy, dx)
            if key == (0, 0) or key in seen:
                continue
            seen.add(key)
            out.append((dy, dx))
    return np.array(out, dtype=np.int32).reshape(-1, 2)


def row_spans(shape: str, radius: float, height: int, width: int, torus: bool) -> np.ndarray:
    """Rows of the shape as (dy, half_width) pairs, centre row included; int32[k, 2].

    On a torus, rows equal modulo the height are merged (keeping the widest span, since every
    span is centred on the same column) and a span as wide as the grid is marked `width`.
    """
    reach = math.floor(radius + 1e-9)
    spans: dict[int, tuple[int, int]] = {}
    for dy in range(-reach, reach + 1):
        w = half_width(shape, radius, dy)
        if w < 0:
            continue
        key = dy % height if torus else dy
        if torus and 2 * w + 1 >= width:
            w = width
        if key not in spans or spans[key][1] < w:
            spans[key] = (dy, w)
    return np.array(sorted(spans.values()), dtype=np.int32).reshape(-1, 2)


def reduced_offsets(offs: np.ndarray, height: int, width: int, torus: bool) -> np.ndarray:
    """Offsets with, on a torus, dy in [0, height) and dx in [0, width): a site in vision is then
    one subtraction away from wrapping. Off a torus they are returned unchanged."""
    if not torus:
        return offs
    return (offs % np.array([height, width], dtype=np.int32)).astype(np.int32)

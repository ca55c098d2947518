"""How deep a legitimacy shock goes on each cell, and on each side of a cell's people.

A shock of `size` and exponent `alignment` drops legitimacy on a cell by
size * ratio ** alignment, with ratio the cell's alignment share over the national share.
Where each citizen has a side (a Castillo voter or not: `world.legitimacy_alignment: voter`),
the same drop on the cell's average is carried by its aligned side alone: a citizen of side 1
loses size * ratio ** alignment / share, with share the cell's aligned fraction, one of side 0
nothing, so that a cell's mean drop (and the nation's) is the same as with one value per cell.
An alignment of 0 (the same everywhere) drops both sides by the size.
"""

from __future__ import annotations

import numpy as np


def cell_shock_drop(size: float, ratio: np.ndarray, alignment: float) -> np.ndarray:
    """The drop of each cell: size * ratio ** alignment (ratio = share / national share)."""
    return size * np.asarray(ratio, float) ** alignment


def side_shock_drop(
    size: float, ratio: np.ndarray, alignment: float, national_pct: float
) -> tuple[np.ndarray, np.ndarray]:
    """(drop of side 0, drop of side 1) on each cell: the cell's drop carried by its aligned
    side alone (divided by the aligned fraction, ratio * national_pct / 100), or, with an
    alignment of 0, the size on both sides."""
    ratio = np.asarray(ratio, float)
    if alignment == 0.0:
        same = np.full(ratio.shape, float(size))
        return same, same.copy()
    fraction = ratio * national_pct / 100.0
    aligned = np.divide(
        cell_shock_drop(size, ratio, alignment),
        fraction,
        out=np.zeros(ratio.shape),
        where=fraction > 0,
    )
    return np.zeros(ratio.shape), aligned

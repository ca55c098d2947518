"""Crowds on a map: where active citizens gather, and their travel toward each other.

Generic kernels over a bounded lattice with many agents per cell; the dynamics decide what
pulls a crowd (other actives, roads, strategic sites) through a per-cell `pull` array.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from uprising.engine.random import uniform
from uprising.engine.rules import ACTIVE

STREAM_TRAVEL = 7  # whether an active citizen travels this tick


@njit(cache=True)
def best_cell_within(score, height, width, spans, inside, out):
    """out[c] = the cell within the row spans around c (inside the map) of highest score.

    Ties keep c itself, then the first cell in row-major order, so the result is deterministic
    (`spans` sorted by row, as `row_spans` gives them). Worked from the few cells that can win:
    each cell inside the map scoring above the lattice's lowest score offers itself to the cells
    that see it, so a tick costs two passes over the lattice plus the shape's size per such cell,
    instead of the shape's size per cell.
    """
    lowest = np.inf
    for cell in range(height * width):
        out[cell] = cell
        lowest = min(lowest, score[cell])
    for site in range(height * width):
        value = score[site]
        if value <= lowest or not inside[site]:
            continue
        y = site // width
        x = site - y * width
        for k in range(spans.shape[0]):
            yy = y - spans[k, 0]  # the cells that see `site` on this row of their shape
            if yy < 0 or yy >= height:
                continue
            w = spans[k, 1]
            for xx in range(max(0, x - w), min(width, x + w + 1)):
                cell = yy * width + xx
                held = out[cell]
                if value > score[held] or (value == score[held] and held != cell and site < held):
                    out[cell] = site


@njit(parallel=True, cache=True)
def travel(seed, tick, cit_cell, home, state, jail, best, rate, rate_dept, cell_dept):
    """Actives travel one hop toward the best cell near them with chance rate * rate_dept[d]
    (d: their home department); quiet citizens away from home go back home."""
    for i in prange(cit_cell.shape[0]):
        c = cit_cell[i]
        if jail[i] > 0 or c < 0:
            continue
        if state[i] == ACTIVE:
            p = rate * rate_dept[cell_dept[home[i]]]
            if p > 0.0 and uniform(seed, tick, i, STREAM_TRAVEL) < p:
                cit_cell[i] = best[c]
        elif c != home[i]:
            cit_cell[i] = home[i]

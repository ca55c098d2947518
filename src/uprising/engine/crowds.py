"""Crowds on a map: where active citizens gather, and their travel toward each other.

Generic kernels over a bounded lattice with many agents per cell; the dynamics decide what
pulls a crowd (other actives, roads, strategic sites) through a per-cell `pull` array.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from uprising.engine.random import uniform
from uprising.engine.rules import ACTIVE

STREAM_TRAVEL = 7  # whether an active citizen travels this tick


@njit(cache=True)
def best_cell_at(score, lowest, height, width, spans, inside, cells, out):
    """out[c] = the cell within the row spans around c (inside the map) of highest score, for
    each cell c of `cells`; no other entry of `out` is written.

    Only cells scoring above `lowest` (the lattice's lowest score) count, and one wins only if
    it beats c's own score; ties go to the first in row-major order (`spans` sorted by row, as
    `row_spans` gives them), so the result is deterministic. A call costs the shape's size per
    cell asked (the cells where travellers stand), however large the lattice.
    """
    for j in range(cells.shape[0]):
        c = cells[j]
        y = c // width
        x = c - y * width
        top = -1
        top_value = -np.inf
        for k in range(spans.shape[0]):
            yy = y + spans[k, 0]  # the row of the shape around c
            if yy < 0 or yy >= height:
                continue
            w = spans[k, 1]
            for xx in range(max(0, x - w), min(width, x + w + 1)):
                site = yy * width + xx
                value = score[site]
                if value > lowest and value > top_value and inside[site]:
                    top, top_value = site, value
        out[c] = top if top >= 0 and top_value > score[c] else c


@njit(cache=True)
def cells_holding(cells_of, state, wanted, counts, found):
    """Count into `counts` (zero on entry) the agents on each cell whose state is `wanted`,
    and list in `found` the cells that hold any; returns how many (in the agents' order)."""
    n = 0
    for i in range(cells_of.shape[0]):
        c = cells_of[i]
        if c >= 0 and state[i] == wanted:
            if counts[c] == 0:
                found[n] = c
                n += 1
            counts[c] += 1
    return n


@njit(cache=True)
def travellers(seed, tick, cit_cell, home, state, jail, rate, rate_dept, cell_dept, out):
    """Quiet citizens away from home go back home; each active travels this tick with chance
    rate * rate_dept[d] (d: its home department). Lists the travellers in `out` (in agent
    order) and returns how many; they move one hop toward the best cell near them
    (`best_cell_at`)."""
    n = 0
    for i in range(cit_cell.shape[0]):
        c = cit_cell[i]
        if jail[i] > 0 or c < 0:
            continue
        if state[i] == ACTIVE:
            p = rate * rate_dept[cell_dept[home[i]]]
            if p > 0.0 and uniform(seed, tick, i, STREAM_TRAVEL) < p:
                out[n] = i
                n += 1
        elif c != home[i]:
            cit_cell[i] = home[i]
    return n

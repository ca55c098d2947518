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


@njit(cache=True, nogil=True)
def best_cell_near(score, lowest, height, width, spans, inside, c):
    """The cell within the row spans around c (inside the map) of highest score, or c: only
    cells scoring above `lowest` count, one wins only if it beats c's own score, and ties go
    to the first in row-major order (`spans` sorted by row, as `row_spans` gives them)."""
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
    return top if top >= 0 and top_value > score[c] else c


@njit(cache=True, nogil=True)
def best_cell_at(score, lowest, height, width, spans, inside, cells, out):
    """out[c] = `best_cell_near` c for each cell c of `cells`; no other entry of `out` is
    written. Only cells scoring above `lowest` (the lattice's lowest score) count, so the
    result is deterministic, and a call costs the shape's size per cell asked (the cells where
    travellers stand), however large the lattice.
    """
    for j in range(cells.shape[0]):
        c = cells[j]
        out[c] = best_cell_near(score, lowest, height, width, spans, inside, c)


@njit(cache=True, nogil=True)
def move_to_best(score, lowest, height, width, spans, inside, cell, movers, best, asked, stamp):
    """Each agent i of `movers` moves from cell[i] to `best_cell_near` it, looked up once per
    cell: `best[c]` is kept for the cells whose `asked[c]` equals `stamp` (set here), so a crowd
    of travellers on one cell costs one look-up. Call with a new `stamp` once `score` changes."""
    for j in range(movers.shape[0]):
        i = movers[j]
        c = cell[i]
        if asked[c] != stamp:
            best[c] = best_cell_near(score, lowest, height, width, spans, inside, c)
            asked[c] = stamp
        cell[i] = best[c]


@njit(cache=True, nogil=True)
def cells_holding(cells_of, state, wanted, counts, found, agents):
    """Count into `counts` (zero on entry) the agents on each cell whose state is `wanted`,
    list in `found` the cells that hold any and, unless `agents` is empty, in `agents` those
    agents themselves; returns (cells, agents) found, in the agents' order."""
    n = 0
    m = 0
    listing = agents.shape[0] > 0
    for i in range(cells_of.shape[0]):
        c = cells_of[i]
        if c >= 0 and state[i] == wanted:
            if counts[c] == 0:
                found[n] = c
                n += 1
            counts[c] += 1
            if listing:
                agents[m] = i
            m += 1
    return n, m


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
def gather_and_draw_travellers(citizens, counts, found, travel, movers):
    """One pass over the citizens doing what `cells_holding` (state ACTIVE) and, when
    `travel.on`, `travellers` do: count the actives on each cell into `counts` (zero on entry),
    list in `found` the cells that hold any, send the quiet citizens away from home back home
    and list the actives that travel this tick in `movers`. Returns (cells found, travellers);
    when there are more travellers than `movers` holds, only the first are listed (the count
    is whole), so that a caller can list them again with a larger array."""
    none = np.zeros(0, dtype=np.int64)
    return _gather(citizens, True, none, none, counts, found, travel, movers)


@njit(cache=True, nogil=True)
def gather_listed(citizens, listed, away, counts, found, travel, movers):
    """`gather_and_draw_travellers` from the engine's lists of the tick just stepped
    (`OccupiedMapStepper.lists`), with the same results: `listed` holds every citizen active
    after the decisions (in agent order; the arrests took some since), `away` every other one
    free on the lattice away from home. Between the decisions and this call only the arrests
    may change a citizen, and only the listed ones."""
    return _gather(citizens, False, listed, away, counts, found, travel, movers)


@njit(cache=True, nogil=True)
def _gather(citizens, every, listed, away, counts, found, travel, movers):
    """The two above: over every citizen, or over `listed` and then `away`."""
    cell, home, state, jail = citizens.cell, citizens.home, citizens.state, citizens.jail
    n = 0
    m = 0
    for j in range(cell.shape[0] if every else listed.shape[0]):
        i = j if every else listed[j]
        c = cell[i]
        if c < 0:
            continue
        if state[i] == ACTIVE:
            if counts[c] == 0:
                found[n] = c
                n += 1
            counts[c] += 1
            if travel.on and jail[i] <= 0:
                p = travel.rate * travel.rate_dept[travel.cell_dept[home[i]]]
                if p > 0.0 and uniform(travel.seed, travel.tick, i, STREAM_TRAVEL) < p:
                    if m < movers.shape[0]:
                        movers[m] = i
                    m += 1
        elif travel.on and jail[i] <= 0 and c != home[i]:
            cell[i] = home[i]
    for j in range(away.shape[0] if travel.on else 0):
        i = away[j]
        cell[i] = home[i]
    return n, m


@njit(cache=True, nogil=True)
def crowds_on(cells, counts, scale, probability_dept, cell_dept):
    """The people standing on each of `cells` (its `counts` times `scale`, rounded half to
    even) and the probability of its department in `probability_dept`."""
    people = np.empty(cells.shape[0], dtype=np.int64)
    probability = np.empty(cells.shape[0], dtype=np.float64)
    for j in range(cells.shape[0]):
        c = cells[j]
        people[j] = np.int64(np.rint(counts[c] * scale))
        probability[j] = probability_dept[cell_dept[c]]
    return people, probability


@njit(cache=True, nogil=True)
def crowd_tally(cells, people, cell_dept, road, crowd_min, blockades, people_dept):
    """Per department (both zero on entry): the road cells held by a crowd of at least
    `crowd_min` people (`road` None: none counted) and the people of the crowds on `cells`."""
    for j in range(cells.shape[0]):
        c = cells[j]
        d = cell_dept[c]
        people_dept[d] += people[j]
        if road is not None and road[c] and people[j] >= crowd_min:
            blockades[d] += 1


@njit(cache=True, nogil=True)
def clear_cells(cells, counts, people, score, pull):
    """Undo a tick's crowds on `cells`: no actives or people there, and the score its pull."""
    for j in range(cells.shape[0]):
        c = cells[j]
        counts[c] = 0
        people[c] = 0
        score[c] = pull[c]


@njit(cache=True, nogil=True)
def road_points_left(cells, people, road, crowd_min, held):
    """The road cells of `cells` (sorted) whose crowd has at least `crowd_min` people (manned),
    and the cells of `held` (sorted, no repeats) that are not among them (left by their crowd):
    two sorted arrays, as `np.setdiff1d(held, manned, assume_unique=True)` gives the second."""
    manned = np.empty(cells.shape[0], dtype=np.int64)
    k = 0
    for j in range(cells.shape[0]):
        c = cells[j]
        if road[c] and people[j] >= crowd_min:
            manned[k] = c
            k += 1
    left = np.empty(held.shape[0], dtype=np.int64)
    m = 0
    a = 0
    for j in range(held.shape[0]):
        c = held[j]
        while a < k and manned[a] < c:
            a += 1
        if a < k and manned[a] == c:
            continue
        left[m] = c
        m += 1
    return manned[:k], left[:m]


@njit(cache=True, nogil=True)
def merge_points(left, manned, cell_dept, per_dept):
    """The union of two sorted arrays without common entries, sorted (`np.union1d` of them),
    with the count of its cells per department added into `per_dept`."""
    out = np.empty(left.shape[0] + manned.shape[0], dtype=np.int64)
    a = 0
    b = 0
    for j in range(out.shape[0]):
        if b >= manned.shape[0] or (a < left.shape[0] and left[a] < manned[b]):
            out[j] = left[a]
            a += 1
        else:
            out[j] = manned[b]
            b += 1
        per_dept[cell_dept[out[j]]] += 1
    return out

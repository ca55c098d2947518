"""The synchronous step of a bounded map over the cells that hold agents, not the whole lattice.

On a country's map most cells are sea, abroad or empty land, and the people of a scaled-down
population stand on few of the rest (at 1:1000, a tenth of a 114,367-cell lattice holds all
31,236 citizens; a hundred cells hold the forces). The kernels of `uprising.engine.synchronous`
pass over every cell several times a tick; these pass over the agents and the cells near them.
The per-cell arrays (`records.Occupancy`) are written only there.

They give the same bits as the dense kernels: counts within vision are whole numbers, however
summed (here each cop and each cell of actives adds itself to the cells that see it); a quiet
citizen's P is the same function of the same counts; and the hazard at an active's cell is the
same sum of the same row prefixes of the cops' shares, computed as there on the rows that hold
a share, while on the other rows every prefix is 0.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from uprising.engine.crowds import cells_holding
from uprising.engine.random import STREAM_ARREST, STREAM_JAIL, uniform
from uprising.engine.rows import segment_sum
from uprising.engine.rules import ACTIVE, JAILED, arrest_probability, jail_term


@njit(inline="always", cache=True)
def _span_cells(spans, s, height, width, y, x):
    """The cells of span `s` of a vision shape around (y, x) on a bounded lattice, as a
    half-open range of cell ids (empty off the lattice)."""
    yy = y + spans[s, 0]
    if yy < 0 or yy >= height:
        return 0, 0
    w = spans[s, 1]
    return yy * width + max(0, x - w), yy * width + min(width, x + w + 1)


@njit(inline="always", cache=True)
def _count_within(counts, spans, height, width, c):
    """The sum of `counts` over the vision shape `spans` around cell `c`."""
    y = c // width
    total = 0
    for s in range(spans.shape[0]):
        lo, hi = _span_cells(spans, s, height, width, y, c - y * width)
        for site in range(lo, hi):
            total += counts[site]
    return total


@njit(inline="always", cache=True)
def _stamp(out, value, spans, height, width, c):
    """Add `value` on every cell of the shape `spans` around `c`: the shapes are symmetric,
    so these are the cells whose vision holds `c`."""
    y = c // width
    for s in range(spans.shape[0]):
        lo, hi = _span_cells(spans, s, height, width, y, c - y * width)
        for site in range(lo, hi):
            out[site] += value


@njit(cache=True, nogil=True)
def shape_steps(spans, width):
    """The cells of the shape `spans` as steps of the cell id (dy * width + dx), row by row,
    and its reach (the largest |dy| or w): around a cell at least `reach` from every edge the
    shape is those steps, with no edge to clip."""
    size = 0
    reach = 0
    for s in range(spans.shape[0]):
        size += 2 * spans[s, 1] + 1
        reach = max(reach, abs(spans[s, 0]), spans[s, 1])
    steps = np.empty(size, dtype=np.int64)
    k = 0
    for s in range(spans.shape[0]):
        for dx in range(-spans[s, 1], spans[s, 1] + 1):
            steps[k] = spans[s, 0] * width + dx
            k += 1
    return steps, reach


@njit(inline="always", cache=True)
def _stamp_at(out, value, spans, steps, reach, height, width, c):
    """`_stamp`, by the shape's steps where it lies inside the lattice (the same cells)."""
    y = c // width
    x = c - y * width
    if y >= reach and y < height - reach and x >= reach and x < width - reach:
        for k in range(steps.shape[0]):
            out[c + steps[k]] += value
    else:
        _stamp(out, value, spans, height, width, c)


@njit(cache=True, nogil=True)
def sight_at_citizens(grid, spans, citizens, cop_cell, rules, occ):
    """Cops and actives within vision, and a quiet citizen's P, on each cell where a free
    citizen decides this tick (its cell, or its home when it comes back from jail); an active
    citizen's P on each cell holding actives (it counts itself once, or twice with
    `rules.self_twice`, among the actives it sees).

    Those cells are set to zero, then each cop and each cell holding actives adds itself to
    the cells that see it. Other cells of `occ.cops_vis` and `occ.actives_vis` keep whatever
    was added there (nobody reads them: a cell is set to zero before it is read). `occ.cops`
    keeps the cops on each cell for `hazard_at_actives`; returns how many cells decide.
    """
    height, width = grid.height, grid.width
    cit_cell, home, state, jail = citizens.cell, citizens.home, citizens.state, citizens.jail
    cops, actives, marked, listed = occ.cops, occ.actives, occ.marked, occ.cells
    stamped = 0
    found = 0
    stray = False  # an active off the lattice (a hook took it off), who decides at home
    for i in range(cit_cell.shape[0]):
        c = cit_cell[i]
        if c >= 0 and state[i] == ACTIVE:
            if actives[c] == 0:
                occ.stamped[stamped] = c
                stamped += 1
            actives[c] += 1
        if jail[i] > 0:
            continue  # serves a tick of its term instead (`synchronous.decide`)
        if c < 0:
            c = home[i]
            stray |= state[i] == ACTIVE
        if not marked[c]:
            marked[c] = True
            listed[found] = c
            found += 1
    for j in range(found):
        c = listed[j]
        marked[c] = False
        occ.cops_vis[c] = 0
        occ.actives_vis[c] = 0
    steps, reach = shape_steps(spans, width)
    for j in range(cop_cell.shape[0]):
        c = cop_cell[j]
        if c >= 0:
            cops[c] += 1
            _stamp_at(occ.cops_vis, 1, spans, steps, reach, height, width, c)
    for j in range(stamped):
        c = occ.stamped[j]
        _stamp_at(occ.actives_vis, actives[c], spans, steps, reach, height, width, c)
        actives[c] = 0
    k, rounding = rules.k, rules.rounding
    for j in range(found):
        c = listed[j]
        occ.p_quiet[c] = arrest_probability(occ.cops_vis[c], 1 + occ.actives_vis[c], k, rounding)
    twice = 1 if rules.self_twice else 0
    for j in range(stamped):
        c = occ.stamped[j]
        occ.p_active[c] = arrest_probability(occ.cops_vis[c], occ.actives_vis[c] + twice, k, rounding)
    for i in range(cit_cell.shape[0] if stray else 0):
        if cit_cell[i] < 0 and jail[i] == 0 and state[i] == ACTIVE:
            c = home[i]
            occ.p_active[c] = arrest_probability(occ.cops_vis[c], occ.actives_vis[c] + twice, k, rounding)
    return found


@njit(cache=True, nogil=True)
def hazard_at_actives(grid, spans, citizens, cop_cell, occ):
    """After the decisions: on each cell holding actives, the sum of the cops' shares within
    the cops' vision, into `occ.hazard` (other cells are left as they are), to the bits of
    `synchronous.arrest_share_at_cops` and `synchronous.hazard_at_actives`: the rows holding a
    share get their prefix of the shares as there, the other rows' prefix is 0 throughout.
    Lists the actives on the lattice in `occ.agents` and returns how many (for
    `arrest_listed`); leaves `occ.cops` and `occ.actives` zero."""
    found, agents = cells_holding(citizens.cell, citizens.state, ACTIVE, occ.actives, occ.stamped, occ.agents)
    hazard_at_listed(grid, spans, cop_cell, occ, found)
    return agents


@njit(cache=True, nogil=True)
def hazard_at_listed(grid, spans, cop_cell, occ, found):
    """`hazard_at_actives` once the actives are counted on their cells (`occ.actives`) and the
    `found` cells holding any are listed in `occ.stamped` (`synchronous.decide_and_list`)."""
    height, width = grid.height, grid.width
    cops, actives, listed, marked, shares = occ.cops, occ.actives, occ.stamped, occ.marked, occ.shares
    # Each cell holding cops: its share, cops / actives they see; its row gets its prefix.
    sharing = np.zeros(height, dtype=np.bool_)
    for j in range(cop_cell.shape[0]):
        c = cop_cell[j]
        if c < 0 or marked[c]:
            continue
        marked[c] = True
        y = c // width
        seen = _count_within(actives, spans, height, width, c) if found else 0
        if seen > 0:
            if not sharing[y]:
                sharing[y] = True
                shares[y * width : (y + 1) * width] = 0.0
            shares[c] = cops[c] / seen
    for j in range(cop_cell.shape[0]):
        c = cop_cell[j]
        if c >= 0:
            marked[c] = False
            cops[c] = 0
    for y in range(height):
        if sharing[y]:
            base = y * width
            for x in range(base + 1, base + width):
                shares[x] += shares[x - 1]
    # The hazard: one prefix difference per row of the vision shape, in the shape's order.
    for j in range(found):
        c = listed[j]
        actives[c] = 0
        y = c // width
        x = c - y * width
        total = 0.0
        for s in range(spans.shape[0]):
            yy = y + spans[s, 0]
            if 0 <= yy < height and sharing[yy]:
                total += segment_sum(shares, yy * width, x, spans[s, 1], width, False)
        occ.hazard[c] = total


@njit(cache=True, nogil=True)
def arrest_listed(seed, tick, citizens, cell_dept, hazard, rules, agents, out):
    """`synchronous.arrest` over the actives listed by `hazard_at_actives` alone (the others
    cannot be taken): each is arrested with probability min(1, hazard at its cell), from the
    same draws of (seed, tick, agent); `out` gets the arrests per department of each home."""
    cit_cell, home, state, jail = citizens.cell, citizens.home, citizens.state, citizens.jail
    out[:] = 0
    for j in range(agents.shape[0]):
        i = agents[j]
        h = hazard[cit_cell[i]]
        if h > 0.0 and uniform(seed, tick, i, STREAM_ARREST) < h:
            out[cell_dept[home[i]]] += 1
            state[i] = JAILED
            jail[i] = jail_term(uniform(seed, tick, i, STREAM_JAIL), rules.max_jail, rules.jail_inclusive)
            if not rules.keep_site:
                cit_cell[i] = -1


__all__ = ["arrest_listed", "hazard_at_actives", "hazard_at_listed", "sight_at_citizens"]

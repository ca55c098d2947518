"""The synchronous schedule: every citizen decides on the same snapshot, in parallel.

Vision never scans an agent's neighbourhood. Per-cell counts of cops and actives are turned into
row prefix sums, and the count within vision of every cell is a sum of one prefix difference per
row of the vision shape (`row_spans`). Cops arrest through a per-cell hazard with the paper's
expectation: a cop that sees A actives arrests one of them, so each active it sees is taken with
probability 1/A; an active's arrest probability is the sum of 1/A over the cops that see it
(capped at 1), computed with the same prefix sums.

Every loop over agents or rows is `prange`; every random draw comes from the counter-based
generator, and every reduction is done per row in a fixed order, so results do not depend on the
number of threads.

This module serves lattices where many agents share a cell (a map); the classic lattice of one
agent per site has its own cell-ordered kernels in `uprising.engine.sites`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, uintp

from uprising.engine.random import (
    STREAM_ARREST,
    STREAM_JAIL,
    uniform,
)
from uprising.engine.rows import segment_sum, span_base
from uprising.engine.rules import (
    ACTIVE,
    JAIL_FOREVER,
    JAILED,
    QUIET,
    arrest_probability,
    jail_term,
    wants_active,
)
from uprising.engine.work_queue import new_queue, take


@njit(parallel=True, cache=True, nogil=True)
def count_per_cell(cells_of, state, wanted, out, one_per_cell, blocks):
    """out[c] = agents on cell c whose state is `wanted` (every agent when `state` is empty).

    With `one_per_cell` (the classic lattice: at most one agent per site) agents write their
    own cell in parallel; otherwise each of `blocks` blocks of agents counts into its own row
    of partial counts and the rows are summed: whole numbers, so neither the number of blocks
    nor of threads changes the result.
    """
    n = cells_of.shape[0]
    every = state.shape[0] == 0
    out[:] = 0
    if one_per_cell:
        for i in prange(n):
            c = cells_of[i]
            if c >= 0 and (every or state[i] == wanted):
                out[c] = 1
        return
    blocks = max(1, min(blocks, n // 65536))
    if blocks == 1:  # one block counts straight into `out`
        for i in range(n):
            c = cells_of[i]
            if c >= 0 and (every or state[i] == wanted):
                out[uintp(c)] += 1
        return
    size = (n + blocks - 1) // blocks
    partial = np.zeros((blocks, out.shape[0]), dtype=out.dtype)
    for b in prange(blocks):
        mine = partial[b]
        for i in range(uintp(b * size), uintp(min(n, (b + 1) * size))):
            c = cells_of[i]
            if c >= 0 and (every or state[i] == wanted):
                mine[uintp(c)] += 1
    for c in prange(out.shape[0]):
        total = 0
        for b in range(blocks):
            total += partial[b, c]
        out[c] = total


@njit(parallel=True, cache=True, nogil=True)
def row_prefix(values, height, width):
    """In place: each row of `values` (row-major) becomes its inclusive prefix sum."""
    for y in prange(height):
        base = uintp(y * width)
        for x in range(uintp(1), uintp(width)):
            values[base + x] += values[base + x - uintp(1)]


@njit(parallel=True, cache=True, nogil=True)
def row_prefix2(a, b, height, width):
    """`row_prefix` of two arrays in one pass."""
    for y in prange(height):
        base = uintp(y * width)
        for x in range(uintp(1), uintp(width)):
            a[base + x] += a[base + x - uintp(1)]
            b[base + x] += b[base + x - uintp(1)]


@njit(inline="always", cache=True)
def _add_row_sums(prefix, base, w, width, torus, out, row):
    """out[row + x] += the sum of the span of half-width w around column x, for every x.

    Columns whose span neither wraps nor touches an edge take one difference each, in a loop
    over unsigned indices that the compiler vectorises; the few edge columns take `segment_sum`.
    """
    lo = min(w + 1, width)
    hi = max(width - w, lo)
    for x in range(lo):
        out[row + x] += segment_sum(prefix, base, x, w, width, torus)
    dst = uintp(row)
    src = uintp(base)
    reach = uintp(w)
    before = uintp(w + 1)
    for x in range(uintp(lo), uintp(hi)):  # x >= w + 1: no index goes below the row
        out[dst + x] += prefix[src + x + reach] - prefix[src + x - before]
    for x in range(hi, width):
        out[row + x] += segment_sum(prefix, base, x, w, width, torus)


@njit(parallel=True, cache=True, nogil=True)
def vision_sum(prefix, spans, height, width, torus, out):
    """out[cell] = sum of the counts within the vision shape `spans` around each cell."""
    for y in prange(height):
        row = y * width
        for x in range(width):
            out[row + x] = 0
        for s in range(spans.shape[0]):
            base = span_base(y, spans[s, 0], height, width, torus)
            if base >= 0:
                _add_row_sums(prefix, base, spans[s, 1], width, torus, out, row)


@njit(parallel=True, cache=True, nogil=True)
def vision_sum2(prefix_a, prefix_b, spans, height, width, torus, out_a, out_b):
    """`vision_sum` of two prefix arrays over the same shape, in one pass over the rows."""
    for y in prange(height):
        row = y * width
        for x in range(width):
            out_a[row + x] = 0
            out_b[row + x] = 0
        for s in range(spans.shape[0]):
            base = span_base(y, spans[s, 0], height, width, torus)
            if base >= 0:
                _add_row_sums(prefix_a, base, spans[s, 1], width, torus, out_a, row)
                _add_row_sums(prefix_b, base, spans[s, 1], width, torus, out_b, row)


@njit(inline="always", cache=True)
def _sum_at(prefix, spans, height, width, torus, y, x):
    """The vision sum at one cell, added up in `vision_sum`'s order (so to the same bits)."""
    total = prefix[0] - prefix[0]  # a zero of the prefix's type
    for s in range(spans.shape[0]):
        base = span_base(y, spans[s, 0], height, width, torus)
        if base >= 0:
            total += segment_sum(prefix, base, x, spans[s, 1], width, torus)
    return total


@njit(inline="always", cache=True)
def _count_at(prefix, row, x):
    """The count on one cell, from its row's inclusive prefix."""
    return prefix[row + x] - (prefix[row + x - 1] if x > 0 else 0)


@njit(parallel=True, cache=True, nogil=True)
def quiet_arrest_probability(cops_vis, actives_vis, k, rounding, out):
    """out[c] = the arrest probability a quiet citizen on cell c estimates (it counts itself)."""
    for c in prange(out.shape[0]):
        out[c] = arrest_probability(cops_vis[c], 1 + actives_vis[c], k, rounding)


@njit(parallel=True, cache=True, nogil=True)
def arrest_share_at_cops(cops_prefix, actives_prefix, spans, height, width, torus, out):
    """out[c] = cops on c / actives they see (0 where there are no cops or no actives).

    Each active a cop sees is taken with this share; actives within the cops' vision are
    summed only on cells that hold cops.
    """
    for y in prange(height):
        row = y * width
        for x in range(width):
            out[row + x] = 0.0
            cops = _count_at(cops_prefix, row, x)
            if cops > 0:
                a = _sum_at(actives_prefix, spans, height, width, torus, y, x)
                if a > 0:
                    out[row + x] = cops / a


@njit(parallel=True, cache=True, nogil=True)
def hazard_at_actives(actives_prefix, share_prefix, spans, height, width, torus, out):
    """out[c] = the sum of the shares within vision of c, on the cells that hold actives.

    The same sum `vision_sum` would give there; other cells are left as they are (no one
    there can be arrested).
    """
    for y in prange(height):
        row = y * width
        for x in range(width):
            if _count_at(actives_prefix, row, x) > 0:
                out[row + x] = _sum_at(share_prefix, spans, height, width, torus, y, x)


@njit(parallel=True, cache=True, nogil=True)
def decide(citizens, levers, cops_vis, actives_vis, p_quiet, p_active, rules, release_home):
    """Every free citizen chooses active or quiet from the snapshot's counts in vision.

    Legitimacy, threshold and a multiplier of net risk are per group of cells (`levers.group`
    of the citizen's home: its department, or the cell itself where legitimacy varies by cell):
    the dynamics move them between ticks. Prisoners serve one tick of their term
    instead (Mesa's order: a term of J keeps a citizen out of J decisions); with
    `release_home`, a prisoner off the lattice goes back to its home cell when the term ends.
    `p_quiet` (from `quiet_arrest_probability`, or empty) holds the estimate of a quiet
    citizen per cell, worth computing once per cell where many citizens share a cell;
    `p_active` (or empty) that of an active one, on the cells holding actives. With a side
    per citizen (`levers.side`), a citizen of side 1 reads its group's legitimacy among the
    second half of `levers.legitimacy`.
    """
    # One field a line: numba 0.68's parfors lose the writes to arrays unpacked from a tuple.
    cit_cell = citizens.cell
    home = citizens.home
    state = citizens.state
    jail = citizens.jail
    hardship = citizens.hardship
    risk = citizens.risk
    cell_group = levers.group
    legit = levers.legitimacy
    threshold = levers.threshold
    risk_mult = levers.risk_mult
    side = levers.side
    sided = side.shape[0] != 0
    groups = threshold.shape[0]
    k, rounding, self_twice = rules.k, rules.rounding, rules.self_twice
    for i in prange(cit_cell.shape[0]):
        if jail[i] > 0:
            if jail[i] != JAIL_FOREVER:
                jail[i] -= 1
            continue
        c = cit_cell[i]
        if c < 0:
            if not release_home:
                continue
            c = home[i]
            cit_cell[i] = c
        was_active = state[i] == ACTIVE
        actives = 1 + actives_vis[c] - (1 if was_active else 0)
        if self_twice and was_active:
            actives += 1
        if was_active and p_active.shape[0] != 0:
            p = p_active[c]
        elif was_active or p_quiet.shape[0] == 0:
            p = arrest_probability(cops_vis[c], actives, k, rounding)
        else:
            p = p_quiet[c]
        g = cell_group[home[i]]
        r = risk[i] * risk_mult[g]
        lg = g + groups * side[i] if sided else g
        state[i] = ACTIVE if wants_active(hardship[i], legit[lg], r, p, threshold[g]) else QUIET


@njit(cache=True, nogil=True)
def decide_and_list(
    citizens, levers, cops_vis, actives_vis, p_quiet, p_active, rules, release_home,
    counts, found, agents, away,
):  # fmt: skip
    """`decide` on one thread, listing as it goes what `crowds.cells_holding` lists after it
    (state ACTIVE): the actives on each cell into `counts` (zero on entry), the cells holding
    any into `found` and the actives themselves into `agents`, in the agents' order, so that a
    tick passes over the citizens once less; and into `away` the citizens on the lattice, not
    active and not in jail, who stand away from home (`crowds.gather_listed` sends them home).
    Returns (cells, agents, away) found.

    The decision is `decide`'s loop written out again: numba compiled it slower as one function
    called per citizen from both loops (11 and 30 times), inlined (1.6 and 30 times), or called
    per block of 4,096 citizens from `decide`'s parallel loop (1.3 times)."""
    cit_cell, home, state, jail = citizens.cell, citizens.home, citizens.state, citizens.jail
    hardship, risk = citizens.hardship, citizens.risk
    cell_group, legit, threshold = levers.group, levers.legitimacy, levers.threshold
    risk_mult, side = levers.risk_mult, levers.side
    sided = side.shape[0] != 0
    groups = threshold.shape[0]
    k, rounding, self_twice = rules.k, rules.rounding, rules.self_twice
    n = 0
    m = 0
    q = 0
    for i in range(cit_cell.shape[0]):
        if jail[i] > 0:
            if jail[i] != JAIL_FOREVER:
                jail[i] -= 1
        else:
            c = cit_cell[i]
            if c < 0 and release_home:
                c = home[i]
                cit_cell[i] = c
            if c >= 0:
                was_active = state[i] == ACTIVE
                actives = 1 + actives_vis[c] - (1 if was_active else 0)
                if self_twice and was_active:
                    actives += 1
                if was_active and p_active.shape[0] != 0:
                    p = p_active[c]
                elif was_active or p_quiet.shape[0] == 0:
                    p = arrest_probability(cops_vis[c], actives, k, rounding)
                else:
                    p = p_quiet[c]
                g = cell_group[home[i]]
                r = risk[i] * risk_mult[g]
                lg = g + groups * side[i] if sided else g
                state[i] = ACTIVE if wants_active(hardship[i], legit[lg], r, p, threshold[g]) else QUIET
        c = cit_cell[i]
        if c < 0:
            continue
        if state[i] == ACTIVE:
            if counts[c] == 0:
                found[n] = c
                n += 1
            counts[c] += 1
            agents[m] = i
            m += 1
        elif c != home[i] and jail[i] <= 0:
            away[q] = i
            q += 1
    return n, m, q


@njit(cache=True, nogil=True)
def cell_levers(
    cells,
    cell_dept,
    multiplier,
    side_multiplier,
    legitimacy,
    drop_dept,
    drop_cell,
    threshold_dept,
    risk_dept,
    legit,
    threshold,
    risk_mult,
):
    """The levers of the j-th cell c of `cells` at j, where legitimacy varies by cell:
    legitimacy * multiplier[c] minus its department's drop and its own, clipped to [0, 1]; its
    department's threshold and risk multiplier. With sides (`side_multiplier` of length 2, else
    empty), side s of cell c at s * len(cells) + j: legitimacy * side_multiplier[s] minus the
    department's drop and drop_cell[s * cells of the lattice + c]. One thread: a pass over the
    cells costs less than waking the others."""
    n = cells.shape[0]
    sides = side_multiplier.shape[0]
    lattice_cells = multiplier.shape[0]
    for j in range(n):
        c = cells[j]
        d = cell_dept[c]
        if sides == 0:
            value = legitimacy * multiplier[c] - drop_dept[d] - drop_cell[c]
            legit[j] = min(1.0, max(0.0, value))
        for s in range(sides):
            value = legitimacy * side_multiplier[s] - drop_dept[d] - drop_cell[s * lattice_cells + c]
            legit[s * n + j] = min(1.0, max(0.0, value))
        threshold[j] = threshold_dept[d]
        risk_mult[j] = risk_dept[d]


@njit(cache=True, nogil=True)
def scale_at(values, index, factor):
    """values[index[j]] *= factor for each j: a decay of the entries a step reads, not of a
    lattice-long array."""
    for j in range(index.shape[0]):
        values[index[j]] *= factor


@njit(cache=True, nogil=True)
def decay_two_scales(values, lasting, index, fast, slow):
    """For each entry index[j] of `values`, whose part `lasting` decays by `slow` and the rest by
    `fast`: values = values * fast + lasting * (slow - fast), then lasting *= slow."""
    gap = slow - fast
    for j in range(index.shape[0]):
        i = index[j]
        values[i] = values[i] * fast + lasting[i] * gap
        lasting[i] *= slow


@njit(parallel=True, cache=True, nogil=True)
def arrest(seed, tick, citizens, cell_dept, n_dept, hazard, rules):
    """Each active is arrested with probability min(1, hazard at its cell).

    Returns the arrests per department (of each citizen's home), summed per block of agents in
    a fixed order so the result does not depend on threads.
    """
    cit_cell = citizens.cell  # one field a line (see `decide`)
    home = citizens.home
    state = citizens.state
    jail = citizens.jail
    max_jail, jail_inclusive, keep_site = rules.max_jail, rules.jail_inclusive, rules.keep_site
    n = cit_cell.shape[0]
    blocks = 64
    size = (n + blocks - 1) // blocks
    partial = np.empty((blocks, n_dept), dtype=np.int64)
    for b in prange(blocks):
        for d in range(n_dept):
            partial[b, d] = 0
        for i in range(b * size, min(n, (b + 1) * size)):
            c = cit_cell[i]
            if state[i] != ACTIVE or c < 0:
                continue
            h = hazard[c]
            if h > 0.0 and uniform(seed, tick, i, STREAM_ARREST) < h:
                state[i] = JAILED
                jail[i] = jail_term(uniform(seed, tick, i, STREAM_JAIL), max_jail, jail_inclusive)
                partial[b, cell_dept[home[i]]] += 1
                if not keep_site:
                    cit_cell[i] = -1
    out = np.zeros(n_dept, dtype=np.int64)
    for b in range(blocks):  # scalar loops: an array expression here would run as 64 parfors
        for d in range(n_dept):
            out[d] += partial[b, d]
    return out


@njit(parallel=True, cache=True, nogil=True)
def tally(state, out):
    """(quiescent, active, jailed) as out[0..2]: whole-number sums per block, in any order."""
    n = state.shape[0]
    blocks = 64
    size = (n + blocks - 1) // blocks
    active = np.zeros(blocks, dtype=np.int64)
    jailed = np.zeros(blocks, dtype=np.int64)
    queue = new_queue()
    for _ in prange(blocks):  # blocks taken from a queue (`work_queue`)
        while True:
            b = take(queue)
            if b >= blocks:
                break
            a = 0
            j = 0
            for i in range(uintp(b * size), uintp(min(n, (b + 1) * size))):
                s = state[i]
                a += s == ACTIVE
                j += s == JAILED
            active[b] = a
            jailed[b] = j
    out[1] = active.sum()
    out[2] = jailed.sum()
    out[0] = n - out[1] - out[2]


__all__ = [
    "ACTIVE",
    "JAILED",
    "QUIET",
    "arrest",
    "arrest_share_at_cops",
    "count_per_cell",
    "decide",
    "hazard_at_actives",
    "quiet_arrest_probability",
    "row_prefix",
    "row_prefix2",
    "scale_at",
    "tally",
    "vision_sum",
    "vision_sum2",
]

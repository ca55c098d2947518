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
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from uprising.engine.random import (
    STREAM_ARREST,
    STREAM_JAIL,
    STREAM_MOVE,
    STREAM_PRIORITY,
    STREAM_RELEASE,
    below,
    draw,
    uniform,
)
from uprising.engine.rules import (
    ACTIVE,
    JAIL_FOREVER,
    JAILED,
    QUIET,
    arrest_probability,
    jail_term,
    wants_active,
)


@njit(cache=True)
def add_per_cell(cells_of, out):
    """out[c] += number of agents on cell c (cells_of[i] < 0: off the lattice, not counted)."""
    for i in range(cells_of.shape[0]):
        c = cells_of[i]
        if c >= 0:
            out[c] += 1


@njit(cache=True)
def count_state_per_cell(cells_of, state, wanted, out):
    """out[c] = number of citizens on cell c whose state is `wanted`."""
    out[:] = 0
    for i in range(cells_of.shape[0]):
        c = cells_of[i]
        if c >= 0 and state[i] == wanted:
            out[c] += 1


@njit(parallel=True, cache=True)
def row_prefix(values, height, width):
    """In place: each row of `values` (row-major) becomes its inclusive prefix sum."""
    for y in prange(height):
        base = y * width
        for x in range(1, width):
            values[base + x] += values[base + x - 1]


@njit(inline="always", cache=True)
def _segment(prefix, base, x, w, width, torus):
    """Sum over columns x-w..x+w of one row from its inclusive prefix (wrapping on a torus)."""
    last = prefix[base + width - 1]
    if w >= width:
        return last
    a = x - w
    b = x + w
    if torus:
        if a < 0:
            return prefix[base + b] + last - prefix[base + a + width - 1]
        if b >= width:
            lo = prefix[base + a - 1] if a > 0 else 0
            return last - lo + prefix[base + b - width]
    else:
        if a < 0:
            a = 0
        if b >= width:
            b = width - 1
    lo = prefix[base + a - 1] if a > 0 else 0
    return prefix[base + b] - lo


@njit(parallel=True, cache=True)
def vision_sum(prefix, spans, height, width, torus, out):
    """out[cell] = sum of the counts within the vision shape `spans` around each cell."""
    for y in prange(height):
        for x in range(width):
            out[y * width + x] = 0
        for s in range(spans.shape[0]):
            yy = y + spans[s, 0]
            if torus:
                yy %= height
            elif yy < 0 or yy >= height:
                continue
            base = yy * width
            w = spans[s, 1]
            row = y * width
            # Columns whose span neither wraps nor touches the edge: one difference each, a
            # loop the compiler vectorises; the few edge columns take the general path.
            lo = min(w + 1, width)
            hi = max(width - w, lo)
            for x in range(lo):
                out[row + x] += _segment(prefix, base, x, w, width, torus)
            for x in range(lo, hi):
                out[row + x] += prefix[base + x + w] - prefix[base + x - w - 1]
            for x in range(hi, width):
                out[row + x] += _segment(prefix, base, x, w, width, torus)


@njit(parallel=True, cache=True)
def decide(
    cit_cell, home, hardship, risk, state, jail, cell_dept, legit_dept,
    cops_vis, actives_vis, threshold_dept, risk_mult_dept, k, rounding, self_twice, release_home,
):  # fmt: skip
    """Every free citizen chooses active or quiet from the snapshot's counts in vision.

    Legitimacy, threshold and a multiplier of net risk are per department (of the citizen's
    home): the dynamics move them between ticks. Prisoners serve one tick of their term
    instead (Mesa's order: a term of J keeps a citizen out of J decisions); with
    `release_home`, a prisoner off the lattice goes back to its home cell when the term ends.
    """
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
        p = arrest_probability(cops_vis[c], actives, k, rounding)
        d = cell_dept[home[i]]
        r = risk[i] * risk_mult_dept[d]
        state[i] = ACTIVE if wants_active(hardship[i], legit_dept[d], r, p, threshold_dept[d]) else QUIET


@njit(parallel=True, cache=True)
def arrest_share(cop_count, actives_vis, out):
    """out[c] = cops on c / actives they see: the share of each seen active they take."""
    for c in prange(cop_count.shape[0]):
        a = actives_vis[c]
        out[c] = cop_count[c] / a if a > 0 else 0.0


@njit(parallel=True, cache=True)
def arrest(
    seed, tick, cit_cell, home, cell_dept, n_dept, state, jail, hazard, max_jail, jail_inclusive,
    keep_site,
):  # fmt: skip
    """Each active is arrested with probability min(1, hazard at its cell).

    Returns the arrests per department (of each citizen's home), summed per block of agents in
    a fixed order so the result does not depend on threads.
    """
    n = cit_cell.shape[0]
    blocks = 64
    size = (n + blocks - 1) // blocks
    partial = np.zeros((blocks, n_dept), dtype=np.int64)
    for b in prange(blocks):
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
    for b in range(blocks):
        out += partial[b]
    return out


@njit(parallel=True, cache=True)
def propose_moves(
    seed, tick, cit_cell, jail, cop_cell, occupied, offs_cit, offs_cop,
    height, width, torus, tries, target,
):  # fmt: skip
    """Each mover picks a random empty site in vision (rejection sampling), or -1.

    Movers: free citizens on the lattice and every cop; a released prisoner off the lattice
    picks a random empty site anywhere. `occupied` is the snapshot before anyone moves.
    """
    n = cit_cell.shape[0]
    total = n + cop_cell.shape[0]
    cells = height * width
    for a in prange(total):
        target[a] = -1
        if a < n:
            if jail[a] > 0:
                continue
            cell = cit_cell[a]
            offs = offs_cit
        else:
            cell = cop_cell[a - n]
            offs = offs_cop
        if cell < 0:
            for t in range(tries * 4):
                c = below(seed, tick, a, STREAM_RELEASE * 65536 + t, cells)
                if occupied[c] == 0:
                    target[a] = c
                    break
            continue
        k = offs.shape[0]
        if k == 0:
            continue
        y0 = cell // width
        x0 = cell % width
        for t in range(tries):
            o = below(seed, tick, a, STREAM_MOVE * 65536 + t, k)
            y = y0 + offs[o, 0]
            x = x0 + offs[o, 1]
            if torus:
                y %= height
                x %= width
            elif y < 0 or y >= height or x < 0 or x >= width:
                continue
            c = y * width + x
            if occupied[c] == 0:
                target[a] = c
                break


@njit(cache=True)
def claim_sites(seed, tick, target, claim):
    """claim[site] = the mover with the highest random priority among those that want it.

    A sequential pass in agent order: the winner is a pure function of the priorities, so the
    outcome does not depend on threads.
    """
    for a in range(target.shape[0]):
        t = target[a]
        if t < 0:
            continue
        b = claim[t]
        if b < 0 or draw(seed, tick, a, STREAM_PRIORITY) > draw(seed, tick, b, STREAM_PRIORITY):
            claim[t] = a


@njit(parallel=True, cache=True)
def apply_moves(target, claim, cit_cell, cop_cell):
    """Winners move to their claimed site; the others stay where they are."""
    n = cit_cell.shape[0]
    for a in prange(target.shape[0]):
        t = target[a]
        if t >= 0 and claim[t] == a:
            if a < n:
                cit_cell[a] = t
            else:
                cop_cell[a - n] = t


@njit(cache=True)
def reset_claims(target, claim):
    """Clear the claims made this tick (cheaper than clearing every cell)."""
    for a in range(target.shape[0]):
        t = target[a]
        if t >= 0:
            claim[t] = -1


@njit(parallel=True, cache=True)
def tally(state, out):
    """(quiescent, active, jailed) as out[0..2], counted per thread block in a fixed order."""
    n = state.shape[0]
    blocks = 64
    partial = np.zeros((blocks, 3), dtype=np.int64)
    size = (n + blocks - 1) // blocks
    for b in prange(blocks):
        for i in range(b * size, min(n, (b + 1) * size)):
            partial[b, state[i]] += 1
    for j in range(3):
        out[j] = partial[:, j].sum()


__all__ = [
    "ACTIVE",
    "JAILED",
    "QUIET",
    "arrest",
    "arrest_share",
    "apply_moves",
    "claim_sites",
    "add_per_cell",
    "count_state_per_cell",
    "decide",
    "propose_moves",
    "reset_claims",
    "row_prefix",
    "tally",
    "vision_sum",
]

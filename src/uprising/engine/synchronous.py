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

import math

import numpy as np
from numba import njit, prange, uint32, uint64, uintp

from uprising.engine.random import (
    STREAM_ARREST,
    STREAM_JAIL,
    STREAM_MOVE,
    STREAM_PRIORITY,
    STREAM_RELEASE,
    draw_indexed,
    stream_key,
    uniform,
    unit_float,
)
from uprising.engine.rules import (
    ACTIVE,
    JAIL_FOREVER,
    JAILED,
    QUIET,
    ROUND_FLOOR,
    ROUND_LITERAL,
    arrest_probability,
    jail_term,
    wants_active,
)
from uprising.world.classic import citizen_traits, traits_key


@njit(parallel=True, cache=True)
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


@njit(parallel=True, cache=True)
def row_prefix(values, height, width):
    """In place: each row of `values` (row-major) becomes its inclusive prefix sum."""
    for y in prange(height):
        base = uintp(y * width)
        for x in range(uintp(1), uintp(width)):
            values[base + x] += values[base + x - uintp(1)]


@njit(parallel=True, cache=True)
def row_prefix2(a, b, height, width):
    """`row_prefix` of two arrays in one pass."""
    for y in prange(height):
        base = uintp(y * width)
        for x in range(uintp(1), uintp(width)):
            a[base + x] += a[base + x - uintp(1)]
            b[base + x] += b[base + x - uintp(1)]


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


@njit(inline="always", cache=True)
def _span_base(y, dy, height, width, torus):
    """Start of the row `dy` rows from `y` (wrapped on a torus), or -1 when off the lattice."""
    yy = y + dy
    if torus:
        yy %= height
    elif yy < 0 or yy >= height:
        return -1
    return yy * width


@njit(inline="always", cache=True)
def _add_row_sums(prefix, base, w, width, torus, out, row):
    """out[row + x] += the sum of the span of half-width w around column x, for every x.

    Columns whose span neither wraps nor touches an edge take one difference each, in a loop
    over unsigned indices that the compiler vectorises; the few edge columns take `_segment`.
    """
    lo = min(w + 1, width)
    hi = max(width - w, lo)
    for x in range(lo):
        out[row + x] += _segment(prefix, base, x, w, width, torus)
    dst = uintp(row)
    src = uintp(base)
    reach = uintp(w)
    before = uintp(w + 1)
    for x in range(uintp(lo), uintp(hi)):  # x >= w + 1: no index goes below the row
        out[dst + x] += prefix[src + x + reach] - prefix[src + x - before]
    for x in range(hi, width):
        out[row + x] += _segment(prefix, base, x, w, width, torus)


@njit(parallel=True, cache=True)
def vision_sum(prefix, spans, height, width, torus, out):
    """out[cell] = sum of the counts within the vision shape `spans` around each cell."""
    for y in prange(height):
        row = y * width
        for x in range(width):
            out[row + x] = 0
        for s in range(spans.shape[0]):
            base = _span_base(y, spans[s, 0], height, width, torus)
            if base >= 0:
                _add_row_sums(prefix, base, spans[s, 1], width, torus, out, row)


@njit(parallel=True, cache=True)
def vision_sum2(prefix_a, prefix_b, spans, height, width, torus, out_a, out_b):
    """`vision_sum` of two prefix arrays over the same shape, in one pass over the rows."""
    for y in prange(height):
        row = y * width
        for x in range(width):
            out_a[row + x] = 0
            out_b[row + x] = 0
        for s in range(spans.shape[0]):
            base = _span_base(y, spans[s, 0], height, width, torus)
            if base >= 0:
                _add_row_sums(prefix_a, base, spans[s, 1], width, torus, out_a, row)
                _add_row_sums(prefix_b, base, spans[s, 1], width, torus, out_b, row)


@njit(inline="always", cache=True)
def _sum_at(prefix, spans, height, width, torus, y, x):
    """The vision sum at one cell, added up in `vision_sum`'s order (so to the same bits)."""
    total = prefix[0] - prefix[0]  # a zero of the prefix's type
    for s in range(spans.shape[0]):
        base = _span_base(y, spans[s, 0], height, width, torus)
        if base >= 0:
            total += _segment(prefix, base, x, spans[s, 1], width, torus)
    return total


@njit(inline="always", cache=True)
def _count_at(prefix, row, x):
    """The count on one cell, from its row's inclusive prefix."""
    return prefix[row + x] - (prefix[row + x - 1] if x > 0 else 0)


@njit(parallel=True, cache=True)
def quiet_arrest_probability(cops_vis, actives_vis, k, rounding, out):
    """out[c] = the arrest probability a quiet citizen on cell c estimates (it counts itself)."""
    for c in prange(out.shape[0]):
        out[c] = arrest_probability(cops_vis[c], 1 + actives_vis[c], k, rounding)


@njit(parallel=True, cache=True)
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


@njit(parallel=True, cache=True)
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


@njit(parallel=True, cache=True)
def decide(
    cit_cell, home, hardship, risk, state, jail, cell_dept, legit_dept,
    cops_vis, actives_vis, threshold_dept, risk_mult_dept, k, rounding, self_twice, release_home,
    p_quiet,
):  # fmt: skip
    """Every free citizen chooses active or quiet from the snapshot's counts in vision.

    Legitimacy, threshold and a multiplier of net risk are per department (of the citizen's
    home): the dynamics move them between ticks. Prisoners serve one tick of their term
    instead (Mesa's order: a term of J keeps a citizen out of J decisions); with
    `release_home`, a prisoner off the lattice goes back to its home cell when the term ends.
    `p_quiet` (from `quiet_arrest_probability`, or empty) holds the estimate of a quiet
    citizen per cell, worth computing once per cell where many citizens share a cell.
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
        if was_active or p_quiet.shape[0] == 0:
            p = arrest_probability(cops_vis[c], actives, k, rounding)
        else:
            p = p_quiet[c]
        d = cell_dept[home[i]]
        r = risk[i] * risk_mult_dept[d]
        state[i] = ACTIVE if wants_active(hardship[i], legit_dept[d], r, p, threshold_dept[d]) else QUIET


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


# ---- the classic lattice (one agent per site): packed counts, fixed-point hazard -----------
# One uint32 per cell holds cops in its low 16 bits and actives in its high 16 bits; its row
# prefix is taken modulo 2**32, and a difference of prefixes gives both counts at once as long
# as each stays below 2**16 (the vision's size). The arrest share 1/A of a cop is a fixed-point
# uint32 with `share_bits` fractional bits, summed the same way. In the movement phase the
# same per-cell array holds OCCUPIED on occupied sites, else the best claim priority so far.

OCCUPIED = 0xFFFFFFFF
_LOW16 = uint64(0xFFFF)
_MASK32 = uint64(0xFFFFFFFF)
_SIXTEEN = uint64(16)


@njit(inline="always", cache=True)
def _segment32(prefix, base, x, w, width, torus):
    """`_segment` modulo 2**32 (for packed counts and fixed-point sums)."""
    last = uint64(prefix[base + width - 1])
    if w >= width:
        return last
    a = x - w
    b = x + w
    if torus:
        if a < 0:
            return (uint64(prefix[base + b]) + last - uint64(prefix[base + a + width - 1])) & _MASK32
        if b >= width:
            lo = uint64(prefix[base + a - 1]) if a > 0 else uint64(0)
            return (last - lo + uint64(prefix[base + b - width])) & _MASK32
    else:
        if a < 0:
            a = 0
        if b >= width:
            b = width - 1
    lo = uint64(prefix[base + a - 1]) if a > 0 else uint64(0)
    return (uint64(prefix[base + b]) - lo) & _MASK32


@njit(inline="always", cache=True)
def _sum32_at(prefix, spans, height, width, torus, cell):
    """The vision sum at `cell` of a uint32 row prefix, modulo 2**32.

    Rows wrap by one addition where the vision is shorter than the lattice, and a span that
    neither wraps nor touches an edge takes one difference (the common case, kept branch-light).
    """
    y = cell // width
    x = cell - y * width
    total = uint64(0)
    for s in range(spans.shape[0]):
        yy = y + spans[s, 0]
        if yy < 0 or yy >= height:
            if not torus:
                continue
            yy %= height
        base = yy * width
        w = spans[s, 1]
        if x > w and x + w < width:
            total += uint64(prefix[base + x + w]) - uint64(prefix[base + x - w - 1])
        else:
            total += _segment32(prefix, base, x, w, width, torus)
    return total & _MASK32


@njit(parallel=True, cache=True)
def pack_counts(cit_cell, state, cop_cell, packed):
    """packed[c] = 1 for a cop on c, 2**16 for an active citizen, else 0."""
    for c in prange(packed.shape[0]):
        packed[c] = 0
    n = cit_cell.shape[0]
    for a in prange(n + cop_cell.shape[0]):
        if a < n:
            if cit_cell[a] >= 0 and state[a] == ACTIVE:
                packed[cit_cell[a]] = 1 << 16
        elif cop_cell[a - n] >= 0:
            packed[cop_cell[a - n]] = 1


@njit(inline="always", cache=True)
def _tabled_arrest_probability(cops, actives, k, rounding, p_table):
    """`rules.arrest_probability`, read from `p_table` when C/A is rounded to a whole number."""
    if rounding == ROUND_LITERAL:
        return arrest_probability(cops, actives, k, rounding)
    ratio = cops / actives
    r = int(math.floor(ratio)) if rounding == ROUND_FLOOR else int(round(ratio))
    if r < p_table.shape[0]:
        return p_table[r]
    return arrest_probability(cops, actives, k, rounding)


@njit(parallel=True, cache=True)
def decide_on_sites(
    cit_cell, hardship, risk, seed, state, jail, cell_dept, legit_dept, seen,
    threshold_dept, risk_mult_dept, k, rounding, self_twice, p_table,
):  # fmt: skip
    """`decide` on the classic lattice, each citizen reading the packed counts in its vision
    (`vision_sum` of the packed prefix: cops in the low 16 bits, actives in the high ones).

    A citizen off the lattice (jailed without keeping its site) waits for the move phase. With
    empty `hardship`, a citizen's traits are recomputed by `citizen_traits` from the seed.
    `p_table` (from `sequential.fill_p_table`) holds P at each whole rounded C/A.
    """
    stored = hardship.shape[0] > 0
    tkey = traits_key(seed)
    for i in prange(cit_cell.shape[0]):
        if jail[i] > 0:
            if jail[i] != JAIL_FOREVER:
                jail[i] -= 1
            continue
        c = cit_cell[i]
        if c < 0:
            continue
        v = uint64(seen[c])
        cops = np.int64(v & _LOW16)
        was_active = state[i] == ACTIVE
        actives = 1 + np.int64(v >> _SIXTEEN) - (1 if was_active else 0)
        if self_twice and was_active:
            actives += 1
        p = _tabled_arrest_probability(cops, actives, k, rounding, p_table)
        if stored:
            h = hardship[i]
            r0 = risk[i]
        else:
            h, r0 = citizen_traits(tkey, i)
        d = cell_dept[c]
        r = r0 * risk_mult_dept[d]
        state[i] = ACTIVE if wants_active(h, legit_dept[d], r, p, threshold_dept[d]) else QUIET


@njit(parallel=True, cache=True)
def share_at_cops(packed, spans, height, width, torus, share_bits, share):
    """share[c] = 2**share_bits // (actives the cop on c sees), 0 without a cop or actives."""
    one = uint64(1) << uint64(share_bits)
    for y in prange(height):
        row = y * width
        for x in range(width):
            c = row + x
            here = (uint64(packed[c]) - (uint64(packed[c - 1]) if x > 0 else uint64(0))) & _MASK32
            s = uint64(0)
            if here & _LOW16:
                a = _sum32_at(packed, spans, height, width, torus, c) >> _SIXTEEN
                if a > 0:
                    s = one // a
            share[c] = s


@njit(parallel=True, cache=True)
def arrest_on_sites(
    seed, tick, cit_cell, cell_dept, n_dept, state, jail, share, spans, height, width, torus,
    share_bits, max_jail, jail_inclusive, keep_site,
):  # fmt: skip
    """`arrest` with each active's hazard summed from the fixed-point share prefix at its site:
    arrested when u * 2**share_bits < hazard (min(1, hazard) in real terms)."""
    n = cit_cell.shape[0]
    blocks = 64
    size = (n + blocks - 1) // blocks
    partial = np.empty((blocks, n_dept), dtype=np.int64)
    scale = float(uint64(1) << uint64(share_bits))
    for b in prange(blocks):
        for d in range(n_dept):
            partial[b, d] = 0
        for i in range(b * size, min(n, (b + 1) * size)):
            c = cit_cell[i]
            if state[i] != ACTIVE or c < 0:
                continue
            hz = _sum32_at(share, spans, height, width, torus, c)
            if hz > 0 and uniform(seed, tick, i, STREAM_ARREST) * scale < float(hz):
                state[i] = JAILED
                jail[i] = jail_term(uniform(seed, tick, i, STREAM_JAIL), max_jail, jail_inclusive)
                partial[b, cell_dept[c]] += 1
                if not keep_site:
                    cit_cell[i] = -1
    out = np.zeros(n_dept, dtype=np.int64)
    for b in range(blocks):  # scalar loops: an array expression here would run as 64 parfors
        for d in range(n_dept):
            out[d] += partial[b, d]
    return out


@njit(parallel=True, cache=True)
def mark_sites(cit_cell, cop_cell, work):
    """work[c] = OCCUPIED where a citizen or a cop stands, else 0 (no claim yet)."""
    for c in prange(work.shape[0]):
        work[c] = 0
    n = cit_cell.shape[0]
    for a in prange(n + cop_cell.shape[0]):
        c = cit_cell[a] if a < n else cop_cell[a - n]
        if c >= 0:
            work[c] = OCCUPIED


@njit(parallel=True, cache=True)
def propose_on_sites(
    seed, tick, cit_cell, jail, cop_cell, work, offs_cit, offs_cop, height, width, torus, tries,
    target,
):  # fmt: skip
    """`propose_moves` reading occupancy from `work`; one 64-bit draw gives four tries (a
    16-bit field each, mapped to an offset by multiply-shift: k < 2**16 offsets)."""
    n = cit_cell.shape[0]
    total = n + cop_cell.shape[0]
    cells = height * width
    mkey = stream_key(seed, tick, STREAM_MOVE)
    rkey = stream_key(seed, tick, STREAM_RELEASE)
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
                bits = draw_indexed(rkey, uint64(a) * uint64(4096) + uint64(t))
                c = int(unit_float(bits) * cells)
                if work[c] != OCCUPIED:
                    target[a] = c
                    break
            continue
        k = uint64(offs.shape[0])
        if k == 0:
            continue
        y0 = cell // width
        x0 = cell - y0 * width
        bits = uint64(0)
        for t in range(tries):
            if t & 3 == 0:
                bits = draw_indexed(mkey, uint64(a) * uint64(256) + uint64(t >> 2))
            else:
                bits >>= _SIXTEEN
            o = int(((bits & _LOW16) * k) >> _SIXTEEN)
            y = y0 + offs[o, 0]
            x = x0 + offs[o, 1]
            if torus:
                y = y - height if y >= height else y
                x = x - width if x >= width else x
            elif y < 0 or y >= height or x < 0 or x >= width:
                continue
            c = y * width + x
            if work[c] != OCCUPIED:
                target[a] = c
                break


@njit(inline="always", cache=True)
def _priority(pkey, agent):
    """A mover's claim priority this tick, in 1..2**31 (below OCCUPIED)."""
    return uint32((draw_indexed(pkey, agent) >> uint64(33)) + uint64(1))


@njit(parallel=True, cache=True)
def settle_moves(seed, tick, target, work, cit_cell, cop_cell, blocks):
    """Movers with the highest priority for their site move there (ties: the lowest agent).

    Each of `blocks` blocks of sites is settled by one thread in two passes over the movers in
    agent order (best priority per site, then the first mover holding it moves and marks the
    site OCCUPIED): neither the number of blocks nor of threads changes the outcome.
    """
    cells = work.shape[0]
    n = cit_cell.shape[0]
    size = (cells + blocks - 1) // blocks
    pkey = stream_key(seed, tick, STREAM_PRIORITY)
    for blk in prange(blocks):
        lo = blk * size
        hi = min(cells, lo + size)
        for a in range(target.shape[0]):
            t = target[a]
            if t >= lo and t < hi:
                p = _priority(pkey, a)
                if p > work[t]:
                    work[t] = p
        for a in range(target.shape[0]):
            t = target[a]
            if t >= lo and t < hi and work[t] != OCCUPIED and work[t] == _priority(pkey, a):
                work[t] = OCCUPIED
                if a < n:
                    cit_cell[a] = t
                else:
                    cop_cell[a - n] = t


@njit(parallel=True, cache=True)
def tally(state, out):
    """(quiescent, active, jailed) as out[0..2]: whole-number sums per block, in any order."""
    n = state.shape[0]
    blocks = 64
    size = (n + blocks - 1) // blocks
    active = np.zeros(blocks, dtype=np.int64)
    jailed = np.zeros(blocks, dtype=np.int64)
    for b in prange(blocks):
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
    "arrest_on_sites",
    "arrest_share_at_cops",
    "count_per_cell",
    "decide",
    "decide_on_sites",
    "hazard_at_actives",
    "mark_sites",
    "pack_counts",
    "propose_on_sites",
    "quiet_arrest_probability",
    "row_prefix",
    "row_prefix2",
    "settle_moves",
    "share_at_cops",
    "tally",
    "vision_sum",
    "vision_sum2",
]

"""The synchronous schedule on a lattice of one agent per site (the classic torus), cell by cell.

Every kernel here walks the lattice row by row instead of walking the agents. A tick starts by
writing which agent stands on each site (`occupy`); from then on the agents are met in the order
of their sites, so every read of a per-cell array is a read of the rows next to the one being
worked on, which the caches already hold. Walking the agents instead would jump to a random site
for every agent.

Counts are packed: one uint32 per cell holds cops in its low 16 bits and actives in its high 16
bits, and each row holds its running sum modulo 2**32, so the difference of two prefixes gives
both counts within a span at once (each stays below 2**16, the vision's size). A cop's arrest
share 1/A is a fixed-point uint32 with `share_bits` fractional bits, summed the same way.

The site map `occ` (one uint32 per site) holds the agent on it (citizen i: i; cop j: n + j),
with PRISONER set for a citizen serving a term and SEEN_ACTIVE for one active when the tick
began, or EMPTY; during the moves, a free site may hold a claim instead (at or above CLAIMED).
Only the site map and the packed prefixes after the decisions, `after`, are kept per site:
8 bytes. The counts of the tick's start and the cops' shares are computed a row at a time into
rings of 2 * reach + 1 rows, a reach of rows ahead of the rows being worked on.

A tick:

1. `occupy`: writes the site map.
2. `decide_rows`: each row sums the counts of the tick's start within vision into a row
   buffer; its citizens decide from it, and the row's packed prefix after the decisions goes
   to `after`.
3. `arrest_rows`: each active is taken with probability min(1, the shares 1/A summed over the
   cops that see it), A the actives each cop sees in `after`. With few actives, each active
   sums the shares of the cops around it instead (the same sums).
4. `claim_moves`: each mover picks a free site in vision (up to `tries` random offsets, the
   first free one) and claims it in the site map with a random priority above the offset's
   index; `settle_moves`: each claimed site takes the mover of the highest claim.
5. `place_released`: prisoners off the lattice whose term is over reappear on a free site.

On lattices of at least WAVE_MIN_CELLS sites and ten reaches high, `tick_rows` does 2 to 4 in
one pass over the rows instead, a few rows behind one another, so each row is still in the
caches for its next step: the same tick, quicker once the lattice outgrows the caches.

Hot loops carry no branch that depends on the data: each row first gathers the columns that
need work (movers, citizens, cops, actives) into a list, and choices are made with masks, so
the processor overlaps one agent's work with the next one's instead of guessing wrong.

In `claim_moves`, claims are made in horizontal stripes at least twice the move reach high,
the even stripes in parallel and then the odd ones, so two threads never claim the same site
at once; a claim is an order-free maximum (a minimum of EMPTY - claim), and each mover claims
one site, so settling needs no stripes. Results do not depend on the number of threads.
"""

from __future__ import annotations

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
from uprising.engine.records import MoveBuffers, Ring, RowBuffers
from uprising.engine.rows import MASK32, row_range, segment_sum32, span_base, span_row
from uprising.engine.rules import (
    ACTIVE,
    JAIL_FOREVER,
    JAILED,
    QUIET,
    arrest_probability,
    jail_term,
    wants_active,
)
from uprising.engine.traits import citizen_traits, traits_key
from uprising.engine.work_queue import items_of, new_queue, take

ROW_BLOCKS = 64  # rows are worked in this many blocks, each block by one thread at a time
OCCUPY_CHUNKS = 256  # `occupy` writes the agents in this many chunks
ACTIVE_ONE = 1 << 16  # one active citizen in a packed count
# The site map: one uint32 per site.
PRISONER = 1 << 31  # the citizen on the site serves a jail term
SEEN_ACTIVE = 1 << 30  # the citizen on the site was active when the tick began
AGENT = SEEN_ACTIVE - 1  # the agent's bits (agents stay below 2**30 - 1)
CLAIMED = PRISONER | SEEN_ACTIVE  # at or above: no agent (EMPTY, or a claim on a free site)
EMPTY = 0xFFFFFFFF  # no agent on the site
# `tick_rows` from this many sites: below, the arrays stay in the shared cache between passes
# and one pass per step is a few percent quicker; above, the wave is. Both give the same runs.
# Measured on a 2-core machine (`python benchmarks/bench_engine.py --width W --tick one-pass`
# against `--tick phased`), the wave is 3-7% slower at W = 1000, even at 2000 and 15% quicker
# at 3000.
WAVE_MIN_CELLS = 2000 * 2000
_LOW16 = uint64(0xFFFF)
_SIXTEEN = uint64(16)


@njit(parallel=True, cache=True, nogil=True)
def occupy(cit_cell, cop_cell, state, jail, occ):
    """occ[c] = the agent on site c (citizens 0..n-1, then cops n..), with PRISONER set for a
    citizen serving a term and SEEN_ACTIVE for an active one, EMPTY where none is."""
    for c in prange(occ.shape[0]):
        occ[c] = EMPTY
    # Agents are written in chunks of citizens and of cops that stand in about the same rows (both
    # lists start sorted by site and agents move little), so each chunk's writes share cache lines.
    n = cit_cell.shape[0]
    m = cop_cell.shape[0]
    bounds = np.empty(OCCUPY_CHUNKS + 1, dtype=np.int64)
    bounds[0] = 0
    bounds[OCCUPY_CHUNKS] = m
    mark = np.int64(0)
    for k in range(1, OCCUPY_CHUNKS):
        if n > 0:
            mark = max(mark, np.int64(cit_cell[k * n // OCCUPY_CHUNKS]))
        else:
            mark = np.int64(k * occ.shape[0] // OCCUPY_CHUNKS)
        bounds[k] = min(max(bounds[k - 1], np.searchsorted(cop_cell, mark)), m)
    # Both loops split evenly (not from a queue): each thread then writes the agents of about the
    # sites it cleared, which its cache still holds.
    for k in prange(OCCUPY_CHUNKS):
        for i in range(k * n // OCCUPY_CHUNKS, (k + 1) * n // OCCUPY_CHUNKS):
            c = cit_cell[i]
            if c >= 0:
                flags = uint32(PRISONER) if jail[i] > 0 else uint32(0)
                flags |= uint32(SEEN_ACTIVE) if state[i] == ACTIVE else uint32(0)
                occ[c] = uint32(i) | flags
        for j in range(bounds[k], bounds[k + 1]):
            occ[cop_cell[j]] = n + j


def _even_bounds(height: int, count: int) -> np.ndarray:
    """Row bounds of `count` parts of `height` rows as even as can be, as int64[count + 1]."""
    return np.array([k * height // count for k in range(count + 1)], dtype=np.int64)


@njit(inline="always", cache=True)
def _row_buffers(width):
    """Fresh `RowBuffers` of a row's width."""
    columns = np.empty(width, dtype=np.int64)
    held = np.empty(width, dtype=np.int64)
    return RowBuffers(columns, held, np.empty(width, dtype=np.uint32), np.empty(width, dtype=np.uint32))


@njit(inline="always", cache=True)
def _move_buffers(width):
    """Fresh `MoveBuffers` of a row's width."""
    return MoveBuffers(
        np.empty(width, dtype=np.int64), np.empty(width, dtype=np.int64), np.empty(width, dtype=np.int64)
    )


def bands_of(height: int, threads: int, reach: int) -> np.ndarray:
    """Row bounds of the bands a pass with a ring of rows works in, taken by the threads from
    a queue (`work_queue`): several per thread, each at least 4 reaches high where the lattice
    allows (a band first fills 2 reaches of rows its neighbour also fills), as int64[k + 1].
    Results do not depend on it."""
    return _even_bounds(height, items_of(height, 4 * max(reach, 1), threads))


@njit(inline="always", cache=True)
def _reach_of(spans):
    """The largest |dy| of a vision shape's spans."""
    reach = 0
    for s in range(spans.shape[0]):
        reach = max(reach, abs(spans[s, 0]))
    return reach


@njit(inline="always", cache=True)
def _packed_row(occ, n, y, width, out, base):
    """out[base + x] = the running sum along row y of the packed counts of the tick's start (1
    for a cop, 2**16 for a citizen that was active), modulo 2**32, read from the site map."""
    src = uintp(y * width)
    run = uint32(0)
    for x in range(uintp(width)):
        v = occ[src + x]
        cop = (v >= uint32(n)) & (v < uint32(SEEN_ACTIVE))
        active = (v >> uint32(30)) == uint32(1)  # SEEN_ACTIVE without PRISONER
        run += uint32(cop) + (uint32(active) << uint32(16))
        out[uintp(base) + x] = run


@njit(inline="always", cache=True)
def _span_sum32(prefix, base, x, w, width, torus):
    """The sum over columns x-w..x+w of the row starting at `base` (a row prefix), mod 2**32."""
    if x > w and x + w < width:
        return uint64(prefix[base + x + w]) - uint64(prefix[base + x - w - 1])
    return segment_sum32(prefix, base, x, w, width, torus)


@njit(inline="always", cache=True)
def _sum32_at(prefix, spans, height, width, torus, y, x):
    """The vision sum at (y, x) of a packed row prefix, modulo 2**32."""
    total = uint64(0)
    for s in range(spans.shape[0]):
        base = span_base(y, spans[s, 0], height, width, torus)
        if base >= 0:
            total += _span_sum32(prefix, base, x, spans[s, 1], width, torus)
    return total & MASK32


@njit(inline="always", cache=True)
def _ring_base(y, origin, height_ring, width):
    """Where row y (unwrapped) starts in a ring of `height_ring` rows of `width` that holds
    row `origin` first: at ((y - origin) % height_ring) * width. Every ring here is laid out so."""
    return ((y - origin) % height_ring) * width


@njit(inline="always", cache=True)
def _ring_sum32_at(ring, origin, height_ring, spans, height, width, torus, y, x):
    """`_sum32_at` from a ring of row prefixes holding row y at (y - origin) % height_ring."""
    total = uint64(0)
    for s in range(spans.shape[0]):
        yy = y + spans[s, 0]
        if torus or (yy >= 0 and yy < height):
            base = _ring_base(yy, origin, height_ring, width)
            total += _span_sum32(ring, base, x, spans[s, 1], width, torus)
    return total & MASK32


@njit(inline="always", cache=True)
def _add_spans(prefix, base, w, width, torus, out):
    """out[x] += the sum over columns x-w..x+w of the row starting at `base` (a row prefix,
    modulo 2**32), for every x: wrapping on a torus, clipped otherwise. The columns near the
    edges take closed forms rather than a branch each, like the middle ones."""
    last = prefix[base + width - 1]
    if 2 * w + 1 >= width:  # the span covers the row (or more): only on tiny lattices
        for x in range(width):
            out[x] += segment_sum32(prefix, base, x, w, width, torus)
        return
    src = uintp(base)
    reach = uintp(w)
    before = uintp(w + 1)
    for x in range(uintp(w + 1), uintp(width - w)):  # the span inside the row
        out[x] += prefix[src + x + reach] - prefix[src + x - before]
    if torus:
        for x in range(uintp(w)):  # the span wraps past the left edge
            out[x] += prefix[src + x + reach] + last - prefix[src + x + uintp(width) - before]
        out[w] += prefix[src + uintp(2 * w)]
        for x in range(uintp(width - w), uintp(width)):  # ... past the right edge
            out[x] += last - prefix[src + x - before] + prefix[src + x + reach - uintp(width)]
    else:
        for x in range(uintp(w + 1)):  # the span is clipped at the left edge
            out[x] += prefix[src + x + reach]
        for x in range(uintp(width - w), uintp(width)):  # ... at the right edge
            out[x] += last - prefix[src + x - before]


@njit(inline="always", cache=True)
def _row_vision(prefix, spans, height, width, torus, y, out):
    """out[x] = the vision sum at (y, x) of a packed row prefix, for the whole row (mod 2**32)."""
    for x in range(width):
        out[x] = 0
    for s in range(spans.shape[0]):
        base = span_base(y, spans[s, 0], height, width, torus)
        if base >= 0:
            _add_spans(prefix, base, spans[s, 1], width, torus, out)


@njit(inline="always", cache=True)
def _ring_vision(ring, origin, height_ring, spans, height, width, torus, y, out):
    """`_row_vision` from a ring of row prefixes holding row y at (y - origin) % height_ring."""
    for x in range(width):
        out[x] = 0
    for s in range(spans.shape[0]):
        yy = y + spans[s, 0]
        if torus or (yy >= 0 and yy < height):
            _add_spans(ring, _ring_base(yy, origin, height_ring, width), spans[s, 1], width, torus, out)


@njit(cache=True, nogil=True)
def fill_pair_table(k, rounding, table):
    """table[C, A] = `rules.arrest_probability(C, A, k, rounding)`, the same bits, for every
    count of cops and of actives (itself included) a citizen can see."""
    for cops in range(table.shape[0]):
        for actives in range(1, table.shape[1]):
            table[cops, actives] = arrest_probability(cops, actives, k, rounding)


@njit(inline="always", cache=True)
def _tabled_arrest_probability(cops, actives, k, rounding, table):
    """`rules.arrest_probability`, read from `fill_pair_table`'s table where it reaches."""
    if cops < table.shape[0] and actives < table.shape[1]:
        return table[cops, actives]
    return arrest_probability(cops, actives, k, rounding)


@njit(inline="always", cache=True)
def _citizens(occ, n, row, width, free, held, cops):
    """Columns of the row holding a citizen: free[:k] those out of jail, held[:m] prisoners;
    cops[x] = 1 where a cop stands, else 0. Without a branch per site. Returns (k, m)."""
    k = 0
    m = 0
    for x in range(width):
        v = np.int64(occ[uintp(row + x)])
        agent = v < CLAIMED
        a = v & AGENT
        citizen = agent & (a < n)
        prisoner = (v & PRISONER) != 0
        cops[x] = uint32(agent & (a >= n))
        free[k] = x
        held[m] = x
        k += np.int64(citizen & ~prisoner)
        m += np.int64(citizen & prisoner)
    return k, m


@njit(inline="always", cache=True)
def _decide(occ, row, nfree, bufs, citizens, levers, rules, p_table, tkey, stored, one_dept):
    """The citizens at columns bufs.free[:nfree] of the row decide from bufs.seen (the packed
    counts in their vision); bufs.value[x] gains 2**16 for each one now active; returns how
    many are. `stored`: traits are read from the citizens' `hardship` and `risk`, else
    recomputed; `one_dept`: one set of levers (both flags are constants where this is inlined,
    so each case compiles to its own loop)."""
    free, seen, packed_after = bufs.free, bufs.seen, bufs.value
    state, hardship, risk = citizens.state, citizens.hardship, citizens.risk
    cell_dept, legit_dept = levers.group, levers.legitimacy
    threshold_dept, risk_mult_dept = levers.threshold, levers.risk_mult
    k, rounding, self_twice = rules.k, rules.rounding, rules.self_twice
    if one_dept:
        legit, threshold, risk_mult = legit_dept[0], threshold_dept[0], risk_mult_dept[0]
    actives = 0
    for j in range(nfree):
        x = free[j]
        c = uintp(row + x)
        here = np.int64(occ[c])  # out of jail: no PRISONER bit
        i = uintp(here & AGENT)
        v = uint64(seen[x])
        cops = np.int64(v & _LOW16)
        was_active = (here >> 30) & 1  # SEEN_ACTIVE
        in_sight = 1 + np.int64(v >> _SIXTEEN) - was_active + (was_active if self_twice else 0)
        p = _tabled_arrest_probability(cops, in_sight, k, rounding, p_table)
        if stored:
            h = hardship[i]
            r0 = risk[i]
        else:
            h, r0 = citizen_traits(tkey, i)
        if not one_dept:
            d = cell_dept[c]
            legit, threshold, risk_mult = legit_dept[d], threshold_dept[d], risk_mult_dept[d]
        act = wants_active(h, legit, r0 * risk_mult, p, threshold)
        state[i] = ACTIVE if act else QUIET
        packed_after[x] += uint32(ACTIVE_ONE) if act else uint32(0)
        actives += np.int64(act)
    return actives


@njit(cache=True, nogil=True)
def _fill_counts(occ, n, yy, height, width, torus, ring, origin, height_ring):
    """Row yy (counted from the band, unwrapped) of the packed counts of the tick's start, as a
    row prefix, into its slot of the ring: (yy - origin) % height_ring."""
    y = span_row(yy, 0, height, torus)
    if y >= 0:
        _packed_row(occ, n, y, width, ring, _ring_base(yy, origin, height_ring, width))


@njit(cache=True, nogil=True)
def _decide_row(y, grid, site, ring, citizens, levers, rules, sight, tkey, bufs):
    """The citizens of row y decide (prisoners serve a tick instead) from the counts of the
    tick's start in the ring, which holds rows y - reach .. y + reach; the row's packed prefix
    after the decisions goes to `site.after`. Returns the row's actives."""
    height, width, torus = grid
    occ, after = site.occ, site.after
    jail, packed_after = citizens.jail, bufs.value
    n = citizens.state.shape[0]
    stored = citizens.hardship.shape[0] > 0
    row = y * width
    nfree, nheld = _citizens(occ, n, row, width, bufs.free, bufs.held, packed_after)
    held = bufs.held
    for j in range(nheld):
        c = uintp(row + held[j])
        i = uintp(occ[c] & AGENT)
        if jail[i] != JAIL_FOREVER:
            jail[i] -= 1
        if jail[i] == 0:
            occ[c] = i  # free to move this tick, to decide the next
    if nfree > 0:
        _ring_vision(ring.rows, ring.origin, ring.height, sight.spans_cit, height, width, torus, y, bufs.seen)
    p_table = sight.p_table
    if not stored and levers.legitimacy.shape[0] == 1:  # the classic torus: one set of levers
        actives = _decide(occ, row, nfree, bufs, citizens, levers, rules, p_table, tkey, False, True)
    else:
        actives = _decide(occ, row, nfree, bufs, citizens, levers, rules, p_table, tkey, stored, False)
    run = uint32(0)
    for x in range(width):
        run += packed_after[x]
        after[uintp(row + x)] = run
    return actives


@njit(parallel=True, cache=True, nogil=True)
def decide_rows(seed, grid, site, citizens, levers, rules, sight, bands):
    """Every citizen on a site decides at once from the packed counts of the tick's start (the
    site map's SEEN_ACTIVE flags); a prisoner serves one tick of its term instead (Mesa's
    order: a term of J keeps a citizen out of J decisions). `after` gets the packed row
    prefixes once everyone has decided. Returns the number of actives.

    The counts' row prefixes are never stored whole: each band of rows (`bands`, from
    `bands_of`) keeps them in a ring of 2 * reach + 1 rows, filled reach rows ahead.

    With empty `hardship`, a citizen's traits are recomputed by `citizen_traits` from the seed.
    `sight.p_table` (from `fill_pair_table`) holds P for each count of cops and of actives.
    """
    height, width, torus = grid
    occ = site.occ
    n = citizens.state.shape[0]
    tkey = traits_key(seed)
    reach = _reach_of(sight.spans_cit)
    height_ring = 2 * reach + 1
    count = bands.shape[0] - 1
    actives = np.zeros(count, dtype=np.int64)
    queue = new_queue()
    for _ in prange(count):  # buffers allocated once per iteration
        rows = np.empty(height_ring * width, dtype=np.uint32)
        bufs = _row_buffers(width)
        while True:
            band = take(queue)
            if band >= count:
                break
            start, end = bands[band], bands[band + 1]
            origin = start - reach  # the ring holds row y at (y - origin) % height_ring
            ring = Ring(rows, origin, height_ring)
            for yy in range(origin, start + reach):
                _fill_counts(occ, n, yy, height, width, torus, rows, origin, height_ring)
            for y in range(start, end):
                _fill_counts(occ, n, y + reach, height, width, torus, rows, origin, height_ring)
                actives[band] += _decide_row(y, grid, site, ring, citizens, levers, rules, sight, tkey, bufs)
    total = 0
    for band in range(count):  # a scalar loop: an array expression would run as a parfor
        total += actives[band]
    return total


@njit(parallel=True, cache=True, nogil=True)
def serve_off_site(cit_cell, jail):
    """Prisoners off the lattice serve one tick of their term."""
    for i in prange(cit_cell.shape[0]):
        if cit_cell[i] < 0 and jail[i] > 0 and jail[i] != JAIL_FOREVER:
            jail[i] -= 1


@njit(inline="always", cache=True)
def _share_row(grid, occ, n, after, spans, one, y, bufs, out, base):
    """out[base + x] = the running sum along row y of each cop's share 2**share_bits // A, A
    the actives it sees in `after` (0 where there is no cop or it sees no active)."""
    height, width, torus = grid
    cops, seen, value = bufs.free, bufs.seen, bufs.value
    row = uintp(y * width)
    k = 0
    for x in range(width):
        v = np.int64(occ[row + x])
        value[x] = 0
        cops[k] = x
        k += np.int64((v >= n) & (v < SEEN_ACTIVE))
    if k > 0:
        _row_vision(after, spans, height, width, torus, y, seen)
        for j in range(k):
            x = cops[j]
            actives = uint64(seen[x]) >> _SIXTEEN
            value[x] = uint32(one // max(actives, uint64(1))) if actives > 0 else uint32(0)
    run = uint32(0)
    for x in range(width):
        run += value[x]
        out[uintp(base) + x] = run


@njit(inline="always", cache=True)
def _hazard_around(occ, n, after, spans, height, width, torus, one, y, x):
    """The fixed-point hazard of an active at (y, x): the share 2**share_bits // A of every cop
    whose vision holds it (the cops within the same shape around it, as the shapes are
    symmetric), A the actives that cop sees in `after`. The same integer sum as the ring of
    shares in `arrest_rows` gives, computed from the active's side."""
    total = uint64(0)
    for s in range(spans.shape[0]):
        yy = span_row(y, spans[s, 0], height, torus)
        if yy < 0:
            continue
        a1, b1, a2, b2 = row_range(x, spans[s, 1], width, torus)
        for part in range(2):
            for xx in range(a1 if part == 0 else a2, b1 if part == 0 else b2):
                v = np.int64(occ[uintp(yy * width + xx)])
                if v >= n and v < SEEN_ACTIVE:  # a cop
                    seen = _sum32_at(after, spans, height, width, torus, yy, xx) >> _SIXTEEN
                    total += one // max(seen, uint64(1))
    return total


@njit(cache=True, nogil=True)
def _fill_shares(grid, occ, n, after, spans, one, yy, ring, bufs):
    """Row yy (unwrapped) of the cops' shares (`_share_row`) into its slot of the ring."""
    y = span_row(yy, 0, grid.height, grid.torus)
    if y >= 0:
        base = _ring_base(yy, ring.origin, ring.height, grid.width)
        _share_row(grid, occ, n, after, spans, one, y, bufs, ring.rows, base)


@njit(cache=True, nogil=True)
def _arrest_row(seed, tick, yy, grid, site, citizens, rules, sight, ring, sparse, bufs, partial):
    """The arrests among the actives of row yy (unwrapped; on the lattice): each is taken with
    probability min(1, the shares summed over the cops that see it), from the ring of the
    shares' row prefixes (rows yy - reach .. yy + reach) or, with `sparse`, from the cops
    around it. partial[row, department] counts them."""
    height, width, torus = grid
    occ, after, cell_dept = site.occ, site.after, site.dept
    cit_cell, state, jail = citizens.cell, citizens.state, citizens.jail
    n = state.shape[0]
    spans, actives = sight.spans_cop, bufs.free
    one = uint64(1) << uint64(sight.share_bits)
    y = span_row(yy, 0, height, torus)
    scale = float(one)
    row = y * width
    k = 0
    before = uint32(0)
    for x in range(width):  # the actives from the row's packed prefix after the decisions
        here = after[uintp(row + x)]
        actives[k] = x
        k += np.int64((here - before) >> uint32(16))  # 1 for an active citizen, else 0
        before = here
    for j in range(k):
        x = actives[j]
        c = row + x
        i = np.int64(occ[uintp(c)]) & AGENT
        if sparse:
            hz = _hazard_around(occ, n, after, spans, height, width, torus, one, y, x)
        else:
            hz = _ring_sum32_at(ring.rows, ring.origin, ring.height, spans, height, width, torus, yy, x)
        if hz > 0 and uniform(seed, tick, i, STREAM_ARREST) * scale < float(hz):
            state[i] = JAILED
            term = jail_term(uniform(seed, tick, i, STREAM_JAIL), rules.max_jail, rules.jail_inclusive)
            jail[i] = term
            partial[y, cell_dept[c]] += 1
            if not rules.keep_site:
                cit_cell[i] = -1
                occ[c] = EMPTY
            elif term > 0:
                occ[c] = i | PRISONER


@njit(cache=True, nogil=True)
def _arrest_range(seed, tick, y0, y1, grid, site, citizens, rules, sight, sparse, partial):
    """`_arrest_row` for rows y0 .. y1 - 1 (unwrapped), one after the other, with their ring."""
    height, width, torus = grid
    n = citizens.state.shape[0]
    one = uint64(1) << uint64(sight.share_bits)
    reach = _reach_of(sight.spans_cop)
    height_ring = 2 * reach + 1
    origin = y0 - reach
    bufs = _row_buffers(width)
    ring = Ring(np.empty(0 if sparse else height_ring * width, dtype=np.uint32), origin, height_ring)
    for yy in range(origin, y1 + reach):
        if not sparse:  # the ring's newest row
            _fill_shares(grid, site.occ, n, site.after, sight.spans_cop, one, yy, ring, bufs)
        y = yy - reach
        if y >= y0 and span_row(y, 0, height, torus) >= 0:
            _arrest_row(seed, tick, y, grid, site, citizens, rules, sight, ring, sparse, bufs, partial)


@njit(cache=True, nogil=True)
def _sum_rows(partial):
    """The column sums of partial[row, department], row by row in a fixed order."""
    out = np.zeros(partial.shape[1], dtype=np.int64)
    for y in range(partial.shape[0]):
        for d in range(partial.shape[1]):
            out[d] += partial[y, d]
    return out


@njit(parallel=True, cache=True, nogil=True)
def arrest_rows(seed, tick, grid, site, citizens, rules, sight, sparse, bands):
    """Each active is taken with probability min(1, the shares summed over the cops that see
    it): when u * 2**share_bits < that sum. An arrestee who does not keep its site frees it.

    `after` holds the packed row prefixes after the decisions. Each band of rows (`bands`)
    keeps the row prefixes of the cops' shares in a ring of 2 * reach + 1 rows, filled reach
    rows ahead; with `sparse`, each active instead sums the shares of the cops around it
    (`_hazard_around`): worth it when actives are few, since cops far from every active then
    cost nothing. The sums are the same, so are the arrests and the draws.

    Returns the arrests per department, summed per row in a fixed order.
    """
    partial = np.zeros((grid.height, site.departments), dtype=np.int64)
    count = bands.shape[0] - 1
    queue = new_queue()
    for _ in prange(count):
        while True:
            band = take(queue)
            if band >= count:
                break
            _arrest_range(
                seed, tick, bands[band], bands[band + 1], grid, site, citizens, rules, sight, sparse, partial
            )
    return _sum_rows(partial)


@njit(inline="always", cache=True)
def _site_at(y0, x0, dy, dx, height, width, torus):
    """The site (y0 + dy, x0 + dx), wrapped on a torus; -1 off a bounded lattice."""
    y = y0 + dy
    x = x0 + dx
    if torus:  # wrapped by masks: near an edge a test would go either way at random
        y += (height & -np.int64(y < 0)) - (height & -np.int64(y >= height))
        x += (width & -np.int64(x < 0)) - (width & -np.int64(x >= width))
    elif y < 0 or y >= height or x < 0 or x >= width:
        return -1
    return y * width + x


@njit(inline="always", cache=True)
def _offset(bits, q, base, k):
    """The offset index (in base .. base + k - 1) of try q of a group, from the group's draw:
    its 16-bit field q mapped by multiply-shift (fewer than 2**16 offsets)."""
    return base + np.int64(((bits >> uint64(16 * q)) & _LOW16) * uint64(k) >> _SIXTEEN)


@njit(inline="always", cache=True)
def _try_four_inside(mkey, a, g, cell, lin, base, k, full, tries, occ):
    """Tries 4g .. 4g + 3 of agent `a` on a site at least the shape's reach from every edge:
    (the first free site, its offset index), or (-1, -1). Each offset is one addition to the
    cell id there: lin[base : base + k] (dy * width + dx) for the agent's kind. `full`: all four
    tries of the group count (no test against `tries`).

    One 64-bit draw gives the four tries; they are looked up together and the first free one is
    picked by masks rather than a branch per try, so the agents' searches overlap.
    """
    bits = draw_indexed(mkey, uint64(a) * uint64(256) + uint64(g))
    best = np.int64(-1)
    best_o = np.int64(-1)
    for q in range(3, -1, -1):  # backwards: the earliest free try is selected last
        o = _offset(bits, q, base, k)
        c = cell + lin[uintp(o)]
        free = occ[uintp(c)] >= CLAIMED
        if not full:
            free &= 4 * g + q < tries
        m = -np.int64(free)  # all ones where free
        best = (c & m) | (best & ~m)
        best_o = (o & m) | (best_o & ~m)
    return best, best_o


@njit(inline="always", cache=True)
def _search(mkey, a, y0, x0, offs, base, k, height, width, torus, tries, occ):
    """All of agent `a`'s tries, anywhere on the lattice, four at a time until a group finds a
    free site: (the first free site, its offset index), or (-1, -1)."""
    for g in range((tries + 3) // 4):
        bits = draw_indexed(mkey, uint64(a) * uint64(256) + uint64(g))
        best = np.int64(-1)
        best_o = np.int64(-1)
        for q in range(3, -1, -1):  # backwards: the earliest free try is selected last
            o = _offset(bits, q, base, k)
            c = _site_at(y0, x0, offs[o, 0], offs[o, 1], height, width, torus)
            free = (occ[uintp(max(c, 0))] >= CLAIMED) & (c >= 0) & (4 * g + q < tries)
            m = -np.int64(free)  # all ones where free
            best = (c & m) | (best & ~m)
            best_o = (o & m) | (best_o & ~m)
        if best >= 0:
            return best, best_o
    return np.int64(-1), np.int64(-1)


@njit(inline="always", cache=True)
def _claim(pkey, agent, slot, slot_bits):
    """A mover's claim on a site: a random priority of 29 - slot_bits bits (at least 1) above
    the index of its offset, below 2**30. The highest claim wins, and the offset index leads
    back from the site to the mover."""
    priority = (draw_indexed(pkey, agent) >> uint64(35 + slot_bits)) + uint64(1)
    return uint32((priority << uint64(slot_bits)) | uint64(slot))


@njit(inline="always", cache=True)
def _movers(occ, n, row, width, k_cit, k_cop, out):
    """out[:k] = (agent << 24 | column) of the agents of the row that may move (a cop, or a
    citizen out of jail, whose kind has sites in vision), in column order, gathered without a
    branch per site; returns k."""
    k = 0
    for x in range(width):
        v = np.int64(occ[uintp(row + x)])
        a = v & AGENT
        cop = (v >= n) & (v < SEEN_ACTIVE) & (k_cop > 0)
        citizen = (a < n) & ((v & PRISONER) == 0) & (k_cit > 0)
        out[k] = (a << 24) | x
        k += np.int64(cop | citizen)
    return k


@njit(inline="always", cache=True)
def _search_inside(keys, occ, n, row, lo, hi, moves, shared, tries, bufs):
    """The searches of movers[lo:hi] (sites away from every edge): every mover takes its tries
    four at a time, and those still without a site go on to the next four, so one mover's
    search never waits on another's. Lists (site << 32 | claim) in `found` for the movers that
    found one; returns how many. `shared` (a constant where this is inlined): citizens and cops
    have the same offsets. Those left are gathered into the other of `movers` and `spare`
    (reading and writing one list would make each write wait on the reads before it)."""
    mkey, pkey = keys
    movers, spare, found = bufs
    lin, k_cit, k_cop, slot_bits = moves.lin, moves.k_cit, moves.k_cop, moves.slot_bits
    hits = 0
    src, dst = movers, spare
    for g in range((tries + 3) // 4):
        full = 4 * g + 4 <= tries
        left = lo
        for j in range(lo, hi):
            entry = src[j]
            a = entry >> 24
            if shared:
                base, k = np.int64(0), k_cit
            else:
                cop = np.int64(a >= n)
                base, k = cop * k_cit, k_cit + cop * (k_cop - k_cit)
            c = row + (entry & 0xFFFFFF)
            if full:
                t, o = _try_four_inside(mkey, a, g, c, lin, base, k, True, tries, occ)
            else:
                t, o = _try_four_inside(mkey, a, g, c, lin, base, k, False, tries, occ)
            dst[left] = entry
            found[hits] = (t << 32) | np.int64(_claim(pkey, a, o, slot_bits))
            left += np.int64(t < 0)
            hits += np.int64(t >= 0)
        hi = left
        if hi == lo:
            break
        src, dst = dst, src
    return hits


def stripes(height: int, reach: int) -> np.ndarray:
    """Row bounds of the move stripes: an even number of stripes at least 2 * reach rows high,
    a multiple of 4 where the lattice allows (each half then splits evenly over 2 or 4 threads),
    or one stripe when the lattice is too short; as int64[k + 1]. Claims do not depend on it."""
    reach = max(reach, 1)
    count = 4 * (height // (8 * reach))
    if count < 4:
        count = 2 * (height // (4 * reach))
    if count < 2:
        count = 1
    return _even_bounds(height, count)


@njit(cache=True, nogil=True)
def _claim_row(keys, grid, occ, n, moves, tries, y, bufs):
    """The movers of row y search and claim (`claim_moves`), with `keys` the tick's keys of the
    moves and of the claims' priorities."""
    height, width, torus = grid
    mkey, pkey = keys
    movers, found = bufs.movers, bufs.found
    offs, k_cit, k_cop, shared = moves.offs, moves.k_cit, moves.k_cop, moves.shared
    reach, slot_bits = moves.reach, moves.slot_bits
    row = y * width
    k = _movers(occ, n, row, width, k_cit, k_cop, movers)
    # Movers at least `reach` from every edge (a run of the list, as it is sorted by column)
    # take the fast path; the others, near an edge, the general one.
    lo, hi = k, k
    if y >= reach and y < height - reach:  # from each end: few movers stand near the edges
        lo, hi = 0, k
        while lo < k and (movers[lo] & 0xFFFFFF) < reach:
            lo += 1
        while hi > lo and (movers[hi - 1] & 0xFFFFFF) >= width - reach:
            hi -= 1
    if shared:
        hits = _search_inside(keys, occ, n, row, lo, hi, moves, True, tries, bufs)
    else:
        hits = _search_inside(keys, occ, n, row, lo, hi, moves, False, tries, bufs)
    for j0, j1 in ((0, lo), (hi, k)):
        for j in range(j0, j1):
            a = movers[j] >> 24
            x = movers[j] & 0xFFFFFF
            cop = np.int64((a >= n) & (not shared))
            base, kk = cop * k_cit, k_cit + cop * (k_cop - k_cit)
            t, o = _search(mkey, a, y, x, offs, base, kk, height, width, torus, tries, occ)
            found[hits] = (t << 32) | np.int64(_claim(pkey, a, o, slot_bits))
            hits += np.int64(t >= 0)
    for j in range(hits):
        t = uintp(found[j] >> 32)
        occ[t] = min(occ[t], uint32(EMPTY) - uint32(found[j] & 0xFFFFFFFF))


@njit(parallel=True, cache=True, nogil=True)
def claim_moves(seed, tick, grid, occ, n, moves, tries, bounds):
    """Each free agent on a site picks a free site in vision (up to `tries` random offsets) and
    claims it in the site map: occ[site] = EMPTY - the highest `_claim` on it so far (at or above
    CLAIMED, as claims stay below 2**30), so a claimed site still reads as free.

    `moves.offs` holds the citizens' k_cit offsets (dy, dx) then the cops' k_cop (with `shared`,
    the cops have the citizens' offsets and `offs` holds them once); `lin` the same as cell-id
    steps (dy * width + dx), used on sites at least `reach` (the largest |dy| or |dx|) from every
    edge: the same tries give the same sites either way. The stripes of `bounds` are worked even
    ones first, then odd ones, each stripe by one thread: a site is claimed from one stripe at a
    time.
    """
    keys = (stream_key(seed, tick, STREAM_MOVE), stream_key(seed, tick, STREAM_PRIORITY))
    count = bounds.shape[0] - 1
    for parity in range(2):
        half = (count + 1 - parity) // 2
        queue = new_queue()
        for _ in prange(half):
            bufs = _move_buffers(grid.width)
            while True:
                s = take(queue)
                if s >= half:
                    break
                stripe = 2 * s + parity
                for y in range(bounds[stripe], bounds[stripe + 1]):
                    _claim_row(keys, grid, occ, n, moves, tries, y, bufs)


@njit(parallel=True, cache=True, nogil=True)
def settle_moves(grid, occ, n, cit_cell, cop_cell, moves):
    """Every claimed site takes the mover whose claim is highest there, led back to it by the
    claim's offset index. The mover's old site still shows it until the next `occupy`, so no
    one else takes that site this tick. Each mover claimed one site and only free sites are
    claimed, so rows are settled in parallel."""
    height = grid.height
    queue = new_queue()
    for _ in prange(ROW_BLOCKS):  # buffers allocated once per iteration
        claimed = np.empty(grid.width, dtype=np.int64)
        while True:
            block = take(queue)
            if block >= ROW_BLOCKS:
                break
            for y in range(block * height // ROW_BLOCKS, (block + 1) * height // ROW_BLOCKS):
                _settle_row(grid, occ, n, cit_cell, cop_cell, moves, y, claimed)


@njit(cache=True, nogil=True)
def _settle_row(grid, occ, n, cit_cell, cop_cell, moves, y, claimed):
    """`settle_moves` for row y; `claimed` a buffer of the row's width."""
    height, width, torus = grid
    offs, lin, reach, slot_bits = moves.offs, moves.lin, moves.reach, moves.slot_bits
    mask = (np.int64(1) << slot_bits) - 1
    row = y * width
    k = 0
    for x in range(width):
        v = occ[uintp(row + x)]
        claimed[k] = x
        k += np.int64((v >= uint32(CLAIMED)) & (v != uint32(EMPTY)))
    inner_row = y >= reach and y < height - reach
    for j in range(k):
        x = claimed[j]
        c = row + x
        slot = np.int64(uint32(EMPTY) - occ[uintp(c)]) & mask
        if inner_row and x >= reach and x < width - reach:
            origin = c - lin[uintp(slot)]
        else:
            origin = _site_at(y, x, -offs[slot, 0], -offs[slot, 1], height, width, torus)
        a = np.int64(occ[uintp(origin)]) & AGENT  # a mover: no PRISONER bit
        if a < n:
            cit_cell[uintp(a)] = c
        else:
            cop_cell[uintp(a - n)] = c
        occ[uintp(c)] = uint32(a)


def wave_bands(height: int, margin: int, threads: int) -> np.ndarray:
    """Row bounds of the bands `tick_rows` works in, one per thread, each at least 10 margins
    high, as int64[k + 1]; empty when the lattice is too short for one."""
    count = min(threads, height // (10 * max(margin, 1)))
    if count < 1:
        return np.zeros(0, dtype=np.int64)
    return _even_bounds(height, count)


@njit(parallel=True, cache=True, nogil=True)
def tick_rows(seed, tick, grid, site, citizens, cop_cell, levers, rules, sight, moves, wave):
    """`decide_rows`, `arrest_rows`, `claim_moves` and `settle_moves` in one pass over the
    rows, so that each row is still in the caches when its next step comes: the same tick.

    `wave.margin` is at least the reach of every vision and move (in rows); each band of `wave.bands`
    (`wave_bands`) is one thread's, at least 10 margins high. Within a band, row f decides,
    then row f - 2 margins is arrested (its shares need the decisions up to 2 margins below),
    the movers of row f - 3 margins claim (they see the arrests up to a margin below) and
    row f - 4 margins settles (its claims are all in). Rows nearer a band's edge than these lags
    wait for a second pass, edge by edge: they need the next band's rows, which another thread
    is working on. The bands only read each other's rows within a margin of their edges, where
    nothing but the decisions' releases (which leave every count as it was) changes before the
    second pass.

    Returns (the actives after the decisions, the arrests per department).
    """
    height, width, torus = grid
    occ = site.occ  # one field a line (see `synchronous.decide`)
    after = site.after
    bands = wave.bands
    lag, sparse = wave.margin, wave.sparse
    n = citizens.state.shape[0]
    tkey = traits_key(seed)
    one = uint64(1) << uint64(sight.share_bits)
    keys = (stream_key(seed, tick, STREAM_MOVE), stream_key(seed, tick, STREAM_PRIORITY))
    tries = rules.move_tries
    reach_cit = _reach_of(sight.spans_cit)
    ring_cit = 2 * reach_cit + 1
    reach_cop = _reach_of(sight.spans_cop)
    ring_cop = 2 * reach_cop + 1
    count = bands.shape[0] - 1
    actives = np.zeros(count, dtype=np.int64)
    partial = np.zeros((height, site.departments), dtype=np.int64)
    for band in prange(count):  # each band's inside, as a wave
        start, end = bands[band], bands[band + 1]
        origin_cit = start - reach_cit
        counts = Ring(np.empty(ring_cit * width, dtype=np.uint32), origin_cit, ring_cit)
        first = start + 2 * lag  # the first row arrested here
        origin_cop = first - reach_cop
        shares = Ring(np.empty(0 if sparse else ring_cop * width, dtype=np.uint32), origin_cop, ring_cop)
        bufs = _row_buffers(width)
        move_bufs = _move_buffers(width)
        for yy in range(origin_cit, start + reach_cit):
            _fill_counts(occ, n, yy, height, width, torus, counts.rows, origin_cit, ring_cit)
        for f in range(start, end):
            _fill_counts(occ, n, f + reach_cit, height, width, torus, counts.rows, origin_cit, ring_cit)
            actives[band] += _decide_row(f, grid, site, counts, citizens, levers, rules, sight, tkey, bufs)
            y = f - 2 * lag
            if y >= first and y < end - 2 * lag:
                if not sparse:
                    for yy in range(origin_cop if y == first else y + reach_cop, y + reach_cop + 1):
                        _fill_shares(grid, occ, n, after, sight.spans_cop, one, yy, shares, bufs)
                _arrest_row(seed, tick, y, grid, site, citizens, rules, sight, shares, sparse, bufs, partial)
            if rules.movement:
                y = f - 3 * lag
                if y >= start + 3 * lag and y < end - 3 * lag:
                    _claim_row(keys, grid, occ, n, moves, tries, y, move_bufs)
                y = f - 4 * lag
                if y >= start + 4 * lag and y < end - 4 * lag:
                    _settle_row(grid, occ, n, citizens.cell, cop_cell, moves, y, move_bufs.movers)
    for edge in prange(count if torus else count + 1):  # the rows around each edge
        e = bands[edge]
        y0, y1 = e - 2 * lag, e + 2 * lag
        _arrest_range(seed, tick, y0, y1, grid, site, citizens, rules, sight, sparse, partial)
        if rules.movement:
            move_bufs = _move_buffers(width)
            for yy in range(e - 3 * lag, e + 3 * lag):
                y = span_row(yy, 0, height, torus)
                if y >= 0:
                    _claim_row(keys, grid, occ, n, moves, tries, y, move_bufs)
            for yy in range(e - 4 * lag, e + 4 * lag):
                y = span_row(yy, 0, height, torus)
                if y >= 0:
                    _settle_row(grid, occ, n, citizens.cell, cop_cell, moves, y, move_bufs.movers)
    total = 0
    for band in range(count):  # a scalar loop: an array expression would run as a parfor
        total += actives[band]
    return total, _sum_rows(partial)


@njit(cache=True, nogil=True)
def place_released(seed, tick, cit_cell, jail, tries, occ):
    """Each prisoner off the lattice whose term is over takes a random free site (up to
    `tries` draws), in citizen order; one finding none waits for the next tick."""
    rkey = stream_key(seed, tick, STREAM_RELEASE)
    cells = occ.shape[0]
    for a in range(cit_cell.shape[0]):
        if cit_cell[a] >= 0 or jail[a] > 0:
            continue
        for t in range(tries):
            c = int(unit_float(draw_indexed(rkey, uint64(a) * uint64(4096) + uint64(t))) * cells)
            if occ[c] == EMPTY:
                occ[c] = a
                cit_cell[a] = c
                break


__all__ = [
    "EMPTY",
    "arrest_rows",
    "claim_moves",
    "decide_rows",
    "bands_of",
    "occupy",
    "place_released",
    "serve_off_site",
    "settle_moves",
    "stripes",
    "tick_rows",
    "wave_bands",
]

"""The random-sequential schedule: agents act one at a time, in a new random order each tick.

This is the schedule of the paper and of Mesa's example (`shuffle_do("step")`), on a lattice of
at most one agent per site. Agents are numbered citizens first (0..n-1), then cops (n..n+m-1);
`occupant[cell]` holds the agent on a site or -1 and `kind[cell]` what stands there.

Nobody scans its neighbourhood to decide. `seen[row, cell]` counts the cops and actives within
vision of every site, kept up to date as agents move, turn active or are taken: an update
touches the sites of one vision shape, and most agents change nothing that others count. Moves
pick a random site in vision until an empty one comes up (uniform over the empty sites, as a
list of them would give). Everything random is drawn from the counter-based generator, keyed by
(seed, tick, agent, stream).
"""

from __future__ import annotations

import math

from numba import njit, uint64, uintp

from uprising.engine.random import (
    STREAM_ARREST,
    STREAM_JAIL,
    STREAM_MOVE,
    STREAM_ORDER,
    STREAM_RELEASE,
    below,
    below_keyed,
    draw_indexed,
    draw_keyed,
    key_of_agent,
    stream_key,
    tick_key,
    uniform,
    unit_float,
)
from uprising.engine.rows import row_range, span_row
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

# What stands on each site, kept in step with `occupant`.
KIND_EMPTY = 0
KIND_CITIZEN = 1  # quiet or jailed
KIND_ACTIVE = 2
KIND_COP = 3

# Rows of `seen`: what each site's vision holds (its own site included).
SEEN_COPS = 0  # cops, within a citizen's vision
SEEN_ACTIVES = 1  # actives, within a citizen's vision
SEEN_ACTIVES_BY_COP = 2  # actives, within a cop's vision (row 1 is used when the visions agree)
SEEN_ROWS = 3

MOVE_TRIES = 32  # random sites tried before the empty ones are listed


@njit(cache=True, nogil=True, _nrt=False)
def _shuffled(order, seed, tick, stream):
    """Fisher-Yates shuffle of 0..len(order)-1 into `order`."""
    n = order.shape[0]
    for i in range(n):
        order[i] = i
    key = stream_key(seed, tick, stream)
    for i in range(n - 1, 0, -1):
        j = int(unit_float(draw_indexed(key, i)) * (i + 1))
        order[i], order[j] = order[j], order[i]


@njit(cache=True, nogil=True, _nrt=False)
def _stamp(cell, spans, height, width, torus, seen, row, delta):
    """Add `delta` to `seen[row]` on every site of the vision shape around `cell`.

    The shapes are symmetric, so these are exactly the sites whose vision holds `cell`.
    """
    y0 = cell // width
    x0 = cell - y0 * width
    counts = seen[row]
    for s in range(spans.shape[0]):
        y = span_row(y0, spans[s, 0], height, torus)
        if y < 0:
            continue
        base = y * width
        a1, b1, a2, b2 = row_range(x0, spans[s, 1], width, torus)
        # Unsigned indices: no negative-index fix-up, so the loops vectorise.
        for x in range(uintp(base + a1), uintp(base + b1)):
            counts[x] += delta
        for x in range(uintp(base + a2), uintp(base + b2)):
            counts[x] += delta


@njit(cache=True, nogil=True, _nrt=False)
def _activity(board, cell, delta):
    """An active appears at (delta 1) or leaves (delta -1) `cell`: update what sees it."""
    height, width, torus = board.grid
    _stamp(cell, board.spans_cit, height, width, torus, board.seen, SEEN_ACTIVES, delta)
    if not board.shared:
        _stamp(cell, board.spans_cop, height, width, torus, board.seen, SEEN_ACTIVES_BY_COP, delta)


@njit(cache=True, nogil=True, _nrt=False)
def _count_seen(board):
    """Fill `board.seen` from scratch from the kinds on the lattice."""
    height, width, torus = board.grid
    kind = board.kind
    board.seen[:] = 0
    for c in range(kind.shape[0]):
        k = kind[c]
        if k == KIND_COP:
            _stamp(c, board.spans_cit, height, width, torus, board.seen, SEEN_COPS, 1)
        elif k == KIND_ACTIVE:
            _activity(board, c, 1)


@njit(cache=True, nogil=True, _nrt=False)
def _look(cell, spans, height, width, torus, kind, want, found):
    """List the sites of kind `want` in vision (centre excluded) into `found`; return how many."""
    y0 = cell // width
    x0 = cell - y0 * width
    listed = 0
    for s in range(spans.shape[0]):
        y = span_row(y0, spans[s, 0], height, torus)
        if y < 0:
            continue
        base = y * width
        a1, b1, a2, b2 = row_range(x0, spans[s, 1], width, torus)
        for part in range(2):
            lo = a1 if part == 0 else a2
            hi = b1 if part == 0 else b2
            for x in range(lo, hi):
                c = base + x
                found[listed] = c
                listed += (kind[c] == want) & (c != cell)
    return listed


@njit(cache=True, nogil=True, _nrt=False)
def _nth_of_kind(cell, spans, height, width, torus, kind, want, nth):
    """The site of kind `want` that comes `nth` (from 0) in `_look`'s order, or -1."""
    y0 = cell // width
    x0 = cell - y0 * width
    for s in range(spans.shape[0]):
        y = span_row(y0, spans[s, 0], height, torus)
        if y < 0:
            continue
        base = y * width
        a1, b1, a2, b2 = row_range(x0, spans[s, 1], width, torus)
        for part in range(2):
            lo = a1 if part == 0 else a2
            hi = b1 if part == 0 else b2
            for x in range(lo, hi):
                c = base + x
                if kind[c] == want and c != cell:
                    if nth == 0:
                        return c
                    nth -= 1
    return -1


@njit(inline="always", cache=True, _nrt=False)
def _empty_site(board, key, cell, offs, spans):
    """A uniformly random empty site in vision, or -1 when there is none.

    On a torus `offs` come reduced modulo the lattice (`neighbourhood.reduced_offsets`). Random
    sites of the shape are tried (two per 64-bit draw) until an empty one comes up; after
    MOVE_TRIES misses the empty sites are listed and one is drawn. Either way each empty
    site is equally likely.
    """
    height, width, torus = board.grid
    kind = board.kind
    k = offs.shape[0]
    if k == 0:
        return -1
    y0 = cell // width
    x0 = cell - y0 * width
    uk = uint64(k)
    for t in range(MOVE_TRIES // 2):
        bits = draw_keyed(key, STREAM_MOVE * 65536 + t)
        for half in range(2):
            o = int(((bits >> uint64(32 * half)) & uint64(0xFFFFFFFF)) * uk >> uint64(32))
            y = y0 + offs[o, 0]
            x = x0 + offs[o, 1]
            if torus:  # offsets come reduced modulo the lattice: one subtraction wraps
                y = y - height if y >= height else y
                x = x - width if x >= width else x
            elif y < 0 or y >= height or x < 0 or x >= width:
                continue
            c = y * width + x
            if kind[c] == KIND_EMPTY:
                return c
    listed = _look(cell, spans, height, width, torus, kind, KIND_EMPTY, board.found)
    if listed == 0:
        return -1
    return board.found[below_keyed(key, STREAM_MOVE * 65536 + MOVE_TRIES, listed)]


@njit(inline="always", cache=True, _nrt=False)
def _move(board, a, cell, target, cells_of, idx):
    """Agent `a` (index `idx` in `cells_of`) leaves `cell` for the empty site `target`. Inlined:
    a call would pass every array of `board` field by field, for each of the tick's moves."""
    height, width, torus = board.grid
    kind, occupant = board.kind, board.occupant
    k = kind[cell]
    if k == KIND_COP:
        _stamp(cell, board.spans_cit, height, width, torus, board.seen, SEEN_COPS, -1)
        _stamp(target, board.spans_cit, height, width, torus, board.seen, SEEN_COPS, 1)
    elif k == KIND_ACTIVE:
        _activity(board, cell, -1)
        _activity(board, target, 1)
    kind[target] = k
    kind[cell] = KIND_EMPTY
    occupant[target] = a
    occupant[cell] = -1
    cells_of[idx] = target


@njit(cache=True, nogil=True, _nrt=False)
def _release(i, seed, tick, occupant, kind, cit_cell, cells):
    """Put a released prisoner on a random empty site; False when none was found."""
    for attempt in range(64 + cells // 4):
        c = below(seed, tick, i, STREAM_RELEASE * 65536 + attempt, cells)
        if occupant[c] < 0:
            occupant[c] = i
            kind[c] = KIND_CITIZEN
            cit_cell[i] = c
            return True
    return False


@njit(cache=True, nogil=True, _nrt=False)
def _arrest_probability(cops, actives, k, rounding, p_table):
    """`rules.arrest_probability`, read from `p_table` (P for each whole C/A) when C/A is rounded."""
    if rounding == ROUND_LITERAL:
        return arrest_probability(cops, actives, k, rounding)
    ratio = cops / actives
    r = math.floor(ratio) if rounding == ROUND_FLOOR else round(ratio)
    if r < p_table.shape[0]:
        return p_table[r]
    return arrest_probability(cops, actives, k, rounding)


@njit(cache=True, nogil=True, _nrt=False)
def fill_p_table(k, p_table):
    """p_table[r] = P at a whole ratio C/A = r, by `rules.arrest_probability` itself (r cops, 1 active)."""
    for r in range(p_table.shape[0]):
        p_table[r] = arrest_probability(r, 1, k, ROUND_LITERAL)


@njit(cache=True, nogil=True, _nrt=False)
def sequential_tick(seed, tick, board, citizens, cop_cell, rules, legitimacy, threshold, order, recount):
    """Advance the lattice by one tick, in place; return the number of citizens jailed.

    interleaved (paper, Mesa): each agent, in a random order, looks, acts, then moves.
    phased (NetLogo, `rules.phased`): all free agents move, then citizens decide, then cops
    arrest, then jail terms count down. With `recount`, `board.seen` is first filled from
    `board.kind` (the first tick, or after `kind` was edited between ticks), otherwise it
    carries over from the last tick.
    """
    height, width, _ = board.grid
    cit_cell, state, jail = citizens.cell, citizens.state, citizens.jail
    n = cit_cell.shape[0]
    m = cop_cell.shape[0]
    tkey = tick_key(seed, tick)
    if recount:
        _count_seen(board)
    arrests = 0
    _shuffled(order, seed, tick, STREAM_ORDER)
    if not rules.phased:
        for a in order:
            if a < n:
                _citizen_step(a, seed, tick, tkey, board, citizens, rules, legitimacy, threshold, True)
            else:
                arrests += _cop_step(a - n, seed, tick, tkey, board, citizens, cop_cell, rules, False)
        return arrests
    # NetLogo's phases. 1: every free citizen and every cop moves.
    if rules.movement:
        for a in order:
            if a < n:
                cell = cit_cell[a]
                if jail[a] > 0 or cell < 0:
                    continue
                spans, offs, cells_of, idx = board.spans_cit, board.offs_cit, cit_cell, a
            else:
                cell = cop_cell[a - n]
                spans, offs, cells_of, idx = board.spans_cop, board.offs_cop, cop_cell, a - n
            key = key_of_agent(tkey, a)
            target = _empty_site(board, key, cell, offs, spans)
            if target >= 0:
                _move(board, a, cell, target, cells_of, idx)
    # 2: citizens out of jail decide, in a fresh random order.
    _shuffled(order[:n], seed, tick, STREAM_ORDER + 100)
    for t in range(n):
        i = order[t]
        if jail[i] == 0 and cit_cell[i] >= 0:
            _citizen_step(i, seed, tick, tkey, board, citizens, rules, legitimacy, threshold, False)
    # 3: cops arrest, in a fresh random order.
    _shuffled(order[:m], seed, tick, STREAM_ORDER + 200)
    for t in range(m):
        arrests += _cop_step(order[t], seed, tick, tkey, board, citizens, cop_cell, rules, True)
    # 4: jail terms count down; a prisoner whose term ends is free (and quiet) at once.
    for i in range(n):
        if jail[i] > 0 and jail[i] != JAIL_FOREVER:
            jail[i] -= 1
            if jail[i] == 0:
                state[i] = QUIET
                if cit_cell[i] < 0:
                    _release(i, seed, tick, board.occupant, board.kind, cit_cell, height * width)
    return arrests


@njit(inline="always", cache=True)
def _citizen_step(i, seed, tick, tkey, board, citizens, rules, legitimacy, threshold, interleaved):
    """One citizen's turn: in the interleaved schedule it serves a tick of its term or decides
    and moves (first, with `rules.move_first`); in NetLogo's phases it only decides."""
    cit_cell, state, jail = citizens.cell, citizens.state, citizens.jail
    kind = board.kind
    height, width, _ = board.grid
    if interleaved and jail[i] > 0:
        # Mesa: `if self.jail_sentence: self.jail_sentence -= 1; return`
        if jail[i] != JAIL_FOREVER:
            jail[i] -= 1
        return
    if cit_cell[i] < 0:
        # Out of jail but off the lattice (paper: removed while jailed): come back first.
        if not _release(i, seed, tick, board.occupant, kind, cit_cell, height * width):
            return
    movement = interleaved and rules.movement
    cell = cit_cell[i]
    key = key_of_agent(tkey, i)
    if movement and rules.move_first:
        target = _empty_site(board, key, cell, board.offs_cit, board.spans_cit)
        if target >= 0:
            _move(board, i, cell, target, cit_cell, i)
            cell = target
        movement = False
    was_active = kind[cell] == KIND_ACTIVE
    cops = board.seen[SEEN_COPS, cell]
    actives = board.seen[SEEN_ACTIVES, cell] - was_active + 1  # the citizen counts itself
    if rules.self_twice and state[i] == ACTIVE:
        actives += 1  # NetLogo counts an active agent once as itself and once as a neighbour
    p = _arrest_probability(cops, actives, rules.k, rules.rounding, board.p_table)
    now_active = wants_active(citizens.hardship[i], legitimacy, citizens.risk[i], p, threshold)
    state[i] = ACTIVE if now_active else QUIET
    if now_active != was_active:
        kind[cell] = KIND_ACTIVE if now_active else KIND_CITIZEN
        _activity(board, cell, 1 if now_active else -1)
    if movement:
        target = _empty_site(board, key, cell, board.offs_cit, board.spans_cit)
        if target >= 0:
            _move(board, i, cell, target, cit_cell, i)


@njit(inline="always", cache=True)
def _cop_step(j, seed, tick, tkey, board, citizens, cop_cell, rules, phased):
    """One cop's turn; returns 1 when it jailed someone, else 0."""
    cit_cell, state, jail = citizens.cell, citizens.state, citizens.jail
    kind, occupant, spans_cop = board.kind, board.occupant, board.spans_cop
    height, width, torus = board.grid
    n = cit_cell.shape[0]
    movement = rules.movement and not phased
    cell = cop_cell[j]
    key = key_of_agent(tkey, n + j)
    if movement and rules.move_first:
        target = _empty_site(board, key, cell, board.offs_cop, spans_cop)
        if target >= 0:
            _move(board, n + j, cell, target, cop_cell, j)
            cell = target
        movement = False
    n_active = board.seen[SEEN_ACTIVES if board.shared else SEEN_ACTIVES_BY_COP, cell]
    moved = False
    jailed = 0
    if n_active > 0:
        nth = below_keyed(key, STREAM_ARREST, n_active)
        site = _nth_of_kind(cell, spans_cop, height, width, torus, kind, KIND_ACTIVE, nth)
        who = occupant[site]
        u = uniform(seed, tick, who, STREAM_JAIL)
        term = jail_term(u, rules.max_jail, rules.jail_inclusive)
        jail[who] = term
        state[who] = JAILED
        jailed = 1
        _activity(board, site, -1)
        kind[site] = KIND_CITIZEN
        if phased and term == 0:
            state[who] = QUIET  # NetLogo: a zero term is no jail at all
            jailed = 0
        elif not rules.keep_site:
            kind[site] = KIND_EMPTY
            occupant[site] = -1
            cit_cell[who] = -1
            if rules.cop_to_arrestee:
                _move(board, n + j, cell, site, cop_cell, j)
                moved = True
    if movement and not moved:
        # Mesa lists the empty sites before the arrest; with jailed citizens keeping their
        # site (Mesa's rule) an arrest frees none, so choosing now gives the same choice.
        target = _empty_site(board, key, cell, board.offs_cop, spans_cop)
        if target >= 0:
            _move(board, n + j, cell, target, cop_cell, j)
    return jailed

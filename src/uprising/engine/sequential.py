"""The random-sequential schedule: agents act one at a time, in a new random order each tick.

This is the schedule of the paper and of Mesa's example (`shuffle_do("step")`), on a lattice of
at most one agent per site. Agents are numbered citizens first (0..n-1), then cops (n..n+m-1);
`occupant[cell]` holds the agent on a site or -1. Everything random is drawn from the
counter-based generator, keyed by (seed, tick, agent, stream).
"""

from __future__ import annotations

from numba import njit

from uprising.engine.random import (
    STREAM_ARREST,
    STREAM_JAIL,
    STREAM_MOVE,
    STREAM_ORDER,
    STREAM_RELEASE,
    below,
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
def _shuffled(order, seed, tick, stream):
    """Fisher-Yates shuffle of 0..len(order)-1 into `order`."""
    n = order.shape[0]
    for i in range(n):
        order[i] = i
    for i in range(n - 1, 0, -1):
        j = below(seed, tick, i, stream, i + 1)
        order[i], order[j] = order[j], order[i]


# What stands on each site, kept in step with `occupant` so that looking around reads one byte
# per site along contiguous rows.
KIND_EMPTY = 0
KIND_CITIZEN = 1  # quiet or jailed
KIND_ACTIVE = 2
KIND_COP = 3


@njit(inline="always", cache=True)
def _row_range(x0, w, width, torus):
    """Columns of a span: (a1, b1, a2, b2), two half-open ranges (the second empty unless wrapped)."""
    if w >= width:
        return 0, width, 0, 0
    a = x0 - w
    b = x0 + w + 1
    if not torus:
        return max(a, 0), min(b, width), 0, 0
    if a < 0:
        return 0, b, a + width, width
    if b > width:
        return a, width, 0, b - width
    return a, b, 0, 0


@njit(cache=True)
def _look(cell, spans, height, width, torus, kind, want, found):
    """Count sites of each kind in vision (centre excluded); list those of kind `want`.

    Returns (cops, actives, listed).
    """
    y0 = cell // width
    x0 = cell - y0 * width
    cops = 0
    actives = 0
    listed = 0
    for s in range(spans.shape[0]):
        y = y0 + spans[s, 0]
        if torus:
            if y < 0:
                y += height
            elif y >= height:
                y -= height
        elif y < 0 or y >= height:
            continue
        base = y * width
        a1, b1, a2, b2 = _row_range(x0, spans[s, 1], width, torus)
        for part in range(2):
            lo = a1 if part == 0 else a2
            hi = b1 if part == 0 else b2
            # Branch-free: the kinds are random, so branches would mispredict.
            for x in range(lo, hi):
                c = base + x
                k = kind[c]
                cops += k == KIND_COP
                actives += k == KIND_ACTIVE
                found[listed] = c
                listed += (k == want) & (c != cell)
    # The loops above also read the centre site: take its own kind back out.
    cops -= kind[cell] == KIND_COP
    actives -= kind[cell] == KIND_ACTIVE
    return cops, actives, listed


@njit(cache=True)
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


@njit(inline="always", cache=True)
def _move(a, cell, target, occupant, kind, cells_of, idx):
    """Agent `a` (index `idx` in `cells_of`) leaves `cell` for the empty site `target`."""
    kind[target] = kind[cell]
    kind[cell] = KIND_EMPTY
    occupant[target] = a
    occupant[cell] = -1
    cells_of[idx] = target


@njit(cache=True)
def sequential_tick(
    seed, tick, height, width, torus, spans_cit, spans_cop,
    occupant, kind, cit_cell, hardship, risk, state, jail, cop_cell,
    legitimacy, threshold, k, rounding, self_twice, max_jail, jail_inclusive,
    keep_site, cop_to_arrestee, movement, phased, move_first, order, scratch,
):  # fmt: skip
    """Advance the lattice by one tick, in place.

    interleaved (paper, Mesa): each agent, in a random order, looks, acts, then moves.
    phased (NetLogo): all free agents move, then citizens decide, then cops arrest, then jail
    terms count down.
    """
    n = cit_cell.shape[0]
    m = cop_cell.shape[0]
    cells = height * width
    _shuffled(order, seed, tick, STREAM_ORDER)
    if not phased:
        for a in order:
            if a < n:
                _citizen_step(
                    a, seed, tick, height, width, torus, spans_cit, occupant, kind, cit_cell,
                    hardship, risk, state, jail, legitimacy, threshold, k, rounding,
                    self_twice, movement, True, move_first, scratch,
                )  # fmt: skip
            else:
                _cop_step(
                    a - n, n, seed, tick, height, width, torus, spans_cop, occupant, kind,
                    cit_cell, state, jail, cop_cell, max_jail, jail_inclusive, keep_site,
                    cop_to_arrestee, movement, scratch, False, move_first,
                )  # fmt: skip
        return
    # NetLogo's phases. 1: every free citizen and every cop moves.
    if movement:
        for a in order:
            if a < n:
                cell = cit_cell[a]
                if jail[a] > 0 or cell < 0:
                    continue
                _, _, ne = _look(cell, spans_cit, height, width, torus, kind, KIND_EMPTY, scratch)
                if ne > 0:
                    target = scratch[below(seed, tick, a, STREAM_MOVE, ne)]
                    _move(a, cell, target, occupant, kind, cit_cell, a)
            else:
                cell = cop_cell[a - n]
                _, _, ne = _look(cell, spans_cop, height, width, torus, kind, KIND_EMPTY, scratch)
                if ne > 0:
                    target = scratch[below(seed, tick, a, STREAM_MOVE, ne)]
                    _move(a, cell, target, occupant, kind, cop_cell, a - n)
    # 2: citizens out of jail decide, in a fresh random order.
    _shuffled(order[:n], seed, tick, STREAM_ORDER + 100)
    for t in range(n):
        i = order[t]
        if jail[i] == 0 and cit_cell[i] >= 0:
            _citizen_step(
                i, seed, tick, height, width, torus, spans_cit, occupant, kind, cit_cell,
                hardship, risk, state, jail, legitimacy, threshold, k, rounding, self_twice,
                False, False, False, scratch,
            )  # fmt: skip
    # 3: cops arrest, in a fresh random order.
    _shuffled(order[:m], seed, tick, STREAM_ORDER + 200)
    for t in range(m):
        _cop_step(
            order[t], n, seed, tick, height, width, torus, spans_cop, occupant, kind, cit_cell,
            state, jail, cop_cell, max_jail, jail_inclusive, keep_site, cop_to_arrestee, False,
            scratch, True, False,
        )  # fmt: skip
    # 4: jail terms count down; a prisoner whose term ends is free (and quiet) at once.
    for i in range(n):
        if jail[i] > 0 and jail[i] != JAIL_FOREVER:
            jail[i] -= 1
            if jail[i] == 0:
                state[i] = QUIET
                if cit_cell[i] < 0:
                    _release(i, seed, tick, occupant, kind, cit_cell, cells)


@njit(cache=True)
def _citizen_step(
    i, seed, tick, height, width, torus, spans, occupant, kind, cit_cell, hardship, risk, state,
    jail, legitimacy, threshold, k, rounding, self_twice, movement, serve_time, move_first,
    empties,
):  # fmt: skip
    cells = height * width
    if serve_time and jail[i] > 0:
        # Mesa: `if self.jail_sentence: self.jail_sentence -= 1; return`
        if jail[i] != JAIL_FOREVER:
            jail[i] -= 1
        return
    if cit_cell[i] < 0:
        # Out of jail but off the lattice (paper: removed while jailed): come back first.
        if not _release(i, seed, tick, occupant, kind, cit_cell, cells):
            return
    cell = cit_cell[i]
    if movement and move_first:
        _, _, n_empty = _look(cell, spans, height, width, torus, kind, KIND_EMPTY, empties)
        if n_empty > 0:
            target = empties[below(seed, tick, i, STREAM_MOVE, n_empty)]
            _move(i, cell, target, occupant, kind, cit_cell, i)
            cell = target
        movement = False
    cops, actives, n_empty = _look(cell, spans, height, width, torus, kind, KIND_EMPTY, empties)
    actives += 1  # the citizen counts itself
    if self_twice and state[i] == ACTIVE:
        actives += 1  # NetLogo counts an active agent once as itself and once as a neighbour
    p = arrest_probability(cops, actives, k, rounding)
    if wants_active(hardship[i], legitimacy, risk[i], p, threshold):
        state[i] = ACTIVE
        kind[cell] = KIND_ACTIVE
    else:
        state[i] = QUIET
        kind[cell] = KIND_CITIZEN
    if movement and n_empty > 0:
        target = empties[below(seed, tick, i, STREAM_MOVE, n_empty)]
        _move(i, cell, target, occupant, kind, cit_cell, i)


@njit(cache=True)
def _cop_step(
    j, n, seed, tick, height, width, torus, spans, occupant, kind, cit_cell, state, jail,
    cop_cell, max_jail, jail_inclusive, keep_site, cop_to_arrestee, movement, found, phased,
    move_first,
):  # fmt: skip
    cell = cop_cell[j]
    if movement and move_first:
        _, _, n_empty = _look(cell, spans, height, width, torus, kind, KIND_EMPTY, found)
        if n_empty > 0:
            target = found[below(seed, tick, n + j, STREAM_MOVE, n_empty)]
            _move(n + j, cell, target, occupant, kind, cop_cell, j)
            cell = target
        movement = False
    # List active sites first; the empty ones are listed after the arrest if the cop moves.
    _, n_active, _ = _look(cell, spans, height, width, torus, kind, KIND_ACTIVE, found)
    moved = False
    if n_active > 0:
        site = found[below(seed, tick, n + j, STREAM_ARREST, n_active)]
        who = occupant[site]
        term = jail_term(uniform(seed, tick, who, STREAM_JAIL), max_jail, jail_inclusive)
        jail[who] = term
        state[who] = JAILED
        kind[site] = KIND_CITIZEN
        if phased and term == 0:
            state[who] = QUIET  # NetLogo: a zero term is no jail at all
        elif not keep_site:
            kind[site] = KIND_EMPTY
            occupant[site] = -1
            cit_cell[who] = -1
            if cop_to_arrestee:
                _move(n + j, cell, site, occupant, kind, cop_cell, j)
                moved = True
    if movement and not moved:
        # Mesa lists the empty sites before the arrest; with jailed citizens keeping their
        # site (Mesa's rule) an arrest frees none, so listing them now gives the same choice.
        _, _, n_empty = _look(cell, spans, height, width, torus, kind, KIND_EMPTY, found)
        if n_empty > 0:
            target = found[below(seed, tick, n + j, STREAM_MOVE, n_empty)]
            _move(n + j, cell, target, occupant, kind, cop_cell, j)

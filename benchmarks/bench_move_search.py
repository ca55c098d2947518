"""Why the synchronous move search is written without branches: one group of four tries per
mover, on a real 1000 x 1000 occupancy, with the first free try picked by an `if` per try or by
masks (as `uprising.engine.sites` does). Same answers, different cost.

Two more loops bound what the search could cost: its draws and offsets without the site
lookups (`draws_only`), and its lookups with offsets from a counter instead of a draw
(`lookups_only`).

Then the whole search, groups of four tries until one finds a free site (up to 16 tries, as a
run makes them: `rejection_search`), against an exact draw among the free sites in vision
(`exact_draw`, Mesa's rule, which rejection sampling approaches): each row's free sites as a
bitmap (padded by the reach on both sides, so a span never wraps; `free_bitmaps`), a mover's
free sites counted by a popcount per row of its vision, one draw among them, and the chosen
bit found in its row. The exact draw reads no site map but does work on every row of the
shape, where rejection sampling looks up about six sites.

    python benchmarks/bench_move_search.py          # one thread: ns per mover for each way
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit, types, uint32, uint64, uintp
from numba.extending import intrinsic

from uprising.engine import sites
from uprising.engine.neighbourhood import row_spans
from uprising.engine.random import draw_indexed, stream_key
from uprising.engine_params import build_simulation
from uprising.scenario import load_scenario

_LOW16 = uint64(0xFFFF)
_SIXTEEN = uint64(16)


@njit(cache=True)
def search_with_branches(work, lin, cells, key, target):
    """The first free of four tries, testing each try with a branch."""
    k = uint64(lin.shape[0])
    for j in range(cells.shape[0]):
        c0 = cells[j]
        bits = draw_indexed(key, uint64(j))
        best = -1
        for q in range(4):
            c = c0 + lin[((bits >> uint64(16 * q)) & _LOW16) * k >> _SIXTEEN]
            if work[c] >= sites.CLAIMED:
                best = c
                break
        target[c0] = uint32(best & 0xFFFFFFFF)


@njit(cache=True)
def search_with_masks(work, lin, cells, key, target):
    """The same search, the first free try picked by masks (no branch on the data)."""
    k = uint64(lin.shape[0])
    for j in range(cells.shape[0]):
        c0 = cells[j]
        bits = draw_indexed(key, uint64(j))
        best = np.int64(-1)
        for q in range(3, -1, -1):
            c = c0 + lin[uintp(((bits >> uint64(16 * q)) & _LOW16) * k >> _SIXTEEN)]
            m = -np.int64(work[uintp(c)] >= sites.CLAIMED)
            best = (c & m) | (best & ~m)
        target[uintp(c0)] = uint32(best & 0xFFFFFFFF)


@njit(cache=True)
def draws_only(work, lin, cells, key, target):
    """The masked search's draw and offsets, with no site looked up (the offset is kept)."""
    k = uint64(lin.shape[0])
    for j in range(cells.shape[0]):
        bits = draw_indexed(key, uint64(j))
        best = np.int64(-1)
        for q in range(3, -1, -1):
            o = np.int64(((bits >> uint64(16 * q)) & _LOW16) * k >> _SIXTEEN)
            m = -np.int64((o & 1) == 0)
            best = (o & m) | (best & ~m)
        target[uintp(cells[j])] = uint32(best & 0xFFFFFFFF)


@njit(cache=True)
def lookups_only(work, lin, cells, key, target):
    """The masked search's four lookups, the offsets taken from a counter rather than a draw
    (among the first 64, a power of two below the vision's count)."""
    for j in range(cells.shape[0]):
        c0 = cells[j]
        best = np.int64(-1)
        for q in range(3, -1, -1):
            c = c0 + lin[uintp((7 * j + 29 * q) & 63)]
            m = -np.int64(work[uintp(c)] >= sites.CLAIMED)
            best = (c & m) | (best & ~m)
        target[uintp(c0)] = uint32(best & 0xFFFFFFFF)


@intrinsic
def popcount(typingctx, x):
    """The set bits of a uint64 (LLVM's ctpop: one instruction where the processor has it)."""

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


@intrinsic
def lowest_bit(typingctx, x):
    """The index of the lowest set bit of a nonzero uint64 (LLVM's cttz)."""

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], context.get_constant(types.boolean, False))

    return types.uint64(types.uint64), codegen


@njit(cache=True)
def rejection_search(work, lin, cells, key, target, tries):
    """The whole search as a run makes it: groups of four tries until one finds a free site."""
    k = uint64(lin.shape[0])
    for j in range(cells.shape[0]):
        c0 = cells[j]
        best = np.int64(-1)
        for g in range((tries + 3) // 4):
            bits = draw_indexed(key, uint64(j) * uint64(256) + uint64(g))
            for q in range(3, -1, -1):
                c = c0 + lin[uintp(((bits >> uint64(16 * q)) & _LOW16) * k >> _SIXTEEN)]
                m = -np.int64(work[uintp(c)] >= sites.CLAIMED)
                best = (c & m) | (best & ~m)
            if best >= 0:
                break
        target[uintp(c0)] = uint32(best & 0xFFFFFFFF)


@njit(cache=True)
def free_bitmaps(work, height, width, reach, bits):
    """bits[y] = the free sites of row y as a bitmap of columns -reach .. width + reach - 1."""
    for y in range(height):
        bits[y, :] = 0
        for p in range(width + 2 * reach):
            x = (p - reach) % width
            free = uint64(work[y * width + x] >= sites.CLAIMED)
            bits[y, p >> 6] |= free << uint64(p & 63)


@njit(cache=True)
def exact_draw(bits, spans, width, reach, cells, key, target, found):
    """A uniform draw among the free sites of each mover's vision (spans narrower than 64)."""
    for j in range(cells.shape[0]):
        c0 = cells[j]
        y0 = c0 // width
        x0 = c0 - y0 * width
        total = uint64(0)
        for s in range(spans.shape[0]):
            w = spans[s, 1]
            p = x0 - w + reach
            word, shift = p >> 6, uint64(p & 63)
            row = bits[y0 + spans[s, 0]]
            v = (row[word] >> shift) | ((row[word + 1] << uint64(1)) << (uint64(63) - shift))
            v &= (uint64(1) << uint64(2 * w + 1)) - uint64(1)
            found[s] = v
            total += popcount(v)
        best = np.int64(-1)
        if total > 0:
            pick = ((draw_indexed(key, uint64(j)) >> uint64(32)) * total) >> uint64(32)
            for s in range(spans.shape[0]):
                v = found[s]
                count = popcount(v)
                if pick < count:
                    for _ in range(pick):
                        v &= v - uint64(1)
                    best = (y0 + spans[s, 0]) * width + x0 - spans[s, 1] + np.int64(lowest_bit(v))
                    break
                pick -= count
        target[uintp(c0)] = uint32(best & 0xFFFFFFFF)


def main() -> None:
    sc = load_scenario("epstein-2002", ["world.width=1000", "world.height=1000", "run.schedule=synchronous"])
    sim = build_simulation(sc)
    for _ in range(3):
        sim.step()
    width, reach = sim.world.lattice.width, sim.stepper.reach
    occupied = np.zeros(width * width, dtype=np.uint32)  # a site map: agent 0 on every site
    free = np.ones(width * width, dtype=bool)
    free[sim.cit_cell[sim.cit_cell >= 0]] = False
    free[sim.cop_cell] = False
    occupied[free] = sites.EMPTY
    ys, xs = np.divmod(np.flatnonzero(~free), width)
    inside = (ys >= reach) & (ys < width - reach) & (xs >= reach) & (xs < width - reach)
    cells = (ys * width + xs)[inside].astype(np.int64)
    key = stream_key(np.uint64(1), 1, 2)
    answers = []
    for fn in (search_with_branches, search_with_masks, draws_only, lookups_only):
        target = np.empty(width * width, dtype=np.uint32)
        fn(occupied, sim.stepper.lin, cells, key, target)
        best = min(_timed(fn, occupied, sim.stepper.lin, cells, key, target) for _ in range(10))
        answers.append(target[cells].copy())
        print(f"{fn.__name__:22s} {best / cells.size * 1e9:6.2f} ns per mover")
    print("same sites:", bool(np.array_equal(answers[0], answers[1])))

    # The whole search, and the exact draw (on movers inside the reach of every edge).
    tries = sim.config.rules.move_tries
    target = np.empty(width * width, dtype=np.uint32)
    rejection_search(occupied, sim.stepper.lin, cells, key, target, tries)
    lin = sim.stepper.lin
    best = min(_timed(rejection_search, occupied, lin, cells, key, target, tries) for _ in range(10))
    print(f"{'rejection_search':22s} {best / cells.size * 1e9:6.2f} ns per mover ({tries} tries at most)")
    rules = sim.config.rules
    spans = row_spans(rules.neighbourhood, sc.citizens.vision, width, width, True).astype(np.int64)
    bits = np.zeros((width, (width + 2 * reach + 63) // 64 + 1), dtype=np.uint64)
    found = np.zeros(spans.shape[0], dtype=np.uint64)
    free_bitmaps(occupied, width, width, reach, bits)
    exact_draw(bits, spans, width, reach, cells, key, target, found)
    build = min(_timed(free_bitmaps, occupied, width, width, reach, bits) for _ in range(10))
    best = min(_timed(exact_draw, bits, spans, width, reach, cells, key, target, found) for _ in range(10))
    chosen = target[cells].astype(np.int64)
    steps = set((chosen - cells).tolist())  # movers away from the edges: a step is an offset
    seen = bool(free[chosen].all() and steps <= set(sim.stepper.lin.tolist()))
    print(
        f"{'exact_draw':22s} {best / cells.size * 1e9:6.2f} ns per mover, and {build * 1e3:.2f} ms a tick "
        f"for the bitmaps; every site free and in vision: {seen}"
    )


def _timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()

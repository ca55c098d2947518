"""Why the synchronous move search is written without branches: one group of four tries per
mover, on a real 1000 x 1000 occupancy, with the first free try picked by an `if` per try or by
masks (as `uprising.engine.sites` does). Same answers, different cost.

Two more loops bound what the search could cost: its draws and offsets without the site
lookups (`draws_only`), and its lookups with offsets from a counter instead of a draw
(`lookups_only`).

    python benchmarks/bench_move_search.py          # one thread: ns per mover for each way
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit, uint32, uint64, uintp

from uprising.engine import sites
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


def _timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()

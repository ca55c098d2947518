"""One synchronous tick of Peru at 1:1 (one agent per person): seconds, citizen-updates per
second and bytes per agent.

    python benchmarks/bench_tick.py                  # 1:1, 5 km cells, 3 timed ticks
    python benchmarks/bench_tick.py --scale 10 --ticks 5
    NUMBA_NUM_THREADS=1 python benchmarks/bench_tick.py

The first tick (which loads the compiled kernels) is not timed. Bytes per agent sum every array
the run holds, per agent and per cell (`Simulation.bytes_per_agent`). Targets (issue 3): a tick
under 2 s on both cores (goal 0.5 s), at most 24 bytes per agent.
"""

from __future__ import annotations

import argparse
import json
import time

import numba

from uprising.engine_params import build_simulation
from uprising.scenario import load_scenario
from uprising.world.build import build_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="people per agent")
    parser.add_argument("--ticks", type=int, default=3, help="timed ticks")
    parser.add_argument("--json", action="store_true", help="one JSON line")
    args = parser.parse_args()
    sc = load_scenario("peru-2022", [f"world.population_scale={args.scale:g}", "run.seed=1"])
    started = time.perf_counter()
    world = build_world(sc)
    build_seconds = time.perf_counter() - started
    sim = build_simulation(sc, world)
    sim.step()
    sim.counts()
    times = []
    for _ in range(args.ticks):
        started = time.perf_counter()
        sim.step()
        sim.counts()
        times.append(time.perf_counter() - started)
    best, mean = min(times), sum(times) / len(times)
    row = {
        "scale": args.scale,
        "citizens": world.citizens,
        "forces": world.cops,
        "cells": world.lattice.cells,
        "threads": numba.get_num_threads(),
        "build_seconds": round(build_seconds, 2),
        "seconds_per_tick_best": round(best, 4),
        "seconds_per_tick_mean": round(mean, 4),
        "citizen_updates_per_s": round(world.citizens / best),
        "bytes_per_agent": round(sim.bytes_per_agent(), 2),
    }
    if args.json:
        print(json.dumps(row))
        return
    print(
        f"Peru 1:{args.scale:g}: {world.citizens:,} citizens, {world.cops:,} forces, "
        f"{world.lattice.cells:,} cells, {row['threads']} threads\n"
        f"  tick: best {best:.3f} s, mean {mean:.3f} s over {args.ticks}; "
        f"{row['citizen_updates_per_s']:.3g} citizen-updates/s\n"
        f"  memory: {row['bytes_per_agent']:.2f} bytes per agent (every array of the run)"
    )


if __name__ == "__main__":
    main()

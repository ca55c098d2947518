"""Build the world of Peru and report build seconds, peak extra memory and bytes per agent.

    python benchmarks/bench_world.py                 # 1:100 and 1:1 at 5 km
    python benchmarks/bench_world.py --scale 100 --resolution 1

Each build runs in a fresh process so that its peak memory is its own. Peak extra memory is
the process's peak resident set (getrusage) minus its resident set just before the build, so
it counts the imports' pages once and the build's every temporary. Targets (issue 3): 1:1
under 60 s and under 1.5 GB extra; 1:100 under 3 s; at most 24 bytes per agent.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def one(scale: float, resolution: float, seed: int) -> dict:
    """Build once in this process and measure it."""
    import numpy as np  # noqa: F401  (imports before the baseline)

    from uprising.scenario.world import PeruWorld
    from uprising.world.peru import build_peru_world
    from uprising.world.summary import world_bytes

    cfg = PeruWorld(resolution_km=resolution, population_scale=scale)
    before = _rss_mb()
    started = time.perf_counter()
    build = build_peru_world(cfg, seed)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    world = build.world
    agents = world.citizens + world.cops
    return {
        "scale": scale,
        "resolution_km": resolution,
        "citizens": world.citizens,
        "police": world.cops,
        "cells": world.lattice.cells,
        "build_seconds": round(seconds, 3),
        "peak_extra_mb": round(peak - before, 1),
        "bytes_per_agent": round(world.agent_bytes() / agents, 3),
        "world_bytes_per_agent": round(world_bytes(world) / agents, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, action="append", help="people per agent (repeat)")
    parser.add_argument("--resolution", type=float, default=5.0, help="cell side, km")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    scales = args.scale or [100.0, 1.0]
    if args.one:
        print(json.dumps(one(scales[0], args.resolution, args.seed)))
        return
    print(
        f"{'scale':>7} {'km':>4} {'citizens':>11} {'police':>8} {'seconds':>8} "
        f"{'extra MB':>9} {'B/agent':>8} {'B/agent+lattice':>16}"
    )
    for scale in scales:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                "--scale",
                str(scale),
                "--resolution",
                str(args.resolution),
                "--seed",
                str(args.seed),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(
            f"1:{r['scale']:<5g} {r['resolution_km']:>4g} {r['citizens']:>11,} {r['police']:>8,} "
            f"{r['build_seconds']:>8.2f} {r['peak_extra_mb']:>9.1f} {r['bytes_per_agent']:>8.2f} "
            f"{r['world_bytes_per_agent']:>16.2f}"
        )


if __name__ == "__main__":
    main()

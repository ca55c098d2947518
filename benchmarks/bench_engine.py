"""Where a tick's time goes: seconds per kernel of the engine, on the classic torus or Peru.

    python benchmarks/bench_engine.py                          # synchronous, 1000 x 1000 torus
    python benchmarks/bench_engine.py --schedule random-sequential --width 40
    python benchmarks/bench_engine.py --peru 1                 # Peru at 1:1
    NUMBA_NUM_THREADS=1 python benchmarks/bench_engine.py      # one thread: CPU cost per kernel
    python benchmarks/bench_engine.py --tick one-pass          # the torus tick as one wave
    python benchmarks/bench_engine.py --schedule random-sequential --width 40 --ticks 2000 \
        --rounds 5 --no-counts                                 # ticks alone, as `uprising bench`
    NUMBA_NUM_THREADS=1 python benchmarks/bench_engine.py --ticks 20 --rounds 3 --cpu
                                                               # CPU ms per kernel: steadier
                                                               # than wall time beside other jobs

Each kernel module's compiled functions are wrapped with a timer for the timed ticks (the first
tick loads them and is not timed). With `--rounds`, the ticks are timed that many times over and
each step's figure is the median of the rounds, which a machine shared with other jobs disturbs
less than a single round. Ratios against Mesa come from `uprising bench`.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import time

import numba

from uprising.engine import sequential, sites, synchronous
from uprising.engine_params import build_simulation
from uprising.scenario import load_scenario


def _time_kernels(module, spent: dict[str, float], clock) -> None:
    """Replace the module's compiled functions by timed wrappers that add into `spent`."""
    for name in dir(module):
        fn = getattr(module, name)
        if not hasattr(fn, "py_func"):
            continue

        def timed(*args, _fn=fn, _name=name):
            started = clock()
            out = _fn(*args)
            spent[_name] += clock() - started
            return out

        setattr(module, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedule", default="synchronous")
    parser.add_argument("--width", type=int, default=1000, help="torus side")
    parser.add_argument("--peru", type=float, default=None, help="Peru at 1:SCALE instead")
    parser.add_argument("--ticks", type=int, default=5)
    parser.add_argument(
        "--tick", choices=["auto", "phased", "one-pass"], default="auto",
        help="torus: one pass per step (each step timed) or `sites.tick_rows`; auto: by size",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=1, help="time the ticks this many times")
    parser.add_argument("--no-counts", action="store_true", help="no tally of the states after each tick")
    parser.add_argument(
        "--cpu", action="store_true",
        help="CPU seconds of the process (all its threads) instead of wall seconds: less "
        "disturbed by other jobs on a shared machine",
    )  # fmt: skip
    args = parser.parse_args()
    if args.peru is not None:
        sc = load_scenario("peru-2022", [f"world.population_scale={args.peru:g}", "run.seed=1"])
        label = f"Peru 1:{args.peru:g}"
    else:
        sc = load_scenario(
            "epstein-2002",
            [f"world.width={args.width}", f"world.height={args.width}",
             f"run.schedule={args.schedule}"],
        )  # fmt: skip
        label = f"{args.width} x {args.width} torus, {args.schedule}"
        label += "" if args.tick == "auto" else f", {args.tick}"
    sim = build_simulation(sc)
    sim.one_pass = {"auto": None, "phased": False, "one-pass": True}[args.tick]
    sim.step()
    sim.counts()
    spent: dict[str, float] = collections.defaultdict(float)
    clock = time.process_time if args.cpu else time.perf_counter
    for module in (sequential, synchronous, sites):
        _time_kernels(module, spent, clock)
    rounds: list[tuple[float, dict[str, float]]] = []
    for _ in range(max(args.rounds, 1)):
        spent.clear()
        started = clock()
        for _ in range(args.ticks):
            sim.step()
            if not args.no_counts:
                sim.counts()
        rounds.append(((clock() - started) / args.ticks, dict(spent)))
    if len(rounds) > 1:
        print("ms per tick, round by round: " + ", ".join(f"{r[0] * 1e3:.3f}" for r in rounds))
    per_tick = statistics.median(r[0] for r in rounds)
    names = {name for _, by_step in rounds for name in by_step}
    by_step = {name: statistics.median(r[1].get(name, 0.0) for r in rounds) for name in names}
    print(
        f"{label}: {sim.world.citizens:,} citizens, {numba.get_num_threads()} threads, "
        f"{per_tick * 1e3:.2f} ms{' CPU' if args.cpu else ''} per tick, "
        f"{sim.world.citizens / per_tick:.3g} citizen-updates/s, "
        f"{sim.bytes_per_agent():.1f} bytes per agent"
    )
    for name, seconds in sorted(by_step.items(), key=lambda kv: -kv[1]):
        print(f"  {name:26s} {seconds / args.ticks * 1e3:9.2f} ms")
    other = per_tick - sum(by_step.values()) / args.ticks
    print(f"  {'(outside the kernels)':26s} {other * 1e3:9.2f} ms")


if __name__ == "__main__":
    main()

"""What a user rule costs: ticks per second with the built-in rules against the same rules
passed as user functions (compiled into fresh kernels), and that compilation, once.

    python benchmarks/bench_user_rules.py                                  # 40 x 40, both schedules
    python benchmarks/bench_user_rules.py --width 400 --ticks 200

The built-in kernels come from numba's disk cache; the user's are compiled in the process, on
the first tick (timed apart). Rounds alternate built-in and user runs so that a loaded machine
slows both alike.
"""

from __future__ import annotations

import argparse
import time

import numba

from uprising.engine import rules
from uprising.engine.user_rules import RuleFunctions
from uprising.engine_params import build_simulation
from uprising.scenario import load_scenario


def ticks_per_second(scenario, functions: RuleFunctions | None, ticks: int) -> tuple[float, float]:
    """(seconds of the first tick, ticks per second after it)."""
    sim = build_simulation(scenario, rules=functions)
    started = time.perf_counter()
    sim.step()
    first = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(ticks):
        sim.step()
    return first, ticks / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=40, help="torus side")
    parser.add_argument("--ticks", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    copies = RuleFunctions(
        arrest_probability=numba.njit(rules.arrest_probability.py_func),
        wants_active=numba.njit(rules.wants_active.py_func),
    )
    for schedule in ("random-sequential", "synchronous"):
        size = [f"world.width={args.width}", f"world.height={args.width}"]
        scenario = load_scenario("epstein-2002", [*size, f"run.schedule={schedule}", "run.seed=1"])
        built_in: list[float] = []
        user: list[float] = []
        compile_s = 0.0
        for r in range(args.rounds):
            built_in.append(ticks_per_second(scenario, None, args.ticks)[1])
            first, rate = ticks_per_second(scenario, copies, args.ticks)
            compile_s = first if r == 0 else compile_s
            user.append(rate)
        best_b, best_u = max(built_in), max(user)
        print(
            f"{args.width} x {args.width}, {schedule}: built-in {best_b:,.0f} ticks/s, user rules "
            f"{best_u:,.0f} ticks/s (ratio {best_u / best_b:.2f}, best of {args.rounds}); "
            f"first tick with user rules {compile_s:.1f} s (compilation)"
        )


if __name__ == "__main__":
    main()

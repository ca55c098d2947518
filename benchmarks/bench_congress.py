"""Seconds to simulate 10,000 and 100,000 roll calls of the 7 December 2022 vacancy vote.

Run: python benchmarks/bench_congress.py
"""

from __future__ import annotations

import time

from uprising.institutions import ROLL_CALLS, simulate_roll_calls


def main() -> None:
    motion = ROLL_CALLS["vacancy-2022-12-07"]
    simulate_roll_calls(motion, runs=100)  # load the data once
    for runs in (10_000, 100_000):
        start = time.perf_counter()
        result = simulate_roll_calls(motion, runs=runs, seed=1)
        seconds = time.perf_counter() - start
        print(
            f"{runs} roll calls: {seconds:.3f} s ({runs / seconds:.3g} per second), "
            f"median yes {int(sorted(result.yes)[runs // 2])}"
        )


if __name__ == "__main__":
    main()

"""Ensemble throughput (runs/s) at 1 and 2 workers, and the store's overhead on a 100-run ensemble.

Both on the classic scenario (epstein-2002: 40x40 torus, 200 ticks). The overhead compares the
same 100-run ensemble with and without the store, in this process (1 worker, so every write
delays the next run), alternating the two to share the machine's noise; it also reports the
seconds spent inside the store's own calls, which do not depend on that noise.

Run: python benchmarks/bench_ensemble.py [--runs 100] [--repeats 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from uprising.experiment import run_ensemble
from uprising.store import Store

SCENARIO = "epstein-2002"


class TimedStore(Store):
    """A store that adds up the seconds spent in its writing calls."""

    seconds = 0.0

    def open_experiment(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return super().open_experiment(*args, **kwargs)
        finally:
            TimedStore.seconds += time.perf_counter() - start

    def save_runs(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return super().save_runs(*args, **kwargs)
        finally:
            TimedStore.seconds += time.perf_counter() - start


def throughput(runs: int, workers: int) -> float:
    start = time.perf_counter()
    run_ensemble(SCENARIO, runs=runs, workers=workers)
    return runs / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="runs per ensemble")
    parser.add_argument("--repeats", type=int, default=2, help="timings of each case (the best is kept)")
    args = parser.parse_args()
    run_ensemble(SCENARIO, runs=1, workers=1)  # compile (or load) the engine's kernels once

    print(f"{SCENARIO}, {args.runs} runs of 200 ticks per ensemble, best of {args.repeats}")
    print(f"{'case':<34}{'seconds':>10}{'runs/s':>10}")
    rates = {w: max(throughput(args.runs, w) for _ in range(args.repeats)) for w in (1, 2)}
    for workers, rate in rates.items():
        print(f"{f'{workers} worker(s), no store':<34}{args.runs / rate:>10.2f}{rate:>10.1f}")

    plain, stored, store_seconds = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for k in range(args.repeats):
            start = time.perf_counter()
            run_ensemble(SCENARIO, runs=args.runs, first_seed=1000 * k, workers=1)
            plain.append(time.perf_counter() - start)
            TimedStore.seconds = 0.0
            store = TimedStore(Path(folder) / f"bench{k}.duckdb")
            start = time.perf_counter()
            run_ensemble(SCENARIO, runs=args.runs, first_seed=1000 * k, workers=1, store=store)
            stored.append(time.perf_counter() - start)
            store_seconds.append(TimedStore.seconds)
    best_plain, best_stored = min(plain), min(stored)
    print(f"{'1 worker, no store':<34}{best_plain:>10.2f}{args.runs / best_plain:>10.1f}")
    print(f"{'1 worker, stored (DuckDB)':<34}{best_stored:>10.2f}{args.runs / best_stored:>10.1f}")
    inside = min(store_seconds)
    print(
        f"store overhead: {100 * (best_stored / best_plain - 1):+.1f}% of wall time "
        f"(best of each); {inside:.3f} s inside the store's calls = {100 * inside / best_plain:.1f}% "
        "of the unstored run"
    )


if __name__ == "__main__":
    main()

"""How much a Python thread gets done beside a run: the web server's lot while a page's run computes.

A thread does slices of about a millisecond of pure Python while another thread steps a
400 x 400 torus (`epstein-2002`); the figure is the slices it finished per second, beside
the same thread alone in the same process (the ratio), and its longest wait between two
slices. The engine's kernels let go of Python's lock while they run (numba's `nogil`): without
that the thread waited for the end of each kernel.

Run: python benchmarks/bench_gil.py [--width 400] [--ticks 150]
"""

from __future__ import annotations

import argparse
import threading
import time

from uprising.model import Model
from uprising.scenario import load_scenario


def python_slices(until: threading.Event | None, seconds: float) -> tuple[float, float]:
    """Slices of pure Python a second, and the longest gap between two (s), until `until` is
    set or `seconds` pass."""
    n, worst = 0, 0.0
    started = last = time.perf_counter()
    while (until is None and time.perf_counter() - started < seconds) or (
        until is not None and not until.is_set()
    ):
        total = 0
        for i in range(20_000):
            total += i
        now = time.perf_counter()
        worst = max(worst, now - last)
        last = now
        n += 1
    return n / (time.perf_counter() - started), worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=400, help="side of the torus")
    parser.add_argument("--ticks", type=int, default=150, help="ticks of the run beside the thread")
    args = parser.parse_args()
    scenario = load_scenario("epstein-2002", [f"world.width={args.width}", f"world.height={args.width}"])
    model = Model(scenario)
    model.step()  # load the kernels
    done = threading.Event()

    def run() -> None:
        model.step(args.ticks)
        done.set()

    alone, alone_worst = python_slices(None, 3.0)
    runner = threading.Thread(target=run)
    started = time.perf_counter()
    runner.start()
    beside, beside_worst = python_slices(done, 0.0)
    runner.join()
    took = time.perf_counter() - started
    print(f"{args.ticks} ticks of a {args.width} x {args.width} torus in {took:.2f} s")
    print(f"a Python thread alone: {alone:.0f} slices/s, longest wait {1000 * alone_worst:.1f} ms")
    print(f"beside the run: {beside:.0f} slices/s, longest wait {1000 * beside_worst:.1f} ms")
    print(f"beside / alone: {beside / alone:.2f}x")


if __name__ == "__main__":
    main()

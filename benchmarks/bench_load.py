"""The synchronous torus on a busy machine: 2 threads against 1 beside another 2-thread engine.

    python benchmarks/bench_load.py                       # this tree, 1000 x 1000, 30 ticks
    python benchmarks/bench_load.py --against main~1      # and a commit of the repository
    python benchmarks/bench_load.py --rounds 5 --ticks 20 --width 1000

Each tree measured (this one, and the commit of `--against` written out once to a cache
folder) gets a worker process that builds Mesa's default scenario on a width x width torus
and times ticks at the number of threads it is told. A round: the trees' ticks with no engine
beside them; then, beside another engine (a second process running
the same torus on 2 threads without end, from the commit of `--against` when given, else from
this tree), the same ticks again. Each tree is timed on 2 threads as a run uses them (choosing
1 or 2 by measure, where the tree can), on 2 threads fixed and on 1 thread. Trees and
configurations are interleaved, in turn forwards and backwards, and each figure printed is the
median over the rounds, so the machine's own load falls on every figure alike. Acceptance:
beside the other engine, 2 threads take no more than 1.1 times the 1-thread tick.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The worker: builds the torus, then answers each line "THREADS TICKS" with the seconds of
# those ticks. The load: the same torus stepped without end on 2 threads.
WORKER = """
import sys, time, numba
from uprising.engine_params import build_simulation
from uprising.scenario import load_scenario
width, steady = int(sys.argv[1]), sys.argv[2] == "load"
sc = load_scenario("epstein-2002", [f"world.width={width}", f"world.height={width}",
                                    "run.schedule=synchronous", "run.seed=1"])
sim = build_simulation(sc)
sim.step(); sim.counts()
print(sim.world.citizens, flush=True)
sim.choose_threads = False  # the load: on 2 threads, always
while steady:
    sim.step(); sim.counts()
for line in sys.stdin:
    threads, ticks, fixed = map(int, line.split())
    numba.set_num_threads(threads)
    sim.choose_threads = not fixed  # this tree's choice of threads by measure, where it has one
    started = time.perf_counter()
    for _ in range(ticks):
        sim.step(); sim.counts()
    print(time.perf_counter() - started, flush=True)
"""


# (threads, fixed): 2 threads as a run uses them (its choice by measure, where the tree has
# one), 2 threads fixed, 1 thread.
CONFIGS = ((2, False), (2, True), (1, True))
LABELS = ("2 threads", "2 threads fixed", "1 thread")


def tree_of(ref: str | None) -> Path:
    """The `src` folder of this tree, or of commit `ref` written out once to a cache folder."""
    if ref is None:
        return ROOT / "src"
    sha = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", ref], check=True, capture_output=True, text=True
    ).stdout.strip()
    folder = Path(tempfile.gettempdir()) / f"uprising-bench-{sha[:12]}"
    if not (folder / "src").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", sha, "src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "src"


class Engine:
    """A worker process of one tree: `ticks(threads, n)` times n ticks; or a steady load."""

    def __init__(self, src: Path, width: int, load: bool = False) -> None:
        env = dict(os.environ, PYTHONPATH=str(src), NUMBA_NUM_THREADS="2")
        mode = "load" if load else "time"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(width), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.citizens = int(self._line())

    def _line(self) -> str:
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            raise SystemExit(f"error: a benchmark process ended (exit code {self.proc.wait()})")
        return line

    def ticks(self, threads: int, fixed: bool, n: int) -> float:
        """Seconds per tick over n ticks on `threads` threads (`fixed`: all of them, with no
        choice by measure)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{threads} {n} {int(fixed)}\n")
        self.proc.stdin.flush()
        return float(self._line()) / n

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1000, help="torus side")
    parser.add_argument("--ticks", type=int, default=30, help="ticks per figure")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", default=None, help="a commit to measure side by side")
    args = parser.parse_args()
    load_before = os.getloadavg()
    trees = {"this tree": tree_of(None)}
    if args.against:
        trees[args.against] = tree_of(args.against)
    workers = {name: Engine(src, args.width) for name, src in trees.items()}
    times: dict[tuple[str, str, tuple[int, bool]], list[float]] = {}
    load_tree = trees[args.against] if args.against else trees["this tree"]
    for r in range(args.rounds):
        for state in ("idle", "load"):
            load = Engine(load_tree, args.width, load=True) if state == "load" else None
            time.sleep(2.0)  # the load is ticking; the machine settles
            for name in trees if r % 2 == 0 else reversed(list(trees)):
                for config in CONFIGS if r % 2 == 0 else CONFIGS[::-1]:
                    seconds = workers[name].ticks(*config, n=args.ticks)
                    times.setdefault((name, state, config), []).append(seconds)
            if load is not None:
                load.stop()
    citizens = next(iter(workers.values())).citizens
    for worker in workers.values():
        worker.stop()
    print(
        f"{args.width} x {args.width} torus, synchronous, {citizens:,} citizens; median of "
        f"{args.rounds} rounds of {args.ticks} ticks; load average before: "
        + " ".join(f"{x:.1f}" for x in load_before)
    )
    for name in trees:
        med = {key[1:]: statistics.median(v) for key, v in times.items() if key[0] == name}
        for state in ("idle", "load"):
            where = "no engine beside" if state == "idle" else "beside a 2-thread engine"
            figures = ", ".join(
                f"{label} {med[state, config] * 1e3:.1f} ms ({citizens / med[state, config]:.2e}/s)"
                for config, label in zip(CONFIGS, LABELS, strict=True)
            )
            print(f"{name}, {where}: {figures}")
        for config, label in zip(CONFIGS[:2], LABELS[:2], strict=True):
            ratio = med["load", config] / med["load", CONFIGS[2]]
            verdict = "met" if ratio <= 1.1 else "not met"
            print(f"{name}, beside a 2-thread engine: {label} / 1 thread = {ratio:.2f} (<= 1.10: {verdict})")


if __name__ == "__main__":
    main()

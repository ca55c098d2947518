"""Runs per second of `peru-2022` at 1:1000 and 1:100 on one core, beside a previous version.

Each version runs in its own process (one numba thread) that keeps its kernels and whatever
it memoises between runs, as a calibration's worker does; the two processes take turns, one
round of runs at each scale each, so the machine's noise falls on both alike. The figure kept
for each case is the round with the least CPU time per run (`time.process_time`, which a busy
machine inflates less than the wall clock). The previous version is a git worktree of
`--peer` (default: the commit before the crisis's legitimacy drops per cell decayed on the
citizens' homes alone; 1b1937b is the one before the arrests visited only the actives, 898d270
the one before the crisis's passes were fused, 3c50ce2 the one before the engine stepped a map
over its occupied cells), removed at the end. The last line sets the best time at 1:1000 beside
the goal of a calibration (`GOAL_MS`).

With `--stats N`, N seeds at each scale give the run-to-run spread of the scalar summaries
(`uprising.observed.metrics.scalar_metrics`), and the difference between the scales' means
is set beside it. With `--phases N`, N runs of this version at 1:1000 (or `--phase-scale`) are split into the
phases of `Model`'s tick (CPU ms a run): building the model, the hooks before the engine, the
engine's step, the hooks after it, the record, the output; then the CPU time of the main
kernels among them (`KERNELS`, those this version has).

Run: python benchmarks/bench_runs.py [--runs 10] [--rounds 3] [--steps 100] [--stats 20] [--phases 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from peer import versions

ROOT = Path(__file__).resolve().parent.parent
# Before the crisis's drops per cell decayed on the homes alone (11250ec: the same, on the
# scenario before its new hardship weights; 1b1937b: before the arrests visited only the
# actives; 898d270: before the crisis's passes were fused; 3c50ce2: before the occupied-cell step).
PEER = "15f6945"
GOAL_MS = 50.0  # a run at 1:1000 once compiled: 10,000 runs in about 4 minutes on two cores
SCENARIO = "peru-2022"
SCALES = (1000, 100)


def serve(steps: int) -> None:
    """Worker: for each line 'SCALE RUNS FIRST_SEED STATS' run and answer one JSON line."""
    from uprising.runner import run_scenario
    from uprising.scenario.loader import load_scenario

    scenarios = {}
    for line in sys.stdin:
        scale, runs, first, stats = (int(x) for x in line.split())
        if scale not in scenarios:
            overrides = [f"world.population_scale={scale}", f"run.steps={steps}"]
            scenarios[scale] = load_scenario(SCENARIO, overrides)
            run_scenario(scenarios[scale], seed=first)  # load the kernels, fill any memo
        cpu, wall, summaries = time.process_time(), time.perf_counter(), []
        for seed in range(first, first + runs):
            out = run_scenario(scenarios[scale], seed=seed)
            if stats:
                from uprising.observed.metrics import scalar_metrics

                summaries.append(scalar_metrics(out))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(json.dumps({"cpu": cpu / runs, "wall": wall / runs, "summaries": summaries}), flush=True)


class Worker:
    """A version of the code in its own one-thread process."""

    def __init__(self, src: Path, steps: int) -> None:
        env = {**os.environ, "PYTHONPATH": str(src), "NUMBA_NUM_THREADS": "1"}
        command = [sys.executable, str(Path(__file__).resolve()), "--serve", "--steps", str(steps)]
        self.process = subprocess.Popen(
            command, env=env, cwd=src.parent, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def ask(self, scale: int, runs: int, first: int, stats: bool = False) -> dict:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(f"{scale} {runs} {first} {int(stats)}\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise SystemExit(f"the worker of {self.process.args} stopped")
        return json.loads(answer)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def speed(workers: dict[str, Worker], runs: int, rounds: int) -> None:
    best: dict[tuple[str, int], dict] = {}
    paired: dict[int, list[float]] = {scale: [] for scale in SCALES}  # previous / this, same seeds
    for r in range(rounds):
        for scale in SCALES:
            n = max(1, runs * scale // 1000)
            cpu = {}
            for name, worker in workers.items():
                answer = worker.ask(scale, n, 1 + r * n)
                cpu[name] = answer["cpu"]
                key = (name, scale)
                if key not in best or answer["cpu"] < best[key]["cpu"]:
                    best[key] = answer
            if "previous" in cpu:
                paired[scale].append(cpu["previous"] / cpu["this"])
    print(f"{SCENARIO}, one thread, {runs} runs a round at 1:1000, best of {rounds} rounds (CPU s per run)")
    print(f"{'scale':<8}{'version':<10}{'ms/run':>9}{'wall ms':>9}{'runs/s':>9}{'10k runs, 2 cores':>19}")
    for scale in SCALES:
        for name in workers:
            b = best[(name, scale)]
            minutes = 10_000 * b["cpu"] / 2 / 60
            row = f"1:{scale:<6}{name:<10}{1000 * b['cpu']:>9.1f}{1000 * b['wall']:>9.1f}"
            print(f"{row}{1 / b['cpu']:>9.2f}{minutes:>15.1f} min")
        if "previous" in workers:
            ratio = best[("previous", scale)]["cpu"] / best[("this", scale)]["cpu"]
            print(f"1:{scale:<6}this / previous runs per second: {ratio:.2f}x")
            # A round's seeds are the same for both versions, and some seeds do more work than
            # others: the ratio within each round compares like with like.
            each = np.array(paired[scale])
            print(
                f"1:{scale:<6}the same, round by round (same seeds): median {np.median(each):.2f}x, "
                f"{each.min():.2f}-{each.max():.2f}x over {each.size} rounds"
            )
    ms = 1000 * best[("this", 1000)]["cpu"]
    verdict = "met" if ms <= GOAL_MS else f"not met: {ms / GOAL_MS:.1f} times the goal's time"
    goal = f"goal: {GOAL_MS:.0f} ms a run at 1:1000 ({1000 / GOAL_MS:.0f} runs/s)"
    print(f"{goal}; this version {ms:.1f} ms, {verdict}")


def spread(worker: Worker, seeds: int) -> None:
    rows = {scale: worker.ask(scale, seeds, 1, stats=True)["summaries"] for scale in SCALES}
    a, b = SCALES
    print(f"\nscalar summaries over {seeds} seeds: mean and run-to-run sd at each scale;")
    print("diff/sd: difference of the means over the larger sd; z: over its standard error")
    head = f"{'summary':<26}{f'1:{a} mean':>12}{'sd':>10}{f'1:{b} mean':>12}{'sd':>10}"
    print(f"{head}{'diff/sd':>9}{'z':>7}")
    for key in rows[a][0]:
        x = np.array([r[key] for r in rows[a]])
        y = np.array([r[key] for r in rows[b]])
        sd = max(x.std(ddof=1), y.std(ddof=1))
        se = np.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
        diff = x.mean() - y.mean()
        in_sd = diff / sd if sd > 0 else (0.0 if diff == 0 else np.inf)
        z = diff / se if se > 0 else (0.0 if diff == 0 else np.inf)
        cells = f"{x.mean():>12.4g}{x.std(ddof=1):>10.3g}{y.mean():>12.4g}{y.std(ddof=1):>10.3g}"
        print(f"{key:<26}{cells}{in_sd:>9.2f}{z:>7.2f}")


class Timed:
    """A hook or a step that adds its CPU time to `spent[name]` (before and after apart)."""

    def __init__(self, inner, spent: dict[str, float], name: str = "") -> None:
        self.inner, self.spent, self.name = inner, spent, name

    def _timed(self, name: str, method, *args) -> None:
        t = time.process_time()
        method(*args)
        self.spent[name] += time.process_time() - t

    def before_tick(self, model, tick: int) -> None:
        if hasattr(self.inner, "before_tick"):
            self._timed("before", self.inner.before_tick, model, tick)

    def after_tick(self, model, tick: int) -> None:
        if hasattr(self.inner, "after_tick"):
            self._timed("after", self.inner.after_tick, model, tick)

    def __call__(self) -> None:
        self._timed(self.name, self.inner)


# The kernels of a tick and the calls of the crisis timed apart by `--phases` (module, name).
KERNELS = (
    ("uprising.engine.occupied", "sight_at_citizens"),
    ("uprising.engine.synchronous", "decide"),
    ("uprising.engine.synchronous", "decide_and_list"),
    ("uprising.engine.occupied", "hazard_at_actives"),
    ("uprising.engine.occupied", "hazard_at_listed"),
    ("uprising.engine.occupied", "arrest_listed"),
    ("uprising.engine.synchronous", "cell_levers"),
    ("uprising.engine.crowds", "gather_and_draw_travellers"),
    ("uprising.engine.crowds", "gather_listed"),
    ("uprising.engine.crowds", "move_to_best"),
    ("uprising.dynamics.crisis", "participants_per_cell"),
    ("uprising.model", "states_by_department"),
)


def time_kernels(spent: dict[str, float]) -> None:
    """Wrap each of `KERNELS` that this version has so that its CPU time adds to spent[name]."""
    import importlib

    for module_name, name in KERNELS:
        module = importlib.import_module(module_name)
        inner = getattr(module, name, None)
        if inner is None:
            continue

        def timed(*args, _inner=inner, _name=name):
            t = time.process_time()
            out = _inner(*args)
            spent[_name] = spent.get(_name, 0.0) + time.process_time() - t
            return out

        setattr(module, name, timed)


def phases(runs: int, steps: int, scale: int = 1000) -> None:
    """Where a run's CPU time goes, phase by phase and for the main kernels (`KERNELS`), in
    this process (one numba thread)."""
    import numba

    from uprising.model import Model
    from uprising.scenario.loader import load_scenario

    numba.set_num_threads(1)
    scenario = load_scenario(SCENARIO, [f"world.population_scale={scale}", f"run.steps={steps}"])
    Model(scenario, seed=1).run()  # load the kernels, fill the world's memo
    kernels: dict[str, float] = {}
    time_kernels(kernels)
    clock = time.process_time
    spent = dict.fromkeys(("build", "before", "engine", "after", "record", "output"), 0.0)
    for seed in range(2, 2 + runs):
        t = clock()
        model = Model(scenario, seed=seed)
        spent["build"] += clock() - t
        model.hooks = [Timed(hook, spent) for hook in model.hooks]
        model.sim.step = Timed(model.sim.step, spent, "engine")
        t = clock()
        model.step(steps)
        spent["record"] += clock() - t  # the rest of the loop: less the phases below
        t = clock()
        model.output()
        spent["output"] += clock() - t
    spent["record"] -= spent["before"] + spent["engine"] + spent["after"]
    cells = "  ".join(f"{name} {1000 * value / runs:.1f}" for name, value in spent.items())
    print(f"{SCENARIO} at 1:{scale}, CPU ms a run by phase over {runs} runs: {cells}")
    print(f"total {1000 * sum(spent.values()) / runs:.1f}")
    print("of which, CPU ms a run: " + "  ".join(f"{k} {1000 * v / runs:.1f}" for k, v in kernels.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs a round at 1:1000 (a tenth at 1:100)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each case (the best is kept)")
    parser.add_argument("--steps", type=int, default=100, help="ticks a run (100: 7 to 31 December)")
    parser.add_argument("--peer", default=PEER, help="git revision of the previous version")
    parser.add_argument("--no-peer", action="store_true", help="time this version alone")
    parser.add_argument("--stats", type=int, default=0, help="seeds a scale for the summaries' spread")
    parser.add_argument("--phases", type=int, default=0, help="runs of this version split by phase")
    parser.add_argument("--phase-scale", type=int, default=1000, help="the scale --phases runs at")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.steps)
        return
    if args.phases:
        phases(args.phases, args.steps, args.phase_scale)
        return
    with versions(None if args.no_peer else args.peer) as sources:
        workers = {name: Worker(src, args.steps) for name, src in sources.items()}
        try:
            speed(workers, args.runs, args.rounds)
            if args.stats:
                spread(workers["this"], args.stats)
        finally:
            for worker in workers.values():
                worker.close()


if __name__ == "__main__":
    main()

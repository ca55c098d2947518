"""Seconds per simulation of a whole calibration of `peru-2022`, beside a previous version.

A calibration's time is its runs plus pyabc's work between them: drawing each proposal (again
until it falls inside the prior), weighting the particles, adapting the distance, writing the
history. `bench_runs.py` times the runs alone; this times the whole `calibrate()` of the
shipped posterior's search (`uprising.data/posteriors/peru-2022-december.json`: its 15
parameters and ranges, at 1:1000) with a smaller budget, one worker, one numba thread, and
splits it into the CPU time inside the runs (`executor.run_task`) and the rest.

Each version runs in its own process, after one run that loads the kernels and fills the
world's memo; the versions take turns, one calibration each a round, and the round with the
least CPU time per simulation is kept for each. pyabc is imported before the clock starts (a
few seconds once a process). The previous version is a git worktree of
`--peer` (default: the commit before proposals were drawn without pyabc's per-draw checks),
removed at the end. Both versions must give the same posterior: the last line compares a hash
of their particles and weights.

Run: python benchmarks/bench_calibration.py [--budget 300] [--populations 3] [--rounds 1]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from peer import versions

ROOT = Path(__file__).resolve().parent.parent
PEER = "356b617"  # before the cached proposal kernel and the densities without scipy
SCENARIO = "peru-2022"
POSTERIOR = "peru-2022-december"


def one(budget: int, populations: int, seed: int) -> dict:
    """Worker: one calibration in this process; CPU and wall seconds, and those of the runs."""
    import numba

    import uprising.experiment.executor as executor
    from uprising.experiment.calibrate import calibrate
    from uprising.experiment.posterior import read_posterior
    from uprising.experiment.summary_stats import load_target
    from uprising.runner import run_scenario
    from uprising.scenario.loader import load_scenario

    numba.set_num_threads(1)
    shipped = read_posterior(POSTERIOR)
    overrides = list(shipped.overrides)
    ranges = list(shipped.ranges)
    scenario = load_scenario(SCENARIO, overrides)
    run_scenario(scenario, seed=1)  # load the kernels, fill the world's memo
    importlib.import_module("pyabc")  # once a process, a few seconds: not a simulation's cost
    observed = ROOT / "src/uprising/data/peru/observed"
    spent = {"runs": 0.0}
    inner = executor.run_task

    def timed(*args, **kwargs):
        t = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent["runs"] += time.process_time() - t

    executor.run_task = timed
    cpu, wall = time.process_time(), time.perf_counter()
    result = calibrate(
        SCENARIO,
        load_target(scenario, observed),
        overrides=tuple(overrides),
        budget=budget,
        populations=populations,
        ranges=ranges,
        workers=1,
        seed=seed,
    )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    digest = hashlib.sha256(result.particles.write_csv().encode()).hexdigest()[:16]
    return {
        "cpu": cpu,
        "wall": wall,
        "runs": spent["runs"],
        "simulations": result.simulations,
        "hash": digest,
    }


def ask(src: Path, budget: int, populations: int, seed: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), "NUMBA_NUM_THREADS": "1"}
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--one",
        str(budget),
        str(populations),
        str(seed),
    ]
    done = subprocess.run(command, env=env, cwd=src.parent, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the calibration of {src} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=300, help="simulations a calibration (at most)")
    parser.add_argument("--populations", type=int, default=3, help="ABC-SMC generations at most")
    parser.add_argument("--rounds", type=int, default=1, help="calibrations of each version (best kept)")
    parser.add_argument("--seed", type=int, default=2022, help="the calibrations' seed")
    parser.add_argument("--peer", default=PEER, help="git revision of the previous version")
    parser.add_argument("--no-peer", action="store_true", help="time this version alone")
    parser.add_argument("--one", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(*args.one)))
        return
    best: dict[str, dict] = {}
    with versions(None if args.no_peer else args.peer) as sources:
        for _ in range(args.rounds):
            for name, src in sources.items():
                answer = ask(src, args.budget, args.populations, args.seed)
                per = answer["cpu"] / answer["simulations"]
                if name not in best or per < best[name]["cpu"] / best[name]["simulations"]:
                    best[name] = answer
    print(
        f"{SCENARIO}: calibration of {POSTERIOR}'s 15 parameters at 1:1000, budget {args.budget}, "
        f"{args.populations} generations at most, one worker, one thread; best of {args.rounds} round(s)"
    )
    head = f"{'version':<10}{'runs':>6}{'wall s':>9}{'CPU s':>8}{'ms/run':>9}"
    print(f"{head}{'in runs':>9}{'rest':>8}{'10k, 2 cores':>14}")
    for name, b in best.items():
        n = b["simulations"]
        per = 1000 * b["cpu"] / n
        minutes = 10_000 * b["cpu"] / n / 2 / 60
        row = f"{name:<10}{n:>6}{b['wall']:>9.1f}{b['cpu']:>8.1f}{per:>9.1f}"
        split = f"{1000 * b['runs'] / n:>9.1f}{1000 * (b['cpu'] - b['runs']) / n:>8.1f}"
        print(f"{row}{split}{minutes:>10.1f} min")
    if "previous" in best:
        ratio = (best["previous"]["cpu"] / best["previous"]["simulations"]) / (
            best["this"]["cpu"] / best["this"]["simulations"]
        )
        same = best["previous"]["hash"] == best["this"]["hash"]
        print(f"this / previous simulations per CPU second: {ratio:.2f}x")
        print(f"the same posterior (particles, weights, distances): {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()

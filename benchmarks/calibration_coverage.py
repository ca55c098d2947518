"""Does the calibration cover a truth it was not told? Coverage of ABC-SMC on synthetic data.

K true parameter vectors are drawn from the prior (uniform over each searched parameter's
range); each is run once (seed 10_000 + k) and its run is written as an observed folder in the
format of `data/peru/observed/` (deaths.csv, blockades.csv, regions_active.csv), through the
observation model and on the days December's own lists and Sutran counts cover, so that the
synthetic data are censored as the real ones are. Each folder is then calibrated by
`uprising.experiment.calibrate` (seed k), and the benchmark reports, per parameter, in how many
of the K datasets the 90% posterior interval holds the true value (goal: at least 8 of 10):
the central interval (5% to 95%, as `uprising calibrate` reports it), the same for the
particles' effective number (`calibrate.adjusted_tail`: the interval that holds a draw of the
posterior 90% of the time, given so few), and the highest-density one (`hpd_interval`), which
may end at a prior's bound.

By default it runs a fast configuration of `peru-2022` (20 km cells, 1:1000, the first 16 days:
every observed day of December falls in them); `--full` runs `peru-2022` as shipped, and
`--set` adds overrides to either. The other parameters keep the scenario's values, in the
truth as in the calibration.

Run: NUMBA_NUM_THREADS=1 python benchmarks/calibration_coverage.py [--k 10] [--budget 300]
     [--populations 4] [--population-size 40] [--param key=low:high ...] [--full] [--out FILE]
     [--workers 2] [--time-runs N: only the cost of a run of the configuration]
     [--seed S: the truths' seed] [--merge FILE ...: only the coverage of the datasets of --out
     files, e.g. of runs split by --first or with other truths' seeds]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

from uprising.experiment.calibrate import (
    MIN_ACCEPTANCE,
    ParameterRange,
    calibrate,
    searched_ranges,
    with_parameters,
)
from uprising.experiment.summary_stats import load_target
from uprising.observed import DAY0, load_observed
from uprising.observed.observation import reported_active_of
from uprising.recorder.output import RunOutput
from uprising.runner import run_scenario
from uprising.scenario import Scenario, load_scenario

SCENARIO = "peru-2022"
FAST = ("world.resolution_km=20", "world.population_scale=1000", "run.steps=64")
# The parameters the Morris screening of docs/validation.md kept (mu* above the noise floor of
# 8 other seeds for at least one summary), with the scenario's prior ranges; the other 8 of the
# 20 `calibrated` ones keep their values.
SCREENED = (
    "citizens.legitimacy=0.8:0.98",
    "citizens.threshold=0.1:0.3",
    "world.hardship_concentration=1.0:10.0",
    "dynamics.timeline.0.size=0.0:0.2",
    "dynamics.lethality.police_rate=0.0:0.2",
    "dynamics.lethality.lethal_share=0.1:0.6",
    "dynamics.lethality.emergency_multiplier=1.0:3.0",
    "dynamics.lethality.crowd_min_people=500:3000",
    "dynamics.participation.daily_cost=3.0:7.0",
    "dynamics.participation.fatigue_cost=0.0:0.3",
    "dynamics.contagion.strength=0.0:0.3",
    "dynamics.legitimacy.half_life_days=2.0:30.0",
)
TRUTH_SEED = 10_000
# The 90% intervals scored: the prefix of their keys in a dataset's cells and in the coverage
# ("covered", "of"), and their label.
INTERVALS = (("", "central"), ("adjusted_", "for the ESS"), ("hpd_", "HPD"))
SOURCE = "synthetic: run of the calibration coverage benchmark"


def observed_days(folder: Path | None = None) -> tuple[set[int], set[int]]:
    """The days December's lists of departments and Sutran's national counts cover."""
    obs = load_observed(folder)
    listed = set(obs.regions_active["day"].to_list())
    sutran = obs.blockades.filter((obs.blockades["department"] == "") & ~obs.blockades["low_reliability"])
    return listed, set(sutran["day"].to_list())


def write_observed(output: RunOutput, folder: Path) -> Path:
    """The run as observed data in the format of `data/peru/observed/` (see the module docstring)."""
    listed, sutran = observed_days()
    folder.mkdir(parents=True, exist_ok=True)
    names, days = output.departments, output.days
    killed = output.daily["killed"].to_numpy().reshape(days, len(names))
    reported = reported_active_of(output)
    blockades = output.national()["blockades"].to_list()

    def date_of(day: int) -> str:
        return (DAY0 + timedelta(days=day)).isoformat()

    def write(name: str, header: list[str], rows: list[list[object]]) -> None:
        with (folder / name).open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)

    deaths = [
        [date_of(d), names[i], names[i], int(killed[d, i]), "clash", SOURCE]
        for d in range(days)
        for i in range(len(names))
        if killed[d, i] > 0
    ]
    if not deaths:  # a truth in which nobody died: a zero row, as the package's own files say it
        deaths = [[date_of(0), names[0], "(no death in any department)", 0, "clash", SOURCE]]
    write("deaths.csv", ["date", "region", "place", "deaths", "kind", "source"], deaths)
    points = [[date_of(d), "TOTAL", int(blockades[d]), SOURCE] for d in sorted(sutran) if d < days]
    write("blockades.csv", ["date", "region", "blockades", "source"], points)
    active = [
        [date_of(d), names[i], 1, SOURCE]
        for d in sorted(listed)
        if d < days
        for i in range(len(names))
        if reported[d, i]
    ]
    if not active:  # nobody reported on any listed day
        active = [[date_of(min(listed)), names[0], 0, SOURCE]]
    write("regions_active.csv", ["date", "region", "active", "source"], active)
    return folder


def draw_truth(ranges: list[ParameterRange], k: int, seed: int) -> list[float]:
    """Truth k: one draw from the uniform prior (rounded for an integer field)."""
    rng = np.random.default_rng([seed, k])
    values = [float(rng.uniform(r.low, r.high)) for r in ranges]
    return [float(round(v)) if r.integer else v for r, v in zip(ranges, values, strict=True)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--k", type=int, default=10, help="synthetic datasets")
    parser.add_argument("--first", type=int, default=1, help="the first dataset (to resume a stopped run)")
    parser.add_argument("--budget", type=int, default=300, help="simulations per calibration")
    parser.add_argument("--populations", type=int, default=4)
    parser.add_argument("--population-size", type=int, default=40)
    parser.add_argument("--param", action="append", help="key=low:high (default: the screened ones)")
    parser.add_argument("--full", action="store_true", help=f"{SCENARIO} as shipped, not the fast one")
    parser.add_argument("--set", action="append", default=[], help="more overrides")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-acceptance", type=float, default=MIN_ACCEPTANCE)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument(
        "--kernel",
        choices=("twice", "silverman"),
        default="twice",
        help="proposals: twice the population's covariance (the calibration's), or pyabc's default",
    )
    parser.add_argument("--time-runs", type=int, default=0, help="only time this many runs, in this process")
    parser.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        help="only print the coverage of the datasets in these --out files (runs split with --first)",
    )
    args = parser.parse_args()
    if args.merge:
        return merge(args.merge)

    overrides = (*(() if args.full else FAST), *args.set)
    base = load_scenario(SCENARIO, list(overrides))
    ranges = searched_ranges(base, list(args.param or SCREENED))
    if args.time_runs:
        return time_runs(base, args.time_runs)
    if args.kernel == "silverman":  # the transition calibrations used before (for comparison)
        import pyabc

        import uprising.experiment.calibrate as calibration

        calibration.proposal_kernel = pyabc.MultivariateNormalTransition
    rows = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="coverage-") as tmp:
        for k in range(args.first, args.k + 1):
            truth = draw_truth(ranges, k, args.seed)
            output = run_scenario(with_parameters(base, ranges, truth), seed=TRUTH_SEED + k)
            folder = write_observed(output, Path(tmp) / f"truth-{k}")
            result = calibrate(
                SCENARIO,
                load_target(base, folder),
                overrides=overrides,
                ranges=ranges,
                budget=args.budget,
                populations=args.populations,
                population_size=args.population_size,
                min_acceptance=args.min_acceptance,
                workers=args.workers,
                seed=k,
            )
            summary = {r["parameter"]: r for r in result.summary.iter_rows(named=True)}
            weights = result.particles["weight"].to_numpy()
            row = {
                "seed": args.seed,
                "k": k,
                "simulations": result.simulations,
                "generations": result.generations.height,
                "final_epsilon": float(result.generations["epsilon"][-1]),
                "ess": [round(float(e), 1) for e in result.generations["ess"]],
                "parameters": {
                    r.path: {
                        "truth": t,
                        "median": summary[r.path]["median"],
                        "low": summary[r.path]["low"],
                        "high": summary[r.path]["high"],
                        "covered": bool(summary[r.path]["low"] <= t <= summary[r.path]["high"]),
                        "adjusted_low": summary[r.path]["adjusted_low"],
                        "adjusted_high": summary[r.path]["adjusted_high"],
                        "adjusted_covered": bool(
                            summary[r.path]["adjusted_low"] <= t <= summary[r.path]["adjusted_high"]
                        ),
                        "rank": truth_rank(result.particles[r.path].to_numpy(), weights, t),
                        **hpd_cell(result.particles[r.path].to_numpy(), weights, t),
                    }
                    for r, t in zip(ranges, truth, strict=True)
                },
            }
            row["seconds"] = round(time.perf_counter() - start, 1)
            rows.append(row)
            if args.out:  # the datasets so far, in case the benchmark is stopped
                write_report(args, overrides, rows, {}, time.perf_counter() - start)
            covered = sum(p["covered"] for p in row["parameters"].values())
            print(
                f"dataset {k}: {covered}/{len(ranges)} covered, {row['simulations']} runs, "
                f"{row['generations']} generations, ESS {row['ess']}, {time.perf_counter() - start:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    coverage = print_coverage(rows, {r.path: (r.low, r.high) for r in ranges})
    seconds = time.perf_counter() - start
    print(f"{len(rows)} datasets, {sum(r['simulations'] for r in rows)} calibration runs, {seconds:.0f} s")
    if args.out:
        write_report(args, overrides, rows, coverage, seconds)
    return 0


def truth_rank(points: np.ndarray, weights: np.ndarray, truth: float) -> float:
    """The posterior's weighted share of particles below the truth, ties counted half: uniform
    over datasets when the posterior is calibrated (simulation-based calibration, Talts et al.
    2018), whatever its width; a 90% interval misses the truths ranked under 0.05 or over 0.95."""
    weights = weights / weights.sum()
    return float(weights[points < truth].sum() + 0.5 * weights[points == truth].sum())


def hpd_interval(points: np.ndarray, weights: np.ndarray, mass: float = 0.9) -> tuple[float, float]:
    """The shortest interval between two particles that holds `mass` of the posterior's weight
    (highest posterior density, on the particles as they are: no interpolation). Unlike the
    central interval, it may end at the prior's bound where the posterior piles up there."""
    order = np.argsort(points)
    x = np.asarray(points, dtype=float)[order]
    cum = np.concatenate([[0.0], np.cumsum(np.asarray(weights, dtype=float)[order])])
    cum /= cum[-1]
    last = np.searchsorted(cum, cum[:-1] + mass - 1e-12, side="left") - 1  # each start's end
    ok = last < x.size
    starts = np.flatnonzero(ok)
    widths = x[last[ok]] - x[starts]
    i = starts[int(np.argmin(widths))]
    return float(x[i]), float(x[last[i]])


def hpd_cell(points: np.ndarray, weights: np.ndarray, truth: float) -> dict:
    """The 90% HPD interval of one parameter's posterior and whether it holds the truth."""
    low, high = hpd_interval(points, weights)
    return {"hpd_low": low, "hpd_high": high, "hpd_covered": bool(low <= truth <= high)}


def print_coverage(rows: list[dict], priors: dict[str, tuple[float, float]]) -> dict[str, dict]:
    """Print and return, per parameter, the datasets whose 90% interval holds the truth, the mean
    interval width as a share of the prior's, where the missed truths sit in the prior, and
    (for datasets that recorded it) the p-value of a Kolmogorov-Smirnov test that the truths'
    posterior ranks are uniform."""
    from scipy.stats import kstest

    width = max(len(path) for path in priors)
    print(
        f"{'parameter':<{width}}  covered  mean 90% width / prior width  rank KS p  "
        "misses (0: prior's low end, 1: high)"
    )
    coverage = {}
    for path, (low, high) in priors.items():
        cells = [row["parameters"][path] for row in rows]
        hits = sum(c["covered"] for c in cells)
        misses = [round((c["truth"] - low) / (high - low), 2) for c in cells if not c["covered"]]
        share = float(np.mean([c["high"] - c["low"] for c in cells])) / (high - low)
        ranks = [c["rank"] for c in cells if "rank" in c]
        p = float(kstest(ranks, "uniform").pvalue) if len(ranks) >= 2 else float("nan")
        coverage[path] = {"covered": hits, "of": len(rows), "width": share, "misses": misses, "rank_ks_p": p}
        held = ""
        for kind, label in INTERVALS[1:]:
            flags = [c[f"{kind}covered"] for c in cells if f"{kind}covered" in c]
            if flags:
                coverage[path][f"{kind}covered"], coverage[path][f"{kind}of"] = sum(flags), len(flags)
                held += f"  {label} {sum(flags)}/{len(flags)}"
        print(f"{path:<{width}}  {hits:>3}/{len(rows):<3}  {share:.2f}  {p:9.2f}  {misses}{held}")
    pooled, cells = sum(c["covered"] for c in coverage.values()), sum(c["of"] for c in coverage.values())
    print(f"pooled: {pooled} of {cells} intervals hold their truth ({100 * pooled / max(cells, 1):.1f}%)")
    for kind, label in INTERVALS[1:]:
        if any(f"{kind}of" in c for c in coverage.values()):
            held = sum(c.get(f"{kind}covered", 0) for c in coverage.values())
            of = sum(c.get(f"{kind}of", 0) for c in coverage.values())
            share = 100 * held / of
            print(f"pooled, 90% intervals {label} (datasets that have them): {held} of {of} ({share:.1f}%)")
    print_goal(coverage, len(rows))
    return coverage


def print_goal(coverage: dict[str, dict], datasets: int) -> None:
    """The goal (at least 8 of 10 datasets for every parameter, read as 80% of the datasets) for
    each kind of interval, beside the chance that exact 90% intervals meet it on as many
    parameters and datasets (each parameter's count binomial, the parameters independent)."""
    from scipy.stats import binom

    need = math.ceil(0.8 * datasets)
    chance = binom.sf(need - 1, datasets, 0.9) ** len(coverage)
    for kind, label in INTERVALS:
        cells = [c for c in coverage.values() if c.get(f"{kind}of", c["of"]) == datasets]
        if len(cells) == len(coverage) and all(f"{kind}covered" in c for c in cells):
            met = sum(c[f"{kind}covered"] >= need for c in cells)
            print(f"goal, {label}: {met} of {len(cells)} parameters at {need} of {datasets} or more")
    print(
        f"exact 90% intervals would hold at least {need} of {datasets} for all {len(coverage)} parameters "
        f"with probability {chance:.2f}"
    )


def merge(files: list[Path]) -> int:
    """The coverage of the datasets of several `--out` files (the first of each truth seed and
    k kept; files written before the seed was recorded count as seed 1), with the priors of
    this script's screened parameters."""
    rows: dict[tuple[int, int], dict] = {}
    for path in files:
        for row in json.loads(path.read_text(encoding="utf-8"))["datasets"]:
            rows.setdefault((row.get("seed", 1), row["k"]), row)
    if not rows:
        print("no dataset in the files", file=sys.stderr)
        return 2
    base = load_scenario(SCENARIO, list(FAST))
    priors = {r.path: (r.low, r.high) for r in searched_ranges(base, list(SCREENED))}
    print_coverage([rows[key] for key in sorted(rows)], priors)
    print(f"{len(rows)} datasets: {', '.join(f'{seed}:{k}' for seed, k in sorted(rows))} (seed:k)")
    return 0


def time_runs(scenario: Scenario, runs: int) -> int:
    """Print the median wall and CPU time of `runs` runs of the configuration after a first run
    that compiles the kernels (seeds 1 to runs + 1): the cost that sets a calibration's budget."""
    run_scenario(scenario, seed=0)
    wall, cpu = [], []
    for seed in range(1, runs + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        run_scenario(scenario, seed=seed)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    wall_ms, cpu_ms = 1000 * np.median(wall), 1000 * np.median(cpu)
    print(f"{runs} runs: median {wall_ms:.0f} ms wall, {cpu_ms:.0f} ms CPU a run")
    return 0


def write_report(args: argparse.Namespace, overrides: tuple[str, ...], rows: list, coverage: dict,
                 seconds: float) -> None:  # fmt: skip
    """The options, the coverage per parameter (empty until every dataset is done) and the
    datasets, as JSON in `args.out`."""
    report = {"overrides": list(overrides), "budget": args.budget, "populations": args.populations,
              "population_size": args.population_size, "min_acceptance": args.min_acceptance,
              "workers": args.workers, "kernel": args.kernel, "seconds": seconds, "coverage": coverage,
              "datasets": rows}  # fmt: skip
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

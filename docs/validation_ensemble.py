"""The figures of docs/validation.md: peru-2022 over seeds, with each mechanism switched off.

    python docs/validation_ensemble.py --runs 8 [--workers 2]

Runs the scenario on seeds 2022, 2023, ... (the seeds `uprising run peru-2022` uses) for the
baseline and for each variant on the same seeds (common random numbers), and prints the
medians and 90% intervals (5th-95th percentiles over runs) of the observed targets.
"""

from __future__ import annotations

import argparse

import numpy as np

from uprising.experiment.executor import RunTask, map_runs
from uprising.observed import load_observed, observed_metrics, run_metrics

SOUTH = ["Apurímac", "Ayacucho", "Puno", "Cusco", "Arequipa"]
VARIANTS = {
    "baseline": (),
    "no feedback": ("dynamics.legitimacy.feedback=false",),
    "no contagion": ("dynamics.contagion.enabled=false",),
    "coordination": ("dynamics.coordination.enabled=true",),
    "no army": ("dynamics.timeline.4.military=0", "dynamics.timeline.5.military=0"),
}


def interval(values) -> str:
    x = np.asarray(values, float)
    return f"{np.median(x):.0f} [{np.percentile(x, 5):.0f}, {np.percentile(x, 95):.0f}]"


def table(name: str, metrics: list[dict]) -> list[str]:
    dep = np.array([m["departments_active_by_day"] for m in metrics])
    cum = np.array([m["cumulative_deaths_by_day"] for m in metrics])
    blk = np.array([m["blockades_by_day"] for m in metrics])
    deaths = {
        k: np.array([m["deaths_by_department"][k] for m in metrics])
        for k in metrics[0]["deaths_by_department"]
    }
    ranks = []
    for m in metrics:
        per = m["active_per_1000_by_department"]
        order = sorted(per, key=lambda k: -per[k])
        ranks.append([order.index(d) + 1 for d in SOUTH + ["Lima"]])
    ranks = np.array(ranks)
    top = sorted(deaths, key=lambda k: -np.median(deaths[k]))[:6]
    return [
        f"## {name} ({len(metrics)} runs)",
        f"departments active, median by day: {[int(x) for x in np.median(dep, 0)]}",
        f"departments active by day 3 (most on days 0-3): {interval(dep[:, :4].max(1))}; "
        f"most on any day: {interval(dep.max(1))}",
        f"deaths by 24 Dec (day 17): {interval(cum[:, 17])}; by 31 Dec: {interval(cum[:, -1])}",
        f"deaths in Ayacucho + Apurímac: {interval(deaths['Ayacucho'] + deaths['Apurímac'])}; "
        f"on 11-15 Dec (days 4-8): {interval(cum[:, 8] - cum[:, 3])}",
        "deaths by department: " + "; ".join(f"{k} {interval(deaths[k])}" for k in top),
        f"road points held, median by day: {[int(x) for x in np.median(blk, 0)]}",
        f"peak road points: {interval(blk.max(1))} on day {interval(blk.argmax(1))}; "
        f"on 12 Dec (day 5): {interval(blk[:, 5])}; on 17 Dec (day 10): {interval(blk[:, 10])}; "
        f"on 22 Dec (day 15): {interval(blk[:, 15])}",
        "rank by active per 1,000 people (1 = most, of 25): "
        + ", ".join(f"{d} {interval(ranks[:, i])}" for i, d in enumerate(SOUTH + ["Lima"])),
        *vote_lines(metrics),
        "",
    ]


def vote_lines(metrics: list[dict]) -> list[str]:
    votes: dict[str, list[tuple[int, bool]]] = {}
    for m in metrics:
        for outcome, yes in m["votes"]:
            name, _, result = outcome.partition(": ")
            votes.setdefault(name, []).append((yes, result == "passed"))
    return [
        f"vote {name}: yes {interval([y for y, _ in v])}, passed in {sum(p for _, p in v)} of {len(v)} runs"
        for name, v in votes.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--first-seed", type=int, default=2022)
    args = parser.parse_args()
    tasks = [
        RunTask("peru-2022", overrides, args.first_seed + i, label=name, position=i)
        for name, overrides in VARIANTS.items()
        for i in range(args.runs)
    ]
    results: dict[str, list[tuple[int, dict]]] = {name: [] for name in VARIANTS}
    for task, output in map_runs(tasks, workers=args.workers):
        metrics = run_metrics(output)
        votes = output.events.filter(output.events["kind"] == "vote")
        metrics["votes"] = list(zip(votes["outcome"].to_list(), votes["votes"].to_list(), strict=True))
        results[task.label].append((task.seed, metrics))
    obs = observed_metrics(load_observed())
    print("observed:", {k: obs[k] for k in ("total_deaths", "peak_blockades", "peak_blockade_day")})
    for name in VARIANTS:
        print("\n".join(table(name, [m for _, m in sorted(results[name])])))


if __name__ == "__main__":
    main()

"""A scenario's predictive check against observed data: how many of a calibration's statistics
fall inside the 90% band of N runs of one scenario (seed noise alone, no parameter spread).

The statistics and the band are those of `uprising calibrate`'s posterior predictive check
(`uprising.experiment.predictive`): departments reported active on the days the lists name
any, deaths by period and group of departments, Sutran's road points. Several scenarios (or
one with several `--set` lists) run on the same seeds, side by side, so that hand-tuned values
and a posterior's medians are compared alike.

Beside the count of bands, a proper score: each statistic's CRPS of the runs against the
observed value (`uprising.forecast.scoring.crps_ensemble`, in the statistic's own unit), averaged
over the statistics of each summary (departments reported active, deaths, road points). A band
holds a run that kills nobody as well as one that kills the observed toll; the CRPS does not.

Run: python benchmarks/scenario_check.py peru-2022 [other.yaml ...] [--runs 16] [--set key=value ...]
     [--observed DIR] [--workers 2] [--posterior FILE_OR_NAME] [--death-cells fine] [--rows]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from uprising.experiment.executor import RunTask, map_runs
from uprising.experiment.predictive import inside_count, predictive_check
from uprising.experiment.summary_stats import block_of, load_target
from uprising.forecast.scoring import crps_ensemble
from uprising.scenario import load_scenario

OBSERVED = Path(__file__).resolve().parent.parent / "src" / "uprising" / "data" / "peru" / "observed"


def check(
    scenario: str,
    overrides: list[str],
    runs: int,
    first_seed: int,
    observed: Path,
    workers: int,
    posterior: str | None = None,
    death_cells: str = "coarse",
):
    """The check of `runs` runs of `scenario` on seeds first_seed, first_seed + 1, ..., and the
    mean CRPS of each summary's statistics; with a posterior (a file or a built-in name), run i
    takes particle draws(runs, first_seed)[i], as `uprising run --posterior` does."""
    built = load_scenario(scenario, overrides)
    target = load_target(built, observed, death_cells)
    each = [tuple(overrides)] * runs
    if posterior is not None:
        from uprising.experiment.posterior import drawn_overrides, read_posterior

        each = drawn_overrides(read_posterior(posterior), runs, first_seed, overrides)
    tasks = [RunTask(scenario, each[i], first_seed + i, "", i) for i in range(runs)]
    done = sorted(map_runs(tasks, workers=workers), key=lambda pair: pair[0].position)
    simulated = [target.stats_of(out) for _, out in done]
    names = list(target.observed)
    members = np.array([[stats[name] for name in names] for stats in simulated])
    scores = crps_ensemble(members, np.array([target.observed[name] for name in names]))
    blocks: dict[str, list[float]] = {}
    for name, score in zip(names, scores, strict=True):
        blocks.setdefault(block_of(name), []).append(float(score))
    crps = {block: float(np.mean(values)) for block, values in blocks.items()}
    return predictive_check(target.observed, simulated), crps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="+", help="built-in names or YAML files")
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument("--seed", type=int, default=2022, help="first seed")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="key=value")
    parser.add_argument("--observed", type=Path, default=OBSERVED)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--posterior", help="draw each run's parameters from this posterior")
    parser.add_argument("--death-cells", default="coarse", help="coarse or fine (`uprising calibrate`)")
    parser.add_argument("--rows", action="store_true", help="print every statistic")
    args = parser.parse_args()
    for scenario in args.scenarios:
        table, crps = check(
            scenario,
            args.overrides,
            args.runs,
            args.seed,
            args.observed,
            args.workers,
            args.posterior,
            args.death_cells,
        )
        inside, total = inside_count(table)
        drawn = f" drawn from {args.posterior}" if args.posterior else ""
        print(f"{scenario}{drawn} {' '.join(args.overrides)}: {inside} of {total} inside the runs' 90% band")
        print("  mean CRPS: " + ", ".join(f"{block} {value:.3f}" for block, value in crps.items()))
        outside = table.filter(~table["inside"])
        rows = table if args.rows else outside
        for row in rows.iter_rows(named=True):
            mark = "  " if row["inside"] else "x "
            print(
                f"  {mark}{row['statistic']}: observed {row['observed']:g}, runs {row['median']:g} "
                f"[{row['low']:g}, {row['high']:g}]"
            )


if __name__ == "__main__":
    main()

"""Counterfactual comparisons: a baseline and an alternative run on the same seeds.

With common random numbers each seed gives a pair of runs that differ only by the change, so
the spread of the paired differences measures the change's effect rather than the noise
between seeds. Each output's mean difference comes with a 95% t interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Unpack

import numpy as np
import polars as pl
from scipy import stats

from uprising.errors import UprisingError
from uprising.experiment.ensemble import MAX_RUNS, ExperimentResult, run_experiment
from uprising.experiment.execution import ExecutionKeywords, ExecutionOptions, execution_options
from uprising.experiment.executor import RunTask
from uprising.experiment.snapshot import ScenarioSnapshot, snapshot_of
from uprising.observed import scalar_metrics

if TYPE_CHECKING:
    from uprising.experiment.calibrate import Calibration

BASELINE = "baseline"
ALTERNATIVE = "alternative"
CONFIDENCE = 0.95


def compare_tasks(
    scenario: str,
    changes: Sequence[str],
    runs: int,
    first_seed: int,
    overrides: Sequence[str] = (),
    common_seeds: bool = True,
    posterior: Calibration | None = None,
) -> list[RunTask]:
    """Baseline runs then alternative runs; the alternative reuses the baseline's seeds
    (common random numbers) unless `common_seeds` is False, when it takes the next ones.

    With a `posterior`, pair k also shares the particle `draws(runs, first_seed)[k]`: both runs
    apply the calibration's overrides, `overrides`, then the particle's values; the
    alternative's changes come last, so a change wins over the particle."""
    alt_first = first_seed if common_seeds else first_seed + runs
    if posterior is None:
        each = [tuple(overrides)] * runs
    else:
        from uprising.experiment.posterior import drawn_overrides

        each = drawn_overrides(posterior, runs, first_seed, list(overrides))
    tasks = [RunTask(scenario, each[k], first_seed + k, BASELINE, k) for k in range(runs)]
    tasks += [
        RunTask(scenario, (*each[k], *changes), alt_first + k, ALTERNATIVE, runs + k) for k in range(runs)
    ]
    return tasks


def paired_differences(
    baseline: Sequence[dict[str, float]], alternative: Sequence[dict[str, float]]
) -> pl.DataFrame:
    """Per output: the baseline and alternative means and the mean paired difference
    (alternative minus baseline) with its standard deviation and 95% t interval."""
    if len(baseline) != len(alternative) or len(baseline) < 2:
        raise UprisingError("compare: needs the same number of baseline and alternative runs, at least 2")
    n = len(baseline)
    t = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1))
    rows = []
    for key in baseline[0]:
        a = np.array([m[key] for m in baseline], dtype=float)
        b = np.array([m[key] for m in alternative], dtype=float)
        d = b - a
        sd = float(d.std(ddof=1))
        half = t * sd / math.sqrt(n)
        rows.append(
            {
                "output": key,
                "baseline": float(a.mean()),
                "alternative": float(b.mean()),
                "difference": float(d.mean()),
                "sd": sd,
                "low": float(d.mean()) - half,
                "high": float(d.mean()) + half,
                "runs": n,
            }
        )
    return pl.DataFrame(rows)


def run_compare(
    scenario: str | ScenarioSnapshot,
    changes: Sequence[str],
    runs: int = 8,
    first_seed: int | None = None,
    overrides: Sequence[str] = (),
    common_seeds: bool = True,
    options: ExecutionOptions | None = None,
    posterior: Calibration | None = None,
    **execution: Unpack[ExecutionKeywords],
) -> ExperimentResult:
    """Run the comparison; `result.extra['differences']` is the table of `paired_differences`
    (also saved as table 'differences'). With a `posterior`, see `compare_tasks`."""
    if not changes:
        raise UprisingError("compare: give the alternative's changes with --set key=value")
    if not 2 <= runs <= MAX_RUNS:
        raise UprisingError(f"--runs {runs}: must be from 2 to {MAX_RUNS} for a comparison")
    snapshot = snapshot_of(scenario)
    base = snapshot.scenario(overrides)
    first = base.run.seed if first_seed is None else int(first_seed)
    tasks = compare_tasks(snapshot.ref, changes, runs, first, overrides, common_seeds, posterior)
    spec = {
        "overrides": list(overrides),
        "changes": list(changes),
        "runs": runs,
        "first_seed": first,
        "common_seeds": common_seeds,
    }
    if posterior is not None:
        from uprising.experiment.posterior import posterior_digest

        spec["posterior"] = posterior_digest(posterior)
    opts = execution_options(options, execution)
    result = run_experiment("compare", snapshot, overrides, tasks, spec, opts)
    arms: dict[str, list[dict[str, float]]] = {BASELINE: [], ALTERNATIVE: []}
    for task, output in zip(result.tasks, result.outputs, strict=True):
        arms[task.label].append(scalar_metrics(output))
    table = paired_differences(arms[BASELINE], arms[ALTERNATIVE])
    if opts.store is not None and result.experiment_id is not None:
        opts.store.save_table(result.experiment_id, "differences", table)
    result.extra["differences"] = table
    return result

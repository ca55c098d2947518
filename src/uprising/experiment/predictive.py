"""Posterior predictive checks of a calibration: does the fitted model reproduce its data?

Runs are drawn from the calibration's last population by weight (`Calibration.draws`), each
with its particle's parameters and its own seed, and the summary statistics the calibration
compared (`Target.stats_of`) are computed from each. Per statistic the check sets the observed
value beside the runs' median and 90% band and gives the share of runs below the observed
value (ties counted half): near 0 or 1 the fitted model does not reproduce that statistic, even
at the parameters the data chose (Gelman, Meng and Stern 1996, posterior predictive p-values).
A calibration that converged on a wrong model fits badly here however narrow its posterior.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from uprising.errors import UprisingError
from uprising.experiment.calibrate import Calibration
from uprising.experiment.executor import RunTask

MAX_CHECK_RUNS = 10_000
LOW, HIGH = 0.05, 0.95  # the band of the check: 90% of the runs
COLUMNS = {
    "statistic": pl.String,
    "observed": pl.Float64,
    "median": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
    "inside": pl.Boolean,
    "share_below": pl.Float64,
}


def check_runs_option(runs: int) -> int:
    if not 0 <= runs <= MAX_CHECK_RUNS:
        raise UprisingError(f"--check-runs {runs}: must be from 0 (no check) to {MAX_CHECK_RUNS}")
    return runs


def predictive_tasks(result: Calibration, runs: int, seed: int) -> list[RunTask]:
    """The check's runs: particle `result.draws(runs, seed)[i]` with seed `seed + i`, the
    overrides `uprising run --posterior` gives the same runs (`posterior.drawn_overrides`)."""
    from uprising.experiment.posterior import drawn_overrides

    each = drawn_overrides(result, runs, seed, []) if runs else []
    return [RunTask(result.scenario_ref, overrides, seed + i, "", i) for i, overrides in enumerate(each)]


def predictive_check(observed: dict[str, float], simulated: Sequence[dict[str, float]]) -> pl.DataFrame:
    """One row per observed statistic: the observed value, the runs' median and 90% band, whether
    the observed value is inside it, and the share of runs below it (ties counted half)."""
    if not simulated:
        return pl.DataFrame(schema=COLUMNS)
    rows = []
    for name, value in observed.items():
        values = np.array([float(stats.get(name, np.nan)) for stats in simulated])
        values = values[~np.isnan(values)]
        if not values.size:
            continue
        low, median, high = np.quantile(values, [LOW, 0.5, HIGH])
        rows.append(
            {
                "statistic": name,
                "observed": float(value),
                "median": float(median),
                "low": float(low),
                "high": float(high),
                "inside": bool(low <= value <= high),
                "share_below": float(np.mean(values < value) + 0.5 * np.mean(values == value)),
            }
        )
    return pl.DataFrame(rows, schema=COLUMNS)


def inside_count(check: pl.DataFrame) -> tuple[int, int]:
    """(statistics inside the band, statistics checked)."""
    return int(check["inside"].sum()), check.height

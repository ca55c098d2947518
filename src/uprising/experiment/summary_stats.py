"""Summary statistics that put a run beside observed data, and named scalar outputs of a run.

Calibration compares flat dicts of numbers (`stat name -> value`): for the classic torus the
mean and peak actives and the final jailed of a per-tick series; for Peru the metrics of
`uprising.observed` flattened (`blockades_by_day[3]`, `deaths_by_department[Puno]`), kept only
where the observed data have a value. Sensitivity reads the scalar outputs of
`uprising.observed.scalar_metrics`, with the units its plots print.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from uprising.data.peru_data import read_csv_rows
from uprising.errors import DataError, UprisingError
from uprising.recorder.output import RunOutput
from uprising.scenario.model import Scenario

CLASSIC_STATS = ("mean_active", "peak_active", "final_jailed")
PERU_METRICS = (
    "departments_reported_active_by_day",  # through the observation model, as the sources saw it
    "deaths_by_department",
    "cumulative_deaths_by_day",
    "blockades_by_day",
)
SERIES_COLUMNS = ("tick", "quiescent", "active", "jailed")
PERU_FILES = ("deaths.csv", "blockades.csv", "regions_active.csv")

# Named scalar outputs of a run (the keys of `uprising.observed.scalar_metrics`) and their units.
OUTPUT_UNITS = {
    "mean_active": "people active, mean over days",
    "peak_active": "people active at the peak",
    "final_jailed": "people jailed at the end",
    "total_deaths": "deaths",
    "peak_blockades": "road blockades at the peak",
    "peak_blockade_day": "day of the blockade peak",
    "departments_active_max": "departments reported active, most in a day",
    "departments_active_day4": "departments reported active by day 4",
    "participation_peak": "people in the street at the national peak (participants)",
}


def check_outputs(names: list[str]) -> list[str]:
    """The output names, checked against `OUTPUT_UNITS` (one error line naming the bad one)."""
    if not names:
        raise UprisingError(f"--outputs: give at least one of {', '.join(OUTPUT_UNITS)}")
    for name in names:
        if name not in OUTPUT_UNITS:
            raise UprisingError(f"--outputs {name}: unknown output; allowed: {', '.join(OUTPUT_UNITS)}")
    return names


def scalar_outputs(output: RunOutput, names: list[str]) -> dict[str, float]:
    """The named scalar outputs of one run."""
    from uprising.observed import scalar_metrics

    values = scalar_metrics(output)
    return {name: float(values[name]) for name in names}


def classic_stats(active: np.ndarray, jailed: np.ndarray) -> dict[str, float]:
    """Mean and peak actives over ticks 1.. (tick 0 is the initial state) and the final jailed."""
    after = active[1:] if active.size > 1 else active
    return {
        "mean_active": float(after.mean()),
        "peak_active": float(after.max()),
        "final_jailed": float(jailed[-1]),
    }


def flatten_metrics(metrics: dict[str, Any], keys: tuple[str, ...] = PERU_METRICS) -> dict[str, float]:
    """`{"blockades_by_day": [3, None]}` -> `{"blockades_by_day[0]": 3.0}`: one number per entry.

    Entries that are None (not observed) are left out, so a distance compares observed values only.
    """
    flat: dict[str, float] = {}
    for key in keys:
        value = metrics.get(key)
        if value is None:
            continue
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list | tuple):
            items = enumerate(value)
        else:
            flat[key] = float(value)
            continue
        for index, item in items:
            if item is not None:
                flat[f"{key}[{index}]"] = float(item)
    return flat


def block_of(stat: str) -> str:
    """The metric a flat statistic belongs to: `blockades_by_day[3]` -> `blockades_by_day`."""
    return stat.split("[", 1)[0]


def normalised_distance(simulated: dict[str, float], observed: dict[str, float]) -> float:
    """Mean over metrics of the mean absolute error of their entries, divided by the metric's scale.

    The scale of a metric is the mean absolute observed value of its entries (at least 1), so a
    metric counted in thousands of people weighs as much as one counted in departments.
    Statistics absent from `observed` are ignored; a simulated one that is absent counts as 0.
    """
    errors: dict[str, list[float]] = {}
    scales: dict[str, list[float]] = {}
    for stat, target in observed.items():
        block = block_of(stat)
        errors.setdefault(block, []).append(abs(simulated.get(stat, 0.0) - target))
        scales.setdefault(block, []).append(abs(target))
    if not errors:
        return 0.0
    total = 0.0
    for block, errs in errors.items():
        scale = max(float(np.mean(scales[block])), 1.0)
        total += float(np.mean(errs)) / scale
    return total / len(errors)


def _series_file(folder: Path) -> Path:
    named = folder / "series.csv"
    if named.exists():
        return named
    candidates = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f), [])
        if all(c in header for c in SERIES_COLUMNS):
            candidates.append(path)
    if len(candidates) != 1:
        found = "none" if not candidates else ", ".join(p.name for p in candidates)
        raise DataError(
            f"--observed {folder}: expected series.csv (columns {', '.join(SERIES_COLUMNS)}, "
            f"as written by `uprising simulate --out`) or exactly one CSV with them; found {found}"
        )
    return candidates[0]


def series_stats(folder: Path) -> dict[str, float]:
    """The classic statistics of a per-tick series CSV in `folder` (see `_series_file`)."""
    path = _series_file(folder)
    columns: dict[str, list[float]] = {c: [] for c in SERIES_COLUMNS}
    for line, row in enumerate(read_csv_rows(path.name, path.parent, list(SERIES_COLUMNS)), 2):
        for c in SERIES_COLUMNS:
            try:
                value = float(row[c])
            except (TypeError, ValueError):
                raise DataError(f"{path.name} line {line}: {c} = {row[c]!r} is not a number") from None
            if not math.isfinite(value) or value < 0:
                raise DataError(f"{path.name} line {line}: {c} = {row[c]}: must be >= 0")
            columns[c].append(value)
    return classic_stats(np.asarray(columns["active"]), np.asarray(columns["jailed"]))


def run_days(scenario: Scenario) -> int:
    """Days the daily table of a run of `scenario` covers (day 0 holds ticks 1..ticks_per_day)."""
    return max(1, math.ceil(scenario.run.steps / scenario.run.ticks_per_day))


@dataclass(frozen=True)
class Target:
    """Observed statistics and the function that computes the same statistics from a run."""

    kind: str  # "classic" (series.csv) or "peru" (observed folder of uprising.observed)
    observed: dict[str, float]
    stats_of: Callable[[RunOutput], dict[str, float]]


def _classic_run_stats(output: RunOutput) -> dict[str, float]:
    national = output.national()
    return classic_stats(national["active"].to_numpy(), national["jailed"].to_numpy())


@dataclass(frozen=True)
class _PeruRunStats:
    """Flat Peru statistics of a run over its first `days` days (picklable, for worker processes)."""

    days: int

    def __call__(self, output: RunOutput) -> dict[str, float]:
        from uprising.observed import run_metrics

        metrics = run_metrics(output)
        for key in PERU_METRICS:
            if isinstance(metrics.get(key), list):
                metrics[key] = metrics[key][: self.days]
        return flatten_metrics(metrics)


def load_target(scenario: Scenario, folder: Path) -> Target:
    """The calibration target in `folder` for `scenario`: Peru's observed data or a classic series."""
    if not folder.is_dir():
        raise DataError(f"--observed {folder}: not a folder")
    if scenario.world.kind == "peru":
        from uprising.observed import load_observed, observed_metrics

        missing = [name for name in PERU_FILES if not (folder / name).exists()]
        if missing:
            raise DataError(f"--observed {folder}: missing {', '.join(missing)}")
        days = run_days(scenario)
        obs = load_observed(folder)
        metrics = observed_metrics(obs, days=days)
        # Deaths by department within the days the run covers (observed_metrics counts them all),
        # leaving out, as it does, the death added retroactively.
        within = obs.deaths.filter(~pl.col("retroactive") & (pl.col("day") < days))
        by_department = dict.fromkeys(obs.departments, 0)
        for department, deaths in within.group_by("department").agg(pl.col("deaths").sum()).iter_rows():
            by_department[department] = int(deaths)
        metrics["deaths_by_department"] = by_department
        observed = flatten_metrics(metrics)
        if not observed:
            raise DataError(f"--observed {folder}: no observed value within the run's {days} days")
        return Target("peru", observed, _PeruRunStats(days))
    return Target("classic", series_stats(folder), _classic_run_stats)

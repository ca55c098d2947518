"""Parameter sweeps: a grid and/or a Latin hypercube of parameter values, stored as one experiment.

Each point of the sweep runs with the same seeds (common random numbers), so differences
between points come from the parameters, not from luck. The hypercube uses a fixed seed, so
the same command gives the same points (and resumes the same experiment).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Unpack

import numpy as np
import polars as pl
from scipy.stats import qmc

from uprising.errors import ScenarioError, UprisingError
from uprising.experiment.ensemble import ExperimentResult, check_runs, run_experiment
from uprising.experiment.execution import ExecutionKeywords, ExecutionOptions, execution_options
from uprising.experiment.executor import RunTask
from uprising.experiment.snapshot import ScenarioSnapshot, snapshot_of
from uprising.observed import scalar_metrics
from uprising.scenario.bounded_yaml import load_bounded

MAX_SAMPLES = 100_000
MAX_POINTS = 100_000


@dataclass(frozen=True)
class SweepPoint:
    """One combination of parameter values: the text of its overrides and the typed values."""

    index: int
    overrides: tuple[str, ...]
    values: dict[str, Any]
    label: str = ""  # its group: its values, e.g. `citizens.legitimacy=0.7 cops.density=0.04`


def point_label(values: dict[str, Any]) -> str:
    """A point's values in a few characters each (hypercube values to 4 significant digits)."""
    return " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())


def parse_grid(items: Sequence[str]) -> dict[str, list[str]]:
    """`key=v1,v2,...` options as {key: [raw values]} (values stay text for the overrides)."""
    grid: dict[str, list[str]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        values = [v.strip() for v in raw.split(",")]
        if not sep or not key or not raw.strip() or any(v == "" for v in values):
            raise UprisingError(f"--grid {item!r}: expected key=v1,v2,... with no empty value")
        if key in grid:
            raise UprisingError(f"--grid {key}: given twice; list all its values in one --grid")
        grid[key] = values
    return grid


def parse_lhs(items: Sequence[str]) -> dict[str, tuple[float, float]]:
    """`key=low:high` options as {key: (low, high)}, low < high, both finite."""
    ranges: dict[str, tuple[float, float]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        low_text, colon, high_text = raw.partition(":")
        try:
            low, high = float(low_text), float(high_text)
        except ValueError:
            low = high = math.nan
        if not sep or not key or not colon or not (math.isfinite(low) and math.isfinite(high)):
            raise UprisingError(f"--lhs {item!r}: expected key=low:high with two numbers")
        if not low < high:
            raise UprisingError(f"--lhs {key}={raw}: low must be below high")
        if key in ranges:
            raise UprisingError(f"--lhs {key}: given twice")
        ranges[key] = (low, high)
    return ranges


def sweep_points(
    grid: dict[str, list[str]],
    lhs: dict[str, tuple[float, float]],
    samples: int | None = None,
    lhs_seed: int = 0,
) -> list[SweepPoint]:
    """Every grid combination crossed with every hypercube sample (either may be absent)."""
    if set(grid) & set(lhs):
        raise UprisingError(f"--grid and --lhs: {sorted(set(grid) & set(lhs))[0]} is in both")
    if not grid and not lhs:
        raise UprisingError("sweep: give at least one --grid key=v1,v2,... or --lhs key=low:high")
    if lhs and samples is None:
        raise UprisingError("--samples: required with --lhs (how many hypercube points, 1 to 100000)")
    if samples is not None and not lhs:
        raise UprisingError("--samples: only with --lhs")
    if samples is not None and not 1 <= samples <= MAX_SAMPLES:
        raise UprisingError(f"--samples {samples}: must be from 1 to {MAX_SAMPLES}")
    hypercube: list[dict[str, float]] = [{}]
    if lhs:
        unit = qmc.LatinHypercube(d=len(lhs), rng=np.random.default_rng(lhs_seed)).random(samples)
        lows = np.array([lo for lo, _ in lhs.values()])
        highs = np.array([hi for _, hi in lhs.values()])
        scaled = qmc.scale(unit, lows, highs)
        hypercube = [dict(zip(lhs, (float(v) for v in row), strict=True)) for row in scaled]
    combos = list(itertools.product(*grid.values())) if grid else [()]
    if len(combos) * len(hypercube) > MAX_POINTS:
        raise UprisingError(f"sweep: {len(combos) * len(hypercube)} points; at most {MAX_POINTS}")
    points = []
    for combo in combos:
        for sample in hypercube:
            overrides = [f"{k}={v}" for k, v in zip(grid, combo, strict=True)]
            overrides += [f"{k}={v!r}" for k, v in sample.items()]
            values = {
                k: load_bounded(str(v), f"--grid {k}") for k, v in zip(grid, combo, strict=True)
            } | sample
            points.append(SweepPoint(len(points), tuple(overrides), values, point_label(values)))
    if len({p.label for p in points}) < len(points):  # hypercube values equal to 4 digits
        points = [replace(p, label=f"point {p.index}: {p.label}") for p in points]
    return points


def sweep_tasks(
    scenario: str,
    points: Sequence[SweepPoint],
    runs_per_point: int,
    first_seed: int,
    overrides: Sequence[str] = (),
) -> list[RunTask]:
    """Every point with seeds first_seed .. first_seed + runs_per_point - 1 (the same for all)."""
    check_runs(runs_per_point, "--runs-per-point")
    tasks = []
    for point in points:
        for k in range(runs_per_point):
            tasks.append(
                RunTask(
                    scenario,
                    (*overrides, *point.overrides),
                    first_seed + k,
                    label=point.label,
                    position=len(tasks),
                )
            )
    return tasks


def points_table(points: Sequence[SweepPoint], result: ExperimentResult) -> pl.DataFrame:
    """One row per point: its parameter values, runs, and the mean of each scalar output."""
    per_point: dict[str, list[dict[str, float]]] = {}
    for task, output in zip(result.tasks, result.outputs, strict=True):
        per_point.setdefault(task.label, []).append(scalar_metrics(output))
    rows = []
    for point in points:
        metrics = per_point[point.label]
        means = {k: float(np.mean([m[k] for m in metrics])) for k in metrics[0]}
        rows.append({"point": point.index, **point.values, "runs": len(metrics), **means})
    columns = {key: pl.Series(key, [r[key] for r in rows], strict=False) for key in rows[0]}
    return pl.DataFrame(list(columns.values()))


def _check_keys(
    scenario: ScenarioSnapshot,
    overrides: Sequence[str],
    grid: dict[str, list[str]],
    lhs: dict[str, tuple[float, float]],
) -> None:
    """Each swept parameter must exist: an unknown one fails naming its --grid or --lhs option."""
    for flag, keys in (("--grid", list(grid)), ("--lhs", list(lhs))):
        for key in keys:
            value = grid[key][0] if key in grid else repr(lhs[key][0])
            try:
                scenario.scenario([*overrides, f"{key}={value}"])
            except ScenarioError as err:
                raise ScenarioError(str(err).replace("--set ", f"{flag} ", 1)) from None


def run_sweep(
    scenario: str | ScenarioSnapshot,
    grid: dict[str, list[str]],
    lhs: dict[str, tuple[float, float]] | None = None,
    samples: int | None = None,
    runs_per_point: int = 1,
    first_seed: int | None = None,
    overrides: Sequence[str] = (),
    lhs_seed: int = 0,
    options: ExecutionOptions | None = None,
    **execution: Unpack[ExecutionKeywords],
) -> ExperimentResult:
    """Run a sweep; `result.extra['points']` is the points table (also saved as table 'points')."""
    lhs = lhs or {}
    points = sweep_points(grid, lhs, samples, lhs_seed)
    check_runs(runs_per_point, "--runs-per-point")
    snapshot = snapshot_of(scenario)
    base = snapshot.scenario(overrides)
    first = base.run.seed if first_seed is None else int(first_seed)
    _check_keys(snapshot, overrides, grid, lhs)
    tasks = sweep_tasks(snapshot.ref, points, runs_per_point, first, overrides)
    spec = {
        "overrides": list(overrides),
        "grid": grid,
        "lhs": {k: list(v) for k, v in lhs.items()},
        "samples": samples,
        "lhs_seed": lhs_seed,
        "runs_per_point": runs_per_point,
        "first_seed": first,
    }
    opts = execution_options(options, execution)
    result = run_experiment("sweep", snapshot, overrides, tasks, spec, opts)
    table = points_table(points, result)
    if opts.store is not None and result.experiment_id is not None:
        opts.store.save_table(result.experiment_id, "points", table)
    result.extra["points"] = table
    return result

"""Metrics of a run, of an ensemble and of the observed data, with the same keys.

Two quantities of people: *supporters* (`active`: Epstein's actives, who would join) and
*participants* (`participants`: people in the street at the day's peak). A department has
street protest on a day when at least `active_min_people` participate
(`departments_active_by_day`, the model's state), and is *reported* active when the observation
model says the sources would have named it (`departments_reported_active_by_day`, see
`observation.py`): that is the series compared with the observed lists, which are lower bounds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from uprising.observed.loader import NATIONAL, Observed
from uprising.observed.observation import participation_matrix, reported_active_of
from uprising.recorder.output import RunOutput

DEFAULT_ACTIVE_MIN_PEOPLE = 1000
FOURTH_DAY = 3  # 7 Dec is the first day of the crisis, so 10 Dec (day 3) is its fourth
METRIC_KEYS = (
    "departments_active_by_day",
    "departments_reported_active_by_day",
    "days_reported_active_by_department",
    "deaths_by_department",
    "cumulative_deaths_by_day",
    "blockades_by_day",
    "peak_active_day",
    "active_by_department",
    "active_per_1000_by_department",
    "participation_peak_share",
    "participation_peak_per_1000",
    "max_daily_deaths_by_department",
)
# Kept per run in an ensemble's summary (a list over runs), not as a median.
PER_RUN_KEYS = ("max_daily_deaths_by_department",)


def active_min_people(output: RunOutput) -> int:
    dyn = output.parameters.get("dynamics") or {}
    return int(dyn.get("active_department_people", DEFAULT_ACTIVE_MIN_PEOPLE))


def _matrix(output: RunOutput, column: str) -> np.ndarray:
    """[day, department] array of one daily column, departments in output order."""
    days, n = output.days, len(output.departments)
    return output.daily[column].to_numpy().reshape(days, n)


def run_metrics(output: RunOutput) -> dict[str, Any]:
    """The comparable metrics of one run (see METRIC_KEYS), plus the scalars of `scalar_metrics`."""
    names = output.departments
    active = _matrix(output, "active")
    killed = _matrix(output, "killed")
    population = _matrix(output, "quiescent")[0] + _matrix(output, "active")[0] + _matrix(output, "jailed")[0]
    national = output.national()
    participants = participation_matrix(output)
    street_days = (participants >= active_min_people(output)).sum(axis=1)
    reported = reported_active_of(output)
    per_1000 = np.where(population > 0, 1000.0 * active.max(axis=0) / np.maximum(population, 1), 0.0)
    part_1000 = np.where(
        population > 0, 1000.0 * participants.max(axis=0, initial=0) / np.maximum(population, 1), 0.0
    )
    national_share = participants.sum(axis=1).max(initial=0) / max(int(population.sum()), 1)
    metrics: dict[str, Any] = {
        "departments_active_by_day": [int(x) for x in street_days],
        "departments_reported_active_by_day": [int(x) for x in reported.sum(axis=1)],
        "days_reported_active_by_department": {
            d: int(n) for d, n in zip(names, reported.sum(axis=0), strict=True)
        },
        "deaths_by_department": {d: int(k) for d, k in zip(names, killed.sum(axis=0), strict=True)},
        "cumulative_deaths_by_day": [int(x) for x in np.cumsum(killed.sum(axis=1))],
        "blockades_by_day": [int(x) for x in national["blockades"].to_list()],
        "peak_active_day": int(np.argmax(national["active"].to_numpy())) if output.days else 0,
        "active_by_department": {d: int(a) for d, a in zip(names, active.max(axis=0), strict=True)},
        "active_per_1000_by_department": {
            d: round(float(p), 3) for d, p in zip(names, per_1000, strict=True)
        },
        "participation_peak_share": round(float(national_share), 5),
        "participation_peak_per_1000": {d: round(float(p), 3) for d, p in zip(names, part_1000, strict=True)},
        "max_daily_deaths_by_department": {
            d: int(k) for d, k in zip(names, killed.max(axis=0, initial=0), strict=True)
        },
    }
    metrics.update(scalar_metrics(output, metrics))
    return metrics


def scalar_metrics(output: RunOutput, metrics: dict[str, Any] | None = None) -> dict[str, float]:
    """Named scalar outputs of a run (for sweeps, sensitivity and calibration)."""
    national = output.national()
    active = national["active"].to_numpy()
    blockades = national["blockades"].to_numpy()
    killed = national["killed"].to_numpy()
    by_day = (metrics or {}).get("departments_reported_active_by_day")
    if by_day is None:
        by_day = list(reported_active_of(output).sum(axis=1))
    return {
        "mean_active": float(active[1:].mean()) if active.size > 1 else float(active.mean()),
        "peak_active": float(active.max()) if active.size else 0.0,
        "final_jailed": float(national["jailed"][-1]) if national.height else 0.0,
        "total_deaths": float(killed.sum()),
        "peak_blockades": float(blockades.max()) if blockades.size else 0.0,
        "peak_blockade_day": float(np.argmax(blockades)) if blockades.size else 0.0,
        "departments_active_max": float(max(by_day)) if len(by_day) else 0.0,
        "participation_peak": float(participation_matrix(output).sum(axis=1).max(initial=0)),
        "departments_active_day4": float(max(by_day[: FOURTH_DAY + 1])) if len(by_day) else 0.0,
    }


def _median(values: list[Any]) -> Any:
    first = values[0]
    if isinstance(first, dict):
        keys = list(first)
        return {k: _median([v.get(k, 0) for v in values]) for k in keys}
    if isinstance(first, list):
        length = max(len(v) for v in values)
        padded = np.array([list(v) + [v[-1] if v else 0] * (length - len(v)) for v in values], float)
        return [_number(x) for x in np.median(padded, axis=0)]
    return _number(float(np.median(np.asarray(values, float))))


def _number(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(float(x), 3)


def ensemble_summary(metrics: list[dict[str, Any]]) -> dict[str, Any]:
    """Element-wise medians over runs of the metrics of `run_metrics`, and the number of runs;
    `runs_with_deaths_by_department` counts the runs with any death there, and the keys of
    PER_RUN_KEYS keep one value per run (a list, in run order)."""
    if not metrics:
        return {"runs": 0}
    out = {key: _median([m[key] for m in metrics]) for key in metrics[0] if key not in PER_RUN_KEYS}
    for key in PER_RUN_KEYS:
        if key in metrics[0]:
            out[key] = {d: [m[key].get(d, 0) for m in metrics] for d in metrics[0][key]}
    if "deaths_by_department" in metrics[0]:
        out["runs_with_deaths_by_department"] = {
            d: sum(1 for m in metrics if m["deaths_by_department"].get(d, 0) > 0)
            for d in metrics[0]["deaths_by_department"]
        }
    out["runs"] = len(metrics)
    return out


def ranking_spearman(simulated: dict[str, float], observed: dict[str, float]) -> float | None:
    """Spearman correlation of two rankings of the same departments (None if either is constant)."""
    from scipy.stats import spearmanr

    names = [d for d in observed if d in simulated]
    a = np.array([simulated[d] for d in names], float)
    b = np.array([observed[d] for d in names], float)
    if len(names) < 3 or a.std() == 0 or b.std() == 0:
        return None
    return round(float(spearmanr(a, b).statistic), 3)


def observed_metrics(obs: Observed, days: int = 25) -> dict[str, Any]:
    """The observed counterparts of `run_metrics` over `days` days (None where not observed).

    Deaths exclude the one added retroactively in February 2023 (the December count was 28);
    blockades use the national totals, without the one marked of low reliability.
    """
    deaths = obs.deaths.filter(~pl.col("retroactive"))
    by_dept = dict.fromkeys(obs.departments, 0)
    for row in deaths.group_by("department").agg(pl.col("deaths").sum()).iter_rows():
        by_dept[row[0]] = int(row[1])
    daily = np.zeros(days, dtype=np.int64)
    for day, n in deaths.select("day", "deaths").iter_rows():
        if 0 <= day < days:
            daily[day] += n
    blockades: list[int | None] = [None] * days
    national = obs.blockades.filter((pl.col("department") == NATIONAL) & ~pl.col("low_reliability"))
    for day, n in national.select("day", "blockades").iter_rows():
        if 0 <= day < days:
            blockades[day] = int(n)
    active: list[int | None] = [None] * days
    for day, n in obs.regions_active.group_by("day").agg(pl.len()).iter_rows():
        if 0 <= day < days:
            active[day] = int(n)
    days_active = dict.fromkeys(obs.departments, 0)
    within = obs.regions_active.filter((pl.col("day") >= 0) & (pl.col("day") < days)).unique(
        ["day", "department"]
    )
    for name, n in within.group_by("department").agg(pl.len()).iter_rows():
        days_active[name] = int(n)
    known_blockades = [(d, b) for d, b in enumerate(blockades) if b is not None]
    return {
        "departments_active_by_day": active,
        "departments_reported_active_by_day": active,
        "days_reported_active_by_department": days_active,
        "deaths_by_department": by_dept,
        "cumulative_deaths_by_day": [int(x) for x in np.cumsum(daily)],
        "blockades_by_day": blockades,
        "total_deaths": int(daily.sum()),
        "peak_blockades": max((b for _, b in known_blockades), default=None),
        "peak_blockade_day": max(known_blockades, key=lambda x: x[1])[0] if known_blockades else None,
    }

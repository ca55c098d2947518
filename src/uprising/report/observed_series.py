"""Observed December 2022 data put on the days of a run, for overlays and the scorecard.

Only runs on the map of Peru are compared with it. Observed day `i` is `DAY0 + i`; model day
`j` is the run's `start_date + j` (a Peru run without a start date is taken to start on DAY0).
Series are indexed by model day and span the run or the observed window, whichever is longer.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import polars as pl

from uprising.recorder.output import RunOutput

OBSERVED_DAYS = 25  # 7 to 31 December 2022


@dataclass(frozen=True)
class ObservedSeries:
    """Observed series on model days (None where nothing was reported that day)."""

    start: date  # calendar date of model day 0
    start_assumed: bool  # True when the runs had no start date and DAY0 was used
    run_days: int  # days the runs cover
    cumulative_deaths: list[int]  # deaths from model day 0 to the day (retroactive one excluded)
    blockades: list[int | None]  # national road points blocked (Sutran), where reported
    departments_active: list[int | None]  # departments with a reported protest, a lower bound
    deaths_in_run: dict[str, int]  # deaths by department over the run's days
    days_active_by_department: dict[str, int]  # days each department was reported active


def is_peru(output: RunOutput) -> bool:
    world = output.parameters.get("world") or {}
    return isinstance(world, dict) and world.get("kind") == "peru"


def observed_for(outputs: list[RunOutput], run_days: int) -> ObservedSeries | None:
    """The observed series for runs on the map of Peru, None for any other world."""
    if not outputs or not is_peru(outputs[0]):
        return None
    from uprising.observed import DAY0, load_observed, observed_metrics

    obs = load_observed()
    start_text = outputs[0].start_date
    start = date.fromisoformat(start_text) if start_text else DAY0
    shift = (start - DAY0).days  # observed index of model day 0
    span = max(run_days, OBSERVED_DAYS - shift, 1)
    raw = observed_metrics(obs, days=max(OBSERVED_DAYS, shift + span))

    def on_model_days(series: list) -> list:
        return [series[j + shift] if 0 <= j + shift < len(series) else None for j in range(span)]

    deaths = obs.deaths.filter(~pl.col("retroactive")).with_columns(
        (pl.col("day") - shift).alias("model_day")
    )
    per_day = [0] * span
    for day, n in deaths.select("model_day", "deaths").iter_rows():
        if 0 <= day < span:
            per_day[day] += int(n)
    in_run = deaths.filter((pl.col("model_day") >= 0) & (pl.col("model_day") < run_days))
    deaths_in_run = dict.fromkeys(obs.departments, 0)
    for name, n in in_run.group_by("department").agg(pl.col("deaths").sum()).iter_rows():
        deaths_in_run[name] = int(n)
    active = obs.regions_active.unique(["day", "department"])
    days_active = dict.fromkeys(obs.departments, 0)
    for name, n in active.group_by("department").agg(pl.len()).iter_rows():
        days_active[name] = int(n)
    return ObservedSeries(
        start=start,
        start_assumed=not start_text,
        run_days=run_days,
        cumulative_deaths=list(itertools.accumulate(per_day)),
        blockades=on_model_days(raw["blockades_by_day"]),
        departments_active=on_model_days(raw["departments_active_by_day"]),
        deaths_in_run=deaths_in_run,
        days_active_by_department=days_active,
    )

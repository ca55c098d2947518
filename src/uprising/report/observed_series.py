"""Observed data put on the days of a run, for overlays and the scorecard.

Runs on the map of Peru are compared with December 2022, runs on a map world with its folder's
observed.csv (`uprising.observed.observed_of`). Observed day `i` is the data's day 0 plus `i`
(Peru: DAY0; a map world: its run's start date); model day `j` is the run's `start_date + j` (a
Peru run without a start date is taken to start on DAY0). Series are indexed by model day and
span the run or the observed window, whichever is longer.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import polars as pl

from uprising.recorder.output import RunOutput


@dataclass(frozen=True)
class ObservedSeries:
    """Observed series on model days (None where nothing was reported that day)."""

    start: date  # calendar date of model day 0
    start_assumed: bool  # True when the runs had no start date and the data's day 0 was used
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
    """The observed series of the runs' world (Peru's, or a map folder's observed.csv), None
    for a world without any."""
    if not outputs:
        return None
    from uprising.observed import observed_metrics, observed_of

    obs = observed_of(outputs[0].parameters)
    if obs is None:
        return None
    start_text = outputs[0].start_date
    start = date.fromisoformat(start_text) if start_text else obs.day0
    shift = (start - obs.day0).days  # observed index of model day 0
    span = max(run_days, obs.days - shift, 1)
    raw = observed_metrics(obs, days=max(obs.days, shift + span))

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

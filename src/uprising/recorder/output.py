"""`RunOutput`: the contract every layer above the engine agrees on.

A run yields a daily table per department with the columns of `DAILY_COLUMNS`, every count
scaled back to real people (agents times the world's population scale), a table of events
(institutional votes, deaths, deployments) and the run's metadata. The store saves exactly
this; reports and the dashboard read exactly this.

Daily columns, for day `d` (ticks `d * ticks_per_day + 1 .. (d + 1) * ticks_per_day`; day 0
also holds the initial state when a run has no tick yet):
- `quiescent`, `jailed`, `forces`: at the end of the day;
- `active`: the most citizens active at once during the day (the day's protest peak);
- `killed`, `arrests`: summed over the day;
- `blockades`: the most road points held at once during the day;
- `participants`: the most people taking part in street actions at once during the day (the
  day's peak street participation; `active` counts supporters, Epstein's actives). A run without
  crisis dynamics counts every active as a participant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

DAILY_COLUMNS = (
    "day", "department", "quiescent", "active", "jailed", "killed", "arrests", "blockades",
    "forces", "participants",
)  # fmt: skip
COUNT_COLUMNS = DAILY_COLUMNS[2:]
EVENT_COLUMNS = ("day", "kind", "department", "outcome", "votes")
# The per-tick national series of a run (in agents, not people), kept in memory, not stored.
TICK_COLUMNS = ("tick", "quiescent", "active", "jailed", "arrests", "cops")

DAILY_SCHEMA = {
    "day": pl.Int32,
    "department": pl.String,
    **{c: pl.Int64 for c in COUNT_COLUMNS},
}
EVENT_SCHEMA = {
    "day": pl.Int32,
    "kind": pl.String,
    "department": pl.String,  # "" for national events
    "outcome": pl.String,
    "votes": pl.Int32,  # -1 when the event is not a vote
}


def count_outbursts(active: Any, level: int) -> int:
    """Episodes in which actives rise above `level`, each ending when they fall back to it."""
    above = np.asarray(active) > level
    return int(np.count_nonzero(above[1:] & ~above[:-1]) + int(above[0]))


def empty_events() -> pl.DataFrame:
    return pl.DataFrame(schema=EVENT_SCHEMA)


@dataclass
class RunOutput:
    """One run of one scenario with one seed."""

    scenario: str
    seed: int
    scenario_hash: str
    parameters: dict[str, Any]  # the whole scenario, as JSON-compatible data
    version: str
    seconds: float
    departments: list[str]
    daily: pl.DataFrame  # DAILY_SCHEMA, sorted by (day, department order)
    events: pl.DataFrame = field(default_factory=empty_events)  # EVENT_SCHEMA
    population_scale: float = 1.0
    ticks_per_day: int = 1
    start_date: str | None = None  # ISO date of day 0, when the scenario is dated
    ticks: pl.DataFrame | None = None  # TICK_COLUMNS, one row per tick from 0 (not stored)
    steady_seconds: float = 0.0  # wall time of ticks 2.. (the first one loads kernels)
    citizens: int = 0  # citizen agents

    @property
    def series(self) -> dict[str, Any]:
        """The per-tick series as numpy arrays by name (TICK_COLUMNS)."""
        if self.ticks is None:
            raise ValueError("this output has no per-tick series (a stored run keeps days only)")
        return {name: self.ticks[name].to_numpy() for name in TICK_COLUMNS}

    def summary(self) -> dict[str, Any]:
        """The classic model's run in one flat record, from its per-tick series."""
        series = self.series
        steps = len(series["tick"]) - 1
        active = series["active"][1:] if steps > 0 else series["active"]
        if steps > 1 and self.steady_seconds > 0:
            rate = self.citizens * (steps - 1) / self.steady_seconds
        else:
            rate = self.citizens * steps / self.seconds if self.seconds > 0 else 0.0
        level = int(self.parameters["run"]["outburst_level"])
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "steps": steps,
            "schedule": self.parameters["run"]["schedule"],
            "citizens": self.citizens,
            "cops": int(series["cops"][0]),
            "mean_active": float(active.mean()),
            "peak_active": int(active.max()),
            "final_active": int(series["active"][-1]),
            "final_jailed": int(series["jailed"][-1]),
            "outbursts": count_outbursts(series["active"], level),
            "outburst_level": level,
            "seconds": round(self.seconds, 6),
            "citizen_updates_per_s": round(rate, 1),
        }

    @property
    def days(self) -> int:
        return int(self.daily["day"].max()) + 1 if self.daily.height else 0

    def national(self) -> pl.DataFrame:
        """Daily national totals (the sum over departments), one row per day."""
        return (
            self.daily.group_by("day", maintain_order=True)
            .agg([pl.col(c).sum() for c in COUNT_COLUMNS])
            .sort("day")
        )

    def metadata(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "scenario_hash": self.scenario_hash,
            "version": self.version,
            "seconds": self.seconds,
            "population_scale": self.population_scale,
            "ticks_per_day": self.ticks_per_day,
            "start_date": self.start_date,
            "departments": list(self.departments),
        }

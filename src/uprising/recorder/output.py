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
- `blockades`: the most road points held at once during the day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

DAILY_COLUMNS = (
    "day", "department", "quiescent", "active", "jailed", "killed", "arrests", "blockades",
    "forces",
)  # fmt: skip
COUNT_COLUMNS = DAILY_COLUMNS[2:]
EVENT_COLUMNS = ("day", "kind", "department", "outcome", "votes")

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

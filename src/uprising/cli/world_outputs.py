"""Outputs per world: what a classic torus does not have (deaths, road blockades, departments)
is left out of its tables, exports and JSON lines rather than shown as zeros."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAP_ONLY_COLUMNS = ("killed", "blockades")
"""Daily columns only a map world fills: a torus has no lethal events and no roads."""

MAP_ONLY_METRICS = frozenset(
    {
        "blockades_by_day",
        "cumulative_deaths_by_day",
        "days_reported_active_by_department",
        "deaths_by_department",
        "departments_active_by_day",
        "departments_active_day4",
        "departments_active_max",
        "departments_reported_active_by_day",
        "max_daily_deaths_by_department",
        "peak_blockade_day",
        "peak_blockades",
        "runs_with_deaths_by_department",
        "total_deaths",
    }
)
"""Metrics of deaths, blockades and departments: a torus has none of them."""


def world_kind(parameters: Mapping[str, Any]) -> str:
    """The world of a run's or scenario's parameters: 'torus' or 'peru'."""
    return str((parameters.get("world") or {}).get("kind", "torus"))


def has_map(kind: str) -> bool:
    return kind != "torus"


def world_metrics(metrics: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """The metrics a world has: those of deaths, blockades and departments left out on a torus."""
    return {k: v for k, v in metrics.items() if has_map(kind) or k not in MAP_ONLY_METRICS}


def absent_columns(kind: str) -> list[str]:
    """The daily columns a world does not have."""
    return [] if has_map(kind) else list(MAP_ONLY_COLUMNS)

"""The dashboard's pictures of a finished run: the map of Peru on one day, and the timelines.

`RunView` computes once what every frame of the animation needs (active people per 1,000
inhabitants by department and day, a colour scale fixed over the whole run, the observed
series aligned to the run's days); the interactive charts are drawn by `uprising.web.charts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import plotly.graph_objects as go

from uprising.figures import on_peru_map
from uprising.recorder.output import RunOutput
from uprising.web.charts import map_chart, panels_chart, series_chart


@dataclass
class RunView:
    """What the dashboard shows of one run, computed once."""

    output: RunOutput
    days: int
    active: np.ndarray  # int64[day, department], people (the day's peak)
    per_1000: np.ndarray  # float64[day, department], active per 1,000 inhabitants
    national: dict[str, np.ndarray]  # column -> int64[day]
    vmax: float  # top of the map's colour scale, fixed over the run
    on_map: bool  # the run's departments are Peru's
    observed: dict[str, list[int | None]]  # metric -> value on each run day (None: not observed)
    modelled: dict[str, list[int]]  # the run's values of the same metrics

    @property
    def unit(self) -> str:
        """ "day" for a dated run (a map), "tick" on a torus, where a tick has no calendar."""
        return "day" if self.output.start_date else "tick"

    def date_of(self, day: int) -> date | None:
        start = self.output.start_date
        return date.fromisoformat(start) + timedelta(days=day) if start else None

    def day_label(self, day: int) -> str:
        when = self.date_of(day)
        return f"{self.unit} {day}" + (f" ({when:%d %b %Y})" if when else "")


def _matrix(output: RunOutput, column: str) -> np.ndarray:
    return output.daily[column].to_numpy().reshape(output.days, len(output.departments))


def _aligned_observed(output: RunOutput, days: int) -> dict[str, list[int | None]]:
    """The observed series of December 2022 on the run's days, or {} when the run is not dated."""
    if not output.start_date:
        return {}
    try:
        from uprising.observed import DAY0, load_observed, observed_metrics
    except ImportError:
        return {}
    from uprising.errors import UprisingError

    try:
        obs = observed_metrics(load_observed(), days=60)
    except UprisingError:
        return {}
    offset = (date.fromisoformat(output.start_date) - DAY0).days
    aligned: dict[str, list[int | None]] = {}
    for key in ("departments_active_by_day", "cumulative_deaths_by_day", "blockades_by_day"):
        series = obs.get(key) or []
        aligned[key] = [series[d + offset] if 0 <= d + offset < len(series) else None for d in range(days)]
    return aligned


def run_view(output: RunOutput) -> RunView:
    """Compute the arrays behind every figure of `output`."""
    days = output.days
    active = _matrix(output, "active")
    population = _matrix(output, "quiescent")[0] + active[0] + _matrix(output, "jailed")[0]
    per_1000 = 1000.0 * active / np.maximum(population, 1)[None, :]
    national = {c: output.national()[c].to_numpy() for c in ("active", "jailed", "killed", "blockades")}
    on_map = on_peru_map(output.departments)
    modelled: dict[str, list[int]] = {}
    observed: dict[str, list[int | None]] = {}
    if on_map:
        from uprising.observed import run_metrics

        metrics = run_metrics(output)
        modelled = {
            k: list(metrics[k])
            for k in ("departments_active_by_day", "cumulative_deaths_by_day", "blockades_by_day")
        }
        observed = _aligned_observed(output, days)
    return RunView(
        output=output,
        days=days,
        active=active,
        per_1000=per_1000,
        national=national,
        vmax=max(float(per_1000.max()) if per_1000.size else 0.0, 1.0),
        on_map=on_map,
        observed=observed,
        modelled=modelled,
    )


def map_of_day(view: RunView, day: int) -> go.Figure:
    """Peru's departments on `day`: active people per 1,000 inhabitants, on the run's fixed scale."""
    title = f"active per 1,000 inhabitants, {view.day_label(day)}"
    return map_chart(view.output.departments, view.per_1000[day], view.active[day], view.vmax, title)


def _x(view: RunView) -> list[Any]:
    start = view.output.start_date
    if not start:
        return list(range(view.days))
    return [view.date_of(d).isoformat() for d in range(view.days)]  # plotly's widget reads ISO text


PANELS = (
    ("departments_active_by_day", "departments with protests", "departments"),
    ("cumulative_deaths_by_day", "deaths, cumulative", "people"),
    ("blockades_by_day", "road blockades held", "road points"),
)


def timeline_charts(view: RunView) -> list[go.Figure]:
    """The run's national totals and, on the map, each metric beside what was observed (one figure)."""
    x, unit = _x(view), view.unit
    x_title = "date" if view.output.start_date else unit
    lines = {"active": view.national["active"], "jailed": view.national["jailed"]}
    if not view.modelled:
        return [series_chart(x, lines, f"national totals by {unit}, model", x_title)]
    panels = [("national totals, model (people)", lines, None)]
    for key, title, _ in PANELS:
        panels.append((title, {"model": view.modelled[key]}, view.observed.get(key)))
    return [panels_chart(x, panels, x_title)]

"""The dashboard's pictures of a run: the map of Peru on one day, and the national timeline.

`RunView` computes once what every frame of the animation needs (active people per 1,000
inhabitants by department and day, a colour scale fixed over the whole run, the observed
series aligned to the run's days) and keeps each frame it has drawn, so that moving the day
slider only draws a day not seen yet.
The drawing itself is the figure library's (`uprising.figures`), shared with the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.dates import DateFormatter, DayLocator
from matplotlib.figure import Figure
from matplotlib.patheffects import withStroke
from matplotlib.ticker import MaxNLocator

from uprising.figures import PEOPLE, draw_departments, label_point, new_figure, on_peru_map, png_bytes
from uprising.recorder.output import RunOutput


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
    _frames: dict[int, bytes] = field(default_factory=dict, repr=False)
    _timeline: bytes | None = field(default=None, repr=False)

    def map_png(self, day: int) -> bytes:
        """The map on `day` as PNG, drawn once per day and kept (replaying the animation is instant)."""
        if day not in self._frames:
            self._frames[day] = png_bytes(map_figure(self, day))
        return self._frames[day]

    def timeline_png(self) -> bytes:
        """The timeline as PNG, drawn once."""
        if self._timeline is None:
            self._timeline = png_bytes(run_timeline_figure(self))
        return self._timeline

    def date_of(self, day: int) -> date | None:
        start = self.output.start_date
        return date.fromisoformat(start) + timedelta(days=day) if start else None

    def day_label(self, day: int) -> str:
        when = self.date_of(day)
        return f"day {day}" + (f" ({when:%d %b %Y})" if when else "")


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


def map_figure(view: RunView, day: int) -> Figure:
    """Choropleth of Peru's departments: active people per 1,000 inhabitants on `day`."""
    fig = new_figure(4.9, 5.3, constrained=False)  # fixed axes: no layout pass per frame
    ax = fig.add_axes((0.15, 0.08, 0.6, 0.86))
    colour_axes = fig.add_axes((0.79, 0.2, 0.035, 0.6))
    names = view.output.departments
    collection = draw_departments(ax, names, view.per_1000[day], Normalize(0.0, view.vmax))
    for name in names:
        ax.text(
            *label_point(name), name.title(), fontsize=6.5, ha="center", va="center", color="#222222",
            path_effects=[withStroke(linewidth=2, foreground="white", alpha=0.8)],
        )  # fmt: skip
    ax.set_xlabel("longitude, °", fontsize=8)
    ax.set_ylabel("latitude, °", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.set_title(f"active per 1,000 inhabitants, {view.day_label(day)}", fontsize=10)
    fig.colorbar(collection, cax=colour_axes, label="active people per 1,000 inhabitants (day's peak)")
    return fig


def _x(view: RunView) -> list[Any]:
    start = view.output.start_date
    if not start:
        return list(range(view.days))
    return [view.date_of(d) for d in range(view.days)]


def run_timeline_figure(view: RunView) -> Figure:
    """National daily totals of the run, with the observed series beside them where there are some."""
    overlay = bool(view.modelled)
    fig = new_figure(6.2, 5.3 if overlay else 3.0)
    axes = fig.subplots(2, 2, sharex=True).ravel() if overlay else [fig.add_subplot()]
    x = _x(view)
    ax = axes[0]
    ax.plot(x, view.national["active"], color="#d62728", label="active (day's peak)")
    ax.plot(x, view.national["jailed"], color="#1f77b4", label="jailed")
    ax.set_ylabel("people")
    ax.set_title("national totals, model", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    panels = (
        ("departments_active_by_day", "departments with protests"),
        ("cumulative_deaths_by_day", "deaths, cumulative"),
        ("blockades_by_day", "road blockades"),
    )
    if overlay:
        for ax, (key, title) in zip(axes[1:], panels, strict=True):
            ax.plot(x, view.modelled[key], color="#444444", label="model")
            seen = [(xi, v) for xi, v in zip(x, view.observed.get(key, []), strict=False) if v is not None]
            if seen:
                ax.plot(
                    *zip(*seen, strict=True), "o", color="#2ca02c", markersize=3.5, label="observed, Dec 2022"
                )
            ax.set_title(title, fontsize=10)
            ax.legend(fontsize=8, loc="upper left")
    for ax in axes:
        ax.tick_params(labelsize=8)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        if view.output.start_date:
            ax.xaxis.set_major_locator(DayLocator(interval=max(1, -(-view.days // 8))))
            ax.xaxis.set_major_formatter(DateFormatter("%d %b"))
            for label in ax.get_xticklabels():
                label.set_rotation(30)
                label.set_horizontalalignment("right")
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
        ax.grid(alpha=0.3)
    axes[0].yaxis.set_major_formatter(PEOPLE)
    if not view.output.start_date:
        for ax in axes[-2:] if overlay else axes:
            ax.set_xlabel("day")
    return fig

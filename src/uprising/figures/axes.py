"""Axis conventions shared by the figures of the report and the dashboard: days (or dates) on
x, people on y.

A dated run (one with a `start_date`) shows calendar dates; an undated one shows day numbers.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
from matplotlib.axes import Axes
from matplotlib.dates import DateFormatter
from matplotlib.ticker import FuncFormatter, MaxNLocator


class DayAxis:
    """How model days are placed on an x axis: as dates from `start`, or as day numbers."""

    def __init__(self, start: date | None, ticks_per_day: int = 1):
        self.start = start
        self.ticks_per_day = ticks_per_day

    def x(self, days) -> list | np.ndarray:
        """The x positions of model days `days`."""
        days = np.asarray(days)
        if self.start is None:
            return days
        return [self.start + timedelta(days=int(d)) for d in days]

    def label_of(self, day: int) -> str:
        """A short name of one day, for titles: 'day 5 (12 Dec 2022)' or 'day 5'."""
        if self.start is None:
            return f"day {day}"
        return f"day {day} ({(self.start + timedelta(days=day)).strftime('%-d %b %Y')})"

    @property
    def label(self) -> str:
        if self.start is not None:
            return f"date (day 0 = {self.start.strftime('%-d %b %Y')})"
        per = "tick" if self.ticks_per_day == 1 else f"{self.ticks_per_day} ticks"
        return f"day (1 day = {per})"

    def style(self, ax: Axes, days: int, compact: bool = False) -> None:
        """Set the x label and whole-day ticks (`days`: the span shown), dates as '12 Dec'."""
        ax.set_xlabel("date" if compact and self.start is not None else self.label)
        most = 4 if compact else 8
        if self.start is not None:
            ax.set_xticks(self.x(range(0, max(days, 1), max(1, math.ceil(days / most)))))
            ax.xaxis.set_major_formatter(DateFormatter("%-d %b"))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=most, integer=True))


def from_zero(ax: Axes) -> None:
    """Start the y axis at 0 and leave 8% of room above the highest point drawn."""
    top = float(ax.dataLim.y1) if ax.dataLim.height >= 0 and np.isfinite(ax.dataLim.y1) else 0.0
    ax.set_ylim(0.0, top * 1.08 if top > 0 else 1.0)


def people(value: float, _pos: int | None = None) -> str:
    """An axis label for a count of people: 950, 12k, 3.5M."""
    a = abs(value)
    if a >= 1e6:
        return f"{value / 1e6:.3g}M"
    if a >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}" if a else "0"


PEOPLE = FuncFormatter(people)
"""Tick labels of counts of people: 1.2k, 3.4M."""

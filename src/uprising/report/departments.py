"""Small multiples: active citizens per day in each department, median and 90% band over runs."""

from __future__ import annotations

import math

from matplotlib.figure import Figure

from uprising.figures import PEOPLE, DayAxis, from_zero, new_figure
from uprising.recorder.output import RunOutput
from uprising.report.ensemble import department_samples
from uprising.report.timeline import MIN_BAND_RUNS, draw_band, few_runs_note
from uprising.report.words import places_of


def departments_figure(outputs: list[RunOutput], axis: DayAxis, columns: int = 5) -> Figure | None:
    """One small panel per department (None when the world has a single department)."""
    names = outputs[0].departments
    if len(names) < 2:
        return None
    active = department_samples(outputs, "active")  # [run, day, department]
    rows = math.ceil(len(names) / columns)
    fig = new_figure(3.0 * columns, 2.3 * rows + 0.6)
    axes = fig.subplots(rows, columns, squeeze=False, sharex=True).ravel()
    for d, (ax, name) in enumerate(zip(axes, names, strict=False)):
        draw_band(ax, axis, active[:, :, d], "median")
        ax.set_title(name, fontsize=9, pad=2)
        from_zero(ax)
        ax.yaxis.set_major_formatter(PEOPLE)
        ax.set_ylabel("active (people)", fontsize=7)
        axis.style(ax, active.shape[1], compact=True)
        ax.xaxis.label.set_fontsize(7)
        ax.tick_params(labelsize=7)
        ax.tick_params(axis="x", labelbottom=True)
        ax.grid(alpha=0.3)
    for ax in axes[len(names) :]:
        fig.delaxes(ax)
    spread = "median and 90% band" if len(outputs) >= MIN_BAND_RUNS else "each run"
    note = few_runs_note([len(outputs)])
    fig.suptitle(
        f"active citizens per {places_of(outputs).one} (the day's peak): {spread} over "
        f"{len(outputs)} run(s); {axis.label}" + (f"\n{note}" if note else ""),
        fontsize=10,
    )
    return fig

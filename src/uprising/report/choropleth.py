"""Maps of Peru's departments on chosen days, coloured by people in the street (participants)
per 1,000 inhabitants, or by supporters (Epstein's active citizens) for runs without participation.

The colour is the median over runs; inhabitants are the department's simulated people on day 0
(real-people counts). Polygons are the package's departments.geojson, in longitude/latitude.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from uprising.errors import UprisingError
from uprising.figures import DayAxis, draw_departments, label_point, new_figure, on_peru_map
from uprising.recorder.output import RunOutput
from uprising.report.ensemble import department_samples, population_samples, records_participation
from uprising.report.words import places_of

DEFAULT_MAP_DAYS = (2, 5, 8, 12)


def map_days(requested: Sequence[int] | None, days: int) -> list[int]:
    """The days to map: the requested ones (each must exist), else the defaults the runs reach.

    A run too short for every default day also gets its last day mapped.
    """
    if requested:
        for day in requested:
            if not 0 <= day < days:
                raise UprisingError(f"map day {day}: must be from 0 to {days - 1} (the runs' days)")
        return sorted(set(requested))
    chosen = [d for d in DEFAULT_MAP_DAYS if d < days]
    if days > 0 and len(chosen) < len(DEFAULT_MAP_DAYS) and days - 1 not in chosen:
        chosen.append(days - 1)  # a short run: its last day as well
    return chosen or [0]


def mapped_quantity(outputs: list[RunOutput]) -> tuple[str, str]:
    """(daily column, its name on the map): participants where every run records them."""
    if records_participation(outputs):
        return "participants", "participants (people in the street)"
    return "active", "supporters (Epstein's active citizens)"


def active_per_1000(outputs: list[RunOutput], column: str = "active") -> np.ndarray:
    """[day, department] median over runs of a daily count per 1,000 inhabitants."""
    active = department_samples(outputs, column)
    population = population_samples(outputs)[:, None, :]
    per_1000 = np.where(population > 0, 1000.0 * active / np.maximum(population, 1), 0.0)
    return np.median(per_1000, axis=0)


def choropleth_figure(
    outputs: list[RunOutput], axis: DayAxis, days: Sequence[int] | None = None
) -> Figure | None:
    """One map per chosen day (None when the runs are not on the map of Peru)."""
    names = outputs[0].departments
    if not on_peru_map(names):
        return None
    column, quantity = mapped_quantity(outputs)
    values = active_per_1000(outputs, column)
    chosen = map_days(days, values.shape[0])
    vmax = float(values[chosen].max())
    norm = Normalize(vmin=0.0, vmax=vmax if vmax > 0 else 1.0)
    cols = min(len(chosen), 4)
    rows = math.ceil(len(chosen) / cols)
    fig = new_figure(3.4 * cols + 1.2, 4.4 * rows + 0.4)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, day in zip(axes, chosen, strict=False):
        patches = draw_departments(ax, names, values[day], norm, linewidth=0.4)
        ax.set_title(axis.label_of(day), fontsize=10)
        ax.set_xlabel("longitude (°, west negative)", fontsize=8)
        ax.set_ylabel("latitude (°, south negative)", fontsize=8)
        ax.tick_params(labelsize=7)
        top = int(np.argmax(values[day]))
        if values[day, top] > 0:
            ax.annotate(
                f"{names[top]}\n{values[day, top]:.3g}",
                label_point(names[top]),
                fontsize=7,
                ha="center",
                va="center",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.7, "lw": 0},
            )
    for ax in axes[len(chosen) :]:
        fig.delaxes(ax)
    fig.colorbar(
        patches,
        ax=axes[: len(chosen)].tolist(),
        shrink=0.8,
        label="per 1,000 inhabitants (median over runs)",
    )
    fig.suptitle(
        f"{quantity}, the day's peak per 1,000 inhabitants by {places_of(outputs).one} "
        f"({len(outputs)} run(s); label: highest)"
    )
    return fig

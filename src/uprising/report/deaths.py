"""Deaths by department: simulated median and 90% band over runs against the observed deaths."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from uprising.figures import new_figure
from uprising.recorder.output import RunOutput
from uprising.report.ensemble import Band, department_samples
from uprising.report.observed_series import ObservedSeries
from uprising.report.timeline import MIN_BAND_RUNS, OBS_COLOUR, SIM_COLOUR
from uprising.report.words import places_of


def deaths_spread(runs: int) -> str:
    """What the marks beside a bar of deaths show, for `runs` runs."""
    if runs < MIN_BAND_RUNS:
        return f"ticks: each of the {runs} run(s), too few for a 90% band"
    return f"whiskers: 90% band over the {runs} runs"


def deaths_figure(outputs: list[RunOutput], observed: ObservedSeries | None = None) -> Figure | None:
    """Horizontal bars per department (None for one department, or when nobody died anywhere)."""
    places = places_of(outputs)
    names = outputs[0].departments
    killed = department_samples(outputs, "killed").sum(axis=1)  # [run, department]
    obs = np.array([observed.deaths_in_run.get(n, 0) for n in names]) if observed is not None else None
    if len(names) < 2 or (not killed.any() and (obs is None or not obs.any())):
        return None
    band = Band.of(killed)
    order = np.lexsort((np.array(names)[::-1], band.median, obs if obs is not None else band.median))
    y = np.arange(len(names))
    fig = new_figure(9, 0.28 * len(names) + 1.6)
    ax = fig.add_subplot()
    m, lo, hi = band.median[order], band.low[order], band.high[order]
    ax.barh(y, m, color=SIM_COLOUR, alpha=0.7, label="simulated median")
    if 1 < len(outputs) < MIN_BAND_RUNS:
        for i, run in enumerate(killed[:, order]):
            each = f"each run ({len(outputs)} runs, too few for a band)"
            ax.plot(run, y, "|", color="#222222", markersize=7, label=each if i == 0 else None)
    elif len(outputs) > 1:
        ax.errorbar(
            m,
            y,
            xerr=[m - lo, hi - m],
            fmt="none",
            ecolor="#222222",
            capsize=2,
            linewidth=0.8,
            label=f"simulated 90% band ({len(outputs)} runs)",
        )
    if obs is not None:
        ax.plot(
            obs[order], y, "D", color=OBS_COLOUR, markersize=5, label=f"observed ({places.deaths_source})"
        )
    ax.set_yticks(y, [names[i] for i in order], fontsize=8)
    ax.set_xlabel(f"deaths over the run's days 0 to {outputs[0].days - 1} (people)")
    ax.set_ylabel(places.one)
    ax.set_xlim(left=0)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(f"deaths by {places.one}")
    return fig

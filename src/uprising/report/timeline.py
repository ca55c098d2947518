"""The national timeline: supporters, people in the street, jailed, killed (cumulative),
blockades and departments reported active, per day.

Each panel shows the ensemble median and its 90% band, with the observed series on top where
there is one. Killed and blockades appear only when a run or the observed data has any; on the
map of Peru a last panel counts the departments with a protest.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from uprising.figures import PEOPLE, DayAxis, from_zero, new_figure
from uprising.recorder.output import RunOutput
from uprising.report.ensemble import Band, national_samples, records_participation
from uprising.report.observed_series import ObservedSeries
from uprising.report.words import DEPARTMENTS, places_of

SIM_COLOUR = "#1f5fa8"
OBS_COLOUR = "black"
SINGLE_RUNS_SHOWN = 10  # ensembles up to this size also show each run
MIN_BAND_RUNS = 8  # fewer runs are drawn one by one, without a band
LEGEND_GROUPS = 8  # groups named in the legend (a sensitivity analysis has one per sample)


def day_axis(outputs: list[RunOutput], observed: ObservedSeries | None = None) -> DayAxis:
    """The x axis of a report: dates from the runs' (or the observed) day 0, else day numbers."""
    from datetime import date

    start = outputs[0].start_date
    if start:
        return DayAxis(date.fromisoformat(start), outputs[0].ticks_per_day)
    if observed is not None:
        return DayAxis(observed.start, outputs[0].ticks_per_day)
    return DayAxis(None, outputs[0].ticks_per_day)


def draw_band(
    ax, axis: DayAxis, samples: np.ndarray, label: str, colour: str = SIM_COLOUR, runs_shown: int = 0
) -> bool:
    """Median line and shaded 5th-95th percentile band of `samples` [run, day], the band's legend
    naming its number of runs; returns whether the runs were too few for a band.

    Below MIN_BAND_RUNS runs no band or median is drawn: each run is drawn instead (a band from
    two runs would claim a spread nobody measured). With `runs_shown` >= the number of runs,
    each run is also drawn as a thin line beside the band (an outburst of one run shows even
    where the median stays flat).
    """
    x = axis.x(np.arange(samples.shape[1]))
    runs = samples.shape[0]
    if runs < MIN_BAND_RUNS:
        for i, run in enumerate(samples):
            each = f"{label}: each of {runs} run{'s' if runs > 1 else ''} (no band)"
            ax.plot(x, run, color=colour, alpha=0.8, linewidth=1.0, label=each if i == 0 else None)
        return True
    band = Band.of(samples)
    if runs <= runs_shown:
        for i, run in enumerate(samples):
            ax.plot(x, run, color=colour, alpha=0.35, linewidth=0.6, label="single runs" if i == 0 else None)
    ax.fill_between(
        x,
        band.low,
        band.high,
        color=colour,
        alpha=0.25,
        linewidth=0,
        label=f"{label}: 90% band ({runs} runs)",
    )
    ax.plot(x, band.median, color=colour, linewidth=1.6, label=f"{label}: median")
    return False


def group_colours(names: list[str]) -> dict[str, str]:
    """A colour per group: the report's blue for one group, a qualitative palette for several."""
    if len(names) == 1:
        return {names[0]: SIM_COLOUR}
    palette = [f"C{i % 10}" for i in range(len(names))]
    return dict(zip(names, palette, strict=True))


def few_runs_note(sizes: list[int]) -> str:
    """The visible note of groups too small for a band ('' when every group has enough runs)."""
    few = [n for n in sizes if n < MIN_BAND_RUNS]
    if not few:
        return ""
    if len(sizes) == 1:
        which = f"{sizes[0]} run{'s' if sizes[0] > 1 else ''}, fewer than {MIN_BAND_RUNS}"
    else:
        share = "every group has" if len(few) == len(sizes) else f"{len(few)} of {len(sizes)} groups have"
        which = f"{share} fewer than {MIN_BAND_RUNS} runs"
    return f"Note: {which}: drawn one by one, too few for a median and 90% band."


def draw_observed(ax, axis: DayAxis, values: list, days: int, label: str, step: bool = False) -> None:
    """Observed values (None: not reported) as markers, or as a step line for cumulative counts.

    Lower bounds are drawn as upward triangles, counts as dots."""
    points = [(d, v) for d, v in enumerate(values[:days]) if v is not None]
    if not points:
        return
    d, v = zip(*points, strict=True)
    if step:
        ax.step(axis.x(d), v, where="post", color=OBS_COLOUR, linewidth=1.4, linestyle="--", label=label)
    else:
        marker = "^" if "lower bound" in label else "o"
        ax.plot(axis.x(d), v, marker, color=OBS_COLOUR, markersize=5, label=label)


def timeline_figure(
    outputs: list[RunOutput],
    observed: ObservedSeries | None = None,
    metrics: list[dict] | None = None,
    groups: list[str] | None = None,
) -> Figure:
    """The national timeline of the runs; `metrics` (their `run_metrics`) adds departments active.

    `groups` (one name per run: a sweep point, a comparison arm) draws one band per group in
    each panel, never pooling runs of different parameters into one band."""
    labels = groups if groups is not None else [""] * len(outputs)
    names = list(dict.fromkeys(labels))
    colours = group_colours(names)
    members = {name: np.array([g == name for g in labels]) for name in names}
    axis = day_axis(outputs, observed)
    active = national_samples(outputs, "active")
    days = active.shape[1]
    panels: list[tuple[str, np.ndarray, str, list | None, bool, str]] = []
    if records_participation(outputs):
        # With participation, Epstein's actives are supporters; the street is its own panel.
        street = national_samples(outputs, "participants")
        panels.append(
            ("supporters: Epstein's active citizens (the day's peak)", active, "people", None, False, "")
        )
        panels.append(
            ("participants: people in the street (the day's peak)", street, "people", None, False, "")
        )
    else:
        panels.append(("active citizens (the day's peak)", active, "people", None, False, ""))
    panels.append(("jailed (end of day)", national_samples(outputs, "jailed"), "people", None, False, ""))
    killed = national_samples(outputs, "killed", cumulative=True)
    obs_deaths = observed.cumulative_deaths if observed is not None else None
    if killed.any() or obs_deaths is not None:
        label = f"observed ({places_of(outputs).deaths_source})"
        panels.append(("killed (cumulative)", killed, "people", obs_deaths, True, label))
    blockades = national_samples(outputs, "blockades")
    obs_blockades = observed.blockades if observed is not None else None
    if blockades.any() or (obs_blockades is not None and any(v is not None for v in obs_blockades[:days])):
        label = f"observed ({places_of(outputs).blockades_source})"
        panels.append(
            ("road blockades (the day's peak)", blockades, "road points held", obs_blockades, False, label)
        )
    if metrics and len(outputs[0].departments) > 1:
        key = "departments_reported_active_by_day"
        key = key if all(key in m for m in metrics) else "departments_active_by_day"
        by_day = np.array([m[key][:days] for m in metrics], dtype=float)
        obs_active = observed.departments_active if observed is not None else None
        label = "observed (reported, a lower bound)"
        many = places_of(outputs).many
        title = (
            f"{many} reported active (observation model)" if "reported" in key else f"{many} with a protest"
        )
        panels.append((title, by_day, many, obs_active, False, label))

    cols = 2
    rows = (len(panels) + 1) // cols
    fig = new_figure(12, 3.6 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (title, samples, unit, obs, step, obs_label) in zip(axes, panels, strict=False):
        for i, name in enumerate(names):
            label = ("" if i < LEGEND_GROUPS else "_") + (name or "simulated")  # "_": not in the legend
            shown = SINGLE_RUNS_SHOWN if len(names) == 1 else 0
            draw_band(ax, axis, samples[members[name]], label, colours[name], runs_shown=shown)
        if obs is not None:
            draw_observed(ax, axis, obs, days, obs_label, step=step)
        ax.set_title(title)
        ax.set_ylabel(unit)
        if unit in (DEPARTMENTS.many, places_of(outputs).many):
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        else:
            ax.yaxis.set_major_formatter(PEOPLE)
        from_zero(ax)
        axis.style(ax, days)
        ax.grid(alpha=0.3)
    for ax in axes[len(panels) :]:
        fig.delaxes(ax)
    legend: dict[str, object] = {}
    for ax in axes[: len(panels)]:
        for handle, text in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(text, handle)
    fig.legend(
        legend.values(),
        legend.keys(),
        loc="outside lower center",
        ncols=min(len(legend), 2 if len(names) > 1 else 4),
        fontsize=9,
        frameon=False,
    )
    name = outputs[0].scenario
    sizes = [int(members[n].sum()) for n in names]
    per = (
        f"{len(names)} groups of {', '.join(map(str, sorted(set(sizes))))} run(s)"
        if len(names) > 1
        else (f"{len(outputs)} run(s)")
    )
    kind = "median and 90% band over" if min(sizes) >= MIN_BAND_RUNS else "every one of"
    note = few_runs_note(sizes)
    if len(names) > LEGEND_GROUPS:
        per += f" (the legend names the first {LEGEND_GROUPS})"
    fig.suptitle(f"{name}: national totals per day, {kind} {per}" + (f"\n{note}" if note else ""))
    return fig

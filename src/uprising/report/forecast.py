"""The report of a scored forecast: one self-contained page (`uprising score --report DIR`).

What the terminal table of `uprising score` says (CRPS of the model and of the three baselines,
interval and PIT coverage, Brier score), with two figures that show where the scores come
from: the national series day by day (the ensemble's 50% and 90% bands and median, the
observations of the fit window and of the forecast window, each baseline's mean), and the
deaths by department over the forecast window (the ensemble's median and 90% band of each
department's total, the observed total, each baseline's). The figures are drawn from the
forecast file and the observed folders alone: the same file gives the same page.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from matplotlib.figure import Figure

from uprising.experiment.predictive import COLUMNS as PREDICTIVE_COLUMNS
from uprising.experiment.predictive import inside_count
from uprising.figures import new_figure
from uprising.forecast.baselines import Baseline
from uprising.forecast.files import ACTIVE, BLOCKADES, DEATHS, SERIES, Forecast
from uprising.forecast.observations import ObservedDays
from uprising.forecast.scorecard import (
    baseline_names,
    baselines_of,
    observed_window,
    place_word,
    score_arrays,
)
from uprising.report.build import (
    DPI,
    REPORT_FILE,
    Drawn,
    check_figure_options,
    make_folder,
    placed,
    write_file,
)
from uprising.report.calibration import (
    generations_table,
    posterior_table,
    predictive_figure,
    predictive_table,
)
from uprising.report.html import Section, render_page
from uprising.report.timeline import OBS_COLOUR, SIM_COLOUR

FLAG = "--report"  # the option that names the report's folder, in error lines
FIT_COLOUR = "#8a8a8a"  # observations of the fit window: what the forecast knew
BASELINE_STYLES = {  # one line style per baseline, the same in both figures
    "persistence": ("#b5651d", "--", "x"),
    "shares": ("#2a8c4a", ":", "+"),
    "castillo": ("#8e3b8e", "-.", "1"),
    "alignment": ("#8e3b8e", "-.", "1"),
}


def forecast_report(
    forecast: Forecast,
    folders: Sequence[Path],
    out_dir: Path,
    formats: Sequence[str] = ("png",),
    dpi: int = DPI,
) -> tuple[Path, dict[str, Any]]:
    """Write the figures and `report.html` of `forecast` scored against `folders` into
    `out_dir`; return the page's path and the scores (as `uprising score --json` prints them)."""
    formats = check_figure_options(formats, dpi)
    observed, window = observed_window(forecast, folders)
    scores = score_arrays(forecast, observed, window)
    baselines = baselines_of(forecast, observed, window)
    out_dir = make_folder(out_dir, FLAG)
    place = place_word(forecast)
    labels = baseline_names(forecast)
    sections = [
        Section("Scores", score_headline(forecast, scores), html=scores_table(forecast, scores)),
        Section(
            f"Brier score, {place} reported active on a day",
            f"Mean over the {scores['observations'][f'{place}_days_reported']} {place}-days of the "
            f"forecast window on which the lists name any {place}: (probability - outcome)², lower "
            "is better; the model's probability is the share of its runs that report the "
            f"{place} active.",
            html=brier_table(forecast, scores),
        ),
    ]
    runs = forecast.members[BLOCKADES].shape[0]
    figures = [
        Drawn(
            "forecast_national",
            "National series, day by day",
            national_figure(forecast, observed, window, baselines),
            f"Shaded: the ensemble's 50% and 90% bands over its {runs} runs; line: its median. Grey "
            "dots: observations of the fit window (what the forecast knew); black dots: those of "
            f"the forecast window (what it is scored on). Dashed lines: the baselines' means "
            f"({', '.join(labels)}; {labels[1]} and {labels[2]} share the fit window's national "
            "rate, so their lines coincide). Days without an observation have no dot.",
        ),
        Drawn(
            "forecast_deaths",
            f"Deaths by {place} over the forecast window",
            deaths_figure(forecast, observed, window, baselines),
            f"Bars: the ensemble's median of each {place}'s deaths from {forecast.dates[0]} to "
            f"{forecast.until}; whiskers: its 90% band over {runs} runs; diamonds: observed; "
            "other marks: each baseline's expected deaths.",
        ),
    ]
    sections.extend(placed([*figures, *fit_sections(forecast)], out_dir, formats, dpi, FLAG))
    page = render_page(
        f"Forecast of {forecast.metadata.get('scenario')}, scored", intro(forecast, folders), sections
    )
    path = out_dir / REPORT_FILE
    write_file(path, page.encode("utf-8"), FLAG)
    return path, scores


def fit_sections(forecast: Forecast) -> list[Section | Drawn]:
    """The fit's posterior, generations and posterior predictive check, as the forecast file
    records them (none without a fit; no check in a file made before it was recorded)."""
    fit = forecast.metadata.get("fit") or {}
    if not fit.get("summary") or not fit.get("generations"):
        return []
    items: list[Section | Drawn] = [
        Section(
            "The fit: posterior",
            f"ABC-SMC on the observations up to {forecast.fit_until} only ({fit.get('simulations')} runs); "
            "each member of the ensemble has the parameters of a particle drawn from it by weight.",
            html=posterior_table(pl.DataFrame(fit["summary"])),
        ),
        Section("The fit: generations", html=generations_table(pl.DataFrame(fit["generations"]))),
    ]
    if fit.get("predictive_check"):
        check = pl.DataFrame(fit["predictive_check"], schema=PREDICTIVE_COLUMNS)
        inside, of = inside_count(check)
        items.append(
            Drawn(
                "forecast_fit_check",
                "The fit: posterior predictive check",
                predictive_figure(check),
                f"The members over the fit window, each with a particle drawn from the posterior: "
                f"{inside} of {of} observed statistics of the fit inside their 90% band.",
            )
        )
        items.append(Section("The fit's check, statistic by statistic", html=predictive_table(check)))
    return items


def intro(forecast: Forecast, folders: Sequence[Path]) -> list[tuple[str, str]]:
    """What was forecast, how, and against what."""
    meta = forecast.metadata
    fit = meta.get("fit") or {}
    items = [
        ("forecast file", forecast.path.name),
        ("scenario", f"{meta.get('scenario')} (hash {meta.get('scenario_hash')})"),
        ("fit window", f"{forecast.start_date} to {forecast.fit_until} ({fit.get('method', '?')})"),
        ("forecast window", f"{forecast.dates[0]} to {forecast.until} ({len(forecast.dates)} days)"),
        ("runs", f"{meta.get('runs')} (seeds {_seeds(meta.get('seeds') or [])})"),
        ("made", f"{meta.get('created')}, version {meta.get('version')}"),
        ("command", str(meta.get("command", ""))),
        ("observed", ", ".join(str(f) for f in folders)),
    ]
    if fit.get("method") == "none" and fit.get("note"):
        items.append(("note", str(fit["note"])))
    return items


def _seeds(seeds: list[int]) -> str:
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]} to {seeds[-1]}"
    return ", ".join(str(s) for s in seeds)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def score_headline(forecast: Forecast, scores: dict[str, Any]) -> str:
    """One sentence per series: whether the model's CRPS beats every baseline's."""
    labels = baseline_names(forecast)
    said = []
    for name in (forecast.series_name(s) for s in SERIES):
        row = scores["crps"][name]
        known = {label: row[label] for label in labels if row[label] is not None}
        if row["model"] is None or not known:
            continue
        beaten = [label for label, value in known.items() if row["model"] < value]
        if len(beaten) == len(known):
            said.append(f"{name}: the model beats all {len(known)} baselines")
        elif beaten:
            said.append(f"{name}: the model beats {', '.join(beaten)} only")
        else:
            said.append(f"{name}: every baseline beats the model")
    return (
        "CRPS: the mean continuous ranked probability score over the observations of the "
        "forecast window (lower is better; the best in bold). Baselines are scored as Poisson "
        "laws around their means. Cover: share of observations inside the ensemble's central "
        "50% and 90% intervals; PIT: the same from the randomised PIT, 0.5 and 0.9 when the "
        "forecast is calibrated. " + ("; ".join(said) + "." if said else "")
    )


def _best_in_bold(row: dict[str, float | None], columns: list[str]) -> list[str]:
    """The cells of `columns` of a row of scores, the lowest in bold."""
    known = [row[c] for c in columns if row[c] is not None]
    best = min(known) if known else None
    cells = []
    for c in columns:
        text = _number(row[c])
        cells.append(f"<td class='num'>{'<b>' + text + '</b>' if row[c] == best else text}</td>")
    return cells


def scores_table(forecast: Forecast, scores: dict[str, Any]) -> str:
    labels = baseline_names(forecast)
    columns = ["model", *labels]
    head = "".join(
        f"<th>{escape(c)}</th>"
        for c in (
            "series",
            *(f"CRPS {c}" for c in columns),
            "cover 50%",
            "cover 90%",
            "PIT 50%",
            "PIT 90%",
            "obs",
        )
    )
    body = []
    for name in (forecast.series_name(s) for s in SERIES):
        cells = [f"<td>{escape(name)}</td>", *_best_in_bold(scores["crps"][name], columns)]
        for key in ("coverage_50", "coverage_90", "pit_coverage_50", "pit_coverage_90"):
            cells.append(f"<td class='num'>{_number(scores[key][name])}</td>")
        cells.append(f"<td class='num'>{scores['observations'][name]}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def brier_table(forecast: Forecast, scores: dict[str, Any]) -> str:
    columns = ["model", *baseline_names(forecast)]
    head = "".join(f"<th>{escape(c)}</th>" for c in ("series", *columns))
    body = []
    for name, row in scores["brier"].items():
        cells = [f"<td>{escape(name)}</td>", *_best_in_bold(row, columns)]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def national_members(forecast: Forecast) -> dict[str, np.ndarray]:
    """Each series nationally, [run, day] over the forecast window."""
    return {
        DEATHS: forecast.members[DEATHS].sum(axis=2),
        BLOCKADES: forecast.members[BLOCKADES],
        ACTIVE: forecast.active_count,
    }


def national_observed(observed: ObservedDays) -> dict[str, np.ndarray]:
    """Each series nationally from day 0, NaN on the days without an observation."""
    count = observed.active.sum(axis=1).astype(float)
    return {
        DEATHS: observed.deaths.sum(axis=1).astype(float),
        BLOCKADES: observed.blockades.astype(float),
        ACTIVE: np.where(observed.reported, count, np.nan),
    }


def national_baselines(baselines: dict[str, Baseline]) -> dict[str, dict[str, np.ndarray]]:
    """Each baseline's national mean per day of the window, by series."""
    return {
        label: {DEATHS: b.deaths.sum(axis=1), BLOCKADES: b.blockades, ACTIVE: b.active_count}
        for label, b in baselines.items()
    }


def national_figure(
    forecast: Forecast, observed: ObservedDays, window: np.ndarray, baselines: dict[str, Baseline]
) -> Figure:
    """Three panels, one per series, from day 0 to the forecast's last day."""
    place = place_word(forecast)
    titles = {
        DEATHS: "deaths a day (all places)",
        BLOCKADES: "road points blocked",
        ACTIVE: f"{place}s reported active",
    }
    members, obs, means = (
        national_members(forecast),
        national_observed(observed),
        national_baselines(baselines),
    )
    dates = np.array([np.datetime64(forecast.start_date) + int(d) for d in range(observed.days)])
    ahead = dates[window]
    fit = np.arange(observed.days) < window[0]
    fig = new_figure(10, 8.4)
    axes = fig.subplots(3, 1, sharex=True)
    for ax, series in zip(axes, SERIES, strict=True):
        q = np.quantile(members[series], [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        ax.fill_between(ahead, q[0], q[4], color=SIM_COLOUR, alpha=0.15, linewidth=0, label="model 90%")
        ax.fill_between(ahead, q[1], q[3], color=SIM_COLOUR, alpha=0.3, linewidth=0, label="model 50%")
        ax.plot(ahead, q[2], color=SIM_COLOUR, linewidth=1.6, label="model median")
        for label, by_series in means.items():
            colour, style, _ = BASELINE_STYLES.get(label, ("#555555", "--", "x"))
            ax.plot(ahead, by_series[series], color=colour, linestyle=style, linewidth=1.2, label=label)
        seen = ~np.isnan(obs[series])
        ax.plot(dates[seen & fit], obs[series][seen & fit], "o", color=FIT_COLOUR, markersize=4,
                label="observed, fit window")  # fmt: skip
        ax.plot(dates[seen & ~fit], obs[series][seen & ~fit], "o", color=OBS_COLOUR, markersize=4,
                label="observed, scored")  # fmt: skip
        ax.axvline(
            np.datetime64(forecast.fit_until) + np.timedelta64(12, "h"), color="#444444", linewidth=0.8
        )
        ax.set_ylabel(titles[series])
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=4, fontsize=8)
    axes[0].set_title(
        f"fit to {forecast.fit_until} (vertical line), forecast {forecast.dates[0]} to {forecast.until}"
    )
    fig.autofmt_xdate()
    return fig


def deaths_figure(
    forecast: Forecast, observed: ObservedDays, window: np.ndarray, baselines: dict[str, Baseline]
) -> Figure:
    """Horizontal bars: each place's deaths over the window, model against observed and baselines."""
    names = forecast.departments
    totals = forecast.members[DEATHS].sum(axis=1)  # [run, department]
    low, median, high = np.quantile(totals, [0.05, 0.5, 0.95], axis=0)
    seen = observed.deaths[window].sum(axis=0)
    order = np.lexsort((np.array(names)[::-1], median, seen))
    y = np.arange(len(names))
    fig = new_figure(9, 0.28 * len(names) + 1.8)
    ax = fig.add_subplot()
    ax.barh(y, median[order], color=SIM_COLOUR, alpha=0.7, label="model median")
    ax.errorbar(median[order], y, xerr=[median[order] - low[order], high[order] - median[order]], fmt="none",
                ecolor="#222222", capsize=2, linewidth=0.8, label="model 90% band")  # fmt: skip
    for label, b in baselines.items():
        colour, _, marker = BASELINE_STYLES.get(label, ("#555555", "--", "x"))
        ax.plot(
            b.deaths.sum(axis=0)[order], y, marker, color=colour, markersize=7, linestyle="none", label=label
        )
    ax.plot(seen[order], y, "D", color=OBS_COLOUR, markersize=5, label="observed")
    ax.set_yticks(y, [names[i] for i in order], fontsize=8)
    ax.set_xlabel(f"deaths from {forecast.dates[0]} to {forecast.until} (people)")
    ax.set_xlim(left=0)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return fig

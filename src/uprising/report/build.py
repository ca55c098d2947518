"""`build_report`: PNG figures and one self-contained HTML page for the runs of an experiment."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from uprising.errors import UprisingError
from uprising.files import describe_os_error, write_bytes_atomic
from uprising.recorder.output import RunOutput
from uprising.report.choropleth import choropleth_figure, map_days
from uprising.report.deaths import deaths_figure
from uprising.report.departments import departments_figure
from uprising.report.ensemble import HIGH_PCT, LOW_PCT, check_same_world, common_days
from uprising.report.html import Section, render_page, scorecard_table
from uprising.report.observed_series import is_peru, observed_for
from uprising.report.scorecard import scorecard
from uprising.report.timeline import day_axis, timeline_figure
from uprising.report.votes import votes_figure

REPORT_FILE = "report.html"
DPI = 110


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> None:
    """Write atomically: a failure (a full disk) leaves neither half a file nor a temporary one."""
    try:
        write_bytes_atomic(path, data)
    except OSError as err:
        raise UprisingError(
            f"--out {path.parent}: cannot write {path.name} ({describe_os_error(err)})"
        ) from None


def _intro(outputs: list[RunOutput], days: int) -> list[tuple[str, str]]:
    first = outputs[0]
    seeds = sorted(out.seed for out in outputs)
    hashes = sorted({out.scenario_hash for out in outputs})
    items = [
        ("scenario", ", ".join(sorted({out.scenario for out in outputs}))),
        ("runs", f"{len(outputs)} (seeds {', '.join(str(s) for s in seeds)})"),
        ("days", f"{days} (days 0 to {days - 1}), {first.ticks_per_day} tick(s) per day"),
        ("departments", str(len(first.departments))),
        ("people per agent", f"{first.population_scale:g}"),
        ("start date (day 0)", first.start_date or "none (undated)"),
        ("scenario hash" + ("es" if len(hashes) > 1 else ""), ", ".join(hashes)),
        ("version", ", ".join(sorted({out.version for out in outputs}))),
        ("compute time", f"{sum(out.seconds for out in outputs):.1f} s over all runs"),
    ]
    return items


def build_report(
    outputs: list[RunOutput], out_dir: Path, title: str, days_to_map: Sequence[int] | None = None
) -> Path:
    """Write the figures (PNG) and `report.html` into `out_dir`; return the HTML's path.

    Each piece appears only when the runs have its data: the timeline always; departments, maps
    and deaths by department on a map; votes when the runs held any; observed overlays and the
    scorecard for runs on the map of Peru. `days_to_map` picks the days of the maps.
    """
    from uprising.observed import run_metrics

    check_same_world(outputs)
    days = common_days(outputs)
    if days < 1:
        raise UprisingError("report: the runs have no day of output")
    if days_to_map:
        map_days(days_to_map, days)  # an impossible day is an error, with a map or without
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UprisingError(f"--out {out_dir}: cannot create the folder ({err.strerror})") from None

    observed = observed_for(outputs, days)
    multi = len(outputs[0].departments) > 1
    metrics = [run_metrics(out) for out in outputs] if multi else None
    axis = day_axis(outputs, observed)
    band = f"Lines: median over runs; shaded: {LOW_PCT:g}th to {HIGH_PCT:g}th percentile over runs."
    sections: list[Section] = []

    def add(name: str, heading: str, fig: Figure | None, text: str = "") -> None:
        if fig is None:
            return
        png = _png(fig)
        _write(out_dir / f"{name}.png", png)
        sections.append(Section(heading, text, png, f"{name}.png"))

    timeline_text = band + " Counts are real people (agents times the people per agent)."
    if observed is not None:
        timeline_text += (
            " Observed: cumulative deaths (Defensoría register), national blockades (Sutran) and "
            "departments named in protest reports (a lower bound), on the days they were reported."
        )
        if observed.start_assumed:
            timeline_text += f" The runs have no start date; day 0 is taken as {observed.start.isoformat()}."
    add("timeline", "National timeline", timeline_figure(outputs, observed, metrics), timeline_text)
    add("departments", "Departments", departments_figure(outputs, axis), band)
    add(
        "map",
        "Map",
        choropleth_figure(outputs, axis, days_to_map),
        "Median over runs of the day's peak of people in the street (participants; supporters, "
        "Epstein's active citizens, for runs without participation) per 1,000 people living in "
        "the department (its simulated population on day 0).",
    )
    add(
        "deaths",
        "Deaths by department",
        deaths_figure(outputs, observed),
        "Bars: median over runs of the deaths over the run; whiskers: 90% band."
        + (" Diamonds: observed deaths over the same days." if observed is not None else ""),
    )
    add("votes", "Congress votes", votes_figure(outputs), "Histogram over runs of each roll call's votes.")
    if observed is not None and metrics is not None:
        rows = scorecard(metrics, observed)
        if rows:
            passed = sum(r.passed is True for r in rows)
            scored = sum(r.passed is not None for r in rows)
            sections.append(
                Section(
                    "Validation scorecard",
                    f"{passed} of {scored} targets pass. A target passes when the simulated median "
                    "is within the stated tolerance of the observed value; the band is the "
                    f"{LOW_PCT:g}th to {HIGH_PCT:g}th percentile over runs. Model day 0 is "
                    f"{observed.start.isoformat()}.",
                    html=scorecard_table(rows),
                )
            )
    elif not is_peru(outputs[0]):
        sections.append(
            Section("Validation", "No observed data for this world: no scorecard (only Peru runs have one).")
        )
    page = render_page(title, _intro(outputs, days), sections)
    path = out_dir / REPORT_FILE
    _write(path, page.encode("utf-8"))
    return path

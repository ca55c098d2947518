"""`build_report`: PNG figures and one self-contained HTML page for the runs of an experiment."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from uprising.errors import UprisingError
from uprising.files import describe_os_error, write_bytes_atomic
from uprising.recorder.output import RunOutput
from uprising.report.choropleth import choropleth_figure, map_days
from uprising.report.deaths import deaths_figure, deaths_spread
from uprising.report.departments import departments_figure
from uprising.report.ensemble import HIGH_PCT, LOW_PCT, check_same_world, common_days
from uprising.report.groups import paired_differences, paired_figure, sweep_figure
from uprising.report.html import Section, render_page, scorecard_table
from uprising.report.observed_series import is_peru, observed_for
from uprising.report.scorecard import scorecard, scorecard_headline
from uprising.report.timeline import day_axis, few_runs_note, timeline_figure
from uprising.report.votes import votes_figure
from uprising.report.words import DEPARTMENTS, places_of

if TYPE_CHECKING:
    from uprising.store.groups import Groups

REPORT_FILE = "report.html"
DPI = 110
FORMATS = ("png", "svg", "pdf")
DPI_RANGE = (50, 1200)


@dataclass(frozen=True)
class Drawn:
    """A figure of a report, written as `name`.FORMAT and shown under `heading` (None: left out)."""

    name: str
    heading: str
    figure: Figure | None
    text: str = ""


def check_figure_options(formats: Sequence[str], dpi: int) -> tuple[str, ...]:
    """The figure formats asked for, checked (png, svg or pdf), and the dpi (50 to 1200)."""
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    bad = [f for f in chosen if f not in FORMATS]
    if not chosen or bad:
        shown = ",".join(bad) if bad else "(none)"
        raise UprisingError(f"--format {shown}: must be one or more of {', '.join(FORMATS)}, e.g. png,svg")
    if not DPI_RANGE[0] <= dpi <= DPI_RANGE[1]:
        raise UprisingError(f"--dpi {dpi}: must be from {DPI_RANGE[0]} to {DPI_RANGE[1]} dots per inch")
    return chosen


def _image(fig: Figure, fmt: str, dpi: int) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "pdf" else None)
    return buffer.getvalue()


def write_file(path: Path, data: bytes, flag: str = "--out") -> None:
    """Write atomically: a failure (a full disk) leaves neither half a file nor a temporary one."""
    try:
        write_bytes_atomic(path, data)
    except OSError as err:
        raise UprisingError(
            f"{flag} {path.parent}: cannot write {path.name} ({describe_os_error(err)})"
        ) from None


def make_folder(out_dir: Path, flag: str = "--out") -> Path:
    """The report's folder, made if missing; one error line naming `flag` when it cannot be."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UprisingError(f"{flag} {out_dir}: cannot create the folder ({err.strerror})") from None
    return out_dir


def save_figure(
    fig: Figure, out_dir: Path, name: str, formats: Sequence[str], dpi: int, flag: str = "--out"
) -> bytes:
    """Write `fig` as `name`.FORMAT for each of `formats` into `out_dir`; return its PNG (for the page)."""
    png = _image(fig, "png", dpi)
    for fmt in formats:
        write_file(out_dir / f"{name}.{fmt}", png if fmt == "png" else _image(fig, fmt, dpi), flag)
    return png


def placed(
    items: Sequence[Section | Drawn], out_dir: Path, formats: Sequence[str], dpi: int, flag: str = "--out"
) -> list[Section]:
    """The page's sections: each `Drawn` figure written by `save_figure` and shown under its
    heading (one without a figure left out), the other sections as they are."""
    sections = []
    for item in items:
        if not isinstance(item, Drawn):
            sections.append(item)
        elif item.figure is not None:
            png = save_figure(item.figure, out_dir, item.name, formats, dpi, flag)
            shown = f"{item.name}.png" if "png" in formats else ""
            sections.append(Section(item.heading, item.text, png, shown))
    return sections


def _intro(outputs: list[RunOutput], days: int, labels: list[str]) -> list[tuple[str, str]]:
    first = outputs[0]
    names = list(dict.fromkeys(labels))
    grouped = (
        [("groups", "; ".join(f"{n} ({labels.count(n)} runs)" for n in names))] if len(names) > 1 else []
    )
    seeds = sorted(out.seed for out in outputs)
    hashes = sorted({out.scenario_hash for out in outputs})
    items = [
        ("scenario", ", ".join(sorted({out.scenario for out in outputs}))),
        ("runs", f"{len(outputs)} (seeds {', '.join(str(s) for s in seeds)})"),
        *grouped,
        ("days", f"{days} (days 0 to {days - 1}), {first.ticks_per_day} tick(s) per day"),
        (places_of(outputs).many, str(len(first.departments))),
        ("people per agent", f"{first.population_scale:g}"),
        ("start date (day 0)", first.start_date or "none (undated)"),
        ("scenario hash" + ("es" if len(hashes) > 1 else ""), ", ".join(hashes)),
        ("version", ", ".join(sorted({out.version for out in outputs}))),
        ("compute time", f"{sum(out.seconds for out in outputs):.1f} s over all runs"),
    ]
    return items


def build_report(
    outputs: list[RunOutput],
    out_dir: Path,
    title: str,
    days_to_map: Sequence[int] | None = None,
    groups: Groups | None = None,
    formats: Sequence[str] = ("png",),
    dpi: int = DPI,
    lead: Sequence[Section | Drawn] = (),
) -> Path:
    """Write the figures (in each of `formats`, PNG at `dpi`) and `report.html` into `out_dir`;
    return the HTML's path. `lead`: sections (and figures, written as the others) that come
    first, before the timeline (a calibration's posterior and predictive check).

    Each piece appears only when the runs have its data: the timeline always; departments, maps
    and deaths by department on a map; votes when the runs held any; observed overlays and the
    scorecard for runs on the map of Peru. `days_to_map` picks the days of the maps. `groups`
    (the experiment's, aligned with `outputs`) draws one band per group, a sweep's outputs
    against its parameter and a comparison's paired differences.
    """
    from uprising.observed import run_metrics

    formats = check_figure_options(formats, dpi)
    labels = groups.labels if groups is not None else [""] * len(outputs)
    names = list(dict.fromkeys(labels))
    check_same_world(outputs)
    days = common_days(outputs)
    if days < 1:
        raise UprisingError("report: the runs have no day of output")
    if days_to_map:
        map_days(days_to_map, days)  # an impossible day is an error, with a map or without
    out_dir = make_folder(out_dir)

    intro = _intro(outputs, days, labels)
    observed = observed_for(outputs, days)
    multi = len(outputs[0].departments) > 1
    metrics = [run_metrics(out) for out in outputs] if multi else None
    axis = day_axis(outputs, observed)
    few = few_runs_note([labels.count(n) for n in names])
    band = (
        f"Lines: median over runs; shaded: {LOW_PCT:g}th to {HIGH_PCT:g}th percentile over runs"
        f" (each band's legend gives its number of runs). {few}"
    )
    sections: list[Section] = []

    def add(name: str, heading: str, fig: Figure | None, text: str = "") -> None:
        sections.extend(placed([Drawn(name, heading, fig, text)], out_dir, formats, dpi))

    places = places_of(outputs)
    sections.extend(placed(lead, out_dir, formats, dpi))
    timeline_text = band + " Counts are real people (agents times the people per agent)."
    if observed is not None:
        deaths, blockades = (
            ("Defensoría register", "Sutran")
            if places == DEPARTMENTS
            else ("observed.csv, series deaths", "series blockades")
        )
        timeline_text += (
            f" Observed: cumulative deaths ({deaths}), national blockades ({blockades}) and "
            f"{places.many} named in protest reports (a lower bound), on the days they were reported."
        )
        if observed.start_assumed:
            timeline_text += f" The runs have no start date; day 0 is taken as {observed.start.isoformat()}."
    grouped = groups if groups is not None and len(names) > 1 else None
    if grouped is not None:
        timeline_text += f" One colour per group ({len(names)} groups), never pooled into one band."
    add("timeline", "National timeline", timeline_figure(outputs, observed, metrics, labels), timeline_text)
    if grouped is not None and grouped.kind == "sweep":
        add(
            "sweep",
            "Outputs against the swept parameter",
            sweep_figure(outputs, grouped.varied),
            "Dots: one run each; line: the median of each point's runs (same seeds at every point).",
        )
    if grouped is not None and grouped.kind == "compare":
        add(
            "differences",
            "Paired differences",
            paired_figure(paired_differences(outputs, labels, grouped.seeds)),
            "Dots: alternative minus baseline for one seed; diamond: their mean with its 95% t "
            "interval, from as many pairs as the panel's title says.",
        )
    if grouped is not None and multi:  # the figures by department are of one group, not a pool
        first = [out for out, label in zip(outputs, labels, strict=True) if label == names[0]]
        outputs, metrics = first, [run_metrics(out) for out in first] if multi else None
        sections.append(
            Section(
                places.many.capitalize(),
                f"The figures below are of the group {names[0]} ({len(first)} runs).",
            )
        )
    add(places.many, places.many.capitalize(), departments_figure(outputs, axis), band)
    add(
        "map",
        "Map",
        choropleth_figure(outputs, axis, days_to_map),
        "Median over runs of the day's peak of people in the street (participants; supporters, "
        "Epstein's active citizens, for runs without participation) per 1,000 people living in "
        f"the {places.one} (its simulated population on day 0).",
    )
    add(
        "deaths",
        f"Deaths by {places.one}",
        deaths_figure(outputs, observed),
        f"Bars: median over runs of the deaths over the run; {deaths_spread(len(outputs))}."
        + (" Diamonds: observed deaths over the same days." if observed is not None else ""),
    )
    add("votes", "Congress votes", votes_figure(outputs), "Histogram over runs of each roll call's votes.")
    if observed is not None and metrics is not None:
        rows = scorecard(metrics, observed, places_of(outputs))
        if rows:
            sections.append(
                Section(
                    "Validation scorecard",
                    f"{scorecard_headline(rows)} A target passes when the simulated median is within"
                    " the stated tolerance of the observed value; the band is the "
                    f"{LOW_PCT:g}th to {HIGH_PCT:g}th percentile over the {len(metrics)} runs. Model "
                    f"day 0 is {observed.start.isoformat()}.",
                    html=scorecard_table(rows, len(metrics)),
                )
            )
    elif not is_peru(outputs[0]):
        sections.append(
            Section(
                "Validation",
                "No observed data for this world: no scorecard (Peru's runs and map worlds whose "
                "folder has an observed.csv have one).",
            )
        )
    page = render_page(title, intro, sections)
    path = out_dir / REPORT_FILE
    write_file(path, page.encode("utf-8"))
    return path

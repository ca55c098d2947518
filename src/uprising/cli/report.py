"""`uprising report`: the HTML report (and its PNG figures) of an experiment or a run in the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from uprising.cli.app import app, reports_bad_input
from uprising.cli.options import DpiOption, FormatOption
from uprising.errors import UprisingError

if TYPE_CHECKING:
    from uprising.report.build import Drawn
    from uprising.report.html import Section
    from uprising.store import Store

DEFAULT_DB = Path("uprising.duckdb")


def parse_days(text: str) -> list[int]:
    """'2,5,8,12' -> [2, 5, 8, 12]; one error line for anything else."""
    try:
        days = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        days = []
    if not days or any(d < 0 for d in days):
        raise UprisingError(
            f"--map-days {text!r}: must be whole days >= 0 separated by commas, e.g. 2,5,8,12"
        )
    return days


@app.command("report")
@reports_bad_input
def report_command(
    id_or_prefix: Annotated[
        str,
        typer.Argument(metavar="EXPERIMENT_OR_RUN", help="an experiment or run id, or its first characters"),
    ],
    db: Annotated[Path, typer.Option("--db", metavar="PATH", help="the store (a DuckDB file)")] = DEFAULT_DB,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="folder for report.html and the PNGs (default: report-ID)"),
    ] = None,
    map_days: Annotated[
        str | None,
        typer.Option("--map-days", metavar="DAYS", help="days of the maps, e.g. 2,5,8,12 (default: those)"),
    ] = None,
    format_: FormatOption = "png",
    dpi: DpiOption = 110,
    as_json: Annotated[bool, typer.Option("--json", help="print exactly one JSON line")] = False,
) -> None:
    """Write the report of EXPERIMENT_OR_RUN: report.html, self-contained, and its figures (PNG,
    SVG or PDF).

    An experiment's groups (sweep points, comparison arms, sensitivity samples) each get their
    own band; a sweep adds its outputs against the parameter, a comparison its paired
    differences.
    """
    from uprising.report import build_report
    from uprising.report.build import check_figure_options
    from uprising.store import Store

    days = parse_days(map_days) if map_days is not None else None
    formats = check_figure_options(format_.split(","), dpi)
    groups = None
    lead: list[Section | Drawn] = []
    if not db.is_file():
        raise UprisingError(f"--db {db}: no such store file (`uprising run` makes one)")
    with Store(db) as store:
        kind, full_id = store.resolve(id_or_prefix)
        if kind == "experiment":
            groups = store.groups(full_id)
            outputs = store.load_runs(groups.run_ids)
            info = store.experiment(full_id)
            title = f"{info['scenario']}: {info['kind']} {full_id}"
            if info["kind"] == "calibration":
                lead = calibration_lead(store, full_id, len(outputs))
            if not outputs:
                hint = " (its posterior predictive check ran no run: --check-runs 0)" if lead else ""
                raise UprisingError(f"experiment {full_id}: no finished run to report on{hint}")
        else:
            outputs = [store.load_run(full_id)]
            title = f"{outputs[0].scenario}, seed {outputs[0].seed}: run {full_id}"
    folder = out if out is not None else Path(f"report-{full_id}")
    path = build_report(outputs, folder, title, days, groups, formats, dpi, lead)
    if as_json:
        names = sorted(p.name for p in folder.iterdir() if p.suffix.lstrip(".") in formats)
        groups_shown = groups.summary().to_dicts() if groups is not None else []
        typer.echo(
            json.dumps({"report": str(path), "figures": names, "runs": len(outputs), "groups": groups_shown})
        )
        return
    typer.echo(str(path))


def calibration_lead(store: Store, experiment_id: str, runs: int) -> list[Section | Drawn]:
    """A calibration's posterior, generations and predictive check, from its stored tables."""
    from uprising.report.calibration import calibration_sections

    tables = store.tables(experiment_id)
    check = store.load_table(experiment_id, "predictive") if "predictive" in tables else None
    summary = store.load_table(experiment_id, "summary")
    return calibration_sections(summary, store.load_table(experiment_id, "generations"), check, runs)

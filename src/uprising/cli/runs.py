"""`uprising runs list | show ID | export ID`: browse the store and export runs' daily series."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from uprising.cli.app import app, reports_bad_input
from uprising.cli.run import DbOption, wide_console
from uprising.errors import UprisingError

if TYPE_CHECKING:
    from uprising.store import Store

runs_app = typer.Typer(
    help="Browse the stored experiments and runs, export their series.", no_args_is_help=True
)
app.add_typer(runs_app, name="runs")

EXPORT_FORMATS = ("csv", "parquet")
IdArgument = Annotated[str, typer.Argument(help="experiment or run id, or its first characters")]


def _spec_text(kind: str, spec_json: str) -> str:
    """A short reading of an experiment's spec: its seeds, overrides, grid or changes."""
    spec = json.loads(spec_json)
    parts = list(spec.get("overrides") or [])
    first = spec.get("first_seed")
    count = spec.get("runs") or spec.get("runs_per_point")
    if kind == "sweep":
        parts += [f"{k}={','.join(map(str, v))}" for k, v in (spec.get("grid") or {}).items()]
        parts += [f"{k}={lo:g}:{hi:g}" for k, (lo, hi) in (spec.get("lhs") or {}).items()]
        if spec.get("samples"):
            parts.append(f"{spec['samples']} samples")
    if kind == "compare":
        parts.append("vs " + " ".join(spec.get("changes") or []))
        if not spec.get("common_seeds", True):
            parts.append("(independent seeds)")
    if isinstance(first, int) and isinstance(count, int):
        parts.append(f"seeds {first}-{first + count - 1}" if count > 1 else f"seed {first}")
    known = {"overrides", "first_seed", "runs", "runs_per_point", "grid", "lhs", "samples", "lhs_seed"}
    known |= {"changes", "common_seeds"}
    parts += [f"{k}={json.dumps(v)}" for k, v in spec.items() if k not in known]
    return " ".join(parts)


@runs_app.command("list")
@reports_bad_input
def list_command(
    db: DbOption = Path("uprising.duckdb"),
    as_json: Annotated[bool, typer.Option("--json", help="print exactly one JSON line")] = False,
) -> None:
    """List the experiments in the store, newest first."""
    from uprising.store import Store

    experiments = Store(db).experiments()
    if as_json:
        rows = experiments.with_columns(pl.col("created").dt.to_string("%Y-%m-%dT%H:%M:%S"))
        typer.echo(json.dumps(rows.to_dicts()))
        return
    if experiments.height == 0:
        Console().print(f"no experiment in {db} yet (`uprising run SCENARIO` makes one)")
        return
    table = Table(title=f"Experiments in {db}", title_justify="left")
    for column in ("id", "kind", "scenario", "runs done", "created (UTC)"):
        table.add_column(column, justify="right" if column == "runs done" else "left", no_wrap=True)
    table.add_column("spec", overflow="fold")
    for row in experiments.iter_rows(named=True):
        table.add_row(
            row["id"],
            row["kind"],
            row["scenario"],
            f"{row['done']}/{row['runs']}",
            row["created"].strftime("%Y-%m-%d %H:%M"),
            _spec_text(row["kind"], row["spec"]),
        )
    wide_console().print(table)


@runs_app.command("show")
@reports_bad_input
def show_command(id_: IdArgument, db: DbOption = Path("uprising.duckdb")) -> None:
    """Show an experiment (its spec, runs and saved tables) or one run (its national totals)."""
    from uprising.store import Store

    store = Store(db)
    kind, ident = store.resolve(id_)
    console = wide_console()
    if kind == "run":
        output = store.load_run(ident)
        console.print(
            f"[bold]run {ident}[/bold]  {output.scenario}  seed {output.seed}  {output.seconds:.2f} s"
        )
        console.print(f"  scenario hash {output.scenario_hash}, version {output.version}")
        national = output.national()
        table = Table(title="National totals by day", title_justify="left")
        for column in national.columns:
            table.add_column(column, justify="right")
        for row in national.iter_rows():
            table.add_row(*(f"{v:,}" for v in row))
        console.print(table)
        return
    exp = store.experiment(ident)
    runs = store.runs(ident)
    done = int((runs["status"] == "done").sum())
    console.print(
        f"[bold]{exp['kind']} {ident}[/bold]  {exp['scenario']}  {done}/{runs.height} runs done"
        f"  created {exp['created']:%Y-%m-%d %H:%M} UTC  version {exp['version']}"
    )
    console.print(f"  scenario hash {exp['scenario_hash']}  spec {json.dumps(exp['spec'])}")
    table = Table(title="Runs", title_justify="left")
    for column in ("run", "label", "seed", "overrides", "status", "seconds"):
        table.add_column(column, justify="right" if column in ("seed", "seconds") else "left")
    for row in runs.iter_rows(named=True):
        seconds = "" if row["wall_seconds"] is None else f"{row['wall_seconds']:.2f}"
        overrides = " ".join(json.loads(row["overrides"]))
        table.add_row(row["run_id"], row["label"], str(row["seed"]), overrides, row["status"], seconds)
    console.print(table)
    for name in store.tables(ident):
        frame = store.load_table(ident, name)
        saved = Table(title=f"Table {name}", title_justify="left")
        for column in frame.columns:
            saved.add_column(column, justify="right")
        for values in frame.iter_rows():
            saved.add_row(*(f"{v:.4g}" if isinstance(v, float) else str(v) for v in values))
        console.print(saved)


def export_frame(store: Store, kind: str, ident: str) -> pl.DataFrame:
    """The daily rows of a run, or of every finished run of an experiment, with run columns."""
    if kind == "run":
        runs = [(ident, "", store.load_run(ident))]
    else:
        meta = store.runs(ident).filter(pl.col("status") == "done")
        outputs = store.load_runs(meta["run_id"].to_list())
        runs = list(zip(meta["run_id"].to_list(), meta["label"].to_list(), outputs, strict=True))
    if not runs:
        raise UprisingError(f"experiment {ident}: no finished run to export")
    return pl.concat(
        [
            out.daily.select(
                pl.lit(run_id).alias("run_id"),
                pl.lit(label).alias("label"),
                pl.lit(out.seed, dtype=pl.Int64).alias("seed"),
                pl.all(),
            )
            for run_id, label, out in runs
        ]
    )


@runs_app.command("export")
@reports_bad_input
def export_command(
    id_: IdArgument,
    format_: Annotated[str, typer.Option("--format", help="csv or parquet")] = "csv",
    out: Annotated[Path | None, typer.Option(help="file to write (default: ID.FORMAT here)")] = None,
    db: DbOption = Path("uprising.duckdb"),
) -> None:
    """Export the daily series of an experiment's runs (or of one run) as CSV or Parquet."""
    from uprising.store import Store

    if format_ not in EXPORT_FORMATS:
        raise UprisingError(f"--format {format_!r}: must be one of {', '.join(EXPORT_FORMATS)}")
    store = Store(db)
    kind, ident = store.resolve(id_)
    frame = export_frame(store, kind, ident)
    path = out or Path(f"{ident}.{format_}")
    if not path.parent.is_dir():
        raise UprisingError(f"--out {path}: folder {path.parent} does not exist")
    part = path.with_name(path.name + ".part")
    try:
        frame.write_csv(part) if format_ == "csv" else frame.write_parquet(part)
        part.replace(path)
    except OSError as err:
        part.unlink(missing_ok=True)
        raise UprisingError(f"--out {path}: cannot write ({err.strerror})") from None
    Console().print(f"wrote {frame.height} rows of {frame['run_id'].n_unique()} run(s) to {path}")

"""`uprising runs list | show ID | export ID | verify`: browse the store, export runs' daily
series, check the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from uprising.cli.app import app, reports_bad_input
from uprising.cli.console import wide_console
from uprising.cli.options import DbOption
from uprising.cli.world_outputs import absent_columns, world_kind
from uprising.errors import UprisingError
from uprising.files import atomic_path, describe_os_error

if TYPE_CHECKING:
    from uprising.store import Store

runs_app = typer.Typer(
    help="Browse the stored experiments and runs, export their series.", no_args_is_help=True
)
app.add_typer(runs_app, name="runs")

EXPORT_FORMATS = ("csv", "parquet")
IdArgument = Annotated[
    str, typer.Argument(metavar="ID", help="experiment or run id, or its first characters")
]


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
def show_command(
    id_: IdArgument,
    db: DbOption = Path("uprising.duckdb"),
    as_json: Annotated[bool, typer.Option("--json", help="print exactly one JSON line")] = False,
) -> None:
    """Show an experiment (its spec, groups, runs and saved tables) or one run (its national
    totals)."""
    from uprising.store import Store

    store = Store(db)
    kind, ident = store.resolve(id_)
    console = wide_console()
    if kind == "run":
        output = store.load_run(ident)
        national = output.national().drop(absent_columns(world_kind(output.parameters)), strict=False)
        if as_json:
            line = {"run": ident, "scenario": output.scenario, "seed": output.seed}
            line |= {"seconds": output.seconds, "national": national.to_dicts()}
            typer.echo(json.dumps(line))
            return
        console.print(
            f"[bold]run {ident}[/bold]  {output.scenario}  seed {output.seed}  {output.seconds:.2f} s"
        )
        console.print(f"  scenario hash {output.scenario_hash}, version {output.version}")
        table = Table(title="National totals by day", title_justify="left")
        for column in national.columns:
            table.add_column(column, justify="right")
        for row in national.iter_rows():
            table.add_row(*(f"{v:,}" for v in row))
        console.print(table)
        return
    exp = store.experiment(ident)
    runs = store.runs(ident)
    groups = store.groups(ident).summary()
    done = int((runs["status"] == "done").sum())
    if as_json:
        line = {"experiment": ident, "kind": exp["kind"], "scenario": exp["scenario"], "spec": exp["spec"]}
        line |= {"runs": runs.height, "done": done, "groups": groups.to_dicts()}
        line |= {"tables": store.tables(ident)}
        typer.echo(json.dumps(line))
        return
    console.print(
        f"[bold]{exp['kind']} {ident}[/bold]  {exp['scenario']}  {done}/{runs.height} runs done"
        f"  created {exp['created']:%Y-%m-%d %H:%M} UTC  version {exp['version']}"
    )
    console.print(f"  scenario hash {exp['scenario_hash']}  spec {json.dumps(exp['spec'])}")
    shown = Table(title=f"Groups ({groups.height}, finished runs)", title_justify="left")
    for column in groups.columns:
        shown.add_column(column, justify="right" if column == "runs" else "left")
    for values in groups.iter_rows():
        shown.add_row(*(f"{v:.4g}" if isinstance(v, float) else str(v) for v in values))
    console.print(shown)
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
    """The daily rows of a run, or of every finished run of an experiment, each row led by its
    run's columns: run_id, label (its group), the arm of a comparison, seed, and one column per
    parameter the experiment varies (named by its dotted path). Columns the runs' world does not
    have (deaths, blockades on a torus) are left out."""
    if kind == "run":
        output = store.load_run(ident)
        meta = pl.DataFrame({"run_id": [ident], "label": [""], "seed": [output.seed]})
        outputs = [output]
    else:
        meta = store.groups(ident).frame()
        outputs = store.load_runs(meta["run_id"].to_list())
    if not outputs:
        raise UprisingError(f"experiment {ident}: no finished run to export")
    frames = [
        out.daily.select([pl.lit(v).alias(k) for k, v in row.items()] + [pl.all()])
        for row, out in zip(meta.iter_rows(named=True), outputs, strict=True)
    ]
    frame = pl.concat(frames, how="diagonal_relaxed").with_columns(pl.col("seed").cast(pl.Int64))
    return frame.drop(absent_columns(world_kind(outputs[0].parameters)))


@runs_app.command("export")
@reports_bad_input
def export_command(
    id_: IdArgument,
    format_: Annotated[str, typer.Option("--format", help="csv or parquet")] = "csv",
    out: Annotated[Path | None, typer.Option(help="file to write (default: ID.FORMAT here)")] = None,
    db: DbOption = Path("uprising.duckdb"),
    as_json: Annotated[bool, typer.Option("--json", help="print exactly one JSON line")] = False,
) -> None:
    """Export the daily series of an experiment's runs (or of one run) as CSV or Parquet."""
    from uprising.store import Store

    if format_ not in EXPORT_FORMATS:
        raise UprisingError(f"--format {format_!r}: must be one of {', '.join(EXPORT_FORMATS)}")
    store = Store(db)
    kind, ident = store.resolve(id_)
    frame = export_frame(store, kind, ident)
    path = out or Path(f"{ident}.{format_}")
    check_export_target(path, format_, db)
    try:
        with atomic_path(path) as part:
            frame.write_csv(part) if format_ == "csv" else frame.write_parquet(part)
    except (OSError, pl.exceptions.PolarsError) as err:
        raise UprisingError(f"--out {path}: cannot write ({describe_os_error(err)})") from None
    count = frame["run_id"].n_unique()
    if as_json:
        typer.echo(
            json.dumps({"path": str(path), "rows": frame.height, "runs": count, "columns": frame.columns})
        )
        return
    Console().print(f"wrote {frame.height} rows of {count} run(s) to {path}")


def check_export_target(path: Path, format_: str, db: Path) -> None:
    """Refuse an --out that would replace the store, its log, or a file that is not an export."""
    from uprising.store.schema import DUCKDB_MAGIC
    from uprising.store.wal import wal_path

    if not path.parent.is_dir():
        raise UprisingError(f"--out {path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise UprisingError(f"--out {path}: is a folder, expected a file name")
    for kept in (db, wal_path(db)):
        if path.exists() and kept.exists() and path.samefile(kept):
            raise UprisingError(f"--out {path}: is the store {db} itself; give another file name")
    if not path.exists():
        return
    with path.open("rb") as f:
        head = f.read(16)
    if head[8:12] == DUCKDB_MAGIC or path.suffix.lower() != f".{format_}":
        raise UprisingError(
            f"--out {path}: exists and is not a .{format_} export; remove it or give another file name"
        )


@runs_app.command("verify")
@reports_bad_input
def verify_command(
    db: DbOption = Path("uprising.duckdb"),
    as_json: Annotated[bool, typer.Option("--json", help="print exactly one JSON line")] = False,
) -> None:
    """Check a store: its file and log, DuckDB's checksums, the counts of runs and their rows.

    One line per check; exit code 0 when the store is sound, 2 when it is not.
    """
    from uprising.store.verify import verify_store

    findings = verify_store(db)
    sound = all(f.ok for f in findings)
    if as_json:
        checks = [{"check": f.check, "ok": f.ok, "detail": f.detail} for f in findings]
        typer.echo(json.dumps({"db": str(db), "sound": sound, "checks": checks}))
    else:
        for f in findings:
            typer.echo(f"{'ok  ' if f.ok else 'FAIL'}  {f.check}: {f.detail}")
    if not sound:
        failed = next(f for f in findings if not f.ok)
        raise UprisingError(f"--db {db}: not sound ({failed.check}: {failed.detail})")

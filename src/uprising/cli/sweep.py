"""`uprising sweep`: a grid and/or Latin hypercube of parameters, every point on the same seeds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from uprising.cli.app import app, reports_bad_input
from uprising.cli.console import run_progress, wide_console
from uprising.cli.options import DbOption, ScenarioArgument, SchedulerOption, SetOption, WorkersOption
from uprising.cli.world_outputs import MAP_ONLY_METRICS, has_map


@app.command("sweep")
@reports_bad_input
def sweep_command(
    scenario: ScenarioArgument,
    grid: Annotated[
        list[str] | None, typer.Option("--grid", help="key=v1,v2,...: values of one parameter (repeatable)")
    ] = None,
    lhs: Annotated[
        list[str] | None,
        typer.Option("--lhs", help="key=low:high: a parameter of the Latin hypercube (repeatable)"),
    ] = None,
    samples: Annotated[int | None, typer.Option(help="points of the Latin hypercube, with --lhs")] = None,
    lhs_seed: Annotated[int, typer.Option(help="seed of the Latin hypercube's points")] = 0,
    runs: Annotated[int, typer.Option("--runs", help="runs (seeds) per point, 1 to 100000")] = 1,
    runs_per_point: Annotated[
        int | None, typer.Option("--runs-per-point", hidden=True, help="the former name of --runs")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="first seed (default: the scenario's)")] = None,
    set_: SetOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    db: DbOption = Path("uprising.duckdb"),
    as_json: Annotated[bool, typer.Option("--json", help="print exactly one JSON line")] = False,
) -> None:
    """Sweep parameters over a grid and/or a Latin hypercube; store it as one experiment.

    Every point runs the same seeds; the table gives each point's mean outputs over them.
    """
    from uprising.cli.options import check_seed
    from uprising.errors import UprisingError
    from uprising.experiment.ensemble import check_runs
    from uprising.experiment.execution import ExecutionOptions
    from uprising.experiment.executor import check_workers
    from uprising.experiment.sweep import parse_grid, parse_lhs, run_sweep, sweep_points
    from uprising.scenario import load_scenario
    from uprising.store import Store

    if lhs_seed < 0:
        raise UprisingError(f"--lhs-seed {lhs_seed}: out of range (allowed range [0, inf])")
    parsed_grid = parse_grid(grid or [])
    parsed_lhs = parse_lhs(lhs or [])
    sweep_points(parsed_grid, parsed_lhs, samples, lhs_seed)  # checks before anything runs
    flag = "--runs" if runs_per_point is None else "--runs-per-point"
    runs_per_point = check_runs(runs if runs_per_point is None else runs_per_point, flag)
    if workers is not None:
        check_workers(workers)
    overrides = list(set_ or [])
    base = load_scenario(scenario, overrides)
    check_seed(seed, runs_per_point, base.run.seed)
    store = Store(db)
    with run_progress(f"{base.name} sweep", enabled=not as_json) as progress:
        execution = ExecutionOptions(store, workers, scheduler, progress)
        result = run_sweep(
            scenario, parsed_grid, parsed_lhs, samples, runs_per_point, seed, overrides, lhs_seed, execution
        )
    table = result.extra["points"]
    if not has_map(base.world.kind):
        table = table.drop([c for c in MAP_ONLY_METRICS if c in table.columns])
    if as_json:
        line = {
            "experiment": result.experiment_id,
            "scenario": base.name,
            "runs": len(result.outputs),
            "resumed": result.resumed,
            "seconds": round(result.seconds, 3),
            "points": table.to_dicts(),
        }
        typer.echo(json.dumps(line))
        return
    console = wide_console()
    console.print(
        f"[bold]{base.name}[/bold]  sweep {result.experiment_id}  {table.height} points x "
        f"{runs_per_point} seed(s)  {result.seconds:.1f} s  store {db}"
    )
    # Outputs that stay zero at every point (deaths or blockades on a torus) are left out.
    shown = [c for c in table.columns if table[c].dtype == pl.String or (table[c] != 0).any()]
    out = Table(title="Mean outputs by point", title_justify="left")
    for column in shown:
        out.add_column(column, justify="right")
    for row in table.select(shown).iter_rows():
        out.add_row(*(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row))
    console.print(out)

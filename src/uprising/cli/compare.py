"""`uprising compare`: a counterfactual against the baseline on the same seeds, with t intervals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from uprising.cli.app import app, reports_bad_input
from uprising.cli.console import run_progress, wide_console
from uprising.cli.options import (
    DbOption,
    ScenarioArgument,
    SchedulerOption,
    SetOption,
    WorkersOption,
    read_posterior_option,
)
from uprising.cli.world_outputs import MAP_ONLY_METRICS, has_map


@app.command("compare")
@reports_bad_input
def compare_command(
    scenario: ScenarioArgument,
    set_: SetOption = None,
    base: Annotated[
        list[str] | None,
        typer.Option("--base", help="key=value applied to both baseline and alternative (repeatable)"),
    ] = None,
    runs: Annotated[int, typer.Option(help="seeds (pairs of runs), 2 to 100000")] = 8,
    seed: Annotated[int | None, typer.Option(help="first seed (default: the scenario's)")] = None,
    independent_seeds: Annotated[
        bool,
        typer.Option(
            "--independent-seeds", help="give the alternative other seeds (to see what pairing saves)"
        ),
    ] = False,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    db: DbOption = Path("uprising.duckdb"),
    as_json: Annotated[bool, typer.Option("--json", help="print exactly one JSON line")] = False,
    posterior: Annotated[
        str | None,
        typer.Option(
            help="give each pair of runs a particle drawn by weight from a calibration's posterior "
            "(a file of `uprising calibrate --write-posterior`, or a built-in posterior's name): the "
            "comparison then spans the parameters' uncertainty; the changes of --set win over it"
        ),
    ] = None,
) -> None:
    """Compare the scenario with the changes of --set (the alternative) on the same seeds.

    Prints, for each output, the mean paired difference (alternative minus baseline) and its
    95% t interval; the table is stored with the experiment.
    """
    from uprising.cli.options import check_seed
    from uprising.errors import UprisingError
    from uprising.experiment.compare import run_compare
    from uprising.experiment.ensemble import MAX_RUNS
    from uprising.experiment.execution import ExecutionOptions
    from uprising.experiment.executor import check_workers
    from uprising.scenario import load_scenario
    from uprising.store import Store

    changes = list(set_ or [])
    overrides = list(base or [])
    if not changes:
        raise UprisingError("--set: give at least one change key=value for the alternative")
    if not 2 <= runs <= MAX_RUNS:
        raise UprisingError(f"--runs {runs}: must be from 2 to {MAX_RUNS} for a comparison")
    seeds = runs if not independent_seeds else 2 * runs  # independent: the alternative's follow
    if workers is not None:
        check_workers(workers)
    baseline = load_scenario(scenario, overrides)
    check_seed(seed, seeds, baseline.run.seed)
    load_scenario(scenario, overrides + changes)
    drawn_from = read_posterior_option(posterior)
    store = Store(db)
    with run_progress(f"{baseline.name} compare", enabled=not as_json) as progress:
        execution = ExecutionOptions(store, workers, scheduler, progress)
        result = run_compare(
            scenario, changes, runs, seed, overrides, not independent_seeds, execution, posterior=drawn_from
        )
    table = result.extra["differences"]
    if not has_map(baseline.world.kind):
        table = table.filter(~pl.col("output").is_in(list(MAP_ONLY_METRICS)))
    if as_json:
        line = {
            "experiment": result.experiment_id,
            "scenario": baseline.name,
            "changes": changes,
            "runs": runs,
            "posterior": posterior,
            "resumed": result.resumed,
            "seconds": round(result.seconds, 3),
            "differences": table.to_dicts(),
        }
        typer.echo(json.dumps(line))
        return
    console = wide_console()
    pairing = "independent seeds" if independent_seeds else "the same seeds"
    console.print(
        f"[bold]{baseline.name}[/bold]  compare {result.experiment_id}  {' '.join(changes)}  "
        f"{runs} runs each on {pairing}  {result.seconds:.1f} s  store {db}"
    )
    if drawn_from is not None:
        console.print(f"each pair's parameters drawn from the posterior {posterior}")
    out = Table(title="Alternative minus baseline (mean, 95% t interval)", title_justify="left")
    for column in ("output", "baseline", "alternative", "difference", "95% interval"):
        out.add_column(column, justify="left" if column == "output" else "right")
    for row in table.iter_rows(named=True):
        if row["baseline"] == row["alternative"] == 0:
            continue  # an output neither side has (deaths or blockades on a torus)
        out.add_row(
            row["output"],
            f"{row['baseline']:.4g}",
            f"{row['alternative']:.4g}",
            f"{row['difference']:+.4g}",
            f"[{row['low']:.4g}, {row['high']:.4g}]",
        )
    console.print(out)

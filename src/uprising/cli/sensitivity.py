"""`uprising sensitivity`: Morris or Sobol indices of named run outputs to chosen parameters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from uprising.cli.app import app, reports_bad_input
from uprising.cli.console import run_progress, wide_console
from uprising.cli.options import DbOption, ScenarioArgument, SchedulerOption, SetOption, WorkersOption
from uprising.errors import UprisingError


@app.command("sensitivity")
@reports_bad_input
def sensitivity_command(
    scenario: ScenarioArgument,
    outputs: Annotated[
        str,
        typer.Option(
            help="comma-separated outputs: mean_active, peak_active, final_jailed, total_deaths, "
            "peak_blockades, peak_blockade_day, departments_active_max, departments_active_day4"
        ),
    ],
    method: Annotated[str, typer.Option(help="morris (screening) or sobol (variance shares)")] = "morris",
    samples: Annotated[
        int,
        typer.Option(
            help="Morris trajectories, or Sobol base samples (a power of 2); runs = N x (params + 1 or 2)"
        ),
    ] = 10,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", help="key=low:high: a parameter to vary (repeatable; default: the calibrated ones)"
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="seed of the design and of every run (default: the scenario's)")
    ] = None,
    noise_runs: Annotated[
        int,
        typer.Option(
            help="Morris: also run the scenario's values on this many other seeds; parameters whose "
            "mu* stays below that noise for every output are listed as without effect (0: none)"
        ),
    ] = 0,
    set_: SetOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    db: DbOption = Path("uprising.duckdb"),
    out: Annotated[Path | None, typer.Option(help="folder for the plot (PNG) and the table (CSV)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print exactly one JSON line")] = False,
) -> None:
    """Global sensitivity of run outputs to parameters (SALib), stored as one experiment.

    Every run uses the same seed, so differences come from the parameters alone. Morris gives
    mu* (mean |elementary effect|) and sigma; Sobol gives S1 and ST with 95% confidence.
    """
    from uprising.extras import require_extra

    require_extra("sensitivity", "uprising sensitivity")
    from uprising.cli.options import check_seed
    from uprising.experiment.calibrate import calibrated_ranges, parse_param_option
    from uprising.experiment.execution import ExecutionOptions
    from uprising.experiment.executor import check_workers
    from uprising.experiment.sensitivity import (
        check_method,
        check_noise_runs,
        plot_sensitivity,
        run_sensitivity,
        runs_needed,
        write_table_csv,
    )
    from uprising.experiment.summary_stats import check_outputs
    from uprising.scenario import load_scenario
    from uprising.store import Store

    check_seed(seed)
    names = check_outputs([n.strip() for n in outputs.split(",") if n.strip()])
    if workers is not None:
        check_workers(workers)
    overrides = tuple(set_ or [])
    base = load_scenario(scenario, list(overrides))
    ranges = [parse_param_option(base, p) for p in param] if param else calibrated_ranges(base)
    paths = [r.path for r in ranges]
    twice = sorted({p for p in paths if paths.count(p) > 1})
    if twice:
        raise UprisingError(f"--param {twice[0]}: given more than once")
    check_method(method, samples, len(ranges))
    check_noise_runs(method, noise_runs)
    store = Store(db)
    total = runs_needed(method, samples, len(ranges))
    with run_progress(f"{base.name} {method} ({total} runs)", enabled=not as_json) as progress:
        execution = ExecutionOptions(store, workers, scheduler, progress)
        result = run_sensitivity(
            scenario, ranges, names, method, samples, seed, overrides, execution, noise_runs
        )
    written = []
    if out is not None:
        stem = f"{base.name}-{method}-{result.experiment_id}"
        title = f"{base.name}: {method} sensitivity, {result.runs.height} runs"
        written.append(plot_sensitivity(result.table, method, out / f"{stem}.png", title))
        written.append(write_table_csv(result.table, out / f"{stem}.csv"))
    if as_json:
        line = {
            "experiment": result.experiment_id,
            "scenario": base.name,
            "method": method,
            "runs": result.runs.height,
            "resumed": result.resumed,
            "seconds": round(result.seconds, 3),
            "indices": result.table.to_dicts(),
            "outputs": [str(p) for p in written],
            "noise_floor": result.noise,
            "no_effect": result.no_effect,
        }
        typer.echo(json.dumps(line))
        return
    console = wide_console()
    console.print(
        f"[bold]{base.name}[/bold]  {method} sensitivity {result.experiment_id}  {result.runs.height} runs "
        f"({result.resumed} from the store)  {result.seconds:.1f} s  store {db}"
    )
    columns = {
        "morris": (("mu_star", "mu*"), ("mu_star_conf", "+/- 95%"), ("sigma", "sigma"), ("mu", "mu")),
        "sobol": (("S1", "S1"), ("S1_conf", "+/- 95%"), ("ST", "ST"), ("ST_conf", "+/- 95%")),
    }[method]
    table = Table(title="Sensitivity indices", title_justify="left")
    table.add_column("output")
    table.add_column("parameter")
    for _, label in columns:
        table.add_column(label, justify="right")
    for row in result.table.iter_rows(named=True):
        table.add_row(row["output"], row["parameter"], *(f"{row[c]:.4g}" for c, _ in columns))
    console.print(table)
    if result.noise:
        floors = ", ".join(f"{name} {value:.4g}" for name, value in result.noise.items())
        console.print(f"noise floor of mu* ({noise_runs} other seeds): {floors}")
        console.print(f"no measurable effect: {', '.join(result.no_effect) or 'none'}")
    for path in written:
        console.print(f"  wrote {path}")

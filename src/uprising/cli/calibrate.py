"""`uprising calibrate`: ABC-SMC of a scenario's calibrated parameters against observed data."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from uprising.cli.app import app, reports_bad_input
from uprising.cli.console import elapsed, wide_console
from uprising.cli.options import (
    ScenarioArgument,
    SchedulerOption,
    SetOption,
    WorkersOption,
    check_seed,
    command_line,
)
from uprising.errors import UprisingError
from uprising.extras import require_extra


@app.command("calibrate")
@reports_bad_input
def calibrate_command(
    scenario: ScenarioArgument,
    observed: Annotated[
        Path | None,
        typer.Option(
            help="folder of observed data: deaths.csv, blockades.csv, regions_active.csv (Peru), "
            "observed.csv (a map world; default: its data folder) or series.csv (tick, quiescent, "
            "active, jailed: a classic torus run)"
        ),
    ] = None,
    death_cells: Annotated[
        str,
        typer.Option(
            help="Peru: the cells deaths are compared in: coarse (3 periods x 4 groups of "
            "departments) or fine (4 periods x 5 groups: Apurímac's 11-12 December apart from "
            "Ayacucho's 13-15)"
        ),
    ] = "coarse",
    budget: Annotated[int, typer.Option(help="simulations to run in all, 1 to 10000000")] = 1500,
    populations: Annotated[int, typer.Option(help="ABC-SMC generations at most, 1 to 100")] = 5,
    population_size: Annotated[
        int | None,
        typer.Option(help="particles per generation (default: budget / (3 x populations), at least 10)"),
    ] = None,
    min_epsilon: Annotated[
        float, typer.Option(help="stop once a generation's distance threshold is at or below this, >= 0")
    ] = 0.0,
    min_acceptance: Annotated[
        float,
        typer.Option(
            help="stop rather than run a generation that accepts fewer than this share of its "
            "proposals, 0 to 1 (0: never)"
        ),
    ] = 0.02,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="key=low:high: a parameter to search (repeatable; default: the calibrated ones); "
            "the others keep their values",
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="seed of the calibration (default: the scenario's)")
    ] = None,
    set_: SetOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="the DuckDB store of experiments (default uprising.duckdb); when given, pyabc's "
            "history is kept beside it in <db>.pyabc/",
        ),
    ] = None,
    write_scenario: Annotated[
        Path | None,
        typer.Option(help="write a copy of the scenario with the posterior medians applied (YAML)"),
    ] = None,
    write_posterior: Annotated[
        Path | None,
        typer.Option(
            help="write the posterior (the last population's particles and weights, and how they "
            "were found) to this JSON file, for `uprising run --posterior` and `uprising forecast "
            "--posterior`; an existing file is never overwritten"
        ),
    ] = None,
    check_runs: Annotated[
        int,
        typer.Option(
            help="runs of the posterior predictive check, 0 to 10000 (0: none): particles drawn "
            "by weight, stored with the calibration (`uprising report` draws them against the data)"
        ),
    ] = 16,
    as_json: Annotated[bool, typer.Option("--json", help="print exactly one JSON line")] = False,
) -> None:
    """Calibrate the parameters the scenario marks `calibrated` by ABC-SMC against observed data.

    Same scenario, data, budget and seed give the same posterior, whatever --workers or
    --scheduler. The posterior is stored as an experiment of kind 'calibration' (tables
    posterior, summary, generations, observed, and predictive: the posterior predictive check,
    whose runs are the experiment's runs).
    """
    require_extra("calibrate", "uprising calibrate")
    from uprising.experiment import calibrate as cal
    from uprising.experiment import predictive
    from uprising.experiment.ensemble import run_experiment
    from uprising.experiment.executor import check_workers
    from uprising.experiment.summary_stats import check_death_cells, default_observed, load_target
    from uprising.scenario import load_scenario
    from uprising.store import DEFAULT_PATH, Store

    check_seed(seed)
    check_death_cells(death_cells)
    predictive.check_runs_option(check_runs)
    overrides = tuple(set_ or [])
    if workers is not None:
        check_workers(workers)
    size = cal.population_size_for(budget, populations, population_size)
    cal.check_min_epsilon(min_epsilon)
    cal.check_min_acceptance(min_acceptance)
    if write_posterior is not None:
        from uprising.experiment.posterior import check_new_posterior

        check_new_posterior(write_posterior)  # before any run
    base = load_scenario(scenario, list(overrides))
    ranges = cal.searched_ranges(base, param)
    first_seed = base.run.seed if seed is None else seed
    folder = observed if observed is not None else default_observed(base)
    if folder is None:
        raise UprisingError(
            f"--observed: needed for a {base.world.kind} world (a folder of observed data); only a "
            "map world reads its data folder's observed.csv by default"
        )
    target = load_target(base, folder, death_cells)
    store = Store(db if db is not None else DEFAULT_PATH)
    spec = {
        "overrides": list(overrides),
        "budget": budget,
        "populations": populations,
        "population_size": size,
        "min_epsilon": min_epsilon,
        "min_acceptance": min_acceptance,
        "seed": first_seed,
        "parameters": [[r.path, r.low, r.high] for r in ranges],
        "observed": target.observed,
        "check_runs": check_runs,
    }
    # pyabc's history: beside an explicit store (named after the experiment once it is stored),
    # otherwise in a temporary folder removed afterwards.
    history = None if db is None else db.with_name(db.name + ".pyabc") / f"running-{os.getpid()}.db"

    started = time.monotonic()

    def on_generation(generation: int, accepted: int, simulations: int) -> None:
        if not as_json:
            spent = elapsed(time.monotonic() - started)
            runs = f"{simulations}/{budget} runs"
            sys.stderr.write(f"generation {generation}: {accepted} particles, {runs}, {spent}\n")

    result = cal.calibrate(
        scenario,
        target,
        overrides=overrides,
        budget=budget,
        populations=populations,
        population_size=size,
        min_epsilon=min_epsilon,
        min_acceptance=min_acceptance,
        ranges=ranges,
        workers=workers,
        scheduler=scheduler,
        seed=first_seed,
        history_db=history,
        on_generation=on_generation,
    )
    # The posterior predictive check's runs are the experiment's runs, stored as they finish.
    tasks = predictive.predictive_tasks(result, check_runs, first_seed)
    if tasks and not as_json:
        sys.stderr.write(f"posterior predictive check: {len(tasks)} runs\n")
    checked = run_experiment(
        "calibration", scenario, overrides, tasks, spec, store=store, workers=workers, scheduler=scheduler
    )
    eid = checked.experiment_id
    assert eid is not None  # a store was given
    check = predictive.predictive_check(target.observed, [target.stats_of(out) for out in checked.outputs])
    if history is not None:
        result.history_db = str(history.replace(history.with_name(f"{eid}.db")))
    store.save_table(eid, "posterior", result.particles)
    store.save_table(eid, "summary", result.summary)
    store.save_table(eid, "generations", result.generations)
    observed_table = pl.DataFrame(
        {"statistic": list(result.observed), "value": list(result.observed.values())},
        schema={"statistic": pl.String, "value": pl.Float64},
    )
    store.save_table(eid, "observed", observed_table)
    if check.height:
        store.save_table(eid, "predictive", check)
    written = None
    if write_scenario is not None:
        cal.write_scenario(cal.calibrated_scenario(result), write_scenario)
        written = write_scenario
    if write_posterior is not None:
        from uprising.experiment.posterior import posterior_document
        from uprising.experiment.posterior import write_posterior as write_file
        from uprising.forecast.forecast import observed_label

        options = {
            "observed": observed, "death-cells": None if death_cells == "coarse" else death_cells,
            "budget": budget, "populations": populations,
            "population-size": population_size, "min-epsilon": min_epsilon or None,
            "min-acceptance": min_acceptance, "seed": first_seed, "check-runs": check_runs,
        }  # fmt: skip
        repeated = [("set", item) for item in overrides] + [("param", item) for item in param or []]
        repeated.append(("write-posterior", str(write_posterior)))
        line = command_line(["uprising", "calibrate", scenario], options, repeated)
        document = posterior_document(result, line, observed_label(folder))
        write_file(document, write_posterior)
    if as_json:
        line = {
            "experiment": eid,
            "scenario": base.name,
            "simulations": result.simulations,
            "generations": result.generations.height,
            "generation_stats": result.generations.to_dicts(),
            "population_size": result.population_size,
            "seed": result.seed,
            "posterior": result.summary.to_dicts(),
            "history_db": result.history_db,
            "scenario_written": str(written) if written else None,
            "posterior_written": str(write_posterior) if write_posterior else None,
            "predictive_check": {"runs": len(checked.outputs), "statistics": check.to_dicts()},
        }
        typer.echo(json.dumps(line))
        return
    console = wide_console()
    last_eps = result.generations["epsilon"][-1]
    console.print(
        f"[bold]{base.name}[/bold]  calibration {eid}  {result.generations.height} generation(s) of "
        f"{result.population_size} particles, {result.simulations} runs, final threshold "
        f"{last_eps:.4g}  seed {result.seed}  store {store.path}"
    )
    out = Table(
        title=f"Posterior: weighted quantiles of the last generation, {result.ess:.1f} effective particles "
        "(90% for the ESS: the interval that holds a draw of the posterior 90% of the time, given so few)",
        title_justify="left",
    )
    for column in ("parameter", "median", "5%", "95%", "90% for the ESS", "prior", "target"):
        out.add_column(column, justify="left" if column in ("parameter", "target") else "right")
    for row in result.summary.iter_rows(named=True):
        out.add_row(
            row["parameter"],
            f"{row['median']:.4g}",
            f"{row['low']:.4g}",
            f"{row['high']:.4g}",
            f"{row['adjusted_low']:.4g} to {row['adjusted_high']:.4g}",
            f"[{row['prior_low']:g}, {row['prior_high']:g}]",
            row["target"],
        )
    console.print(out)
    steps = Table(title="Generations (ESS: effective sample size of the weights)", title_justify="left")
    for column in ("generation", "threshold", "runs", "acceptance", "ESS"):
        steps.add_column(column, justify="right")
    for row in result.generations.iter_rows(named=True):
        steps.add_row(
            str(row["generation"]),
            f"{row['epsilon']:.4g}",
            str(row["simulations"]),
            f"{row['acceptance']:.3f}",
            f"{row['ess']:.1f} of {row['particles']}",
        )
    console.print(steps)
    last = result.generations.row(-1, named=True)
    if last["ess"] < cal.LOW_ESS_SHARE * last["particles"]:
        console.print(
            f"  [yellow]warning:[/yellow] the last generation's weights are carried by few particles "
            f"(ESS {last['ess']:.1f} of {last['particles']}): read the intervals for the ESS"
        )
    if check.height:
        inside, of = predictive.inside_count(check)
        console.print(
            f"Posterior predictive check: {inside} of {of} statistics inside the 90% band of "
            f"{len(checked.outputs)} runs drawn from the posterior" + ("" if inside == of else "; outside:")
        )
        for row in check.filter(~pl.col("inside")).iter_rows(named=True):
            console.print(
                f"  {row['statistic']}: observed {row['observed']:g}, runs {row['median']:g} "
                f"[{row['low']:g}, {row['high']:g}], {row['share_below']:.0%} of runs below"
            )
        console.print(f"  figures and the whole check: uprising report {eid}" + (f" --db {db}" if db else ""))
    if result.history_db:
        console.print(f"  pyabc history: {result.history_db}")
    if written:
        console.print(f"  wrote {written}")

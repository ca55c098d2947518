"""`uprising run`: an ensemble of one scenario over seeds, stored, summarised, and reported."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from uprising.cli.app import app, reports_bad_input
from uprising.cli.console import run_progress, wide_console
from uprising.cli.options import (
    DbOption,
    SaveEveryOption,
    ScenarioArgument,
    SchedulerOption,
    SetOption,
    WorkersOption,
    check_seed,
    read_posterior_option,
)
from uprising.cli.world_outputs import world_kind, world_metrics
from uprising.recorder.output import RunOutput

if TYPE_CHECKING:
    from uprising.report.words import Places


def _world_kind(output: RunOutput) -> str:
    return world_kind(output.parameters)


def _stat_table(rows: list[tuple[str, list[float]]], title: str) -> Table:
    import numpy as np

    table = Table(title=title, title_justify="left")
    for column in ("", "median", "min", "max"):
        table.add_column(column, justify="right" if column else "left")
    for name, values in rows:
        v = np.asarray(values, dtype=float)
        table.add_row(name, f"{np.median(v):,.1f}", f"{v.min():,.1f}", f"{v.max():,.1f}")
    return table


def print_torus_summary(console: Console, outputs: list[RunOutput]) -> None:
    """National actives and jailed over the runs of a classic lattice."""
    from uprising.observed import scalar_metrics

    scalars = [scalar_metrics(o) for o in outputs]
    rows = [
        ("mean active", [s["mean_active"] for s in scalars]),
        ("peak active", [s["peak_active"] for s in scalars]),
        ("mean jailed", [float(o.national()["jailed"][1:].mean() or 0.0) for o in outputs]),
        ("final jailed", [s["final_jailed"] for s in scalars]),
    ]
    console.print(_stat_table(rows, f"National totals over {len(outputs)} runs"))


def print_map_summary(
    console: Console,
    summary: dict[str, Any],
    observed: dict[str, Any] | None,
    start: date | None,
    places: Places | None = None,
) -> None:
    """Places (Peru's departments, a map world's regions) ranked by street participation per
    1,000, with supporters beside it, deaths simulated vs observed, places reported active by day."""
    from uprising.report.words import DEPARTMENTS

    places = places or DEPARTMENTS
    active = summary["active_by_department"]
    per_1000 = summary.get("active_per_1000_by_department", {})
    street = summary.get("participation_peak_per_1000", per_1000)
    reported = summary.get("days_reported_active_by_department", {})
    seen_days = (observed or {}).get("days_reported_active_by_department", {})
    deaths = summary["deaths_by_department"]
    seen = (observed or {}).get("deaths_by_department", {})
    share = summary.get("participation_peak_share")
    title = f"{places.many.capitalize()} ranked by street participation (median over runs)"
    if share is not None:
        title += f"; national peak: {1000 * share:.1f} participants per 1,000"
    table = Table(title=title, title_justify="left")
    columns = (
        "#", places.one, "participants per 1,000", "supporters (peak)", "supporters per 1,000",
        "days reported (sim.)", "days reported (obs.)", "deaths (sim.)", "deaths (obs.)",
    )  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == places.one else "right")
    ranked = sorted(active, key=lambda d: (-street.get(d, 0), -active[d], d))
    for rank, dept in enumerate(ranked, start=1):
        obs = seen.get(dept)
        table.add_row(
            str(rank),
            dept,
            f"{street.get(dept, 0):.1f}",
            f"{active[dept]:,}",
            f"{per_1000.get(dept, 0):.1f}",
            f"{reported.get(dept, 0):g}",
            str(seen_days[dept]) if dept in seen_days else "-",
            f"{deaths.get(dept, 0):g}",
            "-" if obs is None else str(obs),
        )
    table.add_row(
        "", "total", "", "", "", "", "", f"{sum(deaths.values()):g}", str(sum(seen.values())) if seen else "-"
    )
    console.print(table)
    by_day = summary.get("departments_reported_active_by_day", summary["departments_active_by_day"])
    seen_by_day = (observed or {}).get("departments_active_by_day") or []
    days = Table(
        title=f"{places.many.capitalize()} reported active by day (median over runs; observation model)",
        title_justify="left",
    )
    for column in ("day", "date", "simulated", "observed"):
        days.add_column(column, justify="right")
    for day, value in enumerate(by_day):
        obs = seen_by_day[day] if day < len(seen_by_day) else None
        when = (start + timedelta(days=day)).isoformat() if start else ""
        days.add_row(str(day), when, f"{value:g}", "-" if obs is None else str(obs))
    console.print(days)


def place_keys(metrics: dict[str, Any], kind: str) -> dict[str, Any]:
    """A map world's metrics named by its regions (`deaths_by_region`, `regions_active_by_day`);
    Peru's keep their departments."""
    if kind != "map":
        return metrics
    return {k.replace("department", "region"): v for k, v in metrics.items()}


def ensemble_metrics(outputs: list[RunOutput]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The ensemble's median metrics, and the observed ones for runs on the map of Peru or on a
    map world whose folder has an observed.csv (then `ranking_spearman`: the model's ranking of
    departments by days reported active against the observed one; on Peru's map,
    `crowd_estimates`: each reported crowd figure of December beside the model's median
    participants in its department that day)."""
    from uprising.observed import ensemble_summary, observed_metrics, observed_of, run_metrics
    from uprising.observed.crowds import crowd_comparison, load_crowds
    from uprising.observed.metrics import ranking_spearman

    summary = ensemble_summary([run_metrics(o) for o in outputs])
    observed = None
    seen = observed_of(outputs[0].parameters) if outputs else None
    if seen is not None:
        observed = observed_metrics(seen, days=outputs[0].days)
        summary["ranking_spearman"] = ranking_spearman(
            summary["days_reported_active_by_department"], observed["days_reported_active_by_department"]
        )
    if outputs and _world_kind(outputs[0]) == "peru":
        summary["crowd_estimates"] = crowd_comparison(outputs, load_crowds())
    return summary, observed


def build_html_report(outputs: list[RunOutput], out_dir: Path, title: str) -> Path:
    """The HTML report of the runs (figures and tables) in `out_dir`."""
    from uprising.report import build_report

    return build_report(outputs, out_dir, title)


def seeds_text(outputs: list[RunOutput]) -> str:
    seeds = [o.seed for o in outputs]
    if not seeds:
        return "no seed"
    if seeds == list(range(seeds[0], seeds[0] + len(seeds))) and len(seeds) > 1:
        return f"seeds {seeds[0]}-{seeds[-1]}"
    return "seed" + ("s " if len(seeds) > 1 else " ") + ", ".join(map(str, seeds))


@app.command("run")
@reports_bad_input
def run_command(
    scenario: ScenarioArgument,
    runs: Annotated[int, typer.Option(help="runs in the ensemble, 1 to 100000")] = 8,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    db: DbOption = Path("uprising.duckdb"),
    seed: Annotated[
        int | None, typer.Option(help="seed of the first run; the others follow (default: the scenario's)")
    ] = None,
    set_: SetOption = None,
    out: Annotated[
        Path | None, typer.Option(help="folder of the HTML report (default: results/<scenario>)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print exactly one JSON line")] = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="do not write the HTML report")] = False,
    save_every: SaveEveryOption = None,
    posterior: Annotated[
        str | None,
        typer.Option(
            help="run particles drawn by weight from a calibration's posterior: a file written by "
            "`uprising calibrate --write-posterior`, or a built-in posterior's name "
            "(peru-2022-december); each run applies the calibration's overrides, then --set, then "
            "its particle's values"
        ),
    ] = None,
) -> None:
    """Run an ensemble of a scenario over seeds, store it, and summarise it.

    Running the same command again resumes it: runs already in the store are not redone.
    """
    from uprising.experiment.ensemble import check_runs, check_save_every, run_ensemble
    from uprising.experiment.execution import SAVE_EVERY, ExecutionOptions
    from uprising.experiment.executor import check_workers
    from uprising.scenario import load_scenario
    from uprising.store import Store

    check_runs(runs)
    save_every = check_save_every(SAVE_EVERY if save_every is None else save_every)
    if workers is not None:
        check_workers(workers)
    overrides = list(set_ or [])
    base = load_scenario(scenario, overrides)
    check_seed(seed, runs, base.run.seed)
    drawn_from = read_posterior_option(posterior)
    store = Store(db)
    with run_progress(f"{base.name}", enabled=not as_json) as progress:
        execution = ExecutionOptions(store, workers, scheduler, progress, save_every)
        result = run_ensemble(scenario, runs, seed, overrides, execution, posterior=drawn_from)
    outputs = result.outputs
    summary, observed = ensemble_metrics(outputs)
    report = None
    if not no_report:
        title = f"{base.name}: {len(outputs)} runs, {seeds_text(outputs)}"
        if posterior is not None:
            title += f", parameters drawn from the posterior {posterior}"
        report = build_html_report(outputs, out or Path("results") / base.name, title)
    if as_json:
        line = {
            "experiment": result.experiment_id,
            "scenario": base.name,
            "seconds": round(result.seconds, 3),
            "resumed": result.resumed,
            "report": str(report) if report else None,
            **place_keys(world_metrics(summary, _world_kind(outputs[0])), _world_kind(outputs[0])),
            "runs": len(outputs),
            "posterior": posterior,
        }
        typer.echo(json.dumps(line))
        return
    console = wide_console()
    resumed = f", {result.resumed} found done in the store" if result.resumed else ""
    console.print(
        f"[bold]{base.name}[/bold]  experiment {result.experiment_id}  {len(outputs)} runs "
        f"({seeds_text(outputs)}{resumed})  {result.seconds:.1f} s  store {db}"
    )
    if drawn_from is not None:
        console.print(
            f"parameters drawn from the posterior {posterior}: {drawn_from.particles.height} particles of "
            f"{drawn_from.scenario.name}, {len(drawn_from.ranges)} parameters"
            + (f", with {' '.join(drawn_from.overrides)}" if drawn_from.overrides else "")
        )
    if _world_kind(outputs[0]) != "torus":
        start = outputs[0].start_date
        from uprising.report.words import places_of_parameters

        when = date.fromisoformat(start) if start else None
        print_map_summary(console, summary, observed, when, places_of_parameters(outputs[0].parameters))
    else:
        print_torus_summary(console, outputs)
    if report is not None:
        console.print(f"report: {report}")

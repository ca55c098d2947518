"""`uprising forecast` and `uprising score`: frozen forecasts and their proper scores."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from uprising.cli.app import app, reports_bad_input
from uprising.cli.console import elapsed, run_progress, wide_console
from uprising.cli.options import (
    DpiOption,
    FormatOption,
    ScenarioArgument,
    SetOption,
    WorkersOption,
    command_line,
    read_posterior_option,
)


def _command_line(
    scenario: str,
    options: dict[str, Any],
    overrides: list[str],
    force: bool,
    repeated: list[tuple[str, str]] | None = None,
) -> str:
    """The command that makes the same forecast, as recorded in the file."""
    sets = [("set", item) for item in overrides]
    line = command_line(["uprising", "forecast", scenario], options, [*(repeated or []), *sets])
    return f"{line} --force" if force else line


@app.command("forecast")
@reports_bad_input
def forecast_command(
    scenario: ScenarioArgument,
    fit_until: Annotated[
        str, typer.Option(help="last day of the fit (ISO date); the forecast starts the day after")
    ],
    until: Annotated[str, typer.Option(help="last day forecast (ISO date), within the scenario's days")],
    out: Annotated[Path, typer.Option(help="forecast file to write (JSON; gzipped if it ends in .gz)")],
    runs: Annotated[int, typer.Option(help="ensemble members, 1 to 100000")] = 16,
    observed: Annotated[
        Path | None,
        typer.Option(
            help="folder of observed data for the fit (default: the package's December 2022; on a map "
            "world, its data folder, whose observed.csv is checked against its regions and days)"
        ),
    ] = None,
    fit_budget: Annotated[
        int,
        typer.Option(
            help="simulations of the ABC-SMC fit on the days up to --fit-until (0: no fit, the "
            "scenario's values as shipped)"
        ),
    ] = 0,
    fit_populations: Annotated[int, typer.Option(help="ABC-SMC generations at most, 1 to 100")] = 4,
    fit_param: Annotated[
        list[str] | None,
        typer.Option(
            "--fit-param",
            help="key=low:high: a parameter the fit searches (repeatable; default: the calibrated "
            "ones); the others keep their values",
        ),
    ] = None,
    posterior: Annotated[
        str | None,
        typer.Option(
            help="take the members' parameters from a stored posterior instead of fitting (a file "
            "of `uprising calibrate --write-posterior`, or a built-in posterior's name); it must "
            "have been fitted on runs ending by --fit-until"
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="seed of the first member and of the fit (default: the scenario's)")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing forecast file")] = False,
    db: Annotated[
        Path | None, typer.Option("--db", help="also store the fit and the ensemble in this DuckDB store")
    ] = None,
    set_: SetOption = None,
    workers: WorkersOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print exactly one JSON line")] = False,
) -> None:
    """Fit a scenario on the observations up to a date, simulate an ensemble to a later date and
    write a forecast file: per series, department and day, the members and their quantiles."""
    from uprising.errors import UprisingError
    from uprising.experiment.calibrate import population_size_for, searched_ranges
    from uprising.experiment.ensemble import check_runs, run_experiment
    from uprising.experiment.execution import ExecutionOptions
    from uprising.experiment.executor import check_workers
    from uprising.extras import require_extra
    from uprising.forecast import forecast as fc
    from uprising.forecast.files import check_new_file, write_forecast
    from uprising.scenario import load_scenario, scenario_hash
    from uprising.store import Store

    check_runs(runs)
    if workers is not None:
        check_workers(workers)
    overrides = list(set_ or [])
    base = load_scenario(scenario, overrides)
    window = fc.check_window(base, fc.parse_date(fit_until, "--fit-until"), fc.parse_date(until, "--until"))
    if fit_budget < 0:
        raise UprisingError(f"--fit-budget {fit_budget}: must be 0 (no fit) or from 1 to 10000000")
    fc.check_world(base)
    if posterior is not None and fit_budget > 0:
        raise UprisingError("--posterior: give it or --fit-budget, not both (a posterior is a fit)")
    stored = read_posterior_option(posterior)
    if stored is not None:
        from uprising.experiment.posterior import check_fit_date

        check_fit_date(stored, posterior, window.fit_until)
    if fit_budget > 0:
        require_extra("calibrate", "uprising forecast --fit-budget")
        population_size_for(fit_budget, fit_populations)
    try:
        ranges = searched_ranges(base, fit_param) if fit_budget > 0 else None
    except UprisingError as error:  # the calibration's own checks, which name its --param
        raise UprisingError(str(error).replace("--param", "--fit-param", 1)) from None
    check_new_file(out, force)
    folder = observed if observed is not None else fc.default_observed(base)
    if not folder.is_dir():
        raise UprisingError(f"--observed {folder}: not a folder")
    world_fields = (
        fc.map_fields(base, window, folder, observed is not None) if base.world.kind == "map" else {}
    )
    first_seed = base.run.seed if seed is None else seed
    options = {
        "fit-until": window.fit_until, "until": window.until, "runs": runs, "fit-budget": fit_budget,
        "fit-populations": fit_populations if fit_budget else None, "seed": first_seed,
        "observed": observed, "posterior": posterior, "out": out,
    }  # fmt: skip
    fit_params = [("fit-param", spec) for spec in (fit_param or []) if fit_budget > 0]
    request = fc.ForecastRequest(
        scenario, overrides, base, window, runs, first_seed, fit_budget, fit_populations,
        _command_line(scenario, options, overrides, force, fit_params), folder, world_fields=world_fields,
    )  # fmt: skip
    fitted = None
    if stored is not None:
        fitted = stored
        request.extra["posterior_source"] = posterior
    elif fit_budget == 0:
        sys.stderr.write(f"warning: --fit-budget 0: {fc.no_fit_note(base)}\n")
    else:
        started = time.monotonic()

        def on_generation(generation: int, accepted: int, simulations: int) -> None:
            runs, spent = f"{simulations}/{fit_budget} runs", elapsed(time.monotonic() - started)
            sys.stderr.write(f"fit generation {generation}: {accepted} particles, {runs}, {spent}\n")

        fitted = fc.fit(
            scenario, overrides, base, window, folder, fit_budget, fit_populations, first_seed, workers,
            on_generation, ranges,
        )  # fmt: skip
    # A stored posterior's runs apply its calibration's overrides first (its scale, say).
    member_overrides = overrides if stored is None else [*stored.overrides, *overrides]
    tasks, drawn = fc.member_tasks(scenario, member_overrides, base, window, runs, first_seed, fitted)
    store = Store(db) if db is not None else None
    if store is not None and fitted is not None and stored is None:
        spec = {"forecast": request.command, "fit_until": str(window.fit_until)}
        plan = store.open_experiment("calibration", scenario, scenario_hash(base), spec, [])
        store.save_table(plan.experiment_id, "posterior", fitted.particles)
        store.save_table(plan.experiment_id, "summary", fitted.summary)
        store.save_table(plan.experiment_id, "generations", fitted.generations)
    spec = {"forecast": request.command, "particle_of_member": drawn}
    with run_progress(f"{base.name} forecast", enabled=not as_json) as progress:
        execution = ExecutionOptions(store, workers, progress=progress)
        result = run_experiment("ensemble", scenario, overrides, tasks, spec, execution)
    write_forecast(fc.forecast_data(request, result.outputs, fitted, drawn), out, force)
    if stored is not None:
        how = f"posterior {posterior} ({stored.simulations} runs of ABC-SMC)"
    else:
        how = "no fit" if fitted is None else f"ABC-SMC fit of {fitted.simulations} runs"
    if as_json:
        line = {"forecast": str(out), "scenario": base.name, "runs": runs, "experiment": result.experiment_id}
        line |= {"from": str(window.dates[0]), "until": str(window.until), "fit_until": str(window.fit_until)}
        line |= {"fit_runs": 0 if fitted is None or stored is not None else fitted.simulations}
        line |= {"posterior": posterior}
        typer.echo(json.dumps(line))
        return
    typer.echo(
        f"wrote {out}: {base.name}, {runs} runs, {window.dates[0]} to {window.until}, {how} "
        f"to {window.fit_until}"
    )


def _cell(value: float | None, best: bool = False) -> str:
    if value is None:
        return "-"
    text = f"{value:.3f}"
    return f"[bold]{text}[/bold]" if best else text


@app.command("score")
@reports_bad_input
def score_command(
    forecast: Annotated[
        Path, typer.Argument(metavar="FORECAST_FILE", help="forecast file written by `uprising forecast`")
    ],
    observed: Annotated[
        list[Path],
        typer.Option(
            help="folder of observed data: deaths.csv, blockades.csv, regions_active.csv (Peru), or "
            "observed.csv (a map world); repeat it to join folders (the fit window's data and the "
            "forecast window's)"
        ),
    ],
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="DIR",
            help="also write a report into DIR: report.html (self-contained: the scores, the "
            "national series day by day and the deaths by department against the observations "
            "and the baselines) and its figures",
        ),
    ] = None,
    format_: FormatOption = "png",
    dpi: DpiOption = 110,
    as_json: Annotated[bool, typer.Option("--json", help="print exactly one JSON line")] = False,
) -> None:
    """Score a forecast against observed data: CRPS, 50% and 90% coverage and Brier score of the
    model, and the CRPS and Brier of three baselines (persistence, shares, and castillo for Peru
    or alignment on a map world)."""
    from uprising.forecast.files import SERIES, read_forecast
    from uprising.forecast.scorecard import baseline_names, place_word, score_forecast

    fc = read_forecast(forecast)
    if report is not None:
        from uprising.report.build import check_figure_options
        from uprising.report.forecast import forecast_report

        formats = check_figure_options(format_.split(","), dpi)  # bad options: before any work
        page, scores = forecast_report(fc, observed, report, formats, dpi)
    else:
        page, scores = None, score_forecast(fc, observed)
    if as_json:
        typer.echo(json.dumps(scores if page is None else {**scores, "report": str(page)}))
        return
    meta = fc.metadata
    fit = meta.get("fit") or {}
    console = wide_console()
    console.print(
        f"[bold]{meta.get('scenario')}[/bold]  forecast {fc.dates[0]} to {fc.until}, fit to "
        f"{fc.fit_until} ({fit.get('method', '?')}), {meta.get('runs')} runs, observed "
        f"{', '.join(str(o) for o in observed)}"
    )
    if fit.get("method") == "none":
        console.print(f"  note: {fit.get('note')}")
    columns = ["model", *baseline_names(fc)]
    table = Table(title="CRPS (lower is better; the best in bold) and coverage", title_justify="left")
    for column in ("series", *columns, "cover 50%", "cover 90%", "PIT 50%", "PIT 90%", "obs"):
        table.add_column(column, justify="left" if column == "series" else "right")
    for name in (fc.series_name(s) for s in SERIES):
        row = scores["crps"][name]
        known = [row[c] for c in columns if row[c] is not None]
        best = min(known) if known else None
        table.add_row(
            name, *(_cell(row[c], row[c] == best) for c in columns),
            _cell(scores["coverage_50"][name]), _cell(scores["coverage_90"][name]),
            _cell(scores["pit_coverage_50"][name]), _cell(scores["pit_coverage_90"][name]),
            str(scores["observations"][name]),
        )  # fmt: skip
    console.print(table)
    place = place_word(fc)
    said = place
    if place == "region" and observed:  # a map world: in its folder's own word (metadata.json)
        from uprising.data.map_data import place_words

        said = place_words(observed[0])[0]
    brier = Table(title=f"Brier score, {said} reported active on a day", title_justify="left")
    for column in ("series", *columns, "obs"):
        brier.add_column(column, justify="left" if column == "series" else "right")
    for name, row in scores["brier"].items():
        known = [row[c] for c in columns if row[c] is not None]
        best = min(known) if known else None
        brier.add_row(
            name, *(_cell(row[c], row[c] == best) for c in columns),
            str(scores["observations"][f"{place}_days_reported"]),
        )  # fmt: skip
    console.print(brier)
    if page is not None:
        console.print(f"  report: {page}")

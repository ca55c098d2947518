"""`uprising simulate`: one run of a scenario, a summary, and optionally its series on disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from uprising.cli.app import app, reports_bad_input
from uprising.cli.options import ScenarioArgument
from uprising.errors import UprisingError
from uprising.files import atomic_path, describe_os_error


def write_series(series: dict, out: Path, stem: str) -> list[Path]:
    """Write a per-tick series as Parquet and CSV; returns the paths written."""
    import polars as pl

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UprisingError(f"--out {out}: cannot create the folder ({err.strerror})") from None
    frame = pl.DataFrame({k: v for k, v in series.items()})
    parquet, csv = out / f"{stem}.parquet", out / f"{stem}.csv"
    # Both files are written to temporary names and renamed once both are whole: a failure
    # (a full disk) leaves neither, nor any temporary file.
    try:
        with atomic_path(parquet) as parquet_tmp, atomic_path(csv) as csv_tmp:
            frame.write_parquet(parquet_tmp)
            frame.write_csv(csv_tmp)
    except (OSError, pl.exceptions.PolarsError) as err:
        raise UprisingError(f"--out {out}: cannot write the series ({describe_os_error(err)})") from None
    return [parquet, csv]


@app.command("simulate")
@reports_bad_input
def simulate_command(
    scenario: ScenarioArgument,
    seed: Annotated[int | None, typer.Option(help="seed (default: the scenario's)")] = None,
    steps: Annotated[int | None, typer.Option(help="ticks to run (default: the scenario's)")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="override a parameter: key=value (dotted path or unique name)"),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="folder for the per-tick series (Parquet and CSV)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print exactly one JSON line")] = False,
) -> None:
    """Run one scenario once and summarise it."""
    from uprising.cli.options import check_seed
    from uprising.model import simulate
    from uprising.scenario import load_scenario, scenario_hash

    check_seed(seed)
    overrides = list(set_ or [])
    if seed is not None:
        overrides.append(f"run.seed={seed}")
    if steps is not None:
        overrides.append(f"run.steps={steps}")
    sc = load_scenario(scenario, overrides)
    if sc.dynamics is not None:
        _simulate_crisis(sc, out, as_json)
        return
    result = simulate(sc)
    summary = result.summary()
    summary["scenario_hash"] = scenario_hash(sc)
    written: list[Path] = []
    if out is not None:
        written = write_series(result.series, out, f"{sc.name}-seed{sc.run.seed}")
        summary["outputs"] = [str(p) for p in written]
    if as_json:
        typer.echo(json.dumps(summary))
        return
    console = Console()
    console.print(f"[bold]{sc.name}[/bold]  seed {sc.run.seed}  {sc.run.schedule}")
    console.print(f"  {sc.description}")
    console.print(f"  {summary['citizens']} citizens, {summary['cops']} cops, {summary['steps']} ticks")
    console.print(
        f"  actives: mean {summary['mean_active']:.1f}, peak {summary['peak_active']}, "
        f"final {summary['final_active']};  jailed at the end: {summary['final_jailed']}"
    )
    console.print(f"  outbursts (episodes above {summary['outburst_level']} actives): {summary['outbursts']}")
    console.print(f"  {summary['seconds']:.3f} s, {summary['citizen_updates_per_s']:.3g} citizen-updates/s")
    for path in written:
        console.print(f"  wrote {path}")


def _simulate_crisis(sc, out: Path | None, as_json: bool) -> None:
    """One run of a scenario with crisis dynamics: its daily table and metrics."""
    from uprising.observed import run_metrics
    from uprising.runner import run_scenario

    result = run_scenario(sc)
    metrics = run_metrics(result)
    summary: dict[str, object] = {
        "scenario": sc.name,
        "seed": sc.run.seed,
        "scenario_hash": result.scenario_hash,
        "days": result.days,
        "seconds": round(result.seconds, 3),
        **metrics,
    }
    written: list[Path] = []
    if out is not None:
        series = {name: result.daily[name].to_numpy() for name in result.daily.columns}
        written = write_series(series, out, f"{sc.name}-seed{sc.run.seed}-daily")
        summary["outputs"] = [str(p) for p in written]
    if as_json:
        typer.echo(json.dumps(summary))
        return
    console = Console()
    console.print(f"[bold]{sc.name}[/bold]  seed {sc.run.seed}  {result.days} days from {result.start_date}")
    console.print(f"  departments active by day: {metrics['departments_active_by_day']}")
    console.print(f"  cumulative deaths by day:  {metrics['cumulative_deaths_by_day']}")
    console.print(f"  road points held by day:   {metrics['blockades_by_day']}")
    ranked = sorted(metrics["active_per_1000_by_department"].items(), key=lambda kv: -kv[1])
    console.print("  most active per 1,000 people: " + ", ".join(f"{d} {v:.0f}" for d, v in ranked[:6]))
    console.print(f"  {result.seconds:.1f} s")
    for path in written:
        console.print(f"  wrote {path}")

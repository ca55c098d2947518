"""`uprising scenarios`: the built-in scenarios, one line each."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from uprising.cli.app import app, reports_bad_input
from uprising.scenario import builtin_names, load_scenario


@app.command("scenarios")
@reports_bad_input
def scenarios_command(
    as_json: Annotated[bool, typer.Option("--json", help="print exactly one JSON line")] = False,
) -> None:
    """List the built-in scenarios with one line each, then the built-in posteriors (for
    `--posterior NAME` on run, compare and forecast)."""
    if as_json:
        rows = [
            {"scenario": name, "description": load_scenario(name).description} for name in builtin_names()
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(show_header=True, header_style="bold", box=None)
    table.add_column("scenario")
    table.add_column("description")
    for name in builtin_names():
        table.add_row(name, load_scenario(name).description)
    console = Console(width=200)
    console.print(table)
    from uprising.experiment.posterior import builtin_names as posterior_names
    from uprising.experiment.posterior import builtin_summary

    names = posterior_names()
    if names:
        posteriors = Table(show_header=True, header_style="bold", box=None)
        posteriors.add_column("posterior (--posterior NAME)")
        posteriors.add_column("what it is")
        for name in names:
            posteriors.add_row(name, builtin_summary(name))
        console.print(posteriors)

"""`uprising scenarios`: the built-in scenarios, one line each."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from uprising.cli.app import app, reports_bad_input
from uprising.scenario import builtin_names, load_scenario


@app.command("scenarios")
@reports_bad_input
def scenarios_command() -> None:
    """List the built-in scenarios with one line each."""
    table = Table(show_header=True, header_style="bold", box=None)
    table.add_column("scenario")
    table.add_column("description")
    for name in builtin_names():
        table.add_row(name, load_scenario(name).description)
    Console(width=200).print(table)

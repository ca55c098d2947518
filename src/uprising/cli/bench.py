"""`uprising bench`: our engine and Mesa on the same parameters, in one invocation."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from uprising.cli.app import app, reports_bad_input
from uprising.errors import UprisingError


@app.command("bench")
@reports_bad_input
def bench_command(
    quick: Annotated[bool, typer.Option(help="small sizes and few ticks (a smoke run)")] = False,
    large: Annotated[bool, typer.Option(help="add the 5000 x 5000 synchronous case")] = False,
    no_mesa: Annotated[bool, typer.Option("--no-mesa", help="skip the peer")] = False,
    rounds: Annotated[
        int,
        typer.Option(help="time each peer this many times, from a fresh model, and keep its best, 1 to 100"),
    ] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON line per case")] = False,
) -> None:
    """Citizen-updates per second, ours and Mesa's, and their ratio (Mesa's example defaults).

    Each peer runs each case `--rounds` times, each time from a freshly built model over the
    same ticks, and keeps its quickest round: the least disturbed by other programs on the
    machine, for both peers alike (a short window of ticks is easily disturbed)."""
    from uprising.bench.mesa_peer import mesa_citizen_updates_per_second
    from uprising.bench.ours import ours_citizen_updates_per_second

    # (width, schedule, our ticks, Mesa ticks or 0 for no peer run)
    if not 1 <= rounds <= 100:
        raise UprisingError(f"--rounds {rounds}: must be from 1 to 100")
    cases = [(40, "random-sequential", 2000, 100), (100, "random-sequential", 200, 20),
             (200, "random-sequential", 50, 5), (1000, "synchronous", 20, 0)]  # fmt: skip
    if quick:
        cases = [(40, "random-sequential", 50, 5), (200, "synchronous", 5, 0)]
    if large:
        cases.append((5000, "synchronous", 5, 0))
    table = Table("size", "schedule", "ours (upd/s)", "Mesa (upd/s)", "ours / Mesa", "B/agent",
                  box=None)  # fmt: skip
    for width, schedule, steps, mesa_steps in cases:
        ours = _best(ours_citizen_updates_per_second, (width, width, steps, schedule), rounds)
        row: dict[str, object] = {"case": f"{width}x{width}", **ours, "rounds": rounds}
        if mesa_steps and not no_mesa:
            try:
                peer = _best(mesa_citizen_updates_per_second, (width, width, mesa_steps), rounds)
            except UprisingError as err:
                Console(stderr=True).print(f"[yellow]{escape(str(err))}[/yellow]")
                no_mesa = True
            else:
                row["mesa_citizen_updates_per_s"] = peer["citizen_updates_per_s"]
                row["mesa_version"] = peer["version"]
                row["ratio"] = ours["citizen_updates_per_s"] / peer["citizen_updates_per_s"]
        if as_json:
            typer.echo(json.dumps(row))
            continue
        mesa_rate = row.get("mesa_citizen_updates_per_s")
        table.add_row(
            row["case"], schedule, f"{ours['citizen_updates_per_s']:.3g}",
            f"{mesa_rate:.3g}" if mesa_rate else "-",
            f"{row['ratio']:.0f}" if "ratio" in row else "-",
            f"{ours['bytes_per_agent']:.1f}",
        )  # fmt: skip
    if not as_json:
        Console().print(table)


def _best(timed, args: tuple, rounds: int) -> dict:
    """The quickest of `rounds` calls `timed(*args)` (each returns `citizen_updates_per_s`)."""
    return max((timed(*args) for _ in range(rounds)), key=lambda result: result["citizen_updates_per_s"])

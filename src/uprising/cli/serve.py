"""`uprising serve`: the interactive dashboard (and its JSON API) in a browser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uprising.cli.app import app, reports_bad_input
from uprising.errors import UprisingError
from uprising.extras import require_extra
from uprising.web.limits import DEFAULT_MAX_AGENTS, DEFAULT_MAX_TICKS, DEFAULT_MAX_WORK


@app.command("serve")
@reports_bad_input
def serve_command(
    host: Annotated[
        str, typer.Option(help="address to listen on (this machine only by default)")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on (1-65535)")] = 8765,
    db: Annotated[
        Path | None,
        typer.Option(
            help="store whose experiments to browse (default: uprising.duckdb here, if there is one)"
        ),
    ] = None,
    max_agents: Annotated[
        int, typer.Option(help="most agents one run started from the web may have")
    ] = DEFAULT_MAX_AGENTS,
    max_ticks: Annotated[
        int, typer.Option(help="most ticks one run started from the web may have")
    ] = DEFAULT_MAX_TICKS,
    max_work: Annotated[
        int,
        typer.Option(
            help="most work one run started from the web may have: agents x ticks x sites in the "
            "citizens' and cops' visions"
        ),
    ] = DEFAULT_MAX_WORK,
) -> None:
    """Serve the dashboard: pick a scenario, change parameters, run, watch the map by day."""
    require_extra("web", "uprising serve")
    from uprising.web.config import ServerConfig
    from uprising.web.limits import ServerLimits
    from uprising.web.server import check_port, serve

    limits = ServerLimits(max_agents=max_agents, max_ticks=max_ticks, max_work=max_work)
    from uprising.store.schema import check_store_file
    from uprising.store.store import DEFAULT_PATH

    if db is None and DEFAULT_PATH.is_file():
        db = DEFAULT_PATH
    if db is not None and not check_store_file(db):
        raise UprisingError(f"--db {db}: no such file, expected a store made by an experiment")
    check_port(host, port)
    typer.echo(f"uprising dashboard at http://{host}:{port}/  (Ctrl+C to stop)")
    serve(ServerConfig(limits=limits, db=db, host=host, port=port))

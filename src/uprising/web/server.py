"""The web server: the Solara dashboard and the JSON API in one Starlette application, on uvicorn.

The dashboard's page and assets come from Solara (its JavaScript bundles from the packaged
`solara-assets`, so nothing is fetched from outside); the API's routes go first so that
`/api/...` never falls through to the page.
"""

from __future__ import annotations

import errno
import os
import socket

from uprising.errors import UprisingError
from uprising.web.config import ServerConfig, configure

PAGE = "uprising.web.app:Page"


def create_app(config: ServerConfig):
    """The ASGI application serving the dashboard and the API under `config`."""
    os.environ["SOLARA_APP"] = PAGE
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    configure(config)
    import solara.server.app as solara_app
    import solara.server.settings as solara_settings
    import solara.server.starlette as solara_starlette
    from starlette.applications import Starlette

    from uprising.web import api

    solara_settings.telemetry.mixpanel_enable = False
    solara_settings.theme.title = "uprising"
    if "__default__" not in solara_app.apps:
        solara_app.apps["__default__"] = solara_app.AppScript(PAGE)
    return Starlette(
        routes=[*api.routes, *solara_starlette.routes],
        middleware=solara_starlette.middleware,
        lifespan=solara_starlette.lifespan,
    )


def check_port(host: str, port: int) -> None:
    """Raise UprisingError when `host:port` cannot be bound (in use, or not an address of this machine)."""
    if not 1 <= port <= 65535:
        raise UprisingError(f"--port {port}: must be in [1, 65535]")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise UprisingError(f"--host {host}: not a known host name or address") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            why = "already in use" if err.errno == errno.EADDRINUSE else err.strerror
            raise UprisingError(f"--port {port}: cannot listen on {host} ({why})") from None


def serve(host: str, port: int, config: ServerConfig) -> None:
    """Serve the dashboard at http://host:port/ until interrupted."""
    import uvicorn

    check_port(host, port)
    app = create_app(config)
    uvicorn.run(app, host=host, port=port, log_level="warning")

"""The web server: the Solara dashboard and the JSON API in one Starlette application, on uvicorn.

The dashboard's page and assets come from Solara (its JavaScript bundles from the packaged
`solara-assets`, so nothing is fetched from outside); the API's routes go first so that
`/api/...` never falls through to the page. Every request passes the address guard first.
On SIGTERM or Ctrl+C the runs in progress stop at the end of their tick, so the server exits
promptly instead of finishing them.
"""

from __future__ import annotations

import errno
import logging
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
    from starlette.middleware import Middleware

    from uprising.web import api
    from uprising.web.address_guard import AddressGuard

    solara_settings.telemetry.mixpanel_enable = False
    solara_settings.theme.title = "uprising"
    if "__default__" not in solara_app.apps:
        solara_app.apps["__default__"] = solara_app.AppScript(PAGE)
    return Starlette(
        routes=[*api.routes, *solara_starlette.routes],
        middleware=[
            Middleware(AddressGuard, host=config.host, port=config.port),
            *solara_starlette.middleware,
        ],
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


SHUTDOWN_GRACE_S = 2  # for open connections (the dashboard's WebSockets) once runs have stopped


WS_PING_INTERVAL_S = 30.0
WS_PING_TIMEOUT_S = 300.0


def _log_runs() -> None:
    """The dashboard's runs (started, Cancel pressed, ended) logged to stderr with the time."""
    logger = logging.getLogger("uprising.web")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def serve(config: ServerConfig) -> None:
    """Serve the dashboard at http://host:port/ of `config` until interrupted."""
    import uvicorn

    from uprising.web.runs import stop_all_runs

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:
            stop_all_runs()
            super().handle_exit(sig, frame)

    check_port(config.host, config.port)
    _log_runs()
    app = create_app(config)
    settings = uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        log_level="warning",
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
        # A run computes in this process: on a loaded machine the event loop answers the pages'
        # pings late, and uvicorn's 20 s dropped a page mid-run (seen as Solara's "disconnected"
        # overlay in a browser test). Pings still find dead connections, after WS_PING_TIMEOUT_S.
        ws_ping_interval=WS_PING_INTERVAL_S,
        ws_ping_timeout=WS_PING_TIMEOUT_S,
    )
    Server(settings).run()

"""Requests must be addressed to the server itself: Host checked always, Origin on changes.

A page on another site can make a browser send requests to a server on localhost: a
cross-origin POST (even as `text/plain`, which needs no preflight) would start a run, and
DNS rebinding (a name of the attacker's that resolves to 127.0.0.1) would let that page read
the answers. So a request whose Host is not an address this server is served at gets 400, and
a POST (or any method that changes something, or a WebSocket) whose Origin is not the served
origin gets 403. Requests without an Origin (curl, scripts) are not from a page and pass.

On a loopback address the served names are 127.0.0.1, localhost and [::1] with the port; on
a wildcard address (0.0.0.0, ::) any IP address or this machine's name with the port, since
rebinding needs a name the attacker controls; otherwise the host as given.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None


def _bracketed(name: str) -> str:
    ip = _ip(name)
    return f"[{ip}]" if ip is not None and ip.version == 6 else name.lower()


class ServedAddress:
    """The host names and port a server answers to."""

    def __init__(self, host: str, port: int):
        self.port = port
        ip = _ip(host)
        self.wildcard = ip is not None and ip.is_unspecified
        names = {_bracketed(host)}
        if host.lower() == "localhost" or (ip is not None and ip.is_loopback) or self.wildcard:
            names.update(LOOPBACK_NAMES)
        if self.wildcard:
            names.update(n.lower() for n in (socket.gethostname(), socket.getfqdn()))
        self.names = frozenset(names)

    def accepts(self, authority: str) -> bool:
        """Whether `authority` (a Host header, or an origin's host[:port]) names this server."""
        if any(c in authority for c in "@/?#\\ "):
            return False
        try:
            parts = urlsplit(f"//{authority}")
            name, port = parts.hostname, parts.port
        except ValueError:
            return False
        if not name or (port or 80) != self.port:
            return False
        name = _bracketed(name)
        if name in self.names:
            return True
        return self.wildcard and _ip(name) is not None

    def accepts_origin(self, origin: str) -> bool:
        """Whether `origin` (an Origin header) is a page served by this server."""
        parts = urlsplit(origin)
        return parts.scheme == "http" and not parts.path.strip("/") and self.accepts(parts.netloc)


class AddressGuard:
    """ASGI middleware: refuses requests addressed to another host or sent from another origin."""

    def __init__(self, app, host: str, port: int):
        self.app = app
        self.served = ServedAddress(host, port)

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        origin = headers.get("origin")
        changes = scope["type"] == "websocket" or scope.get("method", "GET") not in SAFE_METHODS
        if not self.served.accepts(host):
            await _refuse(scope, send, 400, f"Host {host[:80]!r}: not an address this server is served at")
        elif changes and origin is not None and not self.served.accepts_origin(origin):
            await _refuse(
                scope, send, 403, f"Origin {origin[:80]!r}: requests that change something must come "
                "from this server's own pages"
            )  # fmt: skip
        else:
            await self.app(scope, receive, send)


async def _refuse(scope, send, status: int, message: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})
        return
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

"""The options the server was started with, readable by every page and API call it serves.

`uprising serve` sets them once, before the first request; the dashboard and the API read
them with `server_config()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from uprising.web.limits import ServerLimits


@dataclass(frozen=True)
class ServerConfig:
    """Caps on runs started from the web, the store to browse (None: no store), and the address
    served (requests for any other host or from any other origin are refused)."""

    limits: ServerLimits = field(default_factory=ServerLimits)
    db: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8765


_current = ServerConfig()


def configure(config: ServerConfig) -> None:
    """Set the options every page and API call of this process sees."""
    global _current
    _current = config


def server_config() -> ServerConfig:
    return _current

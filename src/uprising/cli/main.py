"""Entry point of the `uprising` command: imports every sub-command module, then runs the app."""

from __future__ import annotations

from uprising.cli import bench, congress, scenarios, simulate, world  # noqa: F401  (each registers its commands)
from uprising.cli.app import app


def main() -> None:
    app()

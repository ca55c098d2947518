"""Entry point of the `uprising` command: imports every sub-command module, then runs the app."""

from __future__ import annotations

from uprising.cli import (  # noqa: F401  (each registers its commands)
    bench,
    calibrate,
    compare,
    congress,
    forecast,
    report,
    run,
    runs,
    scenarios,
    sensitivity,
    serve,
    simulate,
    sweep,
    world,
)
from uprising.cli.app import app, unwrap_help

unwrap_help(app)


def main() -> None:
    app()

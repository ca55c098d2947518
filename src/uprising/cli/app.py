"""The typer application shared by every sub-command module, and its error handling."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from uprising.errors import UprisingError

app = typer.Typer(
    name="uprising",
    help="Simulate political crises: uprisings, repression and institutional breakdown.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> None:
    """Print one error line on stderr and exit with code 2."""
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code=2)


def reports_bad_input(func: F) -> F:
    """Turn an UprisingError raised by a command into one line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UprisingError as err:
            fail(str(err))

    return wrapper  # type: ignore[return-value]

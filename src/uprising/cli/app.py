"""The typer application shared by every sub-command module, and its error handling."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError  # typer vendors click
from typer.core import TyperGroup

from uprising.errors import UprisingError


class OneLineErrors(TyperGroup):
    """The command group, reporting click's own usage errors (a missing argument, an unknown
    option, a bad integer) as one `error: ...` line with exit code 2 instead of a framed box."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as err:  # `uprising` alone: the help, as asked
            typer.echo(err.format_message())
            sys.exit(0)
        except ClickException as err:
            ctx = getattr(err, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            message = " ".join(err.format_message().split())
            sys.stderr.write(f"error: {message}{hint}\n")
            sys.exit(2)
        except typer.Abort:
            sys.stderr.write("error: interrupted\n")
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=OneLineErrors,
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

"""The typer application shared by every sub-command module, and its error handling."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

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
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        from uprising import __version__

        typer.echo(f"uprising {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="print the version and exit"),
    ] = False,
) -> None:
    """Simulate political crises: uprisings, repression and institutional breakdown."""


F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> None:
    """Print the error on stderr, `error: ` before each of its lines (one per problem), and exit
    with code 2."""
    sys.stderr.write("".join(f"error: {line}\n" for line in message.splitlines() or [""]))
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


def unwrap_help(group: typer.Typer) -> None:
    """Join the lines of each paragraph of every command's help, so the help formatter wraps
    them to the terminal (it keeps a docstring's own line breaks, which then break mid-line)."""
    import inspect

    for info in group.registered_commands:
        text = info.help or inspect.getdoc(info.callback) or ""
        paragraphs = (" ".join(p.split()) for p in text.split("\n\n"))
        info.help = "\n\n".join(p for p in paragraphs if p)
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            unwrap_help(sub.typer_instance)

"""Checks shared by the command-line tests: run one command, read its one error line."""

from __future__ import annotations

from typer.testing import CliRunner

from uprising.cli.app import app


def invoke_command(command: str, *args: str):
    """Run `uprising COMMAND ARGS` in-process.

    With one registered command typer runs it directly; with several, it is a sub-command.
    """
    prefix = [command] if len(app.registered_commands) > 1 or app.registered_callback else []
    return CliRunner().invoke(app, [*prefix, *args])


def one_error_line(result) -> str:
    """The single `error: ...` line of a command that refused its input with exit code 2."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]

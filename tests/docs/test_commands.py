"""Every `uprising ...` command quoted in docs/*.md and the README parses; the cheap ones run for real."""

from __future__ import annotations

import json
import re
import shlex

import pytest
import typer
from typer._click import Context
from typer._click.exceptions import NoSuchOption
from typer.testing import CliRunner

import uprising.cli.main  # noqa: F401  (registers every sub-command)
from tests.docs.conftest import DOCS
from uprising.cli.app import app

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`(uprising [^`]+)`")
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z_]{2,}\b")  # COMMAND, KEY=VALUE: a pattern, not a command


def _commands_in(text: str) -> list[str]:
    """Commands in fenced and indented code blocks (continuation lines joined) and inline code."""
    blocks = [m.group(1) for m in FENCE.finditer(text)]
    outside = FENCE.sub("", text)
    indented = re.findall(r"(?:^(?: {4}|\t).*\n?)+", outside, re.M)
    blocks += [re.sub(r"^(?: {4}|\t)", "", b, flags=re.M) for b in indented]
    found = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip().removeprefix("$ ")
            if line.startswith("uprising "):
                found.append(line)
    found += INLINE.findall(outside)
    return [c for c in found if not PLACEHOLDER.search(c.split("#")[0])]


def quoted_commands() -> list[tuple[str, str]]:
    """(file name, command) for every `uprising` command quoted in docs/*.md and the README."""
    pages = [*sorted(DOCS.glob("*.md")), DOCS.parent / "README.md"]
    return [(p.name, c) for p in pages for c in _commands_in(p.read_text("utf-8"))]


COMMANDS = quoted_commands()


def _parse(argv: list[str]) -> list[str]:
    """Resolve the sub-command path of argv and parse its arguments; return the path."""
    command = typer.main.get_command(app)
    ctx = Context(command, info_name="uprising")
    path: list[str] = []
    args = list(argv)
    while hasattr(command, "get_command") and args and not args[0].startswith("-"):
        sub = command.get_command(ctx, args[0])
        assert sub is not None, f"no command {' '.join([*path, args[0]])!r}"
        path.append(args.pop(0))
        command = sub
        ctx = Context(command, info_name=path[-1], parent=ctx)
    command.make_context(path[-1], args, parent=ctx.parent)
    return path


def test_the_docs_quote_commands():
    assert len(COMMANDS) >= 5
    assert any(c.startswith("uprising simulate") for _, c in COMMANDS)


@pytest.mark.parametrize(("page", "command"), COMMANDS, ids=[f"{p}: {c[:60]}" for p, c in COMMANDS])
def test_each_quoted_command_parses_and_its_help_exits_0(page, command):
    optional = re.sub(r"\[(--[^\]]+)\]", r"\1", command)  # usage notation: [--json]
    argv = shlex.split(optional, comments=True)[1:]
    path = _parse(argv)
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output


def test_a_misquoted_command_is_caught():
    with pytest.raises(NoSuchOption, match="--stepz"):
        _parse(["simulate", "epstein-2002", "--stepz", "5"])
    with pytest.raises(AssertionError):
        _parse(["simulat", "epstein-2002"])


def test_uprising_scenarios_runs():
    result = CliRunner().invoke(app, ["scenarios"])
    assert result.exit_code == 0, result.output
    assert "epstein-2002" in result.output and "peru-2022" in result.output


def test_uprising_simulate_runs_and_prints_one_json_line():
    result = CliRunner().invoke(app, ["simulate", "epstein-2002", "--steps", "5", "--json"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert summary["scenario"] == "epstein-2002" and summary["steps"] == 5

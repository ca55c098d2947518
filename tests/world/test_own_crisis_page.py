"""docs/own_crisis.md runs: its scenario is the example's file, and its commands print what the
page shows (the build time aside)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import uprising.cli.world  # noqa: F401  (registers the command)
from tests.cli_checks import invoke_command
from uprising.runner import run_scenario
from uprising.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "own_crisis.md"
EXAMPLE = ROOT / "examples" / "own_crisis" / "island.yaml"


def page_block(after: str) -> str:
    """The fenced block that follows the first line holding `after`."""
    text = PAGE.read_text("utf-8")
    start = text.index("```", text.index(after))
    body = text[text.index("\n", start) + 1 :]
    return body[: body.index("```")]


def test_the_page_shows_the_example_scenario_whole():
    assert page_block("`examples/own_crisis/island.yaml`, whole") == EXAMPLE.read_text("utf-8")


def test_the_page_shows_the_dynamics_section_its_test_runs():
    from tests.dynamics.test_map_crisis import DYNAMICS

    assert page_block("The island with a decree on 2 March") == DYNAMICS.lstrip("\n")


@pytest.mark.parametrize(
    "command", ["world --check examples/own_crisis/island.yaml", "world examples/own_crisis/island.yaml"]
)
def test_the_page_shows_what_its_commands_print(command, monkeypatch):
    monkeypatch.chdir(ROOT)
    shown = page_block("## Running it").split(f"$ uprising {command}\n", 1)[1].split("\n$ ", 1)[0]
    result = invoke_command(*command.split())
    assert result.exit_code == 0, result.output
    printed = result.stdout.replace(str(ROOT) + "/", "")
    timing = re.compile(r"built in [0-9.]+ s")
    assert timing.sub("", printed).strip() == timing.sub("", shown).strip()


def test_the_example_runs_its_ten_days():
    output = run_scenario(load_scenario(str(EXAMPLE)))
    assert output.days == 10 and output.start_date == "2030-03-01"
    assert output.departments == ["Northcape", "Centrala", "Southmarsh"]

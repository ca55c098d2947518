"""Any text as a scenario file and any string as a `--set` override gives either a valid
scenario or one line of ScenarioError (in the command: one `error: ...` line, exit code 2),
never a traceback, a hang, or a line of the input echoed back. (The real command, in a child
process, is checked in test_cli_input.)"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import uprising.cli.main  # noqa: F401  (registers every command)
from tests.cli_checks import invoke_command
from tests.reliability import budget
from uprising.errors import ScenarioError
from uprising.scenario import Scenario, load_scenario
from uprising.scenario.loader import MAX_PROBLEMS

MARK = "se cret!"
"""Text that is never a name: an error message must never repeat it."""

KEYS = [
    "name", "description", "world", "kind", "torus", "width", "height", "citizen_density",
    "citizens", "legitimacy", "cops", "vision", "run", "steps", "seed", "start_date", "changes",
    "tick", "param", "value", "rules", "calibrated", "low", "high", "sources", "dynamics",
    "timeline", "institutions", "<<", MARK,
]  # fmt: skip
TOKENS = [
    *KEYS, ": ", ":", "\n", "  ", "- ", "[", "]", "{", "}", ", ", "&a ", "*a", "&b ", "*b", "!!binary ",
    "!!python/object:os.system ", "!!str ", "!!int ", "!!set ", "!x ", "? ", "|", ">", "'", '"', "#",
    "---\n", "...\n", "%YAML 1.1\n", "0", "1", "-5", "1e999", ".nan", "0x1F", "2022-12-07", "2022-13-45",
    "9" * 30, "yes", "null", "~", "\t", "\x00", "\ufeff", "é",
]  # fmt: skip

yaml_like = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)
scalars = st.one_of(st.integers(-(2**70), 2**70), st.floats(), st.booleans(), st.none(), st.text(max_size=20))
plain_data = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    max_leaves=20,
)
documents = st.one_of(
    st.text(max_size=200),
    yaml_like,
    st.dictionaries(st.sampled_from(KEYS), plain_data, max_size=6).map(yaml.safe_dump),
)
set_items = st.one_of(
    st.text(max_size=60),
    st.tuples(st.sampled_from(KEYS + ["world.width", "run.seed", "changes.0.tick", "x"]), yaml_like).map(
        "=".join
    ),
    st.tuples(st.sampled_from(["citizens.legitimacy", "width", "run.steps"]), scalars.map(str)).map("=".join),
)

HYPOTHESIS = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _one_line_or_scenario(make, secret: str | None = MARK) -> None:
    try:
        assert isinstance(make(), Scenario)
    except ScenarioError as err:
        message = str(err)
        lines = message.splitlines()  # one line per problem, the rest counted past 20
        assert 1 <= len(lines) <= MAX_PROBLEMS + 1 and all(len(line) < 500 for line in lines), message
        assert secret is None or secret not in message, message


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def test_any_text_as_a_scenario_file(cases, folder):
    tried = []

    @settings(HYPOTHESIS, max_examples=budget(100, 5000))
    @given(text=documents)
    @example(text="[" * 3000 + "]" * 3000)  # a RecursionError before the depth limit
    @example(text="run: {steps: !!int ''}")  # an IndexError inside PyYAML
    def check(text: str) -> None:
        tried.append(1)
        path = folder / "any.yaml"
        path.write_text(text, "utf-8", errors="surrogatepass")
        _one_line_or_scenario(lambda: load_scenario(str(path)))

    check()
    cases.tried(len(tried))


def test_any_string_as_a_set_override(cases):
    tried = []

    @settings(HYPOTHESIS, max_examples=budget(100, 5000))
    @given(items=st.lists(set_items, min_size=1, max_size=3))
    @example(items=["run.steps=" + "9" * 5000])  # a ValueError: past Python's 4300 digits
    @example(items=["world.width=!!float x"])  # a ValueError inside PyYAML
    def check(items: list[str]) -> None:
        tried.append(1)
        # The message may quote the command line, never a scenario file.
        _one_line_or_scenario(lambda: load_scenario("epstein-2002", items), secret=None)

    check()
    cases.tried(len(tried))


def test_the_command_answers_any_input_in_one_line(cases, folder):
    tried = []

    @settings(HYPOTHESIS, max_examples=budget(15, 400))
    @given(text=documents, item=set_items)
    @example(text="?:", item="name=")  # two problems (an empty name, an unknown key): two lines
    def check(text: str, item: str) -> None:
        tried.append(1)
        path = folder / "cli.yaml"
        path.write_text(text, "utf-8", errors="surrogatepass")
        # `world` loads the scenario, then refuses the missing --data-dir: a scenario that loads
        # is answered in one line too, without building a world.
        result = invoke_command("world", str(path), "--set", item, "--data-dir", str(folder / "none"))
        assert "Traceback" not in result.output
        assert result.exit_code == 2, result.output
        # One line, or one line per problem of the scenario (at most MAX_PROBLEMS, then a count).
        lines = result.stderr.strip().splitlines()
        assert 1 <= len(lines) <= MAX_PROBLEMS + 1, result.stderr
        assert all(line.startswith("error: ") for line in lines), result.stderr
        for line in lines:
            assert MARK not in line or MARK in item  # a file never echoed; the command line may be

    check()
    cases.tried(len(tried))

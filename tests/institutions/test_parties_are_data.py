"""Peru's parties are data, not code: no Python file names a bloc or party of the Congress
files, and a map world has no legislature (an `institutions` section is refused there, since
its blocs and roll calls would be Peru's)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import uprising.cli.run  # noqa: F401  (registers `run`)
from tests.cli_checks import invoke_command, one_error_line
from tests.dynamics.test_map_crisis import DYNAMICS, EXAMPLE
from uprising.institutions.blocs import bloc_table
from uprising.report.votes import vote_counts
from uprising.runner import run_scenario
from uprising.scenario import load_scenario
from uprising.world import cache

SOURCE = Path(__file__).resolve().parents[2] / "src" / "uprising"
NOT_A_BLOC = {"ID"}  # an identifier's abbreviation in the code, also the code of Integridad y Desarrollo


def test_no_python_file_names_a_bloc_or_party_of_the_congress_files():
    names = {t for b in bloc_table() for t in (b.code, b.name, b.party_2021, b.alias) if t} - NOT_A_BLOC
    word = re.compile(
        r"(?<![\w-])(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")(?![\w-])"
    )
    found = [
        f"{path.relative_to(SOURCE)}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
        for path in sorted(SOURCE.rglob("*.py"))
        for text in [path.read_text(encoding="utf-8")]
        for m in word.finditer(text)
    ]
    assert found == []


def test_a_map_world_runs_its_crisis_with_no_legislature(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "own_crisis")
    crisis = tmp_path / "own_crisis" / "crisis.yaml"
    crisis.write_text((EXAMPLE / "island.yaml").read_text() + DYNAMICS)
    cache.clear()
    scenario = load_scenario(str(crisis))
    assert scenario.institutions is None
    output = run_scenario(scenario)
    assert output.days == 10 and vote_counts([output]) == {}


def test_an_institutions_section_on_a_map_world_is_refused_in_one_line(tmp_path):
    db = str(tmp_path / "runs.duckdb")
    result = invoke_command(
        "run",
        str(EXAMPLE / "island.yaml"),
        "--set",
        "institutions={}",
        "--runs",
        "1",
        "--db",
        db,
        "--no-report",
    )
    line = one_error_line(result)
    assert (
        "institutions: Peru's Congress" in line and "a map world (world.kind: map) has no legislature" in line
    )

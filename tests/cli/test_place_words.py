"""What `uprising run` calls the places of a world: a map world's regions in its tables, its
report and its JSON line; Peru's departments, whose JSON keys stay as they were."""

from __future__ import annotations

import json
import shutil

import pytest

import uprising.cli.run  # noqa: F401  (registers `run`)
from tests.cli_checks import invoke_command
from tests.dynamics.test_map_crisis import DYNAMICS, EXAMPLE
from uprising.cli.run import place_keys
from uprising.world import cache


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> tuple[str, dict, str]:
    """The island's crisis run twice: its printed summary, its JSON line and its report page."""
    folder = tmp_path_factory.mktemp("words") / "own_crisis"
    shutil.copytree(EXAMPLE, folder)
    (folder / "crisis.yaml").write_text((EXAMPLE / "island.yaml").read_text() + DYNAMICS)
    cache.clear()
    db = str(folder / "runs.duckdb")
    report = folder / "report"
    args = ["run", str(folder / "crisis.yaml"), "--runs", "2", "--db", db, "--workers", "1"]
    text = invoke_command(*args, "--out", str(report))
    assert text.exit_code == 0, text.output
    line = invoke_command(*args, "--json", "--no-report")
    assert line.exit_code == 0, line.output
    return text.stdout, json.loads(line.stdout), (report / "report.html").read_text()


def test_a_map_worlds_summary_and_report_say_region_never_department(ran):
    text, _, page = ran
    assert "Regions ranked by street participation" in text and "Regions reported active by day" in text
    assert "Deaths by region" in page and "region-days reported active" in page
    assert "department" not in text.lower() and "department" not in page.lower()


def test_a_folder_that_names_its_regions_is_spoken_of_in_its_word(tmp_path):
    folder = tmp_path / "own_crisis"
    shutil.copytree(EXAMPLE, folder)
    (folder / "island" / "metadata.json").write_text('{"region": "province", "regions": "provinces"}')
    (folder / "crisis.yaml").write_text((EXAMPLE / "island.yaml").read_text() + DYNAMICS)
    cache.clear()
    args = ["run", str(folder / "crisis.yaml"), "--runs", "1", "--db", str(tmp_path / "r.duckdb")]
    result = invoke_command(*args, "--workers", "1", "--out", str(folder / "report"))
    assert result.exit_code == 0, result.output
    page = (folder / "report" / "report.html").read_text()
    assert "Provinces ranked by street participation" in result.stdout
    assert "Provinces reported active by day" in result.stdout
    assert "Deaths by province" in page and "province-days reported active" in page
    assert "Regions ranked" not in result.stdout and "Deaths by region" not in page
    line = invoke_command(*args, "--workers", "1", "--json", "--no-report")
    assert "deaths_by_region" in json.loads(line.stdout)  # the JSON keys stay as they are


def test_a_map_worlds_json_line_names_its_regions(ran):
    _, line, _ = ran
    assert set(line["deaths_by_region"]) == {"Northcape", "Centrala", "Southmarsh"}
    assert "regions_reported_active_by_day" in line and "days_reported_active_by_region" in line
    assert not [key for key in line if "department" in key]


def test_perus_metrics_keep_their_department_keys():
    metrics = {"deaths_by_department": {"Puno": 18}, "departments_active_by_day": [3]}
    assert place_keys(metrics, "peru") == metrics
    assert place_keys(metrics, "map") == {"deaths_by_region": {"Puno": 18}, "regions_active_by_day": [3]}

"""`uprising world`: summary, JSON line, PNG, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import uprising.cli.world  # noqa: F401  (registers the command)
from tests.cli_checks import invoke_command, one_error_line
from uprising.data import DATA_DIR

FAST = ["--resolution", "20", "--scale", "1000"]
PERU_FILES = [
    "regions.csv",
    "regions_provenance.csv",
    "districts.csv",
    "runoff_2021_by_district.csv",
    "departments.geojson",
]


def invoke(*args: str):
    return invoke_command("world", *args)


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    (tmp_path / "peru").mkdir()
    for name in PERU_FILES:
        shutil.copy(DATA_DIR / "peru" / name, tmp_path / "peru" / name)
    return tmp_path


def test_table_summary():
    result = invoke(*FAST)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Puno" in out and "Lima" in out and "bytes per agent" in out and "built in" in out
    assert "no figure for 25 of 25 departments" in out


def test_json_line():
    result = invoke(*FAST, "--json")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert summary["world"] == "peru"
    assert summary["resolution_km"] == 20 and summary["population_scale"] == 1000
    assert len(summary["departments"]) == 25
    assert sum(d["citizens"] for d in summary["departments"]) == summary["citizens"]
    assert summary["bytes_per_agent"] <= 24
    assert summary["build_seconds"] > 0
    for d in summary["departments"]:
        assert abs(d["people"] / d["population_source"] - 1) < 0.01
        assert d["cells"] > 0 and d["police"] > 0 and d["military"] == 0


def test_png(tmp_path: Path):
    png = tmp_path / "peru.png"
    result = invoke(*FAST, "--png", str(png))
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_torus_scenario():
    result = invoke("epstein-2002", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["world"] == "torus"
    assert summary["grid"]["cells"] == 1600 and len(summary["departments"]) == 1


def test_set_override():
    result = invoke(*FAST, "--json", "--set", "police_per_100k=0")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["police"] == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--resolution", "0.5"], "--resolution 0.5: must be a number from 1 to 20 km"),
        (["--resolution", "25"], "--resolution 25: must be a number from 1 to 20 km"),
        (["--resolution", "abc"], "--resolution 'abc'"),
        (["--resolution", "nan"], "--resolution nan"),
        (["--scale", "0"], "--scale 0: must be a number from 1 to 1000"),
        (["--scale", "5000"], "--scale 5000"),
        (["--scale", "x"], "--scale 'x'"),
        (["epstein-2002", "--scale", "10"], "only for map worlds"),
        (["no-such-scenario"], "unknown"),
        (["--set", "resolution_km=0"], "resolution_km"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, needle):
    line = one_error_line(invoke(*args))
    assert needle in line


def test_missing_data_file(data_copy: Path):
    (data_copy / "peru" / "districts.csv").unlink()
    line = one_error_line(invoke(*FAST, "--data-dir", str(data_copy)))
    assert "districts.csv: not found" in line


def test_missing_data_dir(tmp_path: Path):
    line = one_error_line(invoke(*FAST, "--data-dir", str(tmp_path / "nowhere")))
    assert "not a folder" in line


@pytest.mark.parametrize(
    ("name", "corrupt", "needle"),
    [
        (
            "regions.csv",
            lambda t: t.replace("417365", "4l7365"),
            "regions.csv: line 2, column population",
        ),
        ("regions.csv", lambda t: t.replace("86.7", "186.7"), "outside [0, 100]"),
        ("regions.csv", lambda t: t.replace("population", "popul"), "missing column 'population'"),
        (
            "districts.csv",
            lambda t: t[: len(t) // 2] + "\n010101,Amazonas\n",
            "wrong number of fields",
        ),
        (
            "districts.csv",
            lambda t: t.replace("-6.22944", "south"),
            "districts.csv: line 2, column lat",
        ),
        ("departments.geojson", lambda t: t[: len(t) // 2], "departments.geojson: not valid JSON"),
        (
            "departments.geojson",
            lambda t: t.replace('"ubigeo":"21"', '"ubigeo":"99"'),
            "unknown ubigeo",
        ),
        ("regions_provenance.csv", lambda t: t.replace("121162", "many"), "castillo_votes"),
        (
            "runoff_2021_by_district.csv",
            lambda t: t.replace(",7463,5966,", ",7463,lots,"),
            "runoff_2021_by_district.csv: line 2, column fujimori_votes: 'lots' is not a number",
        ),
        (
            "runoff_2021_by_district.csv",
            lambda t: t.replace(",7463,5966,", ",-7463,5966,"),
            "line 2, column castillo_votes: -7463 is outside [0, 1e+08]",
        ),
        (
            "runoff_2021_by_district.csv",
            lambda t: t.replace("ubigeo_inei", "ubigeo"),
            "runoff_2021_by_district.csv: missing column 'ubigeo_inei'",
        ),
        (
            "runoff_2021_by_district.csv",
            lambda t: t.replace("\n010101,010101,", "\n010101,019999,"),
            "line 2, column ubigeo_inei: '019999' is not a district of districts.csv",
        ),
        (
            "runoff_2021_by_district.csv",
            lambda t: t.replace("\n010101,010101,", "\n010101,010102,"),
            "line 3, column ubigeo_inei: 010102 twice",
        ),
    ],
)
def test_corrupted_data_file(data_copy: Path, name, corrupt, needle):
    path = data_copy / "peru" / name
    text = path.read_text("utf-8")
    changed = corrupt(text)
    assert changed != text
    path.write_text(changed, "utf-8")
    line = one_error_line(invoke(*FAST, "--data-dir", str(data_copy)))
    assert needle in line and name in line


def test_binary_garbage_data_file(data_copy: Path):
    (data_copy / "peru" / "regions.csv").write_bytes(b"\xff\xfe\x00garbage")
    line = one_error_line(invoke(*FAST, "--data-dir", str(data_copy)))
    assert "regions.csv" in line


def test_png_into_a_missing_folder(tmp_path: Path):
    line = one_error_line(invoke(*FAST, "--png", str(tmp_path / "no" / "map.png")))
    assert "--png" in line and "cannot write" in line

"""Reports and exports keep an experiment's groups apart: one band per sweep point or arm, the
varied parameters as columns, and runs drawn one by one where they are too few for a band."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from matplotlib.collections import PolyCollection

import uprising.cli.main  # noqa: F401  (registers every command)
from tests.cli_checks import invoke_command, one_error_line
from uprising.report import timeline_figure
from uprising.report.scorecard import ScoreRow, scorecard_headline
from uprising.report.timeline import MIN_BAND_RUNS

LEGITIMACY = ("0.6", "0.7", "0.8")


def _json(*args: str) -> dict:
    result = invoke_command(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("sweep") / "runs.duckdb"
    line = _json(
        "sweep", "epstein-2002", "--grid", f"citizens.legitimacy={','.join(LEGITIMACY)}", "--runs", "2",
        "--set", "run.steps=6", "--workers", "1", "--db", str(db),
    )  # fmt: skip
    return db, line["experiment"]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("compare") / "runs.duckdb"
    line = _json(
        "compare", "epstein-2002", "--set", "citizens.legitimacy=0.7", "--base", "run.steps=6", "--runs", "2",
        "--workers", "1", "--db", str(db),
    )  # fmt: skip
    return db, line["experiment"]


def test_report_of_a_three_point_sweep_draws_three_bands(sweep, tmp_path: Path) -> None:
    db, experiment = sweep
    line = _json("report", experiment, "--db", str(db), "--out", str(tmp_path))
    assert [g["citizens.legitimacy"] for g in line["groups"]] == [0.6, 0.7, 0.8]
    assert "sweep.png" in line["figures"]  # outputs against the parameter
    page = (tmp_path / "report.html").read_text("utf-8")
    for value in LEGITIMACY:
        assert f"citizens.legitimacy={value} (2 runs)" in page
    assert f"fewer than {MIN_BAND_RUNS} runs" in page


def test_timeline_has_one_legend_entry_per_group(classic_outputs) -> None:
    groups = ["a", "a", "b"]
    fig = timeline_figure(classic_outputs, groups=groups)
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts == ["a: each of 2 runs (no band)", "b: each of 1 run (no band)"]


def test_below_eight_runs_no_band_is_drawn_and_a_note_says_so(classic_outputs) -> None:
    fig = timeline_figure(classic_outputs)  # 3 runs
    assert not any(isinstance(c, PolyCollection) for ax in fig.axes for c in ax.collections)
    assert f"Note: 3 runs, fewer than {MIN_BAND_RUNS}: drawn one by one" in fig.get_suptitle()
    eight = timeline_figure(classic_outputs * 3)  # 9 runs
    bands = [c for c in eight.axes[0].collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1
    assert "90% band (9 runs)" in [t.get_text() for t in eight.legends[0].get_texts()][1]


def test_export_of_a_sweep_has_a_column_per_varied_parameter(sweep, tmp_path: Path) -> None:
    db, experiment = sweep
    out = tmp_path / "sweep.csv"
    line = _json("runs", "export", experiment, "--db", str(db), "--out", str(out))
    frame = pl.read_csv(out)
    assert frame.columns[:4] == ["run_id", "label", "seed", "citizens.legitimacy"]
    assert sorted(frame["citizens.legitimacy"].unique().to_list()) == [0.6, 0.7, 0.8]
    assert (
        frame.group_by("citizens.legitimacy").agg(pl.col("run_id").n_unique())["run_id"].to_list() == [2] * 3
    )
    # a torus has no deaths and no roads: those columns are absent, not zero
    assert "killed" not in line["columns"] and "blockades" not in frame.columns


def test_export_of_a_comparison_has_the_arm_and_the_baseline_value(comparison, tmp_path: Path) -> None:
    db, experiment = comparison
    out = tmp_path / "compare.csv"
    invoke_command("runs", "export", experiment, "--db", str(db), "--out", str(out))
    frame = pl.read_csv(out).unique(["arm", "citizens.legitimacy"]).sort("arm")
    assert frame.select("arm", "citizens.legitimacy").rows() == [("alternative", 0.7), ("baseline", 0.8)]


def test_report_of_a_comparison_draws_paired_differences(comparison, tmp_path: Path) -> None:
    db, experiment = comparison
    line = _json("report", experiment, "--db", str(db), "--out", str(tmp_path))
    assert "differences.png" in line["figures"]
    assert [g["group"] for g in line["groups"]] == ["baseline", "alternative"]


def test_runs_show_lists_groups(sweep) -> None:
    db, experiment = sweep
    line = _json("runs", "show", experiment, "--db", str(db))
    assert [(g["group"], g["runs"]) for g in line["groups"]] == [
        (f"citizens.legitimacy={v}", 2) for v in LEGITIMACY
    ]
    table = invoke_command("runs", "show", experiment, "--db", str(db)).stdout
    assert "Groups (3" in table


def test_report_writes_each_format_at_the_dpi_asked(sweep, tmp_path: Path) -> None:
    db, experiment = sweep
    line = _json("report", experiment, "--db", str(db), "--out", str(tmp_path), "--format", "png,svg,pdf")
    assert {"timeline.png", "timeline.svg", "timeline.pdf"} <= set(line["figures"])
    assert (tmp_path / "timeline.pdf").read_bytes().startswith(b"%PDF")
    from PIL import Image

    invoke_command("report", experiment, "--db", str(db), "--out", str(tmp_path / "low"), "--dpi", "55")
    low = Image.open(tmp_path / "low" / "timeline.png").size[0]
    assert 2 * low == Image.open(tmp_path / "timeline.png").size[0]  # 55 dpi against the default 110


def test_an_unknown_format_or_dpi_is_one_error_line(sweep, tmp_path: Path) -> None:
    db, experiment = sweep
    line = one_error_line(invoke_command("report", experiment, "--db", str(db), "--format", "png,gif"))
    assert "--format gif: must be one or more of png, svg, pdf" in line
    line = one_error_line(invoke_command("report", experiment, "--db", str(db), "--dpi", "5"))
    assert "--dpi 5: must be from 50 to 1200" in line


def test_run_json_of_a_torus_has_no_deaths_or_blockades(tmp_path: Path) -> None:
    line = _json(
        "run", "epstein-2002", "--runs", "1", "--set", "run.steps=4", "--workers", "1", "--no-report",
        "--db", str(tmp_path / "runs.duckdb"),
    )  # fmt: skip
    assert "mean_active" in line
    assert not {"total_deaths", "blockades_by_day", "deaths_by_department"} & set(line)


def _row(target: str, observed: float, passed: bool, unit: str = "deaths") -> ScoreRow:
    return ScoreRow(target, unit, observed, 0.0, 0.0, 0.0, "±3 deaths", passed)


def test_scorecard_headline_leaves_zero_counts_out() -> None:
    rows = [
        _row("deaths in Lima", 0, True),
        _row("deaths in Puno", 18, False),
        _row("peak", 90, True, "points"),
    ]
    assert scorecard_headline(rows) == (
        "1 of 2 targets pass, not counting 1 target(s) whose observed count is zero (1 of them pass;"
        " shown in the table)."
    )


def test_many_groups_name_only_the_first_eight_in_the_legend(classic_outputs) -> None:
    outputs = classic_outputs * 4  # 12 runs, one group each, as a sensitivity analysis's samples
    fig = timeline_figure(outputs, groups=[f"sample {i}" for i in range(12)])
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts == [f"sample {i}: each of 1 run (no band)" for i in range(8)]
    assert "12 groups" in fig.get_suptitle() and "the legend names the first 8" in fig.get_suptitle()

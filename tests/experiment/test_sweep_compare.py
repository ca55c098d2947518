"""Sweeps (grid and Latin hypercube) and paired comparisons on common random numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats
from typer.testing import CliRunner

import uprising.cli.compare  # noqa: F401  (registers `compare`)
import uprising.cli.sweep  # noqa: F401  (registers `sweep`)
from uprising.cli.app import app
from uprising.errors import UprisingError
from uprising.experiment.compare import compare_tasks, paired_differences, run_compare
from uprising.experiment.sweep import parse_grid, parse_lhs, sweep_points
from uprising.store import Store


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_a_grid_gives_every_combination_in_order():
    points = sweep_points(parse_grid(["citizens.legitimacy=0.7,0.8", "cops.vision=3,5,7"]), {})
    assert len(points) == 6
    assert points[0].overrides == ("citizens.legitimacy=0.7", "cops.vision=3")
    assert points[5].values == {"citizens.legitimacy": 0.8, "cops.vision": 7}


def test_a_latin_hypercube_puts_one_point_in_each_stratum_and_repeats_itself():
    lhs = parse_lhs(["citizens.legitimacy=0.5:0.9", "cops.vision=1:9"])
    points = sweep_points({}, lhs, samples=10)
    again = sweep_points({}, lhs, samples=10)
    assert [p.overrides for p in points] == [p.overrides for p in again]
    for key, (low, high) in lhs.items():
        values = np.array([p.values[key] for p in points])
        strata = np.floor((values - low) / (high - low) * 10).astype(int)
        assert sorted(strata) == list(range(10))
    assert sweep_points({}, lhs, samples=10, lhs_seed=1)[0].values != points[0].values


def test_a_grid_crossed_with_a_hypercube_has_both():
    points = sweep_points(
        parse_grid(["run.steps=5,6"]), parse_lhs(["citizens.legitimacy=0.5:0.9"]), samples=3
    )
    assert len(points) == 6
    assert {p.values["run.steps"] for p in points} == {5, 6}


@pytest.mark.parametrize(
    ("grid", "lhs", "samples", "message"),
    [
        ([], [], None, "give at least one --grid"),
        (["a=1,,2"], [], None, "no empty value"),
        (["a"], [], None, "expected key=v1,v2"),
        ([], ["a=1:x"], 3, "two numbers"),
        ([], ["a=2:1"], 3, "low must be below high"),
        ([], ["a=0:1"], None, "--samples: required"),
        ([], ["a=0:1"], 0, "--samples 0: must be from 1"),
        (["a=1,2"], [], 4, "--samples: only with --lhs"),
    ],
)
def test_bad_sweep_specs_are_refused(grid, lhs, samples, message):
    with pytest.raises(UprisingError, match=message):
        sweep_points(parse_grid(grid), parse_lhs(lhs), samples)


def test_sweep_stores_one_experiment_and_its_points_table(tmp_path: Path):
    db = tmp_path / "s.duckdb"
    result = invoke(
        "sweep", "epstein-2002", "--grid", "citizens.legitimacy=0.6,0.9", "--runs-per-point", "2",
        "--set", "run.steps=20", "--workers", "1", "--db", str(db), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    assert line["runs"] == 4 and len(line["points"]) == 2
    low, high = line["points"]
    assert low["citizens.legitimacy"] == 0.6 and high["citizens.legitimacy"] == 0.9
    assert low["final_jailed"] > high["final_jailed"]  # less legitimacy, more rebels jailed
    store = Store(db)
    runs = store.runs(line["experiment"])
    assert runs["seed"].to_list() == [1, 2, 1, 2]  # every point on the same seeds
    assert store.load_table(line["experiment"], "points")["runs"].to_list() == [2, 2]


def test_sweep_names_the_option_of_an_unknown_parameter(tmp_path: Path):
    db = tmp_path / "s.duckdb"
    result = invoke("sweep", "epstein-2002", "--lhs", "nonsense=0:1", "--samples", "2", "--db", str(db))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: --lhs nonsense: unknown parameter of scenario epstein-2002"
    ]
    assert not db.exists()


def test_the_alternative_reuses_the_baseline_seeds():
    tasks = compare_tasks("epstein-2002", ["citizens.legitimacy=0.7"], 3, 10)
    assert [(t.label, t.seed) for t in tasks] == [
        ("baseline", 10), ("baseline", 11), ("baseline", 12),
        ("alternative", 10), ("alternative", 11), ("alternative", 12),
    ]  # fmt: skip
    assert tasks[3].overrides == ("citizens.legitimacy=0.7",)
    independent = compare_tasks("epstein-2002", ["citizens.legitimacy=0.7"], 3, 10, common_seeds=False)
    assert [t.seed for t in independent[3:]] == [13, 14, 15]


def test_paired_differences_give_the_mean_and_its_t_interval():
    base = [{"x": v} for v in (1.0, 2.0, 4.0, 3.0)]
    alt = [{"x": v} for v in (2.0, 4.0, 5.0, 6.0)]
    row = paired_differences(base, alt).row(0, named=True)
    d = np.array([1.0, 2.0, 1.0, 3.0])
    half = stats.t.ppf(0.975, 3) * d.std(ddof=1) / 2
    assert row["difference"] == pytest.approx(1.75)
    assert (row["low"], row["high"]) == pytest.approx((1.75 - half, 1.75 + half))
    assert (row["baseline"], row["alternative"], row["runs"]) == (2.5, 4.25, 4)


def test_common_random_numbers_shrink_the_variance_of_the_paired_difference():
    common = run_compare(
        "epstein-2002", ["citizens.legitimacy=0.7"], runs=16, overrides=["run.steps=50"], workers=1
    ).extra["differences"]
    independent = run_compare(
        "epstein-2002", ["citizens.legitimacy=0.7"], runs=16, overrides=["run.steps=50"], workers=1,
        common_seeds=False,
    ).extra["differences"]  # fmt: skip
    for output in ("peak_active", "final_jailed"):
        paired = common.row(by_predicate=pl.col("output") == output, named=True)
        unpaired = independent.row(by_predicate=pl.col("output") == output, named=True)
        assert paired["baseline"] == unpaired["baseline"]  # the same baseline runs
        assert paired["sd"] < unpaired["sd"]
        assert paired["difference"] > 0 and paired["low"] > 0  # the effect is real and resolved


def test_compare_prints_the_table_and_stores_it(tmp_path: Path):
    db = tmp_path / "s.duckdb"
    result = invoke(
        "compare", "epstein-2002", "--base", "run.steps=20", "--set", "citizens.legitimacy=0.6",
        "--runs", "3", "--workers", "1", "--db", str(db),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Alternative minus baseline" in result.stdout and "final_jailed" in result.stdout
    (experiment_id,) = Store(db).experiments()["id"].to_list()
    assert Store(db).load_table(experiment_id, "differences")["runs"].to_list()[0] == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--runs", "3"], "--set: give at least one change"),
        (["--set", "citizens.legitimacy=0.6", "--runs", "1"], "--runs 1: must be from 2"),
        (["--set", "citizens.legitimacy=1.5"], "citizens.legitimacy"),
    ],
)
def test_bad_compare_options_give_one_line(tmp_path: Path, options, message):
    db = tmp_path / "s.duckdb"
    result = invoke("compare", "epstein-2002", "--db", str(db), *options)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert not db.exists()

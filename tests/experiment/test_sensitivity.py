"""Sensitivity analysis: the shared design-and-analysis path ranks Ishigami's factors as theory
says, legitimacy matters to the model and a parameter that does nothing scores 0, the command
prints, plots and stores the indices, and bad options give one error line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from SALib.test_functions import Ishigami
from typer.testing import CliRunner

import uprising.cli.sensitivity  # noqa: F401  (registers `sensitivity`)
from uprising.cli.app import app
from uprising.errors import UprisingError
from uprising.experiment.calibrate import ParameterRange
from uprising.experiment.sensitivity import (
    Problem,
    check_method,
    run_sensitivity,
    runs_needed,
    sensitivity_of,
)

SMALL_TORUS = ("world.width=20", "world.height=20", "run.steps=100")
PI = math.pi
# Ishigami (a = 7, b = 0.1) on [-pi, pi]^3: analytic first-order and total indices.
ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def ishigami(X: np.ndarray) -> dict[str, np.ndarray]:
    return {"y": Ishigami.evaluate(X[:, :3])}


def by_parameter(table, column: str) -> dict[str, float]:
    return dict(zip(table["parameter"], table[column], strict=True))


def test_sobol_indices_of_ishigami_match_the_analytic_values_and_rank_the_factors():
    problem = Problem(("x1", "x2", "x3"), ((-PI, PI),) * 3)
    table, X, _ = sensitivity_of(ishigami, problem, "sobol", 1024, seed=1)
    assert len(X) == runs_needed("sobol", 1024, 3)
    s1, st = by_parameter(table, "S1"), by_parameter(table, "ST")
    for name in problem.names:
        assert s1[name] == pytest.approx(ISHIGAMI_S1[name], abs=0.08)
        assert st[name] == pytest.approx(ISHIGAMI_ST[name], abs=0.08)
    assert st["x1"] > st["x2"] > st["x3"]
    assert s1["x2"] > s1["x1"] > s1["x3"]


def test_morris_screening_of_ishigami_finds_the_dummy_inert_and_x3_acting_through_interaction():
    problem = Problem(("x1", "x2", "x3", "dummy"), ((-PI, PI),) * 4)
    table, X, _ = sensitivity_of(ishigami, problem, "morris", 100, seed=2)
    assert len(X) == runs_needed("morris", 100, 4)
    mu_star, sigma = by_parameter(table, "mu_star"), by_parameter(table, "sigma")
    assert mu_star["dummy"] == 0.0 and sigma["dummy"] == 0.0
    assert min(mu_star["x1"], mu_star["x2"], mu_star["x3"]) > 1.0
    assert mu_star["x1"] > mu_star["x3"]
    assert sigma["x3"] > mu_star["x3"]  # x3 enters only through x1 * x3^4: its effects change sign
    assert sigma["x1"] < mu_star["x1"]


def test_on_the_model_legitimacy_moves_mean_actives_and_the_outburst_level_does_nothing():
    ranges = [
        ParameterRange("citizens.legitimacy", 0.4, 0.9),
        ParameterRange("run.outburst_level", 0, 100, integer=True),
    ]
    result = run_sensitivity(
        "epstein-2002", ranges, ["mean_active", "final_jailed"], "morris", 6, seed=3,
        overrides=SMALL_TORUS, workers=1,
    )  # fmt: skip
    assert result.runs.height == runs_needed("morris", 6, 2)
    for output in ("mean_active", "final_jailed"):
        mu_star = by_parameter(result.table.filter(result.table["output"] == output), "mu_star")
        assert mu_star["run.outburst_level"] == 0.0
        assert mu_star["citizens.legitimacy"] > 0.0
    assert result.experiment_id is None


def test_the_command_prints_plots_and_stores_the_indices_then_resumes_from_the_store(tmp_path: Path):
    db, out = tmp_path / "store.duckdb", tmp_path / "plots"
    args = ["sensitivity", "epstein-2002", *(f"--set={s}" for s in SMALL_TORUS), "--outputs", "mean_active"]
    args += ["--param", "citizens.legitimacy=0.5:0.9", "--param", "cops.vision=2:7", "--samples", "4"]
    args += ["--workers", "1", "--db", str(db), "--out", str(out)]
    first = invoke(*args)
    assert first.exit_code == 0, first.output
    assert "mu*" in first.stdout and "citizens.legitimacy" in first.stdout
    (png,) = out.glob("*.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (csv,) = out.glob("*.csv")
    assert csv.read_text().splitlines()[0] == "output,parameter,mu_star,mu_star_conf,sigma,mu"
    again = invoke(*args, "--json")
    line = json.loads(again.stdout)
    assert line["runs"] == line["resumed"] == runs_needed("morris", 4, 2)
    from uprising.store import Store

    store = Store(db)
    assert store.experiment(line["experiment"])["kind"] == "sensitivity"
    indices = store.load_table(line["experiment"], "indices")
    assert indices["parameter"].to_list() == ["citizens.legitimacy", "cops.vision"]
    assert store.load_table(line["experiment"], "design").height == line["runs"]


def test_sobol_needs_a_power_of_two_and_morris_at_least_two_trajectories():
    with pytest.raises(UprisingError, match="--samples 10: Sobol needs a power of 2"):
        check_method("sobol", 10, 2)
    with pytest.raises(UprisingError, match="--samples 1: must be from 2"):
        check_method("morris", 1, 2)
    with pytest.raises(UprisingError, match="--method fast: must be one of morris, sobol"):
        check_method("fast", 10, 2)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--outputs", "mean_actives"], "--outputs mean_actives: unknown output; allowed: mean_active"),
        (["--method", "fast"], "--method fast: must be one of morris, sobol"),
        (["--param", "legitimcy=0.1:0.9"], "--param legitimcy: unknown parameter of scenario epstein-2002"),
        (["--param", "legitimacy=0.9:0.1"], "must have finite low < high"),
        (["--param", "legitimacy=0.1:1.5"], "allowed range [0.0, 1.0]"),
        (["--samples", "0"], "--samples 0: must be from 2"),
        ([], "epstein-2002: marks no calibrated parameter"),
    ],
)
def test_bad_options_give_one_error_line_and_exit_code_2(tmp_path, options, message):
    args = ["sensitivity", "epstein-2002", "--db", str(tmp_path / "s.duckdb")]
    if not any(o == "--outputs" for o in options):
        args += ["--outputs", "mean_active"]
    if not any(o == "--param" for o in options) and options:
        args += ["--param", "legitimacy=0.5:0.9"]
    result = invoke(*args, *options)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert not (tmp_path / "s.duckdb").exists()

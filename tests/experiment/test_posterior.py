"""A calibration's posterior as a file: written once, read back as it was, and run from: each run
takes a particle drawn by weight, as the calibration's own check did; a forecast refuses a
posterior fitted on days after its fit date; a bad file is one line naming what is wrong."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import uprising.cli.calibrate  # noqa: F401  (registers `calibrate`)
import uprising.cli.forecast  # noqa: F401  (registers `forecast`)
import uprising.cli.run  # noqa: F401  (registers `run`)
from tests.cli_checks import invoke_command, one_error_line
from uprising.errors import DataError, UprisingError
from uprising.experiment.calibrate import weighted_quantile
from uprising.experiment.ensemble import run_ensemble
from uprising.experiment.posterior import (
    builtin_names,
    check_fit_date,
    drawn_overrides,
    observed_until,
    read_posterior,
)
from uprising.scenario import load_scenario
from uprising.store import Store


@pytest.fixture(scope="module")
def written(case, tmp_path_factory):
    """A small calibration of the torus of conftest.py, its store and its posterior file."""
    folder = tmp_path_factory.mktemp("posterior")
    db, path = folder / "store.duckdb", folder / "posterior.json"
    args = ["calibrate", str(case["scenario"]), "--observed", str(case["observed"]), "--budget", "40"]
    args += ["--populations", "2", "--population-size", "10", "--workers", "1", "--db", str(db)]
    args += ["--set", "run.steps=60", "--check-runs", "6", "--write-posterior", str(path), "--json"]
    result = invoke_command(*args)
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    assert line["posterior_written"] == str(path)
    return {"db": db, "path": path, "experiment": line["experiment"], "folder": folder}


def test_the_file_holds_the_stored_posterior_and_how_it_was_made(written):
    stored = Store(written["db"]).load_table(written["experiment"], "posterior")
    posterior = read_posterior(str(written["path"]))
    assert posterior.particles.columns == stored.columns
    assert posterior.particles["citizens.legitimacy"].to_list() == stored["citizens.legitimacy"].to_list()
    assert posterior.particles["weight"].to_list() == stored["weight"].to_list()
    assert [r.path for r in posterior.ranges] == ["citizens.legitimacy"]
    assert posterior.overrides == ("run.steps=60",)
    assert posterior.scenario.run.steps == 60  # the calibration's scenario, its overrides applied
    document = json.loads(written["path"].read_text())
    assert document["command"].startswith("uprising calibrate ")
    assert "--set run.steps=60" in document["command"] and "--budget 40" in document["command"]
    assert document["observed_until"] is None  # a torus has no dates


def test_a_posterior_is_never_overwritten(written, case):
    before = written["path"].read_bytes()
    args = ["calibrate", str(case["scenario"]), "--observed", str(case["observed"]), "--budget", "12"]
    result = invoke_command(*args, "--workers", "1", "--write-posterior", str(written["path"]))
    assert "exists" in one_error_line(result) and "--write-posterior" in one_error_line(result)
    assert written["path"].read_bytes() == before


def test_runs_drawn_from_it_are_the_calibrations_check_runs(written, case):
    """The check ran particle draws(6, seed)[i] on seed + i: so does an ensemble from the file."""
    posterior = read_posterior(str(written["path"]))
    result = run_ensemble(str(case["scenario"]), 6, posterior.seed, posterior=posterior, workers=1)
    drawn = posterior.draws(6, posterior.seed)
    values = posterior.particles["citizens.legitimacy"].to_list()
    got = [o.parameters["citizens"]["legitimacy"] for o in result.outputs]
    assert got == pytest.approx([values[k] for k in drawn])
    assert [o.seed for o in result.outputs] == list(range(posterior.seed, posterior.seed + 6))
    check = Store(written["db"]).runs(written["experiment"]).sort("position")
    assert check.height == 6
    assert check["seed"].to_list() == [o.seed for o in result.outputs]


def test_each_run_applies_the_calibrations_overrides_then_the_users_then_its_particle(written):
    posterior = read_posterior(str(written["path"]))
    each = drawn_overrides(posterior, 3, 5, ["run.steps=10", "citizens.legitimacy=0.1"])
    for overrides in each:
        assert overrides[:3] == ("run.steps=60", "run.steps=10", "citizens.legitimacy=0.1")
        assert overrides[3].startswith("citizens.legitimacy=")  # the particle's value wins
    assert each == drawn_overrides(posterior, 3, 5, ["run.steps=10", "citizens.legitimacy=0.1"])


def test_the_run_command_draws_from_the_file(written, case):
    db = written["folder"] / "runs.duckdb"
    args = [str(case["scenario"]), "--posterior", str(written["path"]), "--runs", "2", "--workers", "1"]
    result = invoke_command("run", *args, "--db", str(db), "--no-report", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["posterior"] == str(written["path"])
    plain = invoke_command(
        "run",
        str(case["scenario"]),
        "--runs",
        "2",
        "--workers",
        "1",
        "--db",
        str(db),
        "--no-report",
        "--json",
    )
    assert json.loads(plain.stdout)["experiment"] != json.loads(result.stdout)["experiment"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="other"), "'format'"),
        (lambda d: d["particles"].pop("weight"), "no column 'weight'"),
        (lambda d: d["particles"].update(weight=[-1.0] * len(d["particles"]["weight"])), "weights"),
        (
            lambda d: d["particles"].update({"citizens.legitimacy": [2.0] * len(d["particles"]["weight"])}),
            "outside its prior",
        ),
        (lambda d: d.pop("parameters"), "no field 'parameters'"),
        (lambda d: d["scenario"]["citizens"].update(legitimacy=7), "scenario: citizens.legitimacy"),
    ],
)
def test_a_bad_file_is_one_line_naming_what_is_wrong(written, tmp_path, change, message):
    document = json.loads(written["path"].read_text())
    change(document)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    with pytest.raises(DataError, match=message) as err:
        read_posterior(str(bad))
    assert "\n" not in str(err.value) and str(bad) in str(err.value)


def test_a_missing_file_or_not_json_is_one_line(tmp_path):
    with pytest.raises(DataError, match="no such file, nor a built-in posterior"):
        read_posterior(str(tmp_path / "nothing.json"))
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(DataError, match="not JSON"):
        read_posterior(str(tmp_path / "x.json"))


def test_the_shipped_december_posterior():
    assert "peru-2022-december" in builtin_names()
    posterior = read_posterior("peru-2022-december")
    assert posterior.scenario.name == "peru-2022"
    assert observed_until(posterior.scenario).isoformat() == "2022-12-31"
    assert posterior.overrides == ("world.population_scale=1000",)
    paths = [r.path for r in posterior.ranges]
    assert len(paths) == 15 and "dynamics.participation.call_cut" in paths
    assert posterior.particles.height == 100 and posterior.particles["weight"].sum() > 0
    with pytest.raises(UprisingError, match=r"fitted on runs to 2022-12-31, after --fit-until 2022-12-15"):
        check_fit_date(
            posterior, "peru-2022-december", load_scenario("peru-2022").run.start_date.replace(day=15)
        )


def test_a_forecast_refuses_a_posterior_fitted_after_its_fit_date(tmp_path):
    out = tmp_path / "f.json"
    args = ["peru-2022", "--fit-until", "2022-12-15", "--until", "2022-12-31", "--out", str(out)]
    line = one_error_line(invoke_command("forecast", *args, "--posterior", "peru-2022-december"))
    assert "--posterior peru-2022-december" in line and "2022-12-15" in line
    both = invoke_command("forecast", *args, "--posterior", "peru-2022-december", "--fit-budget", "10")
    assert "not both" in one_error_line(both)
    assert not out.exists()


def test_a_comparison_gives_each_pair_one_particle_and_its_change_the_last_word(written, case):
    from uprising.experiment.compare import compare_tasks, run_compare

    posterior = read_posterior(str(written["path"]))
    tasks = compare_tasks("s.yaml", ["citizens.legitimacy=0.5"], 4, 9, ["run.steps=20"], posterior=posterior)
    base, alt = tasks[:4], tasks[4:]
    for b, a in zip(base, alt, strict=True):
        assert b.seed == a.seed and b.overrides[:2] == ("run.steps=60", "run.steps=20")
        assert a.overrides[:-1] == b.overrides  # the same particle, then the change
        assert a.overrides[-1] == "citizens.legitimacy=0.5"
    values = posterior.particles["citizens.legitimacy"].to_list()
    drawn = posterior.draws(4, 9)
    assert [b.overrides[-1] for b in base] == [f"citizens.legitimacy={values[k]!r}" for k in drawn]
    result = run_compare(
        str(case["scenario"]), ["citizens.legitimacy=0.5"], 3, 9, posterior=posterior, workers=1
    )
    legit = [o.parameters["citizens"]["legitimacy"] for o in result.outputs]
    assert legit[3:] == [0.5] * 3 and legit[:3] == pytest.approx([values[k] for k in posterior.draws(3, 9)])


def test_the_scenarios_command_lists_the_shipped_posteriors():
    import uprising.cli.scenarios  # noqa: F401  (registers `scenarios`)

    result = invoke_command("scenarios")
    assert result.exit_code == 0, result.output
    line = next(text for text in result.stdout.splitlines() if "peru-2022-december" in text)
    assert "posterior of peru-2022: 15 parameters, 100 particles" in line
    assert "on data to 2022-12-31" in line
    listed = json.loads(invoke_command("scenarios", "--json").stdout)
    assert all("posterior" not in row for row in listed)  # the JSON rows stay scenarios


def test_a_posterior_is_read_and_run_without_the_calibrate_extra(monkeypatch, tmp_path):
    # None in sys.modules makes pyabc unimportable, as in an install of the core alone.
    monkeypatch.setitem(sys.modules, "pyabc", None)
    posterior = read_posterior("peru-2022-december")
    low, median, high = posterior.summary.row(0)[2], posterior.summary.row(0)[1], posterior.summary.row(0)[3]
    assert posterior.ranges[0].low <= low <= median <= high <= posterior.ranges[0].high
    args = ["peru-2022", "--posterior", "peru-2022-december", "--runs", "1", "--set", "run.steps=4"]
    result = invoke_command("run", *args, "--db", str(tmp_path / "r.duckdb"), "--no-report", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["posterior"] == "peru-2022-december"


def test_the_weighted_quantile_is_pyabcs():
    pyabc_statistics = pytest.importorskip("pyabc.weighted_statistics")
    rng = np.random.default_rng(7)
    for _ in range(50):
        n = int(rng.integers(1, 40))
        points, weights = rng.normal(size=n), rng.random(n)
        weights /= weights.sum()
        alpha = float(rng.random())
        assert weighted_quantile(points, weights, alpha) == pyabc_statistics.weighted_quantile(
            points, weights, alpha=alpha
        )

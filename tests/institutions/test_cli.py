"""`uprising congress`: one JSON line, readable text, and one-line errors with exit code 2."""

import json

import pytest
from typer.testing import CliRunner

import uprising.cli.congress  # noqa: F401  (registers the command)
from uprising.cli.app import app

try:
    import uprising.cli.main  # noqa: F401  (the other commands, so that `congress` is a sub-command)
except ImportError:  # pragma: no cover - the command alone is then the whole app
    pass

PREFIX = ["congress"] if len(app.registered_commands) > 1 else []
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [*PREFIX, *args])


def test_json_prints_exactly_one_line_with_the_distribution():
    res = run("epstein-2002", "--motion", "vacancy-2022-12-07", "--runs", "300", "--json")
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1
    out = json.loads(lines[0])
    for key in ("median_yes", "p_pass", "yes_quantiles", "yes_by_bloc", "no_quantiles"):
        assert key in out
    assert set(out["yes_quantiles"]) == {"q05", "q50", "q95"}
    assert out["observed"]["yes"] == 101
    assert out["p_pass"] > 0.9


def test_the_same_command_gives_the_same_output():
    args = (
        "epstein-2002",
        "--motion",
        "vacancy",
        "--date",
        "2022-12-01",
        "--runs",
        "200",
        "--json",
    )
    assert run(*args).output == run(*args).output


def test_text_output_names_the_rule_and_the_blocs():
    res = run("epstein-2002", "--motion", "early-elections-2022-12-20", "--runs", "200")
    assert res.exit_code == 0, res.output
    assert "referendum" in res.output and "P(pass)" in res.output and "CD-JPP" in res.output


def test_list_names_the_motions():
    res = run("--list")
    assert res.exit_code == 0
    assert "vacancy-2022-12-07" in res.output and "early-elections-2022-12-20" in res.output


def test_set_reaches_the_config_and_the_context():
    base = ("epstein-2002", "--motion", "vacancy-2022-12-07", "--runs", "300", "--json")
    coup = json.loads(run(*base).output)
    none = json.loads(run(*base, "--set", "context.self_coup=false").output)
    assert none["p_pass"] < coup["p_pass"]
    assert none["context"]["self_coup"] is False
    loyal = json.loads(run(*base, "--set", "institutions.vacancy_stance.PL=5").output)
    assert loyal["yes_by_bloc"]["PL"] > coup["yes_by_bloc"]["PL"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "noise=30"], "allowed range [0.01, 10.0]"),
        (["--set", "FP=3"], "ambiguous"),
        (["--set", "context.protest_intensity=2"], "allowed range [0.0, 1.0]"),
        (["--set", "bogus=1"], "unknown parameter"),
        (["--runs", "0"], "--runs 0"),
        (["--date", "2022-12-09"], "allowed range [2021-07-23, 2022-12-07]"),
        (["--date", "2022-02-30"], "YYYY-MM-DD"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(args, message):
    motion = "vacancy" if "--date" in args else "vacancy-2022-12-07"
    res = run("epstein-2002", "--motion", motion, *args)
    assert res.exit_code == 2
    assert message in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_an_unknown_motion_is_refused():
    res = run("epstein-2002", "--motion", "impeachment")
    assert res.exit_code == 2 and "--list" in res.output


def test_calibrate_prints_the_fit_and_the_table_as_one_json_line():
    res = run("--calibrate", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["converged"] and len(out["table"]) == 19  # 12 of 2021-2022, 7 of 2023
    assert out["config"]["vacancy_stance"]["FP"] > 0 > out["config"]["vacancy_stance"]["PL"]

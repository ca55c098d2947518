"""The conventions users expect of a command line: --version, -h, completion, --json, human
names in usage lines, one --runs, and every validation problem on its own line."""

from __future__ import annotations

import json

import uprising.cli.main  # noqa: F401  (registers every command)
from tests.cli_checks import invoke_command, one_error_line
from uprising import __version__
from uprising.cli.app import app
from uprising.scenario import builtin_names


def run(*args: str):
    from typer.testing import CliRunner

    return CliRunner().invoke(app, list(args))


def test_version_prints_the_package_version() -> None:
    result = run("--version")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"uprising {__version__}"


def test_dash_h_is_help_on_the_app_and_on_sub_commands() -> None:
    for args in (["-h"], ["sweep", "-h"], ["runs", "export", "-h"]):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
        assert "Usage:" in result.stdout


def test_shell_completion_is_offered() -> None:
    assert "--show-completion" in run("--help").stdout


def test_usage_lines_use_human_names() -> None:
    export = run("runs", "export", "-h").stdout
    assert "id_" not in export and "ID" in export
    assert "SCENARIO" in run("sweep", "-h").stdout


def test_help_paragraphs_are_wrapped_not_broken_mid_sentence() -> None:
    from typer.testing import CliRunner

    wide = CliRunner().invoke(app, ["calibrate", "-h"], env={"COLUMNS": "200"}).stdout
    # on a wide terminal the paragraph is one line; the docstring's own breaks used to cut it in 3
    assert any("whatever --workers or --scheduler. The posterior" in line for line in wide.splitlines())


def test_scenarios_json_lists_every_builtin() -> None:
    result = invoke_command("scenarios", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["scenario"] for r in rows] == builtin_names()
    assert all(r["description"] for r in rows)


def test_every_validation_problem_is_its_own_error_line_in_plain_words() -> None:
    result = invoke_command(
        "simulate", "epstein-2002", "--set", "citizens.legitimacy=2", "--set", "run.steps=x"
    )
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("error: ") for line in lines)
    assert "citizens.legitimacy = 2: must be <= 1.0 (allowed range [0.0, 1.0])" in lines[0]
    assert "run.steps = 'x': must be a whole number (allowed range [0, 10000000])" in lines[1]
    assert "more)" not in result.stderr and "parse" not in result.stderr


def test_a_number_that_is_not_one_says_so_plainly() -> None:
    line = one_error_line(invoke_command("simulate", "epstein-2002", "--set", "world.width=1.5"))
    assert line.endswith("world.width = 1.5: must be a whole number (allowed range [1, 20000])")


def test_sweep_takes_runs_and_still_the_former_runs_per_point() -> None:
    assert "--runs " in run("sweep", "-h").stdout
    assert "--runs-per-point" not in run("sweep", "-h").stdout  # hidden
    for flag in ("--runs", "--runs-per-point"):
        line = one_error_line(invoke_command("sweep", "epstein-2002", "--grid", "legitimacy=0.7", flag, "0"))
        assert line.startswith(f"error: {flag} 0: must be from 1 to")


def test_world_draws_its_map_in_each_format_asked(tmp_path) -> None:
    png = tmp_path / "torus.png"
    result = invoke_command(
        "world", "epstein-2002", "--png", str(png), "--format", "svg,pdf", "--dpi", "60", "--json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["figures"] == [str(tmp_path / "torus.svg"), str(tmp_path / "torus.pdf")]
    assert (tmp_path / "torus.pdf").read_bytes().startswith(b"%PDF")
    assert not png.exists()
    line = one_error_line(invoke_command("world", "epstein-2002", "--png", str(png), "--format", "jpg"))
    assert "--format jpg: must be one or more of png, svg, pdf" in line

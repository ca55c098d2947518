"""`uprising forecast` and `uprising score` end to end on a coarse map of Peru (1:1000, 20 km
cells, two runs), their refusals of bad input, and a fit that never sees the forecast window."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import uprising.cli.forecast  # noqa: F401  (registers `forecast` and `score`)
from tests.cli_checks import invoke_command, one_error_line
from uprising.data import data_path
from uprising.forecast.files import ACTIVE, BLOCKADES, DEATHS, SERIES, read_forecast
from uprising.forecast.forecast import fit_target
from uprising.observed.metrics import run_metrics
from uprising.observed.observation import reported_active_of
from uprising.runner import run_scenario
from uprising.scenario import load_scenario

SMALL = ["world.population_scale=1000", "world.resolution_km=20"]
SETS = [item for s in SMALL for item in ("--set", s)]
WINDOW = ["--fit-until", "2022-12-15", "--until", "2022-12-17"]
OBSERVED = data_path("peru/observed/deaths.csv").parent


def forecast(out: Path, *args: str):
    return invoke_command("forecast", "peru-2022", "--out", str(out), "--workers", "1", *SETS, *args)


@pytest.fixture(scope="module")
def made_with_line(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("forecast") / "f.json"
    result = forecast(out, *WINDOW, "--runs", "2", "--json")
    assert result.exit_code == 0, result.output
    assert "not out of sample" in result.stderr  # the warning of a forecast made without a fit
    return out, json.loads(result.stdout)


@pytest.fixture(scope="module")
def made(made_with_line) -> Path:
    return made_with_line[0]


def test_json_prints_one_line_naming_the_file_and_its_window(made_with_line):
    out, line = made_with_line
    assert line["forecast"] == str(out) and line["runs"] == 2 and line["fit_runs"] == 0
    assert (line["from"], line["until"], line["fit_until"]) == ("2022-12-16", "2022-12-17", "2022-12-15")


def test_the_file_holds_each_series_members_and_quantiles_for_the_days_after_the_fit(made):
    fc = read_forecast(made)
    assert [d.isoformat() for d in fc.dates] == ["2022-12-16", "2022-12-17"]
    assert fc.members[DEATHS].shape == (2, 2, 25)
    assert fc.members[BLOCKADES].shape == (2, 2)
    assert set(np.unique(fc.members[ACTIVE])) <= {0, 1}
    assert np.allclose(fc.probability, fc.members[ACTIVE].mean(axis=0), atol=1e-4)
    assert np.array_equal(fc.active_count, fc.members[ACTIVE].sum(axis=2))
    for name in SERIES:
        q = fc.quantiles[name]
        assert np.all(q[0.05] <= q[0.5]) and np.all(q[0.5] <= q[0.95])
    meta = fc.metadata
    assert meta["seeds"] == [2022, 2023] and meta["runs"] == 2
    assert meta["fit"]["method"] == "none" and "in sample" in meta["fit"]["note"]
    assert meta["scenario"] == "peru-2022" and len(meta["scenario_hash"]) == 16
    assert meta["command"].startswith("uprising forecast peru-2022 --fit-until 2022-12-15")


def test_members_are_the_runs_daily_deaths_blockades_and_departments_reported_active(made):
    fc = read_forecast(made)
    output = run_scenario(load_scenario("peru-2022", [*SMALL, "run.steps=44"]), seed=2023)
    killed = output.daily["killed"].to_numpy().reshape(output.days, 25)
    assert np.array_equal(fc.members[DEATHS][1], killed[9:11])
    assert fc.members[BLOCKADES][1].tolist() == output.national()["blockades"].to_list()[9:11]
    # Active departments are those the sources would report (the observation model), as in the
    # run's metrics: never a department without 1,000 participants, whatever its supporters.
    reported = run_metrics(output)["departments_reported_active_by_day"]
    assert fc.members[ACTIVE][1].sum(axis=1).tolist() == reported[9:11]
    assert np.array_equal(fc.members[ACTIVE][1], reported_active_of(output)[9:11])
    participants = output.daily["participants"].to_numpy().reshape(output.days, 25)
    assert not np.any((fc.members[ACTIVE][1] > 0) & (participants[9:11] < 1000))


def test_score_prints_one_json_line_with_the_model_and_three_baselines(made):
    result = invoke_command("score", str(made), "--observed", str(OBSERVED), "--json")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    scores = json.loads(lines[0])
    for name in SERIES:
        assert set(scores["crps"][name]) == {"model", "persistence", "shares", "castillo"}
        assert all(v >= 0 for v in scores["crps"][name].values())
        assert 0 <= scores["coverage_50"][name] <= scores["coverage_90"][name] <= 1
    assert set(scores["brier"][ACTIVE]) == {"model", "persistence", "shares", "castillo"}
    # 16-17 Dec: 2 days x 25 departments of deaths, Sutran's totals on both days, lists on the 16th
    assert scores["observations"] == {
        DEATHS: 50, BLOCKADES: 2, ACTIVE: 1, "department_days_reported": 25,
    }  # fmt: skip


def test_score_prints_a_table_of_crps_coverage_and_brier(made):
    result = invoke_command("score", str(made), "--observed", str(OBSERVED))
    assert result.exit_code == 0, result.output
    for word in (*SERIES, "persistence", "castillo", "cover 90%", "Brier", "in sample"):
        assert word in result.stdout


def test_score_report_writes_a_page_with_the_scores_and_both_figures(made, tmp_path):
    folder = tmp_path / "scored"
    result = invoke_command(
        "score", str(made), "--observed", str(OBSERVED), "--report", str(folder), "--json"
    )
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    assert line["report"] == str(folder / "report.html")
    assert sorted(p.name for p in folder.iterdir()) == [
        "forecast_deaths.png",
        "forecast_national.png",
        "report.html",
    ]
    page = (folder / "report.html").read_text(encoding="utf-8")
    for heading in ("Scores", "Brier score", "National series, day by day", "Deaths by department"):
        assert f"<h2>{heading}" in page
    for name in SERIES:  # the page's numbers are the JSON line's
        assert f"{line['crps'][name]['model']:.3f}" in page
    assert page.count("data:image/png;base64,") == 2  # self-contained: no link to a file
    assert "fit window</th><td>2022-12-07 to 2022-12-15" in page
    assert "The fit: posterior" not in page  # made without a fit


def test_the_report_of_a_fitted_forecast_shows_its_posterior(tmp_path):
    frozen = Path(__file__).parents[2] / "docs/forecasts/peru-2022_fit-2022-12-15_made-2026-12-05c.json"
    result = invoke_command("score", str(frozen), "--observed", str(OBSERVED), "--report", str(tmp_path))
    assert result.exit_code == 0, result.output
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.index("<h2>Deaths by department") < page.index("<h2>The fit: posterior")
    assert "dynamics.lethality.lethal_share" in page and "<h2>The fit: generations" in page


def test_a_bad_report_format_is_refused_before_anything_is_written(made, tmp_path):
    folder = tmp_path / "never"
    line = one_error_line(
        invoke_command(
            "score", str(made), "--observed", str(OBSERVED), "--report", str(folder), "--format", "gif"
        )
    )
    assert "--format gif: must be one or more of png, svg, pdf" in line
    assert not folder.exists()


def test_a_forecast_file_is_never_overwritten_without_force(made):
    before = made.read_bytes()
    refused = forecast(made, *WINDOW, "--runs", "2")
    assert "--force" in one_error_line(refused)
    assert made.read_bytes() == before
    forced = forecast(made, *WINDOW, "--runs", "2", "--force", "--seed", "5")
    assert forced.exit_code == 0, forced.output
    assert read_forecast(made).metadata["seeds"] == [5, 6]


@pytest.mark.parametrize(
    "args, option, allowed",
    [
        (["--fit-until", "2022-12-06", "--until", "2022-12-17"], "--fit-until", "2022-12-07 to 2022-12-30"),
        (["--fit-until", "2022-12-31", "--until", "2022-12-31"], "--fit-until", "2022-12-07 to 2022-12-30"),
        (["--fit-until", "2022-12-15", "--until", "2022-12-15"], "--until", "at most 2022-12-31"),
        (["--fit-until", "2022-12-15", "--until", "2023-01-05"], "--until", "at most 2022-12-31"),
        (["--fit-until", "15/12/2022", "--until", "2022-12-17"], "--fit-until", "YYYY-MM-DD"),
        ([*WINDOW, "--runs", "0"], "--runs", "from 1"),
        ([*WINDOW, "--fit-budget", "-1"], "--fit-budget", "0 (no fit)"),
        ([*WINDOW, "--observed", "/nonexistent"], "--observed", "not a folder"),
        (
            [*WINDOW, "--fit-budget", "10", "--fit-param", "citizens.legitimacy"],
            "--fit-param",
            "key=low:high",
        ),
    ],
)
def test_bad_forecast_options_give_one_line_naming_the_option_and_write_nothing(
    tmp_path, args, option, allowed
):
    out = tmp_path / "f.json"
    line = one_error_line(forecast(out, *args))
    assert option in line and allowed in line
    assert list(tmp_path.iterdir()) == []


def observed_copy(tmp_path: Path, extra: dict[str, str]) -> Path:
    folder = tmp_path / "observed"
    shutil.copytree(OBSERVED, folder)
    for name, row in extra.items():
        with (folder / name).open("a", encoding="utf-8") as f:
            f.write(row + "\n")
    return folder


@pytest.mark.parametrize(
    "extra, expected",
    [
        ({"deaths.csv": "2022-12-16,Atlantis,x,1,clash,src"}, "unknown department 'Atlantis'"),
        ({"regions_active.csv": "2022-12-01,Lima,1,src"}, "dates must be from 2022-12-07"),
    ],
)
def test_score_refuses_observed_data_it_cannot_place(made, tmp_path, extra, expected):
    folder = observed_copy(tmp_path, extra)
    line = one_error_line(invoke_command("score", str(made), "--observed", str(folder)))
    assert expected in line


def test_score_refuses_observed_data_with_nothing_in_the_forecast_window(made, tmp_path):
    from uprising.forecast.forecast import cut_observed

    folder = tmp_path / "cut"
    folder.mkdir()
    cut_observed(OBSERVED, date(2022, 12, 15), folder)
    line = one_error_line(invoke_command("score", str(made), "--observed", str(folder)))
    assert "no observation within the forecast window (2022-12-16 to 2022-12-17)" in line


def test_score_joins_the_fit_windows_folder_and_the_forecast_windows(made, tmp_path):
    # The observations split at the fit date into two folders score as the one folder does.
    from uprising.forecast.forecast import cut_observed

    fit_part, rest = tmp_path / "fit", tmp_path / "rest"
    fit_part.mkdir()
    cut_observed(OBSERVED, date(2022, 12, 15), fit_part)
    shutil.copytree(OBSERVED, rest)
    for name in ("deaths.csv", "blockades.csv", "regions_active.csv"):
        lines = (OBSERVED / name).read_text("utf-8").splitlines()
        later = [line for line in lines[1:] if line[:10] > "2022-12-15"]
        (rest / name).write_text("\n".join([lines[0], *later]) + "\n", "utf-8")
    (rest / "events.csv").unlink()
    joined = invoke_command(
        "score", str(made), "--observed", str(fit_part), "--observed", str(rest), "--json"
    )
    whole = invoke_command("score", str(made), "--observed", str(OBSERVED), "--json")
    assert joined.exit_code == 0, joined.output
    assert json.loads(joined.stdout) == json.loads(whole.stdout)


def test_score_refuses_a_folder_given_twice(made):
    line = one_error_line(
        invoke_command("score", str(made), "--observed", str(OBSERVED), "--observed", str(OBSERVED))
    )
    assert "given twice" in line


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b'{"format": "something-else"}', b"\x1f\x8b\x08garbage", "members"],
)
def test_score_refuses_a_file_that_is_not_a_forecast(made, tmp_path, content):
    path = tmp_path / "bad.json"
    if content == "members":  # a forecast whose members lost a day
        data = json.loads(made.read_text())
        data["series"][DEATHS]["members"][0].pop()
        content = json.dumps(data).encode()
    path.write_bytes(content)
    line = one_error_line(invoke_command("score", str(path), "--observed", str(OBSERVED)))
    assert "not a forecast file" in line
    assert "no such file" in one_error_line(
        invoke_command("score", str(tmp_path / "missing.json"), "--observed", str(OBSERVED))
    )


def test_a_fit_draws_each_member_from_the_posterior_and_records_it(tmp_path):
    out = tmp_path / "fit.json.gz"
    args = ["--fit-until", "2022-12-09", "--until", "2022-12-10", "--runs", "2"]
    result = forecast(out, *args, "--fit-budget", "10", "--fit-populations", "1")
    assert result.exit_code == 0, result.output
    fit = read_forecast(out).metadata["fit"]
    assert fit["method"].startswith("ABC-SMC") and fit["simulations"] == 10
    assert len(fit["posterior"]) == 10 and len(fit["particle_of_member"]) == 2
    assert {row["parameter"] for row in fit["summary"]} >= {"citizens.legitimacy"}
    # The members are the fit's posterior predictive check: its statistics, over 7-9 Dec alone.
    check = {row["statistic"]: row for row in fit["predictive_check"]}
    assert "departments_reported_active_by_day[2]" in check and "blockades_by_day[5]" not in check
    day2 = check["departments_reported_active_by_day[2]"]
    assert day2["observed"] == 12.0 and day2["low"] <= day2["median"] <= day2["high"]
    page = tmp_path / "page"
    scored = invoke_command("score", str(out), "--observed", str(OBSERVED), "--report", str(page))
    assert scored.exit_code == 0, scored.output
    assert "<h2>The fit: posterior predictive check" in (page / "report.html").read_text(encoding="utf-8")
    assert (page / "forecast_fit_check.png").is_file()


def test_fit_param_searches_only_the_parameters_named_and_records_them(tmp_path):
    out = tmp_path / "fit.json"
    args = ["--fit-until", "2022-12-09", "--until", "2022-12-10", "--runs", "2", "--fit-budget", "10"]
    spec = "citizens.threshold=0.1:0.3"
    result = forecast(out, *args, "--fit-populations", "1", "--fit-param", spec)
    assert result.exit_code == 0, result.output
    metadata = read_forecast(out).metadata
    assert {row["parameter"] for row in metadata["fit"]["summary"]} == {"citizens.threshold"}
    assert all(0.1 <= p["citizens.threshold"] <= 0.3 for p in metadata["fit"]["posterior"])
    assert f"--fit-param {spec}" in metadata["command"]


def test_the_fit_never_sees_observations_after_the_fit_date(tmp_path):
    changed = observed_copy(
        tmp_path,
        {"deaths.csv": "2022-12-20,Lima,,50,clash,src", "blockades.csv": "2022-12-18,TOTAL,999,src"},
    )
    scenario = load_scenario("peru-2022", ["run.steps=36"])  # 7-15 December
    target = fit_target(scenario, changed, date(2022, 12, 15))
    assert target.observed == fit_target(scenario, OBSERVED, date(2022, 12, 15)).observed
    days = [int(k.split("[")[1].rstrip("]")) for k in target.observed if "_by_day[" in k]
    assert max(days) <= 8
    assert target.observed["deaths_by_period_and_group[11-15 Dec|Lima-Callao]"] == 0
    assert not any("16-31 Dec" in k for k in target.observed)  # Lima's 50 deaths of 20 Dec

"""ecuador-2019, the second crisis built from data and a scenario file: it loads, its folder
passes the checks, a short run has a crisis, and its observed series are those of the folder."""

from __future__ import annotations

from pathlib import Path

import uprising.cli.forecast  # noqa: F401  (registers `score`)
import uprising.cli.simulate  # noqa: F401  (registers the command)
import uprising.cli.world  # noqa: F401  (registers the command)
from tests.cli_checks import invoke_command, one_error_line
from uprising.model import Model
from uprising.observed import observed_metrics, observed_of
from uprising.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SHORT = ["world.population_scale=1000"]  # 11 days at 1:1000 (observed.csv holds every day)


def test_the_folder_of_ecuador_2019_passes_the_checks():
    result = invoke_command("world", "--check", "ecuador-2019")
    assert result.exit_code == 0, result.output
    assert "no problems (24 provinces, 221 seats, 17,885,998 people" in result.stdout  # metadata.json


def test_ecuador_2019s_error_lines_name_its_provinces():
    result = invoke_command("simulate", "ecuador-2019", "--set", "dynamics.timeline.1.departments=[Quitu]")
    line = one_error_line(result)
    assert "province 'Quitu': unknown; expected one of Azuay," in line


def test_a_coarse_run_of_ecuador_2019_has_its_timeline_and_the_folder_observed_series():
    scenario = load_scenario("ecuador-2019", SHORT)
    out = Model(scenario).run()
    assert len(out.departments) == 24 and "Pichincha" in out.departments
    assert {"legitimacy_shock", "call", "deployment"} <= set(out.events["kind"].to_list())
    observed = observed_metrics(observed_of(out.parameters), days=11)
    assert observed["total_deaths"] == 8  # confirmed deaths of 3-13 October (data/ecuador)
    assert observed["deaths_by_department"]["Pichincha"] == 6
    assert observed["departments_active_by_day"][:4] == [1, None, 3, 6]


def test_the_score_of_an_ecuador_forecast_names_provinces():
    forecast = "docs/forecasts/ecuador-2019_fit-2019-10-06_fitted-2026-12-05b.json"
    result = invoke_command(
        "score", str(ROOT / forecast), "--observed", str(ROOT / "src/uprising/data/ecuador")
    )
    assert result.exit_code == 0, result.output
    assert "Brier score, province reported active on a day" in result.stdout

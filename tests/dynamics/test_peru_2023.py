"""peru-2023: peru-2022-23 to 31 March 2023, then only dated inputs of April-July 2023."""

from __future__ import annotations

import re
from datetime import date, timedelta

import uprising.cli.forecast  # noqa: F401  (registers the command)
from tests.cli_checks import invoke_command, one_error_line
from uprising.dynamics.config import Call, Deployment, LegitimacyShock
from uprising.runner import run_scenario
from uprising.scenario import load_scenario

APRIL = date(2023, 4, 1)
LAST = date(2023, 7, 31)


def last_day(sc) -> date:
    return sc.run.start_date + timedelta(days=sc.run.steps // sc.run.ticks_per_day - 1)


def test_to_31_march_it_is_peru_2022_23_and_it_runs_to_31_july():
    old, new = load_scenario("peru-2022-23"), load_scenario("peru-2023")
    assert last_day(new) == LAST and new.run.start_date == old.run.start_date
    assert [e for e in new.dynamics.timeline if e.when < APRIL] == old.dynamics.timeline
    same = ("world", "citizens", "cops", "rules", "institutions", "calibrated")
    assert all(getattr(new, part) == getattr(old, part) for part in same)
    unchanged = new.dynamics.model_dump(exclude={"timeline", "participation"})
    assert unchanged == old.dynamics.model_dump(exclude={"timeline", "participation"})
    holidays = new.dynamics.participation.holidays
    assert [d for d in holidays if d < APRIL] == old.dynamics.participation.holidays
    assert date(2023, 7, 28) in holidays and date(2023, 7, 29) in holidays


def test_april_to_july_inputs_are_calls_decrees_and_dates_each_sourced_never_an_outcome():
    sc = load_scenario("peru-2023")
    sources = sc.sources["timeline_apr_jul_2023"]
    later = [e for e in sc.dynamics.timeline if e.when >= APRIL]
    assert later and all(e.when <= LAST and e.label for e in later)
    for e in later:
        # A call, an emergency's forces, or a date of Congress as a lever of size 0.
        assert isinstance(e, Call | Deployment) or (isinstance(e, LegitimacyShock) and e.size == 0.0), e
        decree = re.search(r"DS \d+-2023-PCM", e.label)
        assert decree is None or decree.group() in sources, e.label
    emergencies = [e for e in later if isinstance(e, Deployment)]
    assert all(e.days is not None and e.departments == ["Puno"] for e in emergencies)
    toma = [e for e in later if isinstance(e, Call) and e.march_to == "Lima"]
    assert [e.when + timedelta(days=e.days - 1) for e in toma] == [date(2023, 7, 19)]
    assert "Tercera Toma de Lima" in sources


def test_a_few_days_run():
    sc = load_scenario("peru-2023", ["run.steps=8", "world.population_scale=1000"])
    out = run_scenario(sc)
    assert out.days == 2 and len(out.departments) == 25


def test_a_forecast_past_31_july_is_one_error_line_naming_the_scenario_days(tmp_path):
    out = tmp_path / "f.json"
    args = ("peru-2023", "--fit-until", "2023-03-31", "--until", "2023-08-01", "--out", str(out))
    line = one_error_line(invoke_command("forecast", *args))
    assert "--until" in line and "2023-07-31" in line, line
    assert not out.exists()

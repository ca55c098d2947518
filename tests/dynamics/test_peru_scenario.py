"""The shipped peru-2022 scenario: sourced or calibrated parameters, and a short run."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from uprising.observed import load_observed, observed_metrics, run_metrics
from uprising.recorder.output import DAILY_COLUMNS
from uprising.runner import run_scenario
from uprising.scenario import load_scenario
from uprising.scenario.loader import BUILTIN_PACKAGE


def _raw() -> dict:
    text = resources.files(BUILTIN_PACKAGE).joinpath("peru-2022.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def test_every_section_of_peru_2022_says_where_its_parameters_come_from():
    raw = _raw()
    sources = raw["sources"]
    for section in raw:
        if section in ("name", "description", "sources", "calibrated"):
            continue
        assert section in sources, f"section {section} has no entry in sources"
    for topic in ("timeline", "sites", "police", "hardship"):
        assert topic in sources


def test_every_calibrated_parameter_exists_and_its_value_lies_in_its_prior():
    sc = load_scenario("peru-2022")
    data = sc.model_dump(mode="json")
    assert sc.calibrated, "peru-2022 marks no calibrated parameter"
    for path, prior in sc.calibrated.items():
        node = data
        for part in path.split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
        assert prior.low <= float(node) <= prior.high, path
        assert prior.target


@pytest.fixture(scope="module")
def short_run():
    sc = load_scenario("peru-2022", ["run.steps=12", "world.population_scale=1000"])
    return run_scenario(sc)


def test_a_short_peru_run_gives_the_daily_table_in_real_people(short_run):
    out = short_run
    assert tuple(out.daily.columns) == DAILY_COLUMNS
    assert out.days == 3 and len(out.departments) == 25
    day0 = out.daily.filter(out.daily["day"] == 0)
    population = (day0["quiescent"] + day0["active"] + day0["jailed"]).sum()
    assert 29e6 < population < 33e6  # INEI 2017 total, scaled back from 1:1000
    assert out.start_date == "2022-12-07"


def test_a_peru_run_holds_the_vacancy_vote_on_day_0(short_run):
    votes = short_run.events.filter(short_run.events["kind"] == "vote")
    first = votes.row(0, named=True)
    assert first["day"] == 0 and first["outcome"].startswith("vacancy-2022-12-07")
    assert 0 <= first["votes"] <= 130


def test_run_and_observed_metrics_share_their_keys(short_run):
    simulated = run_metrics(short_run)
    observed = observed_metrics(load_observed())
    for key in ("departments_active_by_day", "deaths_by_department", "cumulative_deaths_by_day",
                "blockades_by_day", "total_deaths", "peak_blockades"):  # fmt: skip
        assert key in simulated and key in observed
    assert observed["total_deaths"] == 28
    assert observed["peak_blockades"] == 120 and observed["peak_blockade_day"] == 5


def test_set_reaches_timeline_items_and_refuses_missing_ones():
    sc = load_scenario("peru-2022", ["dynamics.timeline.0.size=0.02"])
    assert sc.dynamics.timeline[0].size == 0.02
    from uprising.errors import ScenarioError

    with pytest.raises(ScenarioError, match="dynamics.timeline.99.size"):
        load_scenario("peru-2022", ["dynamics.timeline.99.size=1"])
    with pytest.raises(ScenarioError, match="allowed range"):
        load_scenario("peru-2022", ["dynamics.lethality.police_rate=-1"])

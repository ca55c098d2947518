"""What the dashboard draws of a run: per-1,000 rates on the map, a fixed colour scale, observed overlay."""

from __future__ import annotations

import numpy as np
import pytest

from uprising.figures import department_shapes, people
from uprising.runner import run_scenario
from uprising.scenario import load_scenario
from uprising.web.figures import map_figure, run_timeline_figure, run_view


@pytest.fixture(scope="module")
def peru_view():
    scenario = load_scenario(
        "peru-2022", ["world.population_scale=1000", "world.resolution_km=20", "run.steps=8"]
    )
    return run_view(run_scenario(scenario))


@pytest.fixture(scope="module")
def torus_view():
    return run_view(run_scenario(load_scenario("epstein-2002", ["run.steps=20"])))


def test_rates_are_active_people_per_1000_inhabitants_of_each_department(peru_view):
    out = peru_view.output
    day1 = out.daily.filter(out.daily["day"] == 1)
    day0 = out.daily.filter(out.daily["day"] == 0)
    inhabitants = (day0["quiescent"] + day0["active"] + day0["jailed"]).to_numpy()
    expected = 1000 * day1["active"].to_numpy() / inhabitants
    assert np.allclose(peru_view.per_1000[1], expected)
    assert peru_view.on_map and peru_view.days == 2


def test_the_colour_scale_is_fixed_over_the_run(peru_view):
    limits = set()
    for day in range(peru_view.days):
        fig = map_figure(peru_view, day)
        collection = fig.axes[0].collections[0]
        limits.add(collection.get_clim())
        assert len(collection.get_paths()) == len(department_shapes().names)
        assert fig.axes[0].get_title().endswith(peru_view.day_label(day))
    assert limits == {(0.0, peru_view.vmax)}
    assert peru_view.vmax >= float(peru_view.per_1000.max())


def test_a_dated_peru_run_is_set_beside_the_observed_december(peru_view):
    from uprising.observed import load_observed, observed_metrics

    observed = observed_metrics(load_observed(), days=peru_view.days)
    assert peru_view.output.start_date == "2022-12-07"
    assert peru_view.observed["departments_active_by_day"] == observed["departments_active_by_day"]
    fig = run_timeline_figure(peru_view)
    assert len(fig.axes) == 4
    assert any("observed" in t.get_text() for ax in fig.axes[1:] for t in ax.get_legend().get_texts())
    assert peru_view.day_label(1) == "day 1 (08 Dec 2022)"


def test_the_torus_has_no_map_and_a_single_timeline(torus_view):
    assert not torus_view.on_map and torus_view.observed == {}
    fig = run_timeline_figure(torus_view)
    assert len(fig.axes) == 1
    assert torus_view.day_label(3) == "day 3"


def test_people_are_labelled_in_thousands_and_millions():
    assert [people(950), people(12_000), people(3_500_000)] == ["950", "12k", "3.5M"]

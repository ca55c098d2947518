"""What the dashboard draws of a run: per-1,000 rates on the map, a fixed colour scale, observed
overlay, labels that never overlap, the torus's sites by kind, and ticks (not days) on a torus."""

from __future__ import annotations

import numpy as np
import pytest

from uprising.figures import department_shapes, people
from uprising.runner import run_scenario
from uprising.scenario import load_scenario
from uprising.web.charts import LABEL_FONT, SITE_KINDS, grid_chart
from uprising.web.figures import PANELS, map_of_day, run_view, timeline_charts


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
    for day in range(peru_view.days):
        fig = map_of_day(peru_view, day)
        scale = fig.data[-1].marker
        assert (scale.cmin, scale.cmax) == (0.0, peru_view.vmax)
        assert len(fig.data) == len(department_shapes().names) + 1
        assert fig.layout.title.text.endswith(peru_view.day_label(day))
    assert peru_view.vmax >= float(peru_view.per_1000.max())


def test_map_labels_never_overlap_and_every_department_is_named(peru_view):
    fig = map_of_day(peru_view, 1)
    hovers = " ".join(trace.text for trace in fig.data[:-1])
    names = department_shapes().names
    assert all(name.title() in hovers for name in names)
    assert {a.text for a in fig.layout.annotations} == {name.title() for name in names}  # none hidden
    px = 0.0357  # degrees per pixel of the drawn map
    boxes = []
    for a in fig.layout.annotations:
        half_w, half_h = 0.3 * LABEL_FONT * px * len(a.text), 0.6 * LABEL_FONT * px
        boxes.append((a.x - half_w, a.y - half_h, a.x + half_w, a.y + half_h))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def test_a_dated_peru_run_is_set_beside_the_observed_december(peru_view):
    from uprising.observed import load_observed, observed_metrics

    observed = observed_metrics(load_observed(), days=peru_view.days)
    assert peru_view.output.start_date == "2022-12-07"
    assert peru_view.observed["departments_active_by_day"] == observed["departments_active_by_day"]
    (chart,) = timeline_charts(peru_view)
    assert [a.text for a in chart.layout.annotations][1:] == [title for _, title, _ in PANELS]
    assert any(trace.name == "observed, Dec 2022" for trace in chart.data)
    assert chart.layout.legend.y > 1 and chart.layout.legend.yanchor == "bottom"  # above, not over points
    assert peru_view.day_label(1) == "day 1 (08 Dec 2022)"


def test_the_torus_has_no_map_and_counts_in_ticks(torus_view):
    assert not torus_view.on_map and torus_view.observed == {}
    charts = timeline_charts(torus_view)
    assert len(charts) == 1 and charts[0].layout.xaxis.title.text == "tick"
    assert torus_view.day_label(3) == "tick 3"


def test_the_torus_grid_colours_each_site_by_what_stands_on_it():
    grid = np.array([[0, 1, 2], [3, 4, 1]], dtype=np.uint8)
    fig = grid_chart(grid, "t")
    heatmap = fig.data[0]
    assert heatmap.customdata is None  # no hover label per site
    codes = np.asarray(heatmap.z)

    def colour(code: int) -> str:
        at = (code - heatmap.zmin) / (heatmap.zmax - heatmap.zmin)
        bands = zip(heatmap.colorscale, heatmap.colorscale[1:], strict=False)
        return next(c for (lo, c), (hi, _) in bands if lo <= at <= hi)

    shown = [[colour(code) for code in row] for row in codes.tolist()]
    kinds = {name: colour for name, colour in SITE_KINDS}
    assert shown == [
        [kinds["empty"], kinds["quiescent"], kinds["active"]],
        [kinds["jailed"], kinds["cop"], kinds["quiescent"]],
    ]
    legend = [trace.name for trace in fig.data[1:]]
    assert legend == ["quiescent (2)", "active (1)", "jailed (1)", "cop (1)"]
    assert len(SITE_KINDS) == 5


def test_people_are_labelled_in_thousands_and_millions():
    assert [people(950), people(12_000), people(3_500_000)] == ["950", "12k", "3.5M"]

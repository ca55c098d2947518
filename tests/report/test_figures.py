"""Every figure labels both axes with units, and shows only what the runs have data for."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest
from matplotlib.figure import Figure

from uprising.errors import UprisingError
from uprising.observed import run_metrics
from uprising.recorder.output import EVENT_SCHEMA
from uprising.report import (
    choropleth_figure,
    day_axis,
    deaths_figure,
    departments_figure,
    observed_for,
    timeline_figure,
    votes_figure,
)
from uprising.report.choropleth import active_per_1000, map_days
from uprising.report.ensemble import check_same_world


def assert_labelled(fig: Figure) -> None:
    """Each plot has x and y labels; each colour bar has a label on its long axis."""
    assert fig.axes
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            assert ax.get_ylabel() or ax.get_xlabel(), "colour bar without a label"
            continue
        assert ax.get_xlabel().strip(), f"panel {ax.get_title()!r} has no x label"
        assert ax.get_ylabel().strip(), f"panel {ax.get_title()!r} has no y label"


def panel_titles(fig: Figure) -> list[str]:
    return [ax.get_title() for ax in fig.axes if ax.get_label() != "<colorbar>"]


def test_classic_timeline_has_active_and_jailed_only(classic_outputs) -> None:
    fig = timeline_figure(classic_outputs)
    assert_labelled(fig)
    assert panel_titles(fig) == ["active citizens (the day's peak)", "jailed (end of day)"]
    assert fig.axes[0].get_xlabel() == "day (1 day = tick)"


def test_classic_runs_have_no_map_departments_deaths_or_votes(classic_outputs) -> None:
    axis = day_axis(classic_outputs)
    assert departments_figure(classic_outputs, axis) is None
    assert choropleth_figure(classic_outputs, axis) is None
    assert deaths_figure(classic_outputs) is None
    assert votes_figure(classic_outputs) is None
    assert observed_for(classic_outputs, classic_outputs[0].days) is None


def test_peru_figures_are_labelled(peru_outputs) -> None:
    observed = observed_for(peru_outputs, peru_outputs[0].days)
    assert observed is not None
    axis = day_axis(peru_outputs, observed)
    metrics = [run_metrics(o) for o in peru_outputs]
    timeline = timeline_figure(peru_outputs, observed, metrics)
    titles = panel_titles(timeline)
    assert "departments reported active (observation model)" in titles
    assert titles[:2] == [
        "supporters: Epstein's active citizens (the day's peak)",
        "participants: people in the street (the day's peak)",
    ]
    assert "killed (cumulative)" in panel_titles(timeline)  # observed deaths exist, even if none simulated
    departments = departments_figure(peru_outputs, axis)
    assert len(panel_titles(departments)) == len(peru_outputs[0].departments)
    maps = choropleth_figure(peru_outputs, axis, [0, 1])
    assert panel_titles(maps)[0].startswith("day 0 (7 Dec 2022)")
    for fig in (timeline, departments, maps, deaths_figure(peru_outputs, observed)):
        assert fig is not None
        assert_labelled(fig)


def test_map_colour_is_active_per_thousand_inhabitants(peru_outputs) -> None:
    values = active_per_1000(peru_outputs[:1])
    daily = peru_outputs[0].daily
    departments = peru_outputs[0].departments
    rates = []
    for name in departments:
        rows = daily.filter(pl.col("department") == name)
        people = rows["quiescent"][0] + rows["active"][0] + rows["jailed"][0]
        rates.append(1000 * rows["active"][1] / people)
    assert max(rates) > 0  # some department has actives on day 1: the check is not 0 == 0
    assert values[1] == pytest.approx(rates)


def test_map_days_default_to_the_days_the_runs_reach() -> None:
    assert map_days(None, 25) == [2, 5, 8, 12]
    assert map_days(None, 10) == [2, 5, 8, 9]
    assert map_days(None, 3) == [2]
    assert map_days(None, 2) == [1]
    assert map_days(None, 1) == [0]
    assert map_days([5, 2, 5], 25) == [2, 5]
    with pytest.raises(UprisingError, match="map day 30: must be from 0 to 24"):
        map_days([30], 25)


def test_votes_get_one_histogram_per_vote_name(classic_outputs) -> None:
    def with_votes(output, yes: int):
        events = pl.DataFrame(
            {
                "day": [0, 0, 9],
                "kind": ["vote", "vote", "decree"],
                "department": ["", "", ""],
                "outcome": ["vacancy-2022-12-07: passed", "early elections: failed", "holds"],
                "votes": [yes, yes - 40, -1],
            },
            schema=EVENT_SCHEMA,
        )
        return replace(output, events=events)

    outputs = [with_votes(o, yes) for o, yes in zip(classic_outputs, (101, 99, 104), strict=True)]
    fig = votes_figure(outputs)
    assert_labelled(fig)
    assert sorted(panel_titles(fig)) == ["early elections", "vacancy-2022-12-07"]
    vacancy = next(ax for ax in fig.axes if ax.get_title() == "vacancy-2022-12-07")
    assert sum(p.get_height() for p in vacancy.patches) == 3  # one vote per run
    assert "recorded: 101" in vacancy.get_legend_handles_labels()[1]  # the roll call of 7 Dec 2022


def test_runs_of_different_worlds_are_refused(classic_outputs, peru_outputs) -> None:
    with pytest.raises(UprisingError, match="other departments"):
        check_same_world([classic_outputs[0], peru_outputs[0]])
    with pytest.raises(UprisingError, match="no runs"):
        check_same_world([])

"""The public Python API: a model built from a scenario, stepped, watched, extended by hooks."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import uprising
from uprising.errors import UprisingError
from uprising.runner import run_scenario
from uprising.scenario import load_scenario

SMALL = {"world.width": 30, "world.height": 30, "run.steps": 30, "run.schedule": "synchronous"}


def small(**overrides) -> uprising.Model:
    return uprising.Model.from_scenario("epstein-2002", seed=3, overrides=SMALL, **overrides)


def test_keyword_overrides_use_double_underscores_for_dots():
    model = small(citizens__legitimacy=0.55)
    assert model.scenario.citizens.legitimacy == 0.55
    assert model.scenario.run.seed == 3


def test_a_bad_keyword_override_is_one_scenario_error():
    with pytest.raises(UprisingError, match="citizens.legitimacy"):
        small(citizens__legitimacy=7)


def test_stepping_by_hand_gives_the_run_of_the_one_door():
    model = small()
    model.step(10)
    model.step(20)
    assert model.tick == 30
    stepped = model.output()
    door = run_scenario(model.scenario)
    assert stepped.daily.equals(door.daily)
    np.testing.assert_array_equal(stepped.series["active"], door.series["active"])


def test_views_agree_with_each_other_and_are_read_only():
    model = small(citizens__legitimacy=0.6)
    model.step(15)
    counts = model.counts()
    by_dept = model.counts_by_department()
    assert counts["active"] == by_dept["active"].sum() == model.active_per_cell().sum()
    assert sum(counts.values()) == model.sim.world.citizens
    with pytest.raises(ValueError):
        model.active_per_cell()[0] = 5


def test_reporters_are_collected_after_every_tick_like_a_data_collector():
    reporters = {"active": lambda m: m.counts()["active"], "jailed": lambda m: m.counts()["jailed"]}
    model = small(reporters=reporters)
    model.run()
    frame = model.collect()
    assert isinstance(frame, pl.DataFrame)
    assert frame.height == 31
    assert frame["active"].to_list() == model.output().series["active"].tolist()
    assert model.collect(pandas=True).shape == (31, 3)


class Curfew:
    """A user hook: from tick 5 on, net risk is tripled everywhere."""

    def __init__(self) -> None:
        self.calls = 0

    def before_tick(self, model, tick):
        self.calls += 1
        if tick >= 5:
            model.scale_risk(3.0)


class Strike:
    """A user hook: from tick 5 on, the activation threshold falls by 0.3."""

    def before_tick(self, model, tick):
        if tick >= 5:
            model.shift_threshold(-0.3)


def test_a_user_hook_runs_every_tick_and_changes_the_run_through_a_lever():
    base = small(citizens__legitimacy=0.3).run().series["active"]
    curfew = Curfew()
    quieter = small(citizens__legitimacy=0.3, hooks=[curfew]).run().series["active"]
    louder = small(citizens__legitimacy=0.3, hooks=[Strike()]).run().series["active"]
    assert curfew.calls == 30
    np.testing.assert_array_equal(base[:5], quieter[:5])
    assert quieter[5:].sum() < base[5:].sum() < louder[5:].sum()


def test_levers_reset_each_tick_so_a_hook_does_not_compound():
    once = small(citizens__legitimacy=0.6, hooks=[Curfew()])
    once.step(10)
    assert once.sim.risk_mult_dept[0] == 3.0


def test_a_reporter_may_not_take_the_tick_column():
    with pytest.raises(UprisingError, match="'tick'"):
        small(reporters={"tick": lambda m: m.tick})


def test_a_hook_without_either_method_is_refused():
    with pytest.raises(UprisingError, match="neither before_tick nor after_tick"):
        small(hooks=[object()])


def test_levers_name_the_schedule_they_need():
    model = uprising.Model.from_scenario("epstein-2002", overrides={"run.steps": 5})
    with pytest.raises(UprisingError, match="run.schedule=synchronous"):
        model.scale_risk(2.0)


def test_scheduled_changes_are_a_hook_of_the_loop():
    sc = load_scenario("epstein-2002-run4", ["run.steps=5"])
    model = uprising.Model(sc)
    assert any(type(h).__name__ == "ScheduledChanges" for h in model.hooks)


def test_unknown_department_in_a_lever_is_named():
    model = small()
    with pytest.raises(UprisingError, match="'Atlantis'"):
        model.lower_legitimacy(0.1, departments=["Atlantis"])

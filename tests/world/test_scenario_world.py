"""The scenario's `world:` section: the torus and Peru, one World type."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from uprising.engine.lattice import World
from uprising.errors import ScenarioError
from uprising.scenario.loader import load_scenario
from uprising.scenario.model import Scenario, TorusWorld
from uprising.scenario.world import PeruWorld
from uprising.world.build import build_world


def test_peru_2022_builds_a_peru_world():
    scenario = load_scenario("peru-2022")
    assert isinstance(scenario.world, PeruWorld)
    assert scenario.world.resolution_km == 5 and scenario.world.population_scale == 100
    # The file spells out the defaults, except the values tuned to December 2022 and the
    # switches it turns on (a mechanism is off by default): per-voter alignment.
    tuned = {path.split(".", 1)[1] for path in scenario.calibrated if path.startswith("world.")}
    tuned |= {"legitimacy_alignment"}
    assert scenario.world.legitimacy_alignment == "voter"
    defaults = PeruWorld().model_dump()
    for name, value in scenario.world.model_dump().items():
        if name not in tuned:
            assert value == defaults[name], name


def test_torus_stays_the_default():
    assert isinstance(Scenario(name="x").world, TorusWorld)
    assert isinstance(Scenario.model_validate({"name": "x", "world": {"width": 9}}).world, TorusWorld)
    assert isinstance(load_scenario("epstein-2002").world, TorusWorld)


def test_world_kind_is_checked():
    with pytest.raises(ValidationError, match="does not match"):
        Scenario.model_validate({"name": "x", "world": {"kind": "mars"}})
    with pytest.raises(ValidationError, match="Extra inputs"):
        Scenario.model_validate({"name": "x", "world": {"kind": "peru", "width": 3}})


def test_overrides_reach_the_peru_world():
    scenario = load_scenario("peru-2022", ["resolution_km=10", "population_scale=1000"])
    assert scenario.world.resolution_km == 10 and scenario.world.population_scale == 1000
    with pytest.raises(ScenarioError, match="resolution_km"):
        load_scenario("peru-2022", ["resolution_km=30"])


def test_one_world_type_for_both():
    torus = build_world(load_scenario("epstein-2002"))
    peru = build_world(load_scenario("peru-2022", ["resolution_km=20", "population_scale=1000"]))
    for world in (torus, peru):
        assert isinstance(world, World)
        assert world.lattice.department.dtype == np.int16
    assert torus.lattice.torus and torus.lattice.departments == 1
    assert not peru.lattice.torus and peru.lattice.departments == 25


def test_seed_comes_from_the_scenario():
    a = build_world(load_scenario("peru-2022", ["resolution_km=20", "population_scale=1000", "seed=5"]))
    b = build_world(load_scenario("peru-2022", ["resolution_km=20", "population_scale=1000", "seed=6"]))
    assert not np.array_equal(a.hardship, b.hardship)

"""Form fields come from the scenario model, bad values are named with their range, caps are enforced."""

from __future__ import annotations

import pytest

from uprising.errors import ScenarioError, UprisingError
from uprising.scenario import load_scenario
from uprising.web.limits import RequestTooLarge, ServerLimits, check_request, estimated_agents
from uprising.web.parameters import build_scenario, editable_parameters, parameter_spec


def specs_of(name: str) -> dict:
    return {s.path: s for s in editable_parameters(load_scenario(name))}


def test_fields_carry_the_models_range_description_and_the_scenarios_value():
    spec = specs_of("epstein-2002")["citizens.legitimacy"]
    assert (spec.low, spec.high, spec.kind) == (0.0, 1.0, float)
    assert spec.default == 0.8
    assert "legitimacy" in spec.description
    assert spec.range_text == "[0, 1]"
    assert specs_of("epstein-2002")["run.steps"].kind is int


def test_the_torus_and_the_map_show_their_own_world_fields():
    torus, peru = specs_of("epstein-2002"), specs_of("peru-2022")
    assert "world.width" in torus and "world.population_scale" not in torus
    assert "world.population_scale" in peru and "world.width" not in peru
    assert peru["world.population_scale"].range_text == "[1, 1000]"


def test_fields_the_scenario_lacks_or_that_are_not_numbers_give_no_spec():
    scenario = load_scenario("epstein-2002")
    assert parameter_spec(scenario, "world.resolution_km") is None
    assert parameter_spec(scenario, "rules.movement") is None  # a switch, not a number
    assert parameter_spec(scenario, "nothing.here") is None


@pytest.mark.parametrize(
    ("path", "raw", "words"),
    [
        ("citizens.legitimacy", "1.5", ["citizens.legitimacy = 1.5", "out of range", "[0, 1]"]),
        ("citizens.legitimacy", "-0.1", ["[0, 1]"]),
        ("citizens.legitimacy", "high", ["not a number", "[0, 1]"]),
        ("citizens.legitimacy", "nan", ["not a finite number"]),
        ("run.steps", "2.5", ["whole number", "[0, 10000000]"]),
    ],
)
def test_bad_values_name_the_field_and_its_allowed_range(path, raw, words):
    with pytest.raises(UprisingError) as err:
        specs_of("epstein-2002")[path].parse(raw)
    for word in words:
        assert word in str(err.value)


def test_typed_text_becomes_the_fields_type():
    specs = specs_of("epstein-2002")
    assert specs["run.steps"].parse(" 40 ") == 40 and isinstance(specs["run.steps"].parse("40.0"), int)
    assert specs["citizens.threshold"].parse("0.25") == 0.25


def test_build_scenario_applies_values_and_checks_the_whole_scenario():
    scenario = build_scenario("epstein-2002", {"citizens.legitimacy": "0.65", "run.steps": 12})
    assert scenario.citizens.legitimacy == 0.65 and scenario.run.steps == 12
    with pytest.raises(ScenarioError, match="citizen_density \\+ cop_density"):
        build_scenario("epstein-2002", {"world.citizen_density": 0.95})
    with pytest.raises(UprisingError, match="not editable here"):
        build_scenario("epstein-2002", {"rules.movement": 0})
    with pytest.raises(UprisingError, match="'atlantis': unknown; built-in scenarios are"):
        build_scenario("atlantis", {})


def test_agent_estimate_matches_the_built_world():
    from uprising.world.build import build_world

    for name, overrides in (
        ("peru-2022", ["world.population_scale=1000", "world.resolution_km=20"]),
        ("netlogo-rebellion", []),
    ):
        scenario = load_scenario(name, overrides)
        world = build_world(scenario)
        built = len(world.citizen_cell) + len(world.cop_cell)
        assert estimated_agents(scenario) == pytest.approx(built, rel=0.05), name


def test_requests_above_the_caps_are_refused_with_the_cap_named():
    limits = ServerLimits(max_agents=50_000, max_ticks=300)
    check_request(load_scenario("epstein-2002"), limits)
    with pytest.raises(RequestTooLarge, match="cap of 300 ticks"):
        check_request(load_scenario("epstein-2002", ["run.steps=301"]), limits)
    with pytest.raises(RequestTooLarge, match="cap of 50,000 .*raise world.population_scale"):
        check_request(load_scenario("peru-2022", ["world.population_scale=100"]), limits)


def test_caps_themselves_must_be_positive():
    with pytest.raises(UprisingError, match="--max-agents 0"):
        ServerLimits(max_agents=0)
    with pytest.raises(UprisingError, match="--max-ticks -1"):
        ServerLimits(max_ticks=-1)

"""Scenarios: pydantic models of a run, loaded from YAML."""

from uprising.scenario.loader import builtin_names, load_scenario, scenario_hash
from uprising.scenario.model import Scenario

__all__ = ["Scenario", "builtin_names", "load_scenario", "scenario_hash"]

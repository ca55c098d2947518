"""Runs shared by the report tests: a small classic ensemble and a short run on the map of Peru."""

from __future__ import annotations

from pathlib import Path

import pytest

from uprising.recorder.output import RunOutput
from uprising.report import build_report
from uprising.runner import run_scenario
from uprising.scenario import load_scenario


@pytest.fixture(scope="session")
def classic_outputs() -> list[RunOutput]:
    scenario = load_scenario("epstein-2002-run1", ["run.steps=60"])
    return [run_scenario(scenario, seed=s) for s in (1, 2, 3)]


@pytest.fixture(scope="session")
def peru_outputs() -> list[RunOutput]:
    scenario = load_scenario("peru-2022", ["run.steps=24"])  # 6 days: the first deaths come on day 4-5
    return [run_scenario(scenario, seed=s) for s in (1, 2)]


@pytest.fixture(scope="session")
def classic_report(classic_outputs, tmp_path_factory) -> Path:
    return build_report(classic_outputs, tmp_path_factory.mktemp("classic"), "classic ensemble")


@pytest.fixture(scope="session")
def peru_report(peru_outputs, tmp_path_factory) -> Path:
    return build_report(peru_outputs, tmp_path_factory.mktemp("peru"), "Peru & <friends>")

"""The small torus whose legitimacy the calibration tests look for, and one run's data of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from uprising.runner import run_scenario
from uprising.scenario import load_scenario

TRUE_LEGITIMACY = 0.75
SCENARIO_YAML = """\
name: small-torus
description: a 20x20 classic torus whose legitimacy is to be found
world: {kind: torus, width: 20, height: 20}
run: {steps: 100, seed: 1}
calibrated:
  citizens.legitimacy: {low: 0.6, high: 0.9, target: "jailed and actives of a run at L = 0.75"}
"""


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> dict[str, Path]:
    """A scenario file and a folder holding the series of one of its runs at L = 0.75."""
    folder = tmp_path_factory.mktemp("calibration")
    scenario = folder / "small-torus.yaml"
    scenario.write_text(SCENARIO_YAML, encoding="utf-8")
    truth = load_scenario(str(scenario), [f"citizens.legitimacy={TRUE_LEGITIMACY}", "run.seed=7"])
    national = run_scenario(truth).national()
    observed = folder / "observed"
    observed.mkdir()
    national.rename({"day": "tick"}).select("tick", "quiescent", "active", "jailed").write_csv(
        observed / "series.csv"
    )
    return {"scenario": scenario, "observed": observed, "folder": folder}

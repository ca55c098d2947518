"""A scenario read once for a whole experiment.

An experiment reads its scenario file once, and builds each distinct set of overrides from that
one reading into a validated Scenario that its tasks carry to the workers. Editing or removing
the file while the experiment runs therefore changes none of its runs: they all run what was
read at the start, and the experiment's scenario hash describes every one of them.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from uprising.errors import ScenarioError
from uprising.scenario.loader import apply_overrides, format_validation_error, read_scenario_yaml
from uprising.scenario.model import Scenario


class ScenarioSnapshot:
    """The data of a scenario (built-in name or YAML path) as read once, and the validated
    scenarios built from it; `scenario(overrides)` equals `load_scenario(ref, overrides)` at the
    moment of reading."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        self.label, self._data = read_scenario_yaml(ref)
        self._built: dict[tuple[str, ...], Scenario] = {}

    @property
    def data(self) -> dict[str, Any]:
        """The scenario's data as read (a copy), before overrides and validation."""
        return copy.deepcopy(self._data)

    def scenario(self, overrides: Sequence[str] = ()) -> Scenario:
        """The snapshot with `overrides` applied, validated (kept for the next identical call)."""
        key = tuple(overrides)
        if key not in self._built:
            self._built[key] = self.build(key)
        return self._built[key]

    def build(self, overrides: Sequence[str] = ()) -> Scenario:
        """The snapshot with `overrides` applied, validated, and not kept (one per particle)."""
        data = apply_overrides(self._data, list(overrides), self.label)
        data.setdefault("name", Path(self.label).stem)
        try:
            return Scenario.model_validate(data)
        except ValidationError as err:
            raise ScenarioError(format_validation_error(self.label, err, Scenario)) from None


def snapshot_of(scenario: str | ScenarioSnapshot) -> ScenarioSnapshot:
    """`scenario` itself when it is a snapshot, else a snapshot read now."""
    return scenario if isinstance(scenario, ScenarioSnapshot) else ScenarioSnapshot(scenario)

"""The observation model: how the sources of December 2022 see a run.

The observed series are not the model's state but what reporters, Sutran and the Ombudsman
wrote down. Each is produced from a run by an explicit mapping:

- *departments reported active*: a department is reportable on a day when its street
  participation at the day's peak (the daily `participants` column, people) reaches
  `threshold_people`; a reportable department-day is reported with probability `detection`,
  drawn per department and day from the run's seed. The observed lists are therefore lower
  bounds (censored): a department missing from them may still have protested.
- *road points blocked* (Sutran): the road points held at the day's peak (`blockades`).
- *deaths* (Ombudsman): the people killed in confrontation events and at blockades (`killed`).

With `detection` 1 the reports are exactly the department-days at or above the threshold; with
participation off (every supporter in the street) that is the rule of the model before it
(`active` at or above `dynamics.active_department_people`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from uprising.recorder.output import RunOutput

STREAM_REPORTS = 201  # the reports' random stream, apart from the run's own streams
DEFAULT_THRESHOLD_PEOPLE = 1000
DEFAULT_DETECTION = 0.8


@dataclass(frozen=True)
class ObservationModel:
    """Reporting threshold (participants, people) and detection probability."""

    threshold_people: int = DEFAULT_THRESHOLD_PEOPLE
    detection: float = DEFAULT_DETECTION

    @classmethod
    def of(cls, output: RunOutput) -> ObservationModel:
        """The scenario's `dynamics.observation` (defaults where a run has none)."""
        dyn = output.parameters.get("dynamics") or {}
        obs: dict[str, Any] = dyn.get("observation") or {}
        return cls(
            int(obs.get("threshold_people", DEFAULT_THRESHOLD_PEOPLE)),
            float(obs.get("detection", DEFAULT_DETECTION)),
        )


def participation_matrix(output: RunOutput) -> np.ndarray:
    """[day, department] peak street participation, people."""
    days, n = output.days, len(output.departments)
    column = "participants" if "participants" in output.daily.columns else "active"
    return output.daily[column].to_numpy().reshape(days, n)


def reported_active(participants: np.ndarray, model: ObservationModel, seed: int) -> np.ndarray:
    """bool[day, department]: reported active by the sources under `model`."""
    reportable = participants >= model.threshold_people
    if model.detection >= 1.0:
        return reportable
    rng = np.random.default_rng([int(seed) % 2**63, STREAM_REPORTS])
    return reportable & (rng.random(participants.shape) < model.detection)


def reported_active_of(output: RunOutput) -> np.ndarray:
    """bool[day, department]: the run's departments reported active, through its observation model."""
    return reported_active(participation_matrix(output), ObservationModel.of(output), output.seed)

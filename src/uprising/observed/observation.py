"""The observation model: how the sources of December 2022 see a run.

The observed series are not the model's state but what reporters, Sutran and the Ombudsman
wrote down. Each is produced from a run by an explicit mapping:

- *departments reported active*: a department is reportable on a day when its street
  participation at the day's peak (the daily `participants` column, people) reaches its
  threshold: `threshold_people`, or with `threshold_per_million` that many per million of the
  department's people where it is more (a crowd of a thousand is news in Huancavelica, not in
  Lima); a reportable department-day is reported with probability `detection`, drawn per
  department and day from the run's seed. With `detection_slope` the step becomes a logistic
  in log participants, `detection / (1 + (threshold / participants) ** detection_slope)`: a
  small protest is sometimes reported, a large one nearly always (half of `detection` at the
  threshold). With `detection_concentration` the detection is not the same every day: each
  day's is drawn from a Beta with mean `detection` and that concentration, shared by the day's
  departments, as December's lists come from sources that name most reportable departments on
  some days (an Ombudsman's report: 12 on 9 December) and a few on others (a news timeline: 3
  on 15 December, the day of the CGTP's national mobilisation). The observed lists are
  therefore lower bounds (censored): a department missing from them may still have protested.
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
    """Reporting threshold (participants, people; per million of a department's people where
    more), detection probability, its slope in log participants (0: a step) and the
    concentration of its day-to-day variation (0: none)."""

    threshold_people: int = DEFAULT_THRESHOLD_PEOPLE
    detection: float = DEFAULT_DETECTION
    threshold_per_million: float = 0.0
    detection_slope: float = 0.0
    detection_concentration: float = 0.0

    @classmethod
    def of(cls, output: RunOutput) -> ObservationModel:
        """The scenario's `dynamics.observation` (defaults where a run has none)."""
        dyn = output.parameters.get("dynamics") or {}
        obs: dict[str, Any] = dyn.get("observation") or {}
        return cls(
            int(obs.get("threshold_people", DEFAULT_THRESHOLD_PEOPLE)),
            float(obs.get("detection", DEFAULT_DETECTION)),
            float(obs.get("threshold_per_million") or 0.0),
            float(obs.get("detection_slope") or 0.0),
            float(obs.get("detection_concentration") or 0.0),
        )

    def day_detection(self, rng: np.random.Generator, days: int) -> np.ndarray:
        """float[day]: each day's detection, a Beta draw with mean `detection` and concentration
        `detection_concentration` (at 0 or 1, or with no concentration, `detection` itself)."""
        mean, k = self.detection, self.detection_concentration
        if k <= 0.0 or mean <= 0.0 or mean >= 1.0:
            return np.full(days, mean)
        return rng.beta(mean * k, (1.0 - mean) * k, size=days)

    def thresholds(self, population: np.ndarray) -> np.ndarray:
        """float[department]: participants for each department-day to be reportable."""
        per_million = self.threshold_per_million * np.asarray(population, float) / 1e6
        return np.maximum(float(self.threshold_people), per_million)

    def report_probability(self, participants: np.ndarray, population: np.ndarray) -> np.ndarray:
        """float[day, department]: the probability that each department-day is reported."""
        people = np.asarray(participants, float)
        threshold = self.thresholds(population)
        if self.detection_slope <= 0.0:
            return np.where(people >= threshold, self.detection, 0.0)
        with np.errstate(divide="ignore"):
            odds = (people / np.maximum(threshold, 1e-9)) ** self.detection_slope
        return np.where(people > 0, self.detection * odds / (1.0 + odds), 0.0)

    def nearness(self, participants: np.ndarray, population: np.ndarray) -> np.ndarray:
        """float[day, department]: how near each department-day is to a report, from 0 (nobody
        in the street) to `detection`: the report probability where the crowd is reportable,
        else `detection` times its share of the threshold. Unlike the reports, it still tells
        apart runs in which no crowd reaches the threshold (a calibration's quiet runs)."""
        people = np.asarray(participants, float)
        threshold = np.maximum(self.thresholds(population), 1.0)
        below = self.detection * np.minimum(people / threshold, 1.0)
        return np.maximum(self.report_probability(people, population), below)


def participation_matrix(output: RunOutput) -> np.ndarray:
    """[day, department] peak street participation, people."""
    days, n = output.days, len(output.departments)
    column = "participants" if "participants" in output.daily.columns else "active"
    return output.daily[column].to_numpy().reshape(days, n)


def department_population(output: RunOutput) -> np.ndarray:
    """int[department]: each department's people on day 0 (quiescent, active and jailed)."""
    n = len(output.departments)
    first = output.daily.filter(output.daily["day"] == 0)
    return sum(first[c].to_numpy()[:n] for c in ("quiescent", "active", "jailed"))


def reported_active(
    participants: np.ndarray, model: ObservationModel, seed: int, population: np.ndarray | None = None
) -> np.ndarray:
    """bool[day, department]: reported active by the sources under `model` (`population`, each
    department's people, is needed only with `threshold_per_million`)."""
    if model.threshold_per_million > 0.0 and population is None:
        raise ValueError("threshold_per_million needs each department's population")
    simple = model.detection_slope <= 0.0 and model.detection_concentration <= 0.0
    if model.threshold_per_million <= 0.0 and simple:
        # The rule of `threshold_people` alone, drawn exactly as before the other three fields.
        reportable = participants >= model.threshold_people
        if model.detection >= 1.0:
            return reportable
        rng = np.random.default_rng([int(seed) % 2**63, STREAM_REPORTS])
        return reportable & (rng.random(participants.shape) < model.detection)
    pop = np.zeros(participants.shape[-1]) if population is None else population
    probability = model.report_probability(participants, pop)
    rng = np.random.default_rng([int(seed) % 2**63, STREAM_REPORTS])
    if model.detection_concentration > 0.0 and model.detection > 0.0:
        # The day's detection in place of the mean: the day's draw first, then the departments'.
        day = model.day_detection(rng, participants.shape[0])
        probability = probability * (day / model.detection)[:, None]
    return rng.random(participants.shape) < probability


def reported_active_of(output: RunOutput) -> np.ndarray:
    """bool[day, department]: the run's departments reported active, through its observation
    model (the one function every output of reported departments goes through)."""
    return reported_active(
        participation_matrix(output), ObservationModel.of(output), output.seed, department_population(output)
    )


def report_nearness_of(output: RunOutput) -> np.ndarray:
    """float[day, department]: the run's `ObservationModel.nearness`, drawn from no random number."""
    return ObservationModel.of(output).nearness(participation_matrix(output), department_population(output))

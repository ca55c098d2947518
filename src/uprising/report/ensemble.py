"""Ensemble statistics of runs of one scenario: per-day median and 90% band across runs.

The band is the 5th to 95th percentile over runs (linear interpolation); with one run it
collapses onto the run itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from uprising.errors import UprisingError
from uprising.recorder.output import RunOutput

LOW_PCT, HIGH_PCT = 5.0, 95.0


@dataclass(frozen=True)
class Band:
    """Median and 90% band of a quantity over runs, along its last axis (days or departments)."""

    median: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def of(cls, samples: np.ndarray) -> Band:
        """The band of `samples`, an array whose first axis is the run."""
        samples = np.asarray(samples, dtype=float)
        low, median, high = np.percentile(samples, [LOW_PCT, 50.0, HIGH_PCT], axis=0)
        return cls(median=median, low=low, high=high)


def check_same_world(outputs: list[RunOutput]) -> None:
    """Raise one error line unless the runs exist and share their departments."""
    if not outputs:
        raise UprisingError("report: no runs to report on")
    first = outputs[0].departments
    for out in outputs[1:]:
        if out.departments != first:
            raise UprisingError(
                f"report: run {out.scenario} seed {out.seed} has other departments than "
                f"{outputs[0].scenario} seed {outputs[0].seed}; report on runs of one world"
            )


def common_days(outputs: list[RunOutput]) -> int:
    """The days every run covers (the shortest run's)."""
    return min(out.days for out in outputs)


def department_samples(outputs: list[RunOutput], column: str) -> np.ndarray:
    """[run, day, department] values of a daily column, over the days every run covers."""
    days = common_days(outputs)
    n = len(outputs[0].departments)
    return np.stack([out.daily[column].to_numpy()[: days * n].reshape(days, n) for out in outputs]).astype(
        float
    )


def national_samples(outputs: list[RunOutput], column: str, cumulative: bool = False) -> np.ndarray:
    """[run, day] national totals of a daily column (summed over departments, optionally over days)."""
    totals = department_samples(outputs, column).sum(axis=2)
    return np.cumsum(totals, axis=1) if cumulative else totals


def population_samples(outputs: list[RunOutput]) -> np.ndarray:
    """[run, department] people at day 0 (quiescent + active + jailed), real-people counts."""
    return sum(department_samples(outputs, c)[:, 0, :] for c in ("quiescent", "active", "jailed"))


def records_participation(outputs: list[RunOutput]) -> bool:
    """Whether the runs tell people in the street (`participants`) from supporters (`active`):
    every run has the column, and some run has participants that are not its supporters."""
    return all("participants" in o.daily.columns for o in outputs) and any(
        o.daily["participants"].sum() > 0 and not o.daily["participants"].equals(o.daily["active"])
        for o in outputs
    )

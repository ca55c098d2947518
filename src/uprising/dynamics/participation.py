"""Participation: which supporters take part in a street action on a day.

Epstein's active citizen is a *supporter* (grievance above risk and threshold: a person who
would join). Participation is the smaller number of supporters in the street on a given day;
it is what sources count (marchers, blockaders, crowds at a site) and what blockades,
confrontations and travel act on. The probability that a supporter takes part is exp(-cost),
with a daily cost that organisers' calls lower, fatigue over consecutive days out, and the day
of the week and public holidays (`config.Participation`).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from uprising.dynamics.config import Participation

SUNDAY = 6  # date.weekday()


def call_pull(age_days: int, half_life_days: float | None) -> float:
    """A call's pull on its `age_days`-th day in force (0 on its first): 1 without a half-life,
    else halved every `half_life_days` (organisers' hold on a long call wears off)."""
    if half_life_days is None:
        return 1.0
    return 0.5 ** (age_days / half_life_days)


def participation_probability(
    cfg: Participation, called: np.ndarray, streak: np.ndarray, today: date
) -> np.ndarray:
    """Probability per department that a supporter takes part today (1 everywhere when off).

    `called` is the pull of the calls in force per department, 0 to 1 (booleans: full pull)."""
    if not cfg.enabled:
        return np.ones(called.shape[0])
    cost = cfg.daily_cost * (1.0 - cfg.call_cut * called.astype(np.float64))
    cost = cost + cfg.fatigue_cost * streak
    if today.weekday() == SUNDAY:
        cost = cost + cfg.sunday_cost
    if today in cfg.holidays:
        cost = cost + cfg.holiday_cost
    return np.exp(-cost)


def participants_per_cell(
    rng: np.random.Generator, supporters: np.ndarray, probability: np.ndarray
) -> np.ndarray:
    """Participants (people) on each cell: a binomial draw of its supporters (people)."""
    out = np.zeros(supporters.shape[0], dtype=np.int64)
    cells = np.flatnonzero(supporters)
    if cells.size:
        p = probability[cells]
        sure = p >= 1.0
        out[cells[sure]] = supporters[cells[sure]]
        rest = cells[~sure]
        if rest.size:
            out[rest] = rng.binomial(supporters[rest], p[~sure])
    return out

"""Participation: which supporters take part in a street action on a day.

Epstein's active citizen is a *supporter* (grievance above risk and threshold: a person who
would join). Participation is the smaller number of supporters in the street on a given day;
it is what sources count (marchers, blockaders, crowds at a site) and what blockades,
confrontations and travel act on. The probability that a supporter takes part is exp(-cost),
with a daily cost that organisers' calls lower, fatigue over days out, the day of the week and
public holidays, and (optionally) a cost where nothing new mobilises: protest demobilises
between calls unless a fresh shock (a legitimacy shock, a death) renews it (`config.Participation`).
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
    cfg: Participation,
    called: np.ndarray,
    fatigue: np.ndarray,
    today: date,
    novelty: np.ndarray | None = None,
) -> np.ndarray:
    """Probability per department that a supporter takes part today (1 everywhere when off).

    `called` is the pull of the calls in force per department, 0 to 1 (booleans: full pull);
    `fatigue` the days out that still weigh (`update_fatigue`); `novelty` 0 to 1, what calls and
    fresh shocks give (None: the calls' pull)."""
    if not cfg.enabled:
        return np.ones(called.shape[0])
    pull = called.astype(np.float64)
    cost = cfg.daily_cost * (1.0 - cfg.call_cut * pull)
    cost = cost + cfg.fatigue_cost * fatigue
    if cfg.quiet_cost > 0.0:
        cost = cost + cfg.quiet_cost * (1.0 - (pull if novelty is None else np.maximum(pull, novelty)))
    if today.weekday() == SUNDAY:
        cost = cost + cfg.sunday_cost
    if today in cfg.holidays:
        cost = cost + cfg.holiday_cost
    return np.exp(-cost)


def update_fatigue(cfg: Participation, fatigue: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Fatigue after a day, `out` where the department was out: one more consecutive day, back
    to 0 after a day off; with `fatigue_half_life_days`, a stock that decays by that half-life
    and grows by each day out (exhaustion over weeks: a day off does not rest a wave away)."""
    if cfg.fatigue_half_life_days is None:
        return np.where(out, fatigue + 1.0, 0.0)
    return fatigue * 0.5 ** (1.0 / cfg.fatigue_half_life_days) + out


def novelty_of(cfg: Participation, days_since_shock: np.ndarray) -> np.ndarray:
    """A fresh shock's novelty per department, 1 on its day, halved every
    `novelty_half_life_days` (inf days since: 0)."""
    return 0.5 ** (days_since_shock / cfg.novelty_half_life_days)


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

"""Proper scores of forecasts: CRPS from ensemble samples or a Poisson law, coverage, Brier.

Each function scores many cells at once (a cell: one department on one day, or one day) and
returns the score of every cell; the caller averages over the cells it observed.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import poisson


def crps_ensemble(members: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """CRPS of an ensemble per cell: mean|X - y| - 0.5 mean|X - X'| over the members X, X'.

    `members` is [member, *cells], `observed` is [*cells]. With one member it is |x - y|.
    The pair term is computed from the sorted members in O(m log m):
    sum_{i,j} |x_i - x_j| = 2 sum_i (2i - m + 1) x_(i) with i from 0.
    """
    x = np.sort(np.asarray(members, dtype=float), axis=0)
    y = np.asarray(observed, dtype=float)
    m = x.shape[0]
    error = np.abs(x - y).mean(axis=0)
    rank = (2 * np.arange(m) - m + 1).reshape((m,) + (1,) * (x.ndim - 1))
    spread = 2.0 * (rank * x).sum(axis=0) / (m * m)
    return error - 0.5 * spread


def crps_poisson(mean: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """CRPS of a Poisson law of mean `mean` per cell against integer observations.

    The sum over k of (F(k) - 1{y <= k})^2 runs to a count past both the observation and the
    law's far tail (its 1 - 1e-12 quantile), where both terms are 0 to double precision.
    A mean of 0 is a point mass at 0: the CRPS is then y.
    """
    mu = np.broadcast_to(np.asarray(mean, dtype=float), np.shape(observed))
    y = np.asarray(observed, dtype=float)
    top = int(max(np.max(y, initial=0.0), np.max(poisson.ppf(1 - 1e-12, np.maximum(mu, 1e-12)), initial=0)))
    k = np.arange(top + 1).reshape((-1,) + (1,) * y.ndim)
    cdf = poisson.cdf(k, mu)
    step = (y <= k).astype(float)
    return ((cdf - step) ** 2).sum(axis=0)


def covered(low: np.ndarray, high: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Whether each observation lies within its interval [low, high], ends included."""
    y = np.asarray(observed, dtype=float)
    return (np.asarray(low) <= y) & (y <= np.asarray(high))


def pit_covered(members: np.ndarray, observed: np.ndarray, level: float) -> np.ndarray:
    """For each observation, the probability that its randomised PIT lies in the central
    `level` interval (Czado, Gneiting and Held 2009): a count forecast puts mass on single
    values, so an observation that is one of them takes its PIT uniformly between the ensemble's
    P(X < y) and P(X <= y). Its mean over observations is `level` for a calibrated forecast,
    where the share inside the quantile interval (`covered`) of a count that is nearly always 0
    is close to 1 whatever the forecast. `members` has the members on its first axis."""
    x = np.asarray(members, dtype=float)
    y = np.asarray(observed, dtype=float)
    below, upto = (x < y).mean(axis=0), (x <= y).mean(axis=0)
    low, high = (1.0 - level) / 2.0, (1.0 + level) / 2.0
    width = upto - below
    inside = np.clip(np.minimum(upto, high) - np.maximum(below, low), 0.0, None)
    point = ((low <= upto) & (upto <= high)).astype(float)
    return np.where(width > 0, inside / np.where(width > 0, width, 1.0), point)


def brier(probability: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """Brier score per cell: (p - o)^2 for a probability p and an outcome o of 0 or 1."""
    return (np.asarray(probability, dtype=float) - np.asarray(outcome, dtype=float)) ** 2

"""Three baseline forecasts, built only from the observations up to the fit date.

- persistence: the last observed week repeated (day d takes the value of the day a whole
  number of weeks before it within that week; a day of that week not observed takes the
  week's mean over its observed days);
- shares: each department's share of the fit window carried forward at the fit window's
  national daily rate (deaths: the department's deaths in the window over its days; a
  department's chance of being reported active: the share of reported days it was);
- castillo: the fit window's national daily rate shared out by each department's share of
  Pedro Castillo's national votes in the 2021 runoff (data/peru/regions_provenance.csv).
  On a map world it is named `alignment`: the rate shared out by each region's people weighted
  by the scenario's alignment column (`world.alignment`, oriented as the model reads it: more
  is less legitimacy), the share of the country's people on the side legitimacy is lost to,
  as Castillo's votes are; without an alignment column, by the regions' people alone.
National series (blockades, departments active) have no shares: `shares` and `castillo`
(`alignment`) both give the fit window's mean. Counts are scored as Poisson laws around each baseline's
mean, which is fairer to a baseline than a point (whose CRPS is the absolute error) and
still a point mass at 0 where the mean is 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from uprising.forecast.observations import ObservedDays

if TYPE_CHECKING:
    from uprising.data.map_data import MapData
    from uprising.scenario.world import MapWorld

BASELINES = ("persistence", "shares", "castillo")
MAP_BASELINES = ("persistence", "shares", "alignment")
WEEK = 7


@dataclass
class Baseline:
    """A baseline's means over the forecast window's days (and probabilities of activity)."""

    deaths: np.ndarray  # [day, department]
    blockades: np.ndarray  # [day]
    active: np.ndarray  # [day, department]: probability of being reported active
    active_count: np.ndarray  # [day]


def repeat_last_week(values: np.ndarray, known: np.ndarray, fit_day: int, days: list[int]) -> np.ndarray:
    """`values` (by day on the first axis) of the last week up to `fit_day`, repeated over `days`."""
    week = np.arange(max(0, fit_day - WEEK + 1), fit_day + 1)
    seen = week[known[week]]
    if seen.size:
        fallback = values[seen].mean(axis=0)
    else:
        earlier = np.flatnonzero(known[: week[0]])
        fallback = values[earlier[-1]] if earlier.size else np.zeros(values.shape[1:])
    out = []
    for d in days:
        source = d - WEEK * -(-(d - fit_day) // WEEK)
        out.append(values[source] if source >= week[0] and known[source] else fallback)
    return np.stack(out).astype(float)


def _mean_over(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    return values[known].mean(axis=0) if known.any() else np.zeros(values.shape[1:])


def build_baselines(
    observed: ObservedDays,
    fit_day: int,
    last_day: int,
    castillo_share: np.ndarray | None,
    share_name: str = "castillo",
) -> dict[str, Baseline]:
    """The baselines over days fit_day + 1 .. last_day, from the observed days 0 .. fit_day only;
    the one of `castillo_share` (None: none) is named `share_name`."""
    past = slice(0, fit_day + 1)
    deaths, active = observed.deaths[past], observed.active[past]
    blockades, reported = observed.blockades[past], observed.reported[past]
    known_blockades = ~np.isnan(blockades)
    blockades = np.nan_to_num(blockades)
    count = active.sum(axis=1)
    days = list(range(fit_day + 1, last_day + 1))
    n = len(days)

    def flat(row: np.ndarray | float) -> np.ndarray:
        return np.repeat(np.asarray(row, dtype=float)[None, ...], n, axis=0)

    everyday = np.ones(fit_day + 1, dtype=bool)
    out = {
        "persistence": Baseline(
            deaths=repeat_last_week(deaths, everyday, fit_day, days),
            blockades=repeat_last_week(blockades, known_blockades, fit_day, days),
            active=repeat_last_week(active, reported, fit_day, days),
            active_count=repeat_last_week(count, reported, fit_day, days),
        )
    }
    blockade_rate = float(_mean_over(blockades, known_blockades))
    count_rate = float(_mean_over(count, reported))
    out["shares"] = Baseline(
        deaths=flat(deaths.sum(axis=0) / (fit_day + 1)),
        blockades=flat(blockade_rate),
        active=flat(_mean_over(active, reported)),
        active_count=flat(count_rate),
    )
    if castillo_share is not None:
        out[share_name] = Baseline(
            deaths=flat(castillo_share * deaths.sum() / (fit_day + 1)),
            blockades=flat(blockade_rate),
            active=flat(np.minimum(1.0, castillo_share * count_rate)),
            active_count=flat(count_rate),
        )
    return out


def castillo_shares(departments: list[str]) -> np.ndarray | None:
    """Each department's share of Castillo's 2021 runoff votes, or None off Peru's departments."""
    from uprising.data.peru_data import load_peru_data

    data = load_peru_data()
    votes = dict(zip(data.names, data.castillo_votes.astype(float), strict=True))
    if set(departments) != set(votes):
        return None
    share = np.array([votes[d] for d in departments])
    return share / share.sum()


def alignment_baseline(data: MapData, world: MapWorld) -> dict[str, Any]:
    """A map world's alignment baseline as its forecast file records it: the column (None
    without one), its direction and each region's share (people times the oriented column)."""
    from uprising.world.map_world import alignment_shares

    spec = world.alignment
    oriented, _ = alignment_shares(data, world)
    weight = oriented * data.population.astype(float)
    return {
        "column": None if spec is None else spec.column,
        "direction": None if spec is None else spec.direction,
        "description": "each region's people times its alignment column (oriented against the "
        "government), as a share of the country's"
        if spec is not None
        else "each region's share of the country's people (the scenario has no alignment column)",
        "share": np.round(weight / weight.sum(), 6).tolist(),
    }

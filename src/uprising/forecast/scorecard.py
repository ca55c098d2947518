"""Score a forecast file against observed data, beside the three baselines.

A map world's forecast is scored against the observed.csv of its folders, on its regions and
with its alignment baseline in place of Peru's castillo; the scores name its series as its file
does (`deaths_by_region`, ...).

Per series, the cells scored are the forecast window's observed ones: every department and
day for deaths, the days with a national blockade total, and the days on which the lists
name departments for departments reported active (its CRPS and coverage are those of the
national count; its Brier score is per department and day). Coverage is the share of those
observations inside the ensemble's central 50% (quantiles 0.25-0.75) and 90% (0.05-0.95)
intervals, ends included. A count that is 0 on nearly every cell (deaths by department and
day) is inside nearly every such interval whatever the forecast, so each series also gets its
PIT coverage: the mean probability that the observation's randomised PIT falls in the central
50% and 90% (`pit_covered`), which is 0.5 and 0.9 for a calibrated forecast.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from uprising.errors import DataError
from uprising.forecast.baselines import (
    BASELINES,
    MAP_BASELINES,
    Baseline,
    build_baselines,
    castillo_shares,
)
from uprising.forecast.files import ACTIVE, BLOCKADES, DEATHS, SERIES, Forecast
from uprising.forecast.observations import (
    Calendar,
    ObservedDays,
    observed_days,
    observed_folders,
    region_observed_days,
)
from uprising.forecast.scoring import brier, covered, crps_ensemble, crps_poisson, pit_covered


def _mean(values: np.ndarray) -> float | None:
    return round(float(np.mean(values)), 4) if np.size(values) else None


def score_forecast(forecast: Forecast, folders: Path | Sequence[Path]) -> dict[str, Any]:
    """The scores as in `uprising score --json`, plus the number of observations per series.

    Several folders are read as one (their rows joined): the fit window's data, which the
    baselines use, and the forecast window's may live apart.
    """
    observed, window = observed_window(forecast, folders)
    return score_arrays(forecast, observed, window)


def observed_window(forecast: Forecast, folders: Path | Sequence[Path]) -> tuple[ObservedDays, np.ndarray]:
    """The observed days from the scenario's day 0 to the forecast's last (`folders` read as
    one), and the forecast window's days; an error line when nothing is observed in the window."""
    folders, folder = observed_folders(folders)
    if forecast.region_codes is not None:
        calendar = Calendar(forecast.start_date, forecast.until, forecast.run_until or forecast.until)
        observed = region_observed_days(folders, calendar, forecast.region_codes, forecast.departments)
    else:
        observed = observed_days(folders, forecast.start_date, forecast.until, forecast.departments)
    window = np.arange(forecast.day_of(forecast.fit_until) + 1, forecast.day_of(forecast.until) + 1)
    if (
        not (observed.deaths[window].any() or observed.reported[window].any())
        and np.isnan(observed.blockades[window]).all()
    ):
        raise DataError(
            f"--observed {folder}: no observation within the forecast window "
            f"({forecast.dates[0]} to {forecast.until})"
        )
    return observed, window


def baselines_of(forecast: Forecast, observed: ObservedDays, window: np.ndarray) -> dict[str, Baseline]:
    """The three baselines over the forecast window, from the observations up to its fit date."""
    labels = baseline_names(forecast)
    if forecast.alignment_share is not None:
        share = forecast.alignment_share / forecast.alignment_share.sum()
    else:
        share = castillo_shares(forecast.departments)
    return build_baselines(observed, int(window[0]) - 1, int(window[-1]), share, labels[-1])


def score_arrays(forecast: Forecast, observed: ObservedDays, window: np.ndarray) -> dict[str, Any]:
    """The scores of a forecast whose window is `window` (days) against observed days."""
    labels = baseline_names(forecast)
    baselines = baselines_of(forecast, observed, window)
    blockade_days = ~np.isnan(observed.blockades[window])
    reported = observed.reported[window]
    cells = {
        DEATHS: (forecast.members[DEATHS], forecast.quantiles[DEATHS], observed.deaths[window], None),
        BLOCKADES: (
            forecast.members[BLOCKADES][:, blockade_days],
            {q: v[blockade_days] for q, v in forecast.quantiles[BLOCKADES].items()},
            observed.blockades[window][blockade_days],
            blockade_days,
        ),
        ACTIVE: (
            forecast.active_count[:, reported],
            {q: v[reported] for q, v in forecast.active_count_quantiles.items()},
            observed.active[window].sum(axis=1)[reported],
            reported,
        ),
    }
    mean_of = {
        DEATHS: lambda b: b.deaths,
        BLOCKADES: lambda b: b.blockades,
        ACTIVE: lambda b: b.active_count,
    }
    result: dict[str, Any] = {
        "crps": {},
        "coverage_50": {},
        "coverage_90": {},
        "pit_coverage_50": {},
        "pit_coverage_90": {},
        "brier": {},
        "observations": {},
    }
    for series in SERIES:
        name = forecast.series_name(series)
        members, quantiles, y, keep = cells[series]
        row = {"model": _mean(crps_ensemble(members, y))}
        for label in labels:
            baseline = baselines.get(label)
            mean = None if baseline is None else mean_of[series](baseline)
            if mean is not None and keep is not None:
                mean = mean[keep]
            row[label] = None if mean is None else _mean(crps_poisson(mean, y))
        result["crps"][name] = row
        result["coverage_50"][name] = _mean(covered(quantiles[0.25], quantiles[0.75], y))
        result["coverage_90"][name] = _mean(covered(quantiles[0.05], quantiles[0.95], y))
        result["pit_coverage_50"][name] = _mean(pit_covered(members, y, 0.5))
        result["pit_coverage_90"][name] = _mean(pit_covered(members, y, 0.9))
        result["observations"][name] = int(np.size(y))
    outcome = observed.active[window][reported]
    row = {"model": _mean(brier(forecast.probability[reported], outcome))}
    for label in labels:
        baseline = baselines.get(label)
        row[label] = None if baseline is None else _mean(brier(baseline.active[reported], outcome))
    result["brier"][forecast.series_name(ACTIVE)] = row
    result["observations"][f"{place_word(forecast)}_days_reported"] = int(outcome.size)
    return result


def baseline_names(forecast: Forecast) -> tuple[str, ...]:
    """The baselines a forecast is scored beside: Peru's castillo, or a map world's alignment."""
    return MAP_BASELINES if forecast.places == "regions" else BASELINES


def place_word(forecast: Forecast) -> str:
    """What the forecast calls one of its places: department (Peru) or region (a map world)."""
    return forecast.places.removesuffix("s")

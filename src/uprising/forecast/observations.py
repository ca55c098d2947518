"""Observed data laid on a forecast's calendar, as arrays the scores and baselines read.

Conventions are those of `uprising.observed.metrics.observed_metrics`: deaths leave out the
one added retroactively; blockades are the national totals, without those of low
reliability, and a day without one is not observed; a day on which the lists name no
department is not observed, and on a day they name some, the others count as not active.
Deaths are a complete list: a department and day without a row had none.

A map world's observed data are the `observed.csv` of each folder (date, region, series,
value; see docs/own_crisis.md), read by `region_observed_days` with the same conventions:
series `deaths` (summed by region and day), `blockades` (a day's national figure is the sum
over the regions reported that day; a day without one is not observed) and `protest` (a row
reports its region that day, active when its value is above 0); other series are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from uprising.data.map_data import place_words
from uprising.errors import DataError
from uprising.observed.map_observed import OBSERVED_CSV, Calendar, read_region_rows

__all__ = ["OBSERVED_CSV", "Calendar", "ObservedDays", "read_region_rows", "region_observed_days"]

SCORED_FILES = {"deaths": "deaths.csv", "blockades": "blockades.csv", "regions_active": "regions_active.csv"}


@dataclass
class ObservedDays:
    """Observed series from day 0 (the scenario's start) through the forecast's last day."""

    departments: list[str]
    deaths: np.ndarray  # [day, department]
    blockades: np.ndarray  # [day], NaN where not observed
    active: np.ndarray  # [day, department], 0/1
    reported: np.ndarray  # [day], bool: the lists name at least one department that day

    @property
    def days(self) -> int:
        return len(self.blockades)


def observed_folders(folders: Path | Sequence[Path]) -> tuple[list[Path], str]:
    """One folder or several as a list, and how an error line names them."""
    listed = [Path(folders)] if isinstance(folders, Path | str) else [Path(f) for f in folders]
    return listed, ", ".join(str(f) for f in listed)


def observed_days(
    folders: Path | Sequence[Path], start: date, until: date, departments: list[str]
) -> ObservedDays:
    """The observed data of one folder, or of several joined, on the calendar start..until (one
    error line otherwise).

    Rows dated after `until` are left out (they lie past the forecast); rows dated before the
    scenario's day 0, and departments the forecast does not have, are refused.
    """
    from uprising.observed import load_observed
    from uprising.observed.loader import NATIONAL

    folders, folder = observed_folders(folders)
    if len({Path(f).resolve() for f in folders}) < len(folders):
        raise DataError(f"--observed {folder}: a folder is given twice; each must be given once")
    loaded = [load_observed(f) for f in folders]
    frames = {
        key: pl.concat([getattr(obs, key) for obs in loaded], how="vertical_relaxed") for key in SCORED_FILES
    }
    for key, frame in frames.items():
        before = frame.filter(pl.col("date") < start)
        if before.height:
            raise DataError(
                f"--observed {folder}: {SCORED_FILES[key]} has a row dated {before['date'][0]}, before "
                f"the forecast's day 0; dates must be from {start} (rows after {until} are left out)"
            )
        frames[key] = frame.filter(pl.col("date") <= until)
        unknown = sorted(set(frame["department"].to_list()) - set(departments) - {NATIONAL})
        if unknown:
            raise DataError(
                f"--observed {folder}: {SCORED_FILES[key]} names department {unknown[0]!r}, not in "
                f"the forecast; expected one of {', '.join(departments)}"
            )
    days, index = (until - start).days + 1, {d: i for i, d in enumerate(departments)}
    deaths = np.zeros((days, len(departments)))
    dead = frames["deaths"].filter(~pl.col("retroactive"))
    for when, department, n in dead.select("date", "department", "deaths").iter_rows():
        deaths[(when - start).days, index[department]] += n
    blockades = np.full(days, np.nan)
    national = frames["blockades"].filter((pl.col("department") == NATIONAL) & ~pl.col("low_reliability"))
    for when, n in national.select("date", "blockades").iter_rows():
        blockades[(when - start).days] = n
    active = np.zeros((days, len(departments)))
    reported = np.zeros(days, dtype=bool)
    for when, department in frames["regions_active"].select("date", "department").iter_rows():
        active[(when - start).days, index[department]] = 1
        reported[(when - start).days] = True
    return ObservedDays(list(departments), deaths, blockades, active, reported)


def region_observed_days(
    folders: Path | Sequence[Path], calendar: Calendar, codes: list[str], names: list[str]
) -> ObservedDays:
    """The observed.csv of one folder, or of several joined, on the calendar of a map world's
    forecast (regions by `codes`, named `names`)."""
    folders, folder = observed_folders(folders)
    if len({Path(f).resolve() for f in folders}) < len(folders):
        raise DataError(f"--observed {folder}: a folder is given twice; each must be given once")
    days = (calendar.until - calendar.start).days + 1
    deaths = np.zeros((days, len(codes)))
    blockades = np.full(days, np.nan)
    active = np.zeros((days, len(codes)))
    reported = np.zeros(days, dtype=bool)
    for f in folders:
        for day, region, series, value in read_region_rows(Path(f), calendar, codes, place_words(f)[0]):
            if series == "deaths":
                deaths[day, region] += value
            elif series == "blockades":
                blockades[day] = np.nan_to_num(blockades[day]) + value
            elif series == "protest":
                reported[day] = True
                active[day, region] = max(active[day, region], float(value > 0))
    return ObservedDays(list(names), deaths, blockades, active, reported)

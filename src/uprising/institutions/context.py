"""What legislators know on the day of a roll call: the events that move their stances.

`context_on(date)` builds the context from dated, sourced series:

- allegations: preliminary investigations of the sitting president opened by the Fiscalía de la
  Nación, plus constitutional complaints it filed with Congress (`ALLEGATIONS` below);
- the self-coup attempt of 7 December 2022 (`peru/observed/events.csv`, `self_coup_attempt`);
- protest intensity and deaths before the vote (`regions_active.csv` and `deaths.csv` of
  `peru/observed/` for December 2022 and `peru/observed_2023q1/` for January-March 2023);
- the president's approval in the latest IEP poll published before the vote (`APPROVAL` below).

Any field can be overridden to ask a counterfactual question.
"""

from __future__ import annotations

import csv
import datetime as dt
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from uprising.data import data_path
from uprising.institutions.motions import SELF_COUP

REGIONS = 25  # 24 departments and Callao
PROTEST_WINDOW_DAYS = 7

# Fiscalía de la Nación steps against the sitting president, cumulative count from each date.
ALLEGATIONS: tuple[tuple[dt.date, int, str], ...] = (
    (
        dt.date(2022, 1, 4),
        3,
        "Fiscal de la Nación Zoraida Ávalos opens, and suspends, three preliminary investigations "
        "of the president (Petroperú, military promotions, Puente Tarata III): gestion.pe "
        "'castillo-tiene-cinco-investigaciones-fiscales-pero-tres-estan-congeladas'; "
        "huaralenlinea.com 2022-01-05",
    ),
    (
        dt.date(2022, 7, 21),
        4,
        "fourth investigation (cover-up), opened 21 Jul 2022: infobae.com/america/agencias/"
        "2022/07/22/nueva-investigacion-al-presidente-castillo-en-peru-la-cuarta-en-un-ano",
    ),
    (
        dt.date(2022, 8, 28),
        6,
        "'seis investigaciones en su contra': larepublica.pe 2022-08-28 (IEP poll report)",
    ),
    (
        dt.date(2022, 10, 11),
        7,
        "constitutional complaint filed with Congress by Fiscal de la Nación Patricia Benavides "
        "(organised crime, influence peddling): accion.coop 2022-10-12",
    ),
)

# IEP national polls, approval of the president: (publication date, share, source). Where a
# source gives only the month of a poll, the date is the end of that month (marked "month").
APPROVAL: tuple[tuple[dt.date, float, str], ...] = (
    (dt.date(2021, 11, 30), 0.25, "IEP Nov 2021 (month), quoted in larepublica.pe 2021-12-19"),
    (dt.date(2021, 12, 19), 0.28, "IEP 13-16 Dec 2021: larepublica.pe 2021-12-19"),
    (dt.date(2022, 2, 27), 0.28, "IEP 21-23 Feb 2022: larepublica.pe 2022-02-27"),
    (dt.date(2022, 3, 27), 0.24, "IEP 21-24 Mar 2022: abc.com.py 2022-03-27 (EFE)"),
    (
        dt.date(2022, 6, 30),
        0.19,
        "IEP Jun 2022 (month), previous poll in prensa-latina.cu ?p=297442",
    ),
    (dt.date(2022, 7, 31), 0.24, "IEP Jul 2022 (month): prensa-latina.cu ?p=297442"),
    (dt.date(2022, 8, 28), 0.29, "IEP 20-25 Aug 2022: larepublica.pe 2022-08-28"),
    (dt.date(2022, 10, 31), 0.28, "IEP Oct 2022 (month), quoted in larepublica.pe 2022-11-27"),
    (dt.date(2022, 11, 27), 0.31, "IEP 19-24 Nov 2022: larepublica.pe 2022-11-27"),
)


class RollCallContext(BaseModel):
    """The events a roll call happens after. Defaults describe a calm day with no allegations."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    allegations: int = Field(
        0,
        ge=0,
        le=100,
        description="open investigations of the president plus prosecutors' complaints to Congress",
    )
    self_coup: bool = Field(False, description="the president has attempted to dissolve Congress")
    protest_intensity: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="share of the 25 regions with protests on the busiest of the 7 days before",
    )
    deaths: int = Field(0, ge=0, le=100_000, description="protesters killed before the vote")
    approval: float = Field(
        0.26, ge=0.0, le=1.0, description="approval of the president (share of those polled)"
    )


def _latest(series: tuple[tuple[dt.date, float, str], ...], date: dt.date, default: float) -> float:
    value = default
    for when, level, _source in series:
        if when < date:
            value = level
    return value


# The observed series, December 2022 and January-March 2023. They are the context of the
# recorded roll calls only; a simulated run replaces protest and deaths with its own.
OBSERVED_FOLDERS = ("peru/observed", "peru/observed_2023q1")


def _observed_rows(name: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for folder in OBSERVED_FOLDERS:
        with data_path(f"{folder}/{name}").open(encoding="utf-8", newline="") as f:
            rows.extend(csv.DictReader(f))
    return rows


@lru_cache(maxsize=1)
def _regions_by_day() -> dict[dt.date, int]:
    counts: dict[dt.date, int] = {}
    for row in _observed_rows("regions_active.csv"):
        day = dt.date.fromisoformat(row["date"])
        counts[day] = counts.get(day, 0) + int(row["active"])
    return counts


@lru_cache(maxsize=1)
def _deaths_by_day() -> tuple[tuple[dt.date, int], ...]:
    rows = []
    for row in _observed_rows("deaths.csv"):
        if "RETROACTIVE" in row["source"]:
            continue  # added by the Defensoría in Feb 2023; unknown to legislators in Dec 2022
        rows.append((dt.date.fromisoformat(row["date"]), int(row["deaths"])))
    return tuple(rows)


def protest_intensity_before(date: dt.date) -> float:
    """Share of regions reported active on the busiest of the 7 days before `date`."""
    counts = _regions_by_day()
    days = (date - dt.timedelta(days=k) for k in range(1, PROTEST_WINDOW_DAYS + 1))
    return max((counts.get(day, 0) for day in days), default=0) / REGIONS


def deaths_before(date: dt.date) -> int:
    """Protesters killed (clashes and blockades) on days before `date`."""
    return sum(n for day, n in _deaths_by_day() if day < date)


def allegations_before(date: dt.date) -> int:
    """Fiscalía steps against the sitting president taken on or before `date`."""
    return max((n for when, n, _source in ALLEGATIONS if when <= date), default=0)


def context_on(date: dt.date, **overrides: object) -> RollCallContext:
    """The sourced context of a roll call held on `date`, with any field overridden."""
    values = {
        "allegations": allegations_before(date),
        "self_coup": date >= SELF_COUP,
        "protest_intensity": protest_intensity_before(date),
        "deaths": deaths_before(date),
        "approval": _latest(APPROVAL, date, 0.26),
    }
    values.update(overrides)
    return RollCallContext(**values)

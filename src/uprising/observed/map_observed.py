"""The observed series of a map world: its folder's `observed.csv` (date, region, series, value)
read into the same `Observed` tables as Peru's December 2022, on the days of the run.

Series read (any other is kept out): `deaths` (people killed that day in the region, counted
where they died), `blockades` (road points blocked that day; the national figure of a day is
the sum over the regions reported) and `protest` (a value above 0: the region was reported
active that day; a missing row means no source was found, not calm). Observed day 0 is the
run's `start_date`.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from uprising.data.map_data import OBSERVED, load_map_data
from uprising.errors import DataError
from uprising.observed.loader import NATIONAL, Observed, frame, load_observed


def load_map_observed(
    folder: Path | str, start: date, days: int, code_property: str = "code", name_property: str = "name"
) -> Observed:
    """The observed tables of a map world's folder over `days` days from `start` (a date
    outside them is a DataError naming the file, line and column)."""
    data = load_map_data(Path(folder), code_property, name_property, (), (start, days))
    deaths, blockades, active = [], [], []
    national: dict[date, int] = {}
    for when, d, series, value in data.observed:
        row = {"date": when, "day": (when - start).days, "department": data.names[d]}
        if series == "deaths":
            deaths.append({**row, "deaths": int(value), "kind": "", "retroactive": False})
        elif series == "blockades":
            blockades.append({**row, "blockades": int(value), "low_reliability": False})
            national[when] = national.get(when, 0) + int(value)
        elif series == "protest" and value > 0:
            active.append(row)
    for when, total in sorted(national.items()):
        blockades.append(
            {"date": when, "day": (when - start).days, "department": NATIONAL, "blockades": total,
             "low_reliability": False}
        )  # fmt: skip
    return Observed(
        deaths=frame("deaths", deaths),
        blockades=frame("blockades", blockades),
        regions_active=frame("regions_active", active),
        events=frame("events", []),
        departments=list(data.names),
        folder=Path(folder),
        day0=start,
        days=days,
    )


def observed_of(parameters: Mapping[str, Any]) -> Observed | None:
    """The observed series a run's parameters (its scenario dump) are compared with: Peru's
    December 2022 on the map of Peru, the folder's observed.csv on a map world that has one and
    a start date; None otherwise."""
    world = parameters.get("world") or {}
    kind = world.get("kind") if isinstance(world, Mapping) else None
    if kind == "peru":
        return load_observed()
    if kind != "map" or not (Path(str(world.get("data", ""))) / OBSERVED).is_file():
        return None
    run = parameters.get("run") or {}
    if not run.get("start_date"):
        return None
    days = max(1, -(-int(run.get("steps", 0)) // max(1, int(run.get("ticks_per_day", 1)))))
    return load_map_observed(
        world["data"],
        date.fromisoformat(str(run["start_date"])),
        days,
        str(world.get("code_property", "code")),
        str(world.get("name_property", "name")),
    )


OBSERVED_CSV = OBSERVED
OBSERVED_COLUMNS = ("date", "region", "series", "value")


@dataclass(frozen=True)
class Calendar:
    """The days a map world's observed rows may fall on: day 0 to the scenario's last day;
    the rows after `until` (the last day the study reads) are left out. `study` names it in
    error lines (a forecast, a calibration)."""

    start: date
    until: date
    run_until: date
    study: str = "forecast"

    def allowed(self) -> str:
        later = f"; rows after {self.until} are left out" if self.until < self.run_until else ""
        return f"from {self.start} to {self.run_until}{later}"


def _rows(folder: Path) -> list[tuple[int, dict[str, str]]]:
    path = folder / OBSERVED_CSV
    if not path.is_file():
        raise DataError(f"--observed {folder}: missing {OBSERVED_CSV} ({', '.join(OBSERVED_COLUMNS)})")
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in reader.fieldnames or []]
            rows = [{(k or "").strip(): (v or "").strip() for k, v in r.items()} for r in reader]
    except (UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"--observed {folder}: {OBSERVED_CSV} is not CSV text ({err})") from None
    missing = [c for c in OBSERVED_COLUMNS if c not in header]
    if missing:
        raise DataError(
            f"--observed {folder}: {OBSERVED_CSV} line 1, column {missing[0]}: missing; the columns "
            f"are {', '.join(OBSERVED_COLUMNS)}"
        )
    return list(enumerate(rows, start=2))


def _cell(folder: Path, line: int, column: str, why: str) -> DataError:
    return DataError(f"--observed {folder}: {OBSERVED_CSV} line {line}, column {column}: {why}")


def read_region_rows(
    folder: Path, calendar: Calendar, codes: list[str], place: str = "region"
) -> list[tuple[int, int, str, float]]:
    """(day, region index, series, value) of a folder's observed.csv within the calendar (one
    error line naming the file, line and column, and the allowed values, otherwise; `place`:
    what it calls a region, the folder's own word)."""
    index = {c: i for i, c in enumerate(codes)}
    out = []
    for line, row in _rows(folder):
        try:
            when = date.fromisoformat(row["date"])
        except ValueError:
            raise _cell(folder, line, "date", f"{row['date'][:40]!r} is not a date (YYYY-MM-DD)") from None
        if not calendar.start <= when <= calendar.run_until:
            raise _cell(folder, line, "date", f"{when} is outside the {calendar.study}'s calendar; "
                        f"dates must be {calendar.allowed()}")  # fmt: skip
        if row["region"] not in index:
            raise _cell(
                folder, line, "region", f"{row['region'][:40]!r} is not a {place} of the {calendar.study}; "
                f"expected one of {', '.join(codes)}",
            )  # fmt: skip
        try:
            value = float(row["value"])
        except ValueError:
            value = -1.0
        if not 0 <= value <= 1e12:
            raise _cell(folder, line, "value", f"{row['value'][:40]!r} must be a number from 0 to 1e12")
        if when <= calendar.until:
            out.append(((when - calendar.start).days, index[row["region"]], row["series"], value))
    return out

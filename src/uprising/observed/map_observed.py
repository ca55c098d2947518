"""The observed series of a map world: its folder's `observed.csv` (date, region, series, value)
read into the same `Observed` tables as Peru's December 2022, on the days of the run.

Series read (any other is kept out): `deaths` (people killed that day in the region, counted
where they died), `blockades` (road points blocked that day; the national figure of a day is
the sum over the regions reported) and `protest` (a value above 0: the region was reported
active that day; a missing row means no source was found, not calm). Observed day 0 is the
run's `start_date`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from uprising.data.map_data import OBSERVED, load_map_data
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

"""Load the observed events of December 2022 (`data/peru/observed/`, see its SOURCES.md).

Dates become model days: day 0 is 7 December 2022, the day Congress removed the president.
Department names are matched to regions.csv (case- and accent-insensitive).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from uprising.data import data_path
from uprising.data.peru_data import read_csv_rows
from uprising.errors import DataError

DAY0 = date(2022, 12, 7)
OBSERVED_DIR = "peru/observed"
NATIONAL = ""  # department of national rows (blockade totals)


OBSERVED_DAYS = 25  # 7 to 31 December 2022


@dataclass
class Observed:
    """Observed series; every frame has `date` (pl.Date) and `day` (days since `day0`)."""

    deaths: pl.DataFrame  # date, day, department, deaths, kind (clash|blockade), retroactive
    blockades: pl.DataFrame  # date, day, department ('' = national total), blockades
    regions_active: pl.DataFrame  # date, day, department
    events: pl.DataFrame  # date, day, kind, scope, detail, numbers
    departments: list[str]
    folder: Path
    day0: date = DAY0  # the date of observed day 0
    days: int = OBSERVED_DAYS  # the days the series cover from day0


SCHEMAS: dict[str, dict] = {
    "deaths": {
        "date": pl.Date,
        "day": pl.Int32,
        "department": pl.String,
        "deaths": pl.Int64,
        "kind": pl.String,
        "retroactive": pl.Boolean,
    },
    "blockades": {
        "date": pl.Date,
        "day": pl.Int32,
        "department": pl.String,
        "blockades": pl.Int64,
        "low_reliability": pl.Boolean,
    },
    "regions_active": {"date": pl.Date, "day": pl.Int32, "department": pl.String},
    "events": {
        "date": pl.Date,
        "day": pl.Int32,
        "kind": pl.String,
        "scope": pl.String,
        "detail": pl.String,
        "numbers": pl.String,
    },
}
"""The columns of each frame of `Observed`."""


def frame(name: str, rows: list[dict]) -> pl.DataFrame:
    """The frame `name` of `Observed` (its schema in SCHEMAS) from rows."""
    schema = SCHEMAS[name]
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def _rows(path: Path, required: list[str]) -> list[dict[str, str]]:
    return read_csv_rows(path.name, path.parent, required)


def _date(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise DataError(f"{where}: date {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _department(name: str, names: list[str], where: str) -> str:
    from uprising.data.peru_data import fold_name

    folded = {fold_name(n): n for n in names}
    key = fold_name(name)
    if key not in folded:
        raise DataError(f"{where}: unknown department {name!r}; expected one of {', '.join(names)}")
    return folded[key]


def _int(value: str, where: str, lo: int = 0, hi: int = 1_000_000) -> int:
    try:
        n = int(value)
    except ValueError:
        raise DataError(f"{where}: {value!r} is not an integer") from None
    if not lo <= n <= hi:
        raise DataError(f"{where}: {n} out of range [{lo}, {hi}]")
    return n


def load_observed(folder: Path | str | None = None) -> Observed:
    """The observed tables in `folder` (default: the package's December 2022 data)."""
    from uprising.data.peru_data import load_peru_data

    base = Path(folder) if folder is not None else data_path(f"{OBSERVED_DIR}/deaths.csv").parent
    if not base.is_dir():
        raise DataError(f"--observed {base}: not a folder")
    names = list(load_peru_data().names)

    deaths = []
    for i, r in enumerate(_rows(base / "deaths.csv", ["date", "region", "deaths", "kind"]), 2):
        where = f"deaths.csv line {i}"
        d = _date(r["date"], where)
        deaths.append(
            {
                "date": d,
                "day": (d - DAY0).days,
                "department": _department(r["region"], names, where),
                "deaths": _int(r["deaths"], where),
                "kind": r["kind"].strip(),
                "retroactive": "RETROACTIVE" in r.get("source", ""),
            }
        )
    blockades = []
    for i, r in enumerate(_rows(base / "blockades.csv", ["date", "region", "blockades"]), 2):
        where = f"blockades.csv line {i}"
        d = _date(r["date"], where)
        region = r["region"].strip()
        blockades.append(
            {
                "date": d,
                "day": (d - DAY0).days,
                "department": NATIONAL if region == "TOTAL" else _department(region, names, where),
                "blockades": _int(r["blockades"], where),
                "low_reliability": "LOW RELIABILITY" in r.get("source", ""),
            }
        )
    active = []
    for i, r in enumerate(_rows(base / "regions_active.csv", ["date", "region", "active"]), 2):
        where = f"regions_active.csv line {i}"
        if _int(r["active"], where, 0, 1) != 1:
            continue
        d = _date(r["date"], where)
        active.append(
            {"date": d, "day": (d - DAY0).days, "department": _department(r["region"], names, where)}
        )
    events = []
    events_path = base / "events.csv"
    if events_path.exists():
        for i, r in enumerate(_rows(events_path, ["date", "kind", "scope", "detail", "numbers"]), 2):
            d = _date(r["date"], f"events.csv line {i}")
            events.append(
                {
                    "date": d,
                    "day": (d - DAY0).days,
                    "kind": r["kind"],
                    "scope": r["scope"],
                    "detail": r["detail"],
                    "numbers": r["numbers"],
                }
            )

    return Observed(
        deaths=frame("deaths", deaths),
        blockades=frame("blockades", blockades),
        regions_active=frame("regions_active", active),
        events=frame("events", events),
        departments=names,
        folder=base,
    )

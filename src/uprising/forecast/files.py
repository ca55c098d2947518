"""The forecast file: one JSON document (gzipped when its name ends in .gz), and its checks.

Layout (format `uprising-forecast`, version 1):
- `metadata`: scenario, hash, version, commit, created, the fit (or "none"), seeds, command;
- `start_date` (day 0 of the scenario), `fit_until`, `until`, `dates` (the forecast window:
  every day after `fit_until` through `until`), `departments`, `quantile_levels`;
- `series`: for each of `SERIES`, the raw ensemble `members` ([run][day][department], or
  [run][day] for a national series) and their `quantiles` ({level: [day][department]});
  `departments_reported_active_by_day` holds 0/1 members, their `probability` per department
  and day, and the `national` count of departments reported active with its own quantiles.

A forecast of a map world (`world.kind: map`) names its places regions: `regions` (names) in
place of `departments`, with `region_codes` (the codes of its observed.csv), `run_until` (the
scenario's last day: observed rows up to it are read, later ones refused) and `alignment` (the
column, its direction and each region's share of the alignment baseline); its series are
`REGION_SERIES`. Peru's files keep the names above.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from uprising.errors import DataError, UprisingError

FORMAT = "uprising-forecast"
FORMAT_VERSION = 1
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
DEATHS, BLOCKADES, ACTIVE = (
    "deaths_by_department",
    "blockades_by_day",
    "departments_reported_active_by_day",
)
SERIES = (DEATHS, BLOCKADES, ACTIVE)
BY_DEPARTMENT = {DEATHS: True, BLOCKADES: False, ACTIVE: True}
REGION_SERIES = {DEATHS: "deaths_by_region", BLOCKADES: BLOCKADES, ACTIVE: "regions_reported_active_by_day"}
"""The name in a map world's file of each series (the keys are the names in Peru's files)."""
PLACES = {"departments": {name: name for name in SERIES}, "regions": REGION_SERIES}
"""The key of the file's list of places, and the file's name of each series under it."""


def quantile_key(level: float) -> str:
    return f"{level:g}"


def quantiles_of(members: np.ndarray) -> dict[str, list]:
    """The `QUANTILES` of an ensemble over its first axis, rounded to 3 decimals."""
    values = np.quantile(np.asarray(members, dtype=float), QUANTILES, axis=0)
    return {quantile_key(q): np.round(v, 3).tolist() for q, v in zip(QUANTILES, values, strict=True)}


@dataclass
class Forecast:
    """A forecast file read back and checked, with its series as arrays."""

    path: Path
    data: dict[str, Any]
    start_date: date
    fit_until: date
    until: date
    dates: list[date]
    departments: list[str]
    members: dict[str, np.ndarray]  # series -> [run, day, department] or [run, day]
    quantiles: dict[str, dict[float, np.ndarray]]  # series -> level -> [day, ...]
    probability: np.ndarray  # [day, department]: share of runs reporting the department active
    active_count: np.ndarray  # [run, day]: departments reported active
    active_count_quantiles: dict[float, np.ndarray]
    places: str = "departments"  # "regions" for a map world's forecast
    region_codes: list[str] | None = None  # a map world's: the codes of its observed.csv
    run_until: date | None = None  # a map world's: the scenario's last day
    alignment_share: np.ndarray | None = None  # a map world's: the alignment baseline's shares

    @property
    def metadata(self) -> dict[str, Any]:
        return self.data["metadata"]

    def series_name(self, series: str) -> str:
        """The name in this file (and in its scores) of one of `SERIES`."""
        return PLACES[self.places][series]

    def day_of(self, when: date) -> int:
        """Days since the scenario's day 0."""
        return (when - self.start_date).days


def write_forecast(data: dict[str, Any], path: Path, force: bool = False) -> None:
    """Write the forecast file atomically; an existing file only with `force`."""
    check_new_file(path, force)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    blob = gzip.compress(text.encode("utf-8"), mtime=0) if path.name.endswith(".gz") else text.encode()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(blob)
        tmp.replace(path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise UprisingError(f"--out {path}: cannot write ({err.strerror})") from None


def check_new_file(path: Path, force: bool) -> None:
    """Refuse to overwrite a file unless forced, and a path that is a folder."""
    if path.is_dir():
        raise UprisingError(f"--out {path}: is a folder; give a file name (e.g. forecast.json)")
    if path.exists() and not force:
        raise UprisingError(f"--out {path}: exists; a forecast is never overwritten without --force")


def _not_a_forecast(path: Path, why: str) -> DataError:
    return DataError(f"FORECAST {path}: not a forecast file of uprising ({why})")


def _load_json(path: Path) -> Any:
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"FORECAST {path}: no such file") from None
    except OSError as err:
        raise DataError(f"FORECAST {path}: cannot read ({err.strerror})") from None
    try:
        if blob[:2] == b"\x1f\x8b":
            blob = gzip.decompress(blob)
        return json.loads(blob.decode("utf-8"))
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as err:
        raise _not_a_forecast(path, f"not JSON: {type(err).__name__}") from None


def _array(path: Path, value: Any, shape: tuple[int, ...], where: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise _not_a_forecast(path, f"{where} is not an array of numbers") from None
    if array.shape != shape:
        raise _not_a_forecast(path, f"{where} has shape {array.shape}, expected {shape}")
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise _not_a_forecast(path, f"{where} holds negative or non-finite values")
    return array


def _quantiles(path: Path, block: Any, shape: tuple[int, ...], where: str) -> dict[float, np.ndarray]:
    if not isinstance(block, dict):
        raise _not_a_forecast(path, f"{where}.quantiles is missing")
    out = {}
    for q in QUANTILES:
        key = quantile_key(q)
        if key not in block:
            raise _not_a_forecast(path, f"{where}.quantiles has no level {key}")
        out[q] = _array(path, block[key], shape, f"{where}.quantiles.{key}")
    return out


def _date_field(path: Path, data: dict[str, Any], key: str) -> date:
    try:
        return date.fromisoformat(str(data[key]))
    except (KeyError, ValueError):
        raise _not_a_forecast(path, f"{key} is missing or not an ISO date") from None


def read_forecast(path: Path) -> Forecast:
    """Read a forecast file and check its layout; one error line naming what is wrong otherwise."""
    data = _load_json(path)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _not_a_forecast(path, f'no "format": "{FORMAT}"')
    if data.get("format_version") != FORMAT_VERSION:
        raise _not_a_forecast(
            path, f"format_version {data.get('format_version')!r}, expected {FORMAT_VERSION}"
        )
    for key in ("metadata", "series"):
        if not isinstance(data.get(key), dict):
            raise _not_a_forecast(path, f"{key} is missing")
    start, fit_until, until = (_date_field(path, data, k) for k in ("start_date", "fit_until", "until"))
    if not start <= fit_until < until:
        raise _not_a_forecast(path, "dates must satisfy start_date <= fit_until < until")
    dates = [fit_until + timedelta(days=i) for i in range(1, (until - fit_until).days + 1)]
    if data.get("dates") != [d.isoformat() for d in dates]:
        raise _not_a_forecast(path, "dates must list every day after fit_until through until")
    places = "regions" if "regions" in data else "departments"
    departments = _names(path, data, places)
    runs = data["metadata"].get("runs")
    if not isinstance(runs, int) or runs < 1:
        raise _not_a_forecast(path, "metadata.runs must be a positive integer")
    days, n = len(dates), len(departments)
    members, quantiles = {}, {}
    named = PLACES[places]
    for name in SERIES:
        key = named[name]
        block = data["series"].get(key)
        if not isinstance(block, dict):
            raise _not_a_forecast(path, f"series.{key} is missing")
        cells = (days, n) if BY_DEPARTMENT[name] else (days,)
        members[name] = _array(path, block.get("members"), (runs, *cells), f"series.{key}.members")
        quantiles[name] = _quantiles(path, block.get("quantiles"), cells, f"series.{key}")
    key = named[ACTIVE]
    active = data["series"][key]
    if np.any((members[ACTIVE] != 0) & (members[ACTIVE] != 1)):
        raise _not_a_forecast(path, f"series.{key}.members must be 0 or 1")
    probability = _array(path, active.get("probability"), (days, n), f"series.{key}.probability")
    national = active.get("national")
    if not isinstance(national, dict):
        raise _not_a_forecast(path, f"series.{key}.national is missing")
    count = _array(path, national.get("members"), (runs, days), f"series.{key}.national.members")
    count_q = _quantiles(path, national.get("quantiles"), (days,), f"series.{key}.national")
    extra = _map_fields(path, data, n, until) if places == "regions" else {}
    return Forecast(
        path=path,
        data=data,
        start_date=start,
        fit_until=fit_until,
        until=until,
        dates=dates,
        departments=list(departments),
        members=members,
        quantiles=quantiles,
        probability=probability,
        active_count=count,
        active_count_quantiles=count_q,
        places=places,
        **extra,
    )


def _names(path: Path, data: dict[str, Any], key: str) -> list[str]:
    names = data.get(key)
    if not isinstance(names, list) or not names or not all(isinstance(d, str) for d in names):
        raise _not_a_forecast(path, f"{key} must be a list of names")
    return list(names)


def _map_fields(path: Path, data: dict[str, Any], n: int, until: date) -> dict[str, Any]:
    """What a map world's file holds beside Peru's: codes, the scenario's last day, the
    alignment baseline's shares."""
    codes = _names(path, data, "region_codes")
    if len(codes) != n or len(set(codes)) != n:
        raise _not_a_forecast(path, f"region_codes must list {n} distinct codes, one per region")
    run_until = _date_field(path, data, "run_until")
    if run_until < until:
        raise _not_a_forecast(path, "run_until must not be before until")
    alignment = data.get("alignment")
    if not isinstance(alignment, dict):
        raise _not_a_forecast(path, "alignment is missing")
    share = _array(path, alignment.get("share"), (n,), "alignment.share")
    if not share.sum() > 0:
        raise _not_a_forecast(path, "alignment.share must not be all 0")
    return {"region_codes": codes, "run_until": run_until, "alignment_share": share}

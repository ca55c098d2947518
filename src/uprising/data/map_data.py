"""The data folder of a map world, read and checked: regions, population, indicators, sites,
roads, adjacency, capitals, forces and observed series (the format is in docs/own_crisis.md).

`check_map_folder` reads every file and lists every problem it finds, each naming the file,
the row and the column; `load_map_data` refuses a folder with problems in one line naming the
first and counting the others. Nothing here knows a country: codes, names and columns all come
from the files and the scenario's mapping, the word for a region included (metadata.json).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from uprising.errors import DataError

REGIONS = "regions.geojson"
POPULATION = "population.csv"
INDICATORS = "indicators.csv"
SITES = "sites.csv"
ROADS = "roads.geojson"
ADJACENCY = "adjacency.csv"
OBSERVED = "observed.csv"
METADATA = "metadata.json"
PLACE_WORDS = ("region", "regions")  # what the tables call a region of a folder without its own word
CAPITALS = "capitals.csv"
FORCES = "forces.csv"
SEAT_TOLERANCE_KM = 1.0  # a seat this close to its region (coast, lake shore) still counts as in it
KM_PER_DEG = 111.32  # length of a degree of latitude, and of longitude at the equator, km


@dataclass(frozen=True)
class Site:
    kind: str
    name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class MapData:
    """A checked data folder, regions in the order of regions.geojson."""

    folder: Path
    codes: list[str]
    names: list[str]
    polygons: list  # shapely Polygon or MultiPolygon in lon/lat, one per region
    seat_region: np.ndarray  # int64[k] region of each row of population.csv
    seat_lonlat: np.ndarray  # float64[k, 2]
    seat_population: np.ndarray  # int64[k]
    indicators: dict[str, np.ndarray]  # column -> float64[regions], NaN where empty
    seat_columns: dict[str, np.ndarray] = field(default_factory=dict)  # column -> float64[k]
    capital_lonlat: np.ndarray | None = None  # float64[regions, 2] of capitals.csv; None: none
    military: list[tuple[int, int]] = field(default_factory=list)  # (region, soldiers) of forces.csv
    sites: list[Site] = field(default_factory=list)
    roads: list = field(default_factory=list)  # shapely lines in lon/lat
    adjacency: list[tuple[int, int]] | None = None  # None: derive from the polygons
    observed: list[tuple[date, int, str, float]] = field(default_factory=list)
    words: tuple[str, str] = PLACE_WORDS  # the folder's word for one region and for several

    @property
    def regions(self) -> int:
        return len(self.codes)

    @property
    def population(self) -> np.ndarray:
        """People per region: the sum of its rows of population.csv."""
        return np.bincount(self.seat_region, weights=self.seat_population, minlength=self.regions).astype(
            np.int64
        )


@dataclass
class _Reader:
    """Reads the files of one folder, keeping every problem instead of stopping at the first."""

    folder: Path
    problems: list[str] = field(default_factory=list)

    def problem(self, file: str, where: str, text: str) -> None:
        self.problems.append(f"data file {file}: {where}{': ' if where else ''}{text}")

    def csv_rows(
        self, file: str, required: tuple[str, ...], optional: bool = False
    ) -> list[tuple[int, dict]]:
        """(line number, row) of a CSV file; a missing file or column is a problem."""
        path = self.folder / file
        if not self.present(file, optional):
            return []
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                header = [h.strip() for h in reader.fieldnames or []]
                rows = list(reader)
        except UnicodeDecodeError:
            self.problem(file, "", "not UTF-8 text")
            return []
        except csv.Error as err:
            self.problem(file, "", f"malformed CSV ({err})")
            return []
        missing = [c for c in required if c not in header]
        for column in missing:
            self.problem(file, f"line 1, column {column}", "missing column")
        if missing:
            return []
        out = []
        for line, row in enumerate(rows, start=2):
            clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
            if None in row or any(row.get(c) is None for c in required):
                self.problem(file, f"line {line}", "wrong number of fields")
                continue
            out.append((line, clean))
        if not rows:
            self.problem(file, "", "no rows")
        return out

    def number(self, file: str, line: int, column: str, text: str, lo: float, hi: float) -> float | None:
        try:
            value = float(text)
        except ValueError:
            self.problem(file, f"line {line}, column {column}", f"{text[:40]!r} is not a number")
            return None
        if not (math.isfinite(value) and lo <= value <= hi):
            self.problem(file, f"line {line}, column {column}", f"{text} is outside [{lo:g}, {hi:g}]")
            return None
        return value

    def region(self, file: str, line: int, column: str, code: str, index: dict[str, int]) -> int | None:
        if code not in index:
            self.problem(file, f"line {line}, column {column}", f"{code[:40]!r} is not a region of {REGIONS}")
            return None
        return index[code]

    def present(self, file: str, optional: bool) -> bool:
        """Whether the file is there; a needed one that is not is a problem."""
        if (self.folder / file).is_file():
            return True
        if not optional:
            self.problem(file, "", "not found")
        return False

    def geojson(self, file: str, optional: bool = False) -> list[Any]:
        path = self.folder / file
        if not self.present(file, optional):
            return []
        try:
            doc = json.loads(path.read_text("utf-8"))
        except json.JSONDecodeError as err:
            self.problem(file, "", f"not valid JSON (line {err.lineno})")
            return []
        except UnicodeDecodeError:
            self.problem(file, "", "not UTF-8 text")
            return []
        features = doc.get("features") if isinstance(doc, dict) else None
        if not isinstance(features, list):
            self.problem(file, "", "not a GeoJSON FeatureCollection")
            return []
        return features


def _open_rings(geometry: Any) -> list[str]:
    """Where the rings of a GeoJSON Polygon or MultiPolygon fail to close (first != last
    position, or fewer than 4 positions)."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon" and isinstance(coords, list):
        polygons = coords
    else:
        return []
    found = []
    for p, rings in enumerate(polygons):
        for r, ring in enumerate(rings if isinstance(rings, list) else []):
            if not isinstance(ring, list) or len(ring) < 4 or ring[0] != ring[-1]:
                where = f"polygon {p}, ring {r}" if kind == "MultiPolygon" else f"ring {r}"
                found.append(where)
    return found


def _read_regions(
    reader: _Reader, code_property: str, name_property: str
) -> tuple[list[str], list[str], list]:
    codes: list[str] = []
    names: list[str] = []
    polygons: list = []
    for n, feature in enumerate(reader.geojson(REGIONS)):
        props = (feature.get("properties") or {}) if isinstance(feature, dict) else {}
        code = str(props.get(code_property, "")).strip()
        where = f"feature {n}, property {code_property}"
        if not code:
            reader.problem(REGIONS, where, "missing region code")
            continue
        if code in codes:
            reader.problem(REGIONS, where, f"region code {code[:40]!r} twice")
            continue
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        open_rings = _open_rings(geometry)
        for ring in open_rings:
            reader.problem(REGIONS, f"feature {n} ({code}), geometry", f"{ring} does not close")
        if open_rings:
            continue
        try:
            geom = shapely.from_geojson(json.dumps(geometry))
        except (TypeError, ValueError, shapely.errors.GEOSException):
            geom = None
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            reader.problem(REGIONS, f"feature {n} ({code}), geometry", "not a Polygon or MultiPolygon")
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            reader.problem(REGIONS, f"feature {n} ({code}), geometry", f"invalid polygon ({reason})")
            continue
        codes.append(code)
        names.append(str(props.get(name_property, code)).strip() or code)
        polygons.append(geom)
    return codes, names, polygons


def _read_population(
    reader: _Reader, index: dict[str, int], polygons: list, extra: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    region, lonlat, people = [], [], []
    columns: dict[str, list[float]] = {c: [] for c in extra}
    rows = reader.csv_rows(POPULATION, ("region", "lon", "lat", "population", *extra))
    for line, row in rows:
        d = reader.region(POPULATION, line, "region", row["region"], index)
        lon = reader.number(POPULATION, line, "lon", row["lon"], -180, 180)
        lat = reader.number(POPULATION, line, "lat", row["lat"], -90, 90)
        pop = reader.number(POPULATION, line, "population", row["population"], 0, 2e9)
        if pop is not None and pop != round(pop):
            reader.problem(POPULATION, f"line {line}, column population", f"{row['population']} is not whole")
            pop = None
        shares = {c: reader.number(POPULATION, line, c, row[c], 0, 100) for c in extra}
        if d is None or lon is None or lat is None or pop is None or None in shares.values():
            continue
        poly = polygons[d]
        point = shapely.Point(lon, lat)
        if not poly.covers(point):
            km = poly.distance(point) * KM_PER_DEG
            if km > SEAT_TOLERANCE_KM:
                reader.problem(
                    POPULATION,
                    f"line {line}, columns lon, lat",
                    f"({lon:g}, {lat:g}) lies outside region {row['region']} (about {km:.0f} km)",
                )
                continue
        region.append(d)
        lonlat.append((lon, lat))
        people.append(int(pop))
        for c, value in shares.items():
            columns[c].append(float(value))  # type: ignore[arg-type]
    present = set(region)
    for d, code in enumerate(index):
        if rows and d not in present:
            reader.problem(POPULATION, "column region", f"no usable row for region {code}")
    return (
        np.asarray(region, np.int64),
        np.asarray(lonlat, float).reshape(-1, 2),
        np.asarray(people, np.int64),
        {c: np.asarray(v, float) for c, v in columns.items()},
    )


def _read_indicators(
    reader: _Reader, index: dict[str, int], needed: tuple[str, ...]
) -> dict[str, np.ndarray]:
    rows = reader.csv_rows(INDICATORS, ("region", *needed))
    columns = [c for c in (rows[0][1] if rows else {}) if c != "region"]
    table = {c: np.full(len(index), np.nan) for c in columns}
    seen: set[int] = set()
    for line, row in rows:
        d = reader.region(INDICATORS, line, "region", row["region"], index)
        if d is None:
            continue
        if d in seen:
            reader.problem(INDICATORS, f"line {line}, column region", f"region {row['region']} twice")
        seen.add(d)
        for c in columns:
            if row[c] == "":  # no figure: the region sits at the column's reference
                continue
            value = reader.number(INDICATORS, line, c, row[c], -1e12, 1e12)
            if value is not None:
                table[c][d] = value
    if rows:
        for d, code in enumerate(index):
            if d not in seen:
                reader.problem(INDICATORS, "column region", f"no row for region {code}")
        for c in needed:
            if not np.isfinite(table[c]).any():
                reader.problem(INDICATORS, f"column {c}", "no figure in any row")
    return table


def _read_sites(reader: _Reader, polygons: list) -> list[Site]:
    sites = []
    union = shapely.union_all(polygons) if polygons else None
    for line, row in reader.csv_rows(SITES, ("kind", "name", "lon", "lat"), optional=True):
        lon = reader.number(SITES, line, "lon", row["lon"], -180, 180)
        lat = reader.number(SITES, line, "lat", row["lat"], -90, 90)
        if lon is None or lat is None:
            continue
        if union is not None and not union.covers(shapely.Point(lon, lat)):
            reader.problem(SITES, f"line {line}, columns lon, lat", f"({lon:g}, {lat:g}) lies in no region")
            continue
        sites.append(Site(row["kind"], row["name"], lon, lat))
    return sites


def _read_roads(reader: _Reader, file: str = ROADS, optional: bool = True) -> list:
    roads = []
    for n, feature in enumerate(reader.geojson(file, optional=optional)):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        try:
            geom = shapely.from_geojson(json.dumps(geometry))
        except (TypeError, ValueError, shapely.errors.GEOSException):
            geom = None
        if geom is None or geom.geom_type not in ("LineString", "MultiLineString"):
            reader.problem(file, f"feature {n}, geometry", "not a LineString or MultiLineString")
            continue
        roads.append(geom)
    return roads


def read_road_lines(path: Path) -> list:
    """The lines (shapely, lon/lat) of a GeoJSON FeatureCollection of roads, read as a data
    folder's roads.geojson is; a DataError naming the first problem (a missing or malformed
    file, a feature that is not a line, no line at all)."""
    path = Path(path)
    reader = _Reader(path.parent)
    roads = _read_roads(reader, path.name, optional=False)
    if not roads and not reader.problems:
        reader.problem(path.name, "", "no LineString or MultiLineString feature")
    if reader.problems:
        raise DataError(reader.problems[0])
    return roads


def _read_words(reader: _Reader) -> tuple[str, str]:
    """The folder's word for its regions (metadata.json `region` and `regions`: "province",
    "provinces"), or `PLACE_WORDS` where it names none."""
    path = reader.folder / METADATA
    if not path.is_file():
        return PLACE_WORDS
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        reader.problem(METADATA, "", "not valid UTF-8 JSON")
        return PLACE_WORDS
    if not isinstance(doc, dict):
        reader.problem(METADATA, "", "not a JSON object")
        return PLACE_WORDS
    for key in sorted(set(doc) - set(PLACE_WORDS)):
        reader.problem(METADATA, f"key {key[:40]!r}", f"unknown; the keys are {', '.join(PLACE_WORDS)}")
    if not any(key in doc for key in PLACE_WORDS):
        return PLACE_WORDS
    words = []
    for key in PLACE_WORDS:
        value = doc.get(key)
        if not (
            isinstance(value, str) and 1 <= len(value.strip()) <= 40 and value.replace(" ", "").isalpha()
        ):
            shown = "missing" if value is None else f"{str(value)[:40]!r} is not a word"
            reader.problem(METADATA, f"key {key}", f"{shown}; give both, letters and spaces, 1 to 40 each")
            return PLACE_WORDS
        words.append(value.strip())
    return words[0], words[1]


def place_words(folder: Path | str) -> tuple[str, str]:
    """A data folder's word for one region and for several (its metadata.json), read alone;
    `PLACE_WORDS` where the folder is gone or names none."""
    return _read_words(_Reader(Path(folder)))


def _read_capitals(reader: _Reader, index: dict[str, int], polygons: list) -> np.ndarray | None:
    """Each region's capital (lon, lat) of capitals.csv, or None without the file."""
    if not (reader.folder / CAPITALS).is_file():
        return None
    capitals = np.full((len(index), 2), np.nan)
    for line, row in reader.csv_rows(CAPITALS, ("region", "lon", "lat")):
        d = reader.region(CAPITALS, line, "region", row["region"], index)
        lon = reader.number(CAPITALS, line, "lon", row["lon"], -180, 180)
        lat = reader.number(CAPITALS, line, "lat", row["lat"], -90, 90)
        if d is None or lon is None or lat is None:
            continue
        if np.isfinite(capitals[d, 0]):
            reader.problem(CAPITALS, f"line {line}, column region", f"region {row['region']} twice")
        km = polygons[d].distance(shapely.Point(lon, lat)) * KM_PER_DEG
        if km > SEAT_TOLERANCE_KM:
            text = f"({lon:g}, {lat:g}) lies outside region {row['region']} (about {km:.0f} km)"
            reader.problem(CAPITALS, f"line {line}, columns lon, lat", text)
        capitals[d] = (lon, lat)
    for d, code in enumerate(index):
        if not np.isfinite(capitals[d, 0]):
            reader.problem(CAPITALS, "column region", f"no row for region {code}")
    return capitals


def _read_forces(reader: _Reader, index: dict[str, int]) -> list[tuple[int, int]]:
    """(region, soldiers at the start) of forces.csv, in its order; empty without the file."""
    out = []
    for line, row in reader.csv_rows(FORCES, ("region", "military"), optional=True):
        d = reader.region(FORCES, line, "region", row["region"], index)
        soldiers = reader.number(FORCES, line, "military", row["military"], 0, 1e7)
        if soldiers is not None and soldiers != round(soldiers):
            reader.problem(FORCES, f"line {line}, column military", f"{row['military']} is not whole")
        elif d is not None and soldiers is not None:
            out.append((d, int(soldiers)))
    return out


def _read_adjacency(reader: _Reader, index: dict[str, int]) -> list[tuple[int, int]] | None:
    if not (reader.folder / ADJACENCY).is_file():
        return None
    pairs = set()
    for line, row in reader.csv_rows(ADJACENCY, ("region_a", "region_b")):
        a = reader.region(ADJACENCY, line, "region_a", row["region_a"], index)
        b = reader.region(ADJACENCY, line, "region_b", row["region_b"], index)
        if a is not None and b is not None and a != b:
            pairs.add((min(a, b), max(a, b)))
    return sorted(pairs)


def _read_observed(
    reader: _Reader, index: dict[str, int], calendar: tuple[date, int] | None
) -> list[tuple[date, int, str, float]]:
    out = []
    for line, row in reader.csv_rows(OBSERVED, ("date", "region", "series", "value"), optional=True):
        d = reader.region(OBSERVED, line, "region", row["region"], index)
        value = reader.number(OBSERVED, line, "value", row["value"], 0, 1e12)
        try:
            when = date.fromisoformat(row["date"])
        except ValueError:
            reader.problem(
                OBSERVED, f"line {line}, column date", f"{row['date'][:40]!r} is not a date, YYYY-MM-DD"
            )
            continue
        if calendar is not None:
            start, days = calendar
            last = start + timedelta(days=days - 1)
            if not start <= when <= last:
                reader.problem(
                    OBSERVED,
                    f"line {line}, column date",
                    f"{when} is outside the run ({start} to {last}: run.start_date, run.steps)",
                )
                continue
        if d is not None and value is not None:
            out.append((when, d, row["series"], value))
    return out


def check_map_folder(
    folder: Path,
    code_property: str = "code",
    name_property: str = "name",
    columns: tuple[str, ...] = (),
    calendar: tuple[date, int] | None = None,
    seat_columns: tuple[str, ...] = (),
) -> tuple[MapData | None, list[str]]:
    """Read a map world's data folder: the data (None when a needed file is unusable) and every
    problem found, one line each naming the file, the row and the column.

    `columns` are the indicator columns the scenario uses; `calendar` is (day 0, days of the
    run), against which the dates of observed.csv are checked; `seat_columns` are the columns
    of population.csv it uses (shares in %).
    """
    folder = Path(folder)
    if not folder.is_dir():
        return None, [f"data folder {folder}: not a folder"]
    reader = _Reader(folder)
    codes, names, polygons = _read_regions(reader, code_property, name_property)
    if not codes:
        if not reader.problems:
            reader.problem(REGIONS, "", "no region")
        return None, reader.problems
    index = {c: i for i, c in enumerate(codes)}
    seats = _read_population(reader, index, polygons, tuple(dict.fromkeys(seat_columns)))
    seat_region, seat_lonlat, seat_population, seat_table = seats
    indicators = _read_indicators(reader, index, tuple(dict.fromkeys(columns)))
    data = MapData(
        folder=folder,
        codes=codes,
        names=names,
        polygons=polygons,
        seat_region=seat_region,
        seat_lonlat=seat_lonlat,
        seat_population=seat_population,
        indicators=indicators,
        seat_columns=seat_table,
        capital_lonlat=_read_capitals(reader, index, polygons),
        military=_read_forces(reader, index),
        sites=_read_sites(reader, polygons),
        roads=_read_roads(reader),
        adjacency=_read_adjacency(reader, index),
        observed=_read_observed(reader, index, calendar),
        words=_read_words(reader),
    )
    return data, reader.problems


def load_map_data(
    folder: Path,
    code_property: str = "code",
    name_property: str = "name",
    columns: tuple[str, ...] = (),
    calendar: tuple[date, int] | None = None,
    seat_columns: tuple[str, ...] = (),
) -> MapData:
    """The checked data of a folder, or one DataError line naming the first problem and
    counting the others."""
    data, problems = check_map_folder(folder, code_property, name_property, columns, calendar, seat_columns)
    if problems:
        others = len(problems) - 1
        more = f" (and {others} more problem{'s' if others > 1 else ''}: uprising world --check {folder})"
        raise DataError(problems[0] + (more if len(problems) > 1 else ""))
    assert data is not None
    return data

"""The packaged Peru data, loaded and checked: departments, districts, runoff votes, polygons.

Everything comes from the files in `uprising/data/peru/` (see SOURCES.md there); a missing or
malformed file is a DataError naming the file and the field. The world of Peru
(`uprising.world.peru`), the observed series, the reports and the dashboard read the data
from here.
"""

from __future__ import annotations

import csv
import json
import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely

from uprising.data import DATA_DIR, data_path
from uprising.data.map_data import MapData
from uprising.errors import DataError, UprisingError

PERU_DATA = "peru"
# The columns of Peru's data as a map world reads them (`peru_map_data`).
POPULATION_COLUMN = "population"
INFORMALITY_COLUMN = "informal_employment_pct"
POVERTY_COLUMN = "poverty_pct"
ALIGNMENT_COLUMN = "castillo_runoff_pct"
DISCRIMINATION_COLUMNS = {
    "quechua_aymara": "quechua_aymara_pct",
    "indigenous_partial": "indigenous_mother_tongue_pct_2017_partial",
}


@dataclass(frozen=True)
class PeruData:
    """The packaged Peru data, checked and in department order (the order of regions.csv)."""

    ubigeo: list[str]
    names: list[str]
    capital_lonlat: np.ndarray  # float64[d, 2]
    population: np.ndarray  # int64[d], INEI 2017 total
    area_km2: np.ndarray  # float64[d]
    informal_pct: np.ndarray  # float64[d]
    poverty_pct: np.ndarray  # float64[d]
    castillo_pct: np.ndarray  # float64[d]
    quechua_aymara_pct: np.ndarray  # float64[d], NaN where the source has no figure
    indigenous_partial_pct: np.ndarray  # float64[d], NaN where the source has no figure
    castillo_votes: np.ndarray  # int64[d]
    fujimori_votes: np.ndarray  # int64[d]
    polygons: list  # shapely geometries in lon/lat, one per department
    district_department: np.ndarray  # int16[k]
    district_lonlat: np.ndarray  # float64[k, 2]
    district_population: np.ndarray  # int64[k]
    district_castillo_pct: np.ndarray  # float64[k], 2021 runoff (the province's where no table)

    @property
    def departments(self) -> int:
        return len(self.names)

    @property
    def national_castillo_pct(self) -> float:
        """Castillo's share of the valid runoff votes cast in Peru, from the vote counts."""
        c, f = int(self.castillo_votes.sum()), int(self.fujimori_votes.sum())
        return 100.0 * c / (c + f)


def read_csv_rows(relative: str, root: Path, required: list[str]) -> list[dict[str, str]]:
    """The rows of the CSV file `root/relative`, checked: present, UTF-8, with the `required`
    columns, at least one row, every row as long as the header; else one DataError line."""
    path = data_path(relative, root)
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                raise DataError(f"data file {relative}: missing column {missing[0]!r}")
            rows = list(reader)
    except UnicodeDecodeError:
        raise DataError(f"data file {relative}: not UTF-8 text") from None
    except csv.Error as err:
        raise DataError(f"data file {relative}: malformed CSV ({err})") from None
    except OSError as err:
        raise DataError(f"data file {relative}: unreadable ({err.strerror})") from None
    if not rows:
        raise DataError(f"data file {relative}: no rows")
    for number, row in enumerate(rows, start=2):
        if None in row or any(row.get(c) is None for c in required):
            raise DataError(f"data file {relative}: line {number} has the wrong number of fields")
    return rows


def _number(
    relative: str,
    line: int,
    column: str,
    text: str,
    *,
    lo: float = -math.inf,
    hi: float = math.inf,
    empty_ok: bool = False,
) -> float:
    text = text.strip()
    if text == "" and empty_ok:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise DataError(
            f"data file {relative}: line {line}, column {column}: {text!r} is not a number"
        ) from None
    if not (lo <= value <= hi):
        where = f"data file {relative}: line {line}, column {column}"
        raise DataError(f"{where}: {text} is outside [{lo:g}, {hi:g}]")
    return value


def load_peru_data(root: Path | None = None) -> PeruData:
    """Read and check regions.csv, regions_provenance.csv, districts.csv,
    runoff_2021_by_district.csv and departments.geojson.

    `root` is the folder holding the `peru/` data folder (default: the packaged data). Any
    missing, unreadable or inconsistent file raises a one-line DataError naming it.
    """
    base = Path(root) if root is not None else DATA_DIR
    f_regions = f"{PERU_DATA}/regions.csv"
    rows = read_csv_rows(
        f_regions,
        base,
        [
            "ubigeo",
            "name",
            "capital_lat",
            "capital_lon",
            "population",
            "area_km2",
            "informal_employment_pct",
            "poverty_pct",
            "castillo_runoff_pct",
            "quechua_aymara_pct",
        ],
    )
    ubigeo = [r["ubigeo"].strip() for r in rows]
    if len(set(ubigeo)) != len(ubigeo) or any(len(u) != 2 or not u.isdigit() for u in ubigeo):
        raise DataError(f"data file {f_regions}: ubigeo must be unique 2-digit codes")
    index = {u: i for i, u in enumerate(ubigeo)}

    def col(name: str, lo: float, hi: float, empty_ok: bool = False) -> np.ndarray:
        return np.array(
            [
                _number(f_regions, i + 2, name, r[name], lo=lo, hi=hi, empty_ok=empty_ok)
                for i, r in enumerate(rows)
            ]
        )

    population = col("population", 1, 1e9)
    if np.any(population != np.round(population)):
        raise DataError(f"data file {f_regions}: column population must hold whole numbers")
    lat = col("capital_lat", -90, 90)
    lon = col("capital_lon", -180, 180)

    f_prov = f"{PERU_DATA}/regions_provenance.csv"
    prov_rows = read_csv_rows(
        f_prov,
        base,
        ["ubigeo", "castillo_votes", "fujimori_votes", "indigenous_mother_tongue_pct_2017_partial"],
    )
    prov = {r["ubigeo"].strip(): (i + 2, r) for i, r in enumerate(prov_rows)}
    if set(prov) != set(index):
        raise DataError(f"data file {f_prov}: its ubigeo codes differ from regions.csv")
    castillo_votes = np.zeros(len(rows), np.int64)
    fujimori_votes = np.zeros(len(rows), np.int64)
    indigenous = np.full(len(rows), np.nan)
    for u, (line, r) in prov.items():
        i = index[u]
        castillo_votes[i] = _number(f_prov, line, "castillo_votes", r["castillo_votes"], lo=0)
        fujimori_votes[i] = _number(f_prov, line, "fujimori_votes", r["fujimori_votes"], lo=0)
        indigenous[i] = _number(
            f_prov,
            line,
            "indigenous_mother_tongue_pct_2017_partial",
            r["indigenous_mother_tongue_pct_2017_partial"],
            lo=0,
            hi=100,
            empty_ok=True,
        )
    if castillo_votes.sum() + fujimori_votes.sum() == 0:
        raise DataError(f"data file {f_prov}: no runoff votes")

    f_dist = f"{PERU_DATA}/districts.csv"
    drows = read_csv_rows(f_dist, base, ["ubigeo", "department", "lat", "lon", "population"])
    k = len(drows)
    d_dept = np.empty(k, np.int16)
    d_lonlat = np.empty((k, 2))
    d_pop = np.empty(k, np.int64)
    names = [r["name"].strip() for r in rows]
    for j, r in enumerate(drows):
        line = j + 2
        code = r["ubigeo"].strip()
        i = index.get(code[:2], -1)
        if len(code) != 6 or i < 0:
            raise DataError(f"data file {f_dist}: line {line}: ubigeo {code!r} of no department")
        if r["department"].strip() != names[i]:
            raise DataError(
                f"data file {f_dist}: line {line}: department {r['department']!r} does not "
                f"match ubigeo {code} ({names[i]})"
            )
        d_dept[j] = i
        d_lonlat[j, 0] = _number(f_dist, line, "lon", r["lon"], lo=-180, hi=180)
        d_lonlat[j, 1] = _number(f_dist, line, "lat", r["lat"], lo=-90, hi=90)
        d_pop[j] = int(_number(f_dist, line, "population", r["population"], lo=0, hi=1e9))
    without = sorted(set(range(len(rows))) - set(d_dept.tolist()))
    if without:
        raise DataError(f"data file {f_dist}: no district of {names[without[0]]}")

    district_castillo = _district_runoff(base, [r["ubigeo"].strip() for r in drows])
    polygons = _read_polygons(base, index, names)
    return PeruData(
        ubigeo=ubigeo,
        names=names,
        capital_lonlat=np.column_stack([lon, lat]),
        population=population.astype(np.int64),
        area_km2=col("area_km2", 0, 1e7),
        informal_pct=col("informal_employment_pct", 0, 100),
        poverty_pct=col("poverty_pct", 0, 100),
        castillo_pct=col("castillo_runoff_pct", 0, 100),
        quechua_aymara_pct=col("quechua_aymara_pct", 0, 100, empty_ok=True),
        indigenous_partial_pct=indigenous,
        castillo_votes=castillo_votes,
        fujimori_votes=fujimori_votes,
        polygons=polygons,
        district_department=d_dept,
        district_lonlat=d_lonlat,
        district_population=d_pop,
        district_castillo_pct=district_castillo,
    )


def _district_runoff(base: Path, ubigeo: list[str]) -> np.ndarray:
    """Castillo's share of the valid 2021 runoff votes in each district of districts.csv (in
    its order), from runoff_2021_by_district.csv; a district where no table was counted gets its
    province's share (its department's if the whole province counted none)."""
    relative = f"{PERU_DATA}/runoff_2021_by_district.csv"
    rows = read_csv_rows(relative, base, ["ubigeo_inei", "castillo_votes", "fujimori_votes"])
    at = {u: j for j, u in enumerate(ubigeo)}
    votes = np.full((len(ubigeo), 2), -1.0)
    for number, r in enumerate(rows, start=2):
        code = r["ubigeo_inei"].strip()
        j = at.get(code)
        if j is None:
            raise DataError(
                f"data file {relative}: line {number}, column ubigeo_inei: {code!r} is not a "
                "district of districts.csv"
            )
        if votes[j, 0] >= 0:
            raise DataError(f"data file {relative}: line {number}, column ubigeo_inei: {code} twice")
        for k, column in enumerate(("castillo_votes", "fujimori_votes")):
            value = _number(relative, number, column, r[column], lo=0, hi=1e8)
            if value != round(value):
                raise DataError(
                    f"data file {relative}: line {number}, column {column}: {r[column].strip()!r} "
                    "is not a whole number"
                )
            votes[j, k] = value
    missing = np.flatnonzero(votes[:, 0] < 0)
    if missing.size:
        raise DataError(
            f"data file {relative}: column ubigeo_inei: no row for district {ubigeo[missing[0]]} "
            f"({missing.size} districts of districts.csv missing)"
        )
    share = np.full(len(ubigeo), np.nan)
    for width in (6, 4, 2):  # district, then province, then department
        keys = np.array([u[:width] for u in ubigeo])
        groups, inverse = np.unique(keys, return_inverse=True)
        castillo = np.bincount(inverse, weights=votes[:, 0], minlength=groups.size)
        valid = np.bincount(inverse, weights=votes.sum(axis=1), minlength=groups.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = np.where(valid > 0, 100.0 * castillo / np.maximum(valid, 1), np.nan)
        share = np.where(np.isnan(share), pct[inverse], share)
    if np.isnan(share).any():
        where = ubigeo[int(np.flatnonzero(np.isnan(share))[0])]
        raise DataError(f"data file {relative}: no counted vote in the department of {where}")
    return share


def _read_polygons(base: Path, index: dict[str, int], names: list[str]) -> list:
    relative = f"{PERU_DATA}/departments.geojson"
    path = data_path(relative, base)
    try:
        doc = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as err:
        raise DataError(f"data file {relative}: not valid JSON (line {err.lineno})") from None
    except UnicodeDecodeError:
        raise DataError(f"data file {relative}: not UTF-8 text") from None
    except OSError as err:
        raise DataError(f"data file {relative}: unreadable ({err.strerror})") from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise DataError(f"data file {relative}: not a GeoJSON FeatureCollection")
    polygons: list = [None] * len(index)
    for n, feature in enumerate(features):
        props = feature.get("properties") or {} if isinstance(feature, dict) else {}
        code = str(props.get("ubigeo", "")).strip()
        if code not in index:
            raise DataError(f"data file {relative}: feature {n} has unknown ubigeo {code!r}")
        try:
            geom = shapely.from_geojson(json.dumps(feature["geometry"]))
        except (KeyError, TypeError, shapely.errors.GEOSException, ValueError):
            raise DataError(f"data file {relative}: feature {n} ({code}) has no valid geometry") from None
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise DataError(f"data file {relative}: feature {n} ({code}) is not a polygon")
        if polygons[index[code]] is not None:
            raise DataError(f"data file {relative}: two features for ubigeo {code}")
        polygons[index[code]] = geom
    for i, geom in enumerate(polygons):
        if geom is None:
            raise DataError(f"data file {relative}: no polygon for {names[i]}")
    return polygons


def peru_map_data(data: PeruData, root: Path | None = None) -> MapData:
    """Peru's files as a map world's data: departments as regions (in the order of regions.csv),
    districts as seats (with their 2021 runoff share), INEI's department totals, indicators,
    capitals and neighbours (adjacency.csv), read from the same sourced files."""
    base = Path(root) if root is not None else DATA_DIR
    index = {u: i for i, u in enumerate(data.ubigeo)}
    pairs = set()
    relative = f"{PERU_DATA}/adjacency.csv"
    for line, row in enumerate(read_csv_rows(relative, base, ["ubigeo_a", "ubigeo_b"]), start=2):
        a, b = index.get(row["ubigeo_a"].strip()), index.get(row["ubigeo_b"].strip())
        if a is None or b is None:
            raise DataError(f"data file {relative}: line {line}: unknown ubigeo")
        pairs.add((min(a, b), max(a, b)))
    indicators = {
        POPULATION_COLUMN: data.population.astype(float),
        INFORMALITY_COLUMN: data.informal_pct,
        POVERTY_COLUMN: data.poverty_pct,
        ALIGNMENT_COLUMN: data.castillo_pct,
        DISCRIMINATION_COLUMNS["quechua_aymara"]: data.quechua_aymara_pct,
        DISCRIMINATION_COLUMNS["indigenous_partial"]: data.indigenous_partial_pct,
    }
    return MapData(
        folder=base / PERU_DATA,
        codes=list(data.ubigeo),
        names=list(data.names),
        polygons=list(data.polygons),
        seat_region=data.district_department.astype(np.int64),
        seat_lonlat=data.district_lonlat,
        seat_population=data.district_population,
        indicators=indicators,
        seat_columns={ALIGNMENT_COLUMN: data.district_castillo_pct},
        capital_lonlat=data.capital_lonlat,
        adjacency=sorted(pairs),
        words=("department", "departments"),
    )


def police_count(population: np.ndarray, per_100k: float, population_scale: float) -> np.ndarray:
    """Police agents per department: round(population * per_100k / 100,000 / scale)."""
    return np.round(np.asarray(population, float) * per_100k / 1e5 / population_scale).astype(np.int64)


@lru_cache(maxsize=4096)  # the crisis looks up its timeline's departments every tick
def fold_name(name: str) -> str:
    """Case- and accent-insensitive form of a name: 'Junín' and 'JUNIN' fold alike."""
    decomposed = unicodedata.normalize("NFD", name.strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def department_index(
    names: list[str], key: str | int, ubigeo: list[str] | None = None, place: str = "department"
) -> int:
    """Index of a department given as an index, a name (case-insensitive) or a 2-digit ubigeo.

    Without the `ubigeo` list, codes are taken to follow the order of regions.csv (01, 02, ...).
    `place` is what an error line calls it (a map world's word for its regions).
    """
    if isinstance(key, int | np.integer):
        if 0 <= int(key) < len(names):
            return int(key)
        raise UprisingError(f"{place} {key}: no such {place} (0..{len(names) - 1})")
    text = str(key).strip()
    codes = ubigeo or [f"{i + 1:02d}" for i in range(len(names))]
    if text in codes:
        return codes.index(text)
    folded = {fold_name(n): i for i, n in enumerate(names)}
    if fold_name(text) in folded:
        return folded[fold_name(text)]
    raise UprisingError(f"{place} {text!r}: unknown; expected one of {', '.join(names)}")

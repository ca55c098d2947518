"""Parliamentary blocs of the 2021-2026 Congress and their seats on any date.

Seats come from the roll-call records in `peru/congress_votes_by_bloc.csv` (2021-2022) and
`peru/congress_2023_votes_by_bloc.csv` (January-March 2023) (column `seats`, the bloc's legal
number on that day; `other` counts suspended members) and, before the first record, from the
installation of Congress (`peru/congress_2021_election.csv`). A date between
two records takes the nearest earlier record, as the blocs only change by splits and moves
that the next record shows.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from uprising.data import data_path
from uprising.errors import DataError, UprisingError

LEGAL_NUMBER = 130
INSTALLED = dt.date(2021, 7, 23)  # installation session of the 2021-2026 Congress
TERM_ENDS = dt.date(2026, 7, 26)

# Every bloc code that appears in the records, in a fixed order used by all arrays.
BLOCS: tuple[str, ...] = (
    "FP",
    "RP",
    "AP-PIS",
    "AP",
    "APP",
    "SP",
    "PP",
    "ID",
    "NA",
    "PL",
    "PD",
    "BM",
    "PB",
    "CD-JPP",
)
BLOC_INDEX = {code: i for i, code in enumerate(BLOCS)}

# The by-bloc roll-call records, one file per period, read together.
BY_BLOC_FILES = ("peru/congress_votes_by_bloc.csv", "peru/congress_2023_votes_by_bloc.csv")

# Juntos por el Perú (JP, 2021) continues as Cambio Democrático - Juntos por el Perú (CD-JPP,
# 2022) with the same five members; the model treats them as one bloc.
ALIASES = {"JP": "CD-JPP"}

# Modelling choice: where each bloc stood toward Castillo's government when it first appears in
# the records. Event effects (allegations, the self-coup) differ by group, not by bloc.
GROUPS: tuple[str, ...] = ("left", "centre", "right")
GROUP_OF = {
    "FP": "right",
    "RP": "right",
    "AP-PIS": "right",
    "AP": "centre",
    "APP": "centre",
    "SP": "centre",
    "PP": "centre",
    "ID": "centre",
    "NA": "centre",
    "PL": "left",
    "PD": "left",
    "BM": "left",
    "PB": "left",
    "CD-JPP": "left",
}

BLOC_NAMES = {
    "FP": "Fuerza Popular",
    "RP": "Renovación Popular",
    "AP-PIS": "Avanza País - Partido de Integración Social",
    "AP": "Acción Popular",
    "APP": "Alianza para el Progreso",
    "SP": "Somos Perú",
    "PP": "Podemos Perú",
    "ID": "Integridad y Desarrollo",
    "NA": "No agrupados (non-grouped members)",
    "PL": "Perú Libre",
    "PD": "Perú Democrático",
    "BM": "Bloque Magisterial de Concertación Nacional",
    "PB": "Perú Bicentenario",
    "CD-JPP": "Cambio Democrático - Juntos por el Perú (Juntos por el Perú in 2021)",
}

# Party names of the 2021 election file, mapped to the bloc codes of the installation session;
# Partido Morado's three members sat as non-grouped (SOURCES.md, congress_2021_election.csv).
_PARTY_CODES = {
    "Perú Libre": "PL",
    "Fuerza Popular": "FP",
    "Acción Popular": "AP",
    "Alianza para el Progreso": "APP",
    "Renovación Popular": "RP",
    "Avanza País": "AP-PIS",
    "Juntos por el Perú": "CD-JPP",
    "Somos Perú": "SP",
    "Podemos Perú": "PP",
    "Partido Morado": "NA",
}


@dataclass(frozen=True)
class Composition:
    """Seats of every bloc (in `BLOCS` order) on a date, and the record they come from."""

    record_date: dt.date
    seats: tuple[int, ...]
    suspended: tuple[int, ...]

    @property
    def sitting(self) -> int:
        """Members able to vote (the legal number less the suspended)."""
        return LEGAL_NUMBER - sum(self.suspended)

    def as_dict(self) -> dict[str, int]:
        return {code: n for code, n in zip(BLOCS, self.seats, strict=True) if n}


def canonical_bloc(code: str) -> str:
    """The bloc code used by the model for a code found in the records."""
    code = ALIASES.get(code, code)
    if code not in BLOC_INDEX:
        raise DataError(f"congress_votes_by_bloc.csv: unknown bloc code {code!r}")
    return code


def by_bloc_rows() -> list[dict[str, str]]:
    """Every row of the by-bloc roll-call records, all periods."""
    rows: list[dict[str, str]] = []
    for name in BY_BLOC_FILES:
        with data_path(name).open(encoding="utf-8", newline="") as f:
            rows.extend(csv.DictReader(f))
    return rows


@lru_cache(maxsize=1)
def _records() -> tuple[Composition, ...]:
    by_date: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}
    for row in by_bloc_rows():
        key = (row["date"], row["time"])
        code = canonical_bloc(row["bloc"])
        by_date.setdefault(key, {})[code] = (int(row["seats"]), int(row["other"] or 0))
    # One composition per date: the last record of the day.
    last_of_day: dict[str, dict[str, tuple[int, int]]] = {}
    for (date, _time), blocs in sorted(by_date.items()):
        last_of_day[date] = blocs
    records = [_installation()]
    for date, blocs in sorted(last_of_day.items()):
        seats = tuple(blocs.get(code, (0, 0))[0] for code in BLOCS)
        suspended = tuple(blocs.get(code, (0, 0))[1] for code in BLOCS)
        if sum(seats) != LEGAL_NUMBER:
            raise DataError(f"congress_votes_by_bloc.csv: seats on {date} sum to {sum(seats)}")
        records.append(Composition(dt.date.fromisoformat(date), seats, suspended))
    return tuple(records)


def _installation() -> Composition:
    seats = dict.fromkeys(BLOCS, 0)
    path = data_path("peru/congress_2021_election.csv")
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            seats[_PARTY_CODES[row["party"]]] += int(row["seats"])
    if sum(seats.values()) != LEGAL_NUMBER:
        raise DataError("congress_2021_election.csv: seats do not sum to 130")
    return Composition(INSTALLED, tuple(seats[c] for c in BLOCS), (0,) * len(BLOCS))


def check_term(date: dt.date) -> None:
    """Raise a one-line error for a date outside the 2021-2026 Congress."""
    if not INSTALLED <= date <= TERM_ENDS:
        raise UprisingError(
            f"--date {date.isoformat()}: outside the 2021-2026 Congress "
            f"(allowed range [{INSTALLED.isoformat()}, {TERM_ENDS.isoformat()}])"
        )


def composition_on(date: dt.date) -> Composition:
    """Bloc seats on `date`: the nearest record on or before it."""
    check_term(date)
    chosen = _records()[0]
    for record in _records():
        if record.record_date <= date:
            chosen = record
    return chosen

"""Parliamentary blocs of the 2021-2026 Congress and their seats on any date.

Seats come from the roll-call records in `peru/congress_votes_by_bloc.csv` (2021-2022) and
`peru/congress_2023_votes_by_bloc.csv` (January-March 2023) (column `seats`, the bloc's legal
number on that day; `other` counts suspended members) and, before the first record, from the
installation of Congress (`peru/congress_2021_election.csv`). A date between
two records takes the nearest earlier record, as the blocs only change by splits and moves
that the next record shows. The blocs themselves (codes, names, groups, calibrated stances) are
data: `peru/congress_blocs.csv`.
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

GROUPS: tuple[str, ...] = ("left", "centre", "right")
BLOC_TABLE = "peru/congress_blocs.csv"


@dataclass(frozen=True)
class Bloc:
    """One row of `peru/congress_blocs.csv`: a bloc code of the records and what the model
    knows of it. `group` is a modelling choice (where the bloc stood toward Castillo's
    government when it first appears); the two stances are the calibrated defaults."""

    code: str
    name: str
    group: str
    party_2021: str  # its party at the 2021 election, where it had one
    alias: str  # another code of the same members in the records
    vacancy_stance: float
    early_elections_stance: float
    early_elections_note: str  # why the early-elections stance is what it is, where not fitted


@lru_cache(maxsize=1)
def bloc_table() -> tuple[Bloc, ...]:
    """Every bloc of the 2021-2026 Congress, in the fixed order used by all arrays."""
    with data_path(BLOC_TABLE).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    blocs = tuple(
        Bloc(
            code=row["code"],
            name=row["name"],
            group=row["group"],
            party_2021=row["party_2021"],
            alias=row["alias"],
            vacancy_stance=float(row["vacancy_stance"]),
            early_elections_stance=float(row["early_elections_stance"]),
            early_elections_note=row["early_elections_note"],
        )
        for row in rows
    )
    for bloc in blocs:
        if bloc.group not in GROUPS:
            raise DataError(f"congress_blocs.csv: group of {bloc.code} is {bloc.group!r} (one of {GROUPS})")
    return blocs


# Every bloc code that appears in the records, in a fixed order used by all arrays.
BLOCS: tuple[str, ...] = tuple(b.code for b in bloc_table())
BLOC_INDEX = {code: i for i, code in enumerate(BLOCS)}

# The by-bloc roll-call records, one file per period, read together.
BY_BLOC_FILES = ("peru/congress_votes_by_bloc.csv", "peru/congress_2023_votes_by_bloc.csv")

# A code of the same members under an earlier name counts as one bloc (congress_blocs.csv, alias).
ALIASES = {b.alias: b.code for b in bloc_table() if b.alias}

# Event effects (allegations, the self-coup) differ by group, not by bloc.
GROUP_OF = {b.code: b.group for b in bloc_table()}
BLOC_NAMES = {b.code: b.name for b in bloc_table()}

# Party names of the 2021 election file, mapped to the bloc codes of the installation session.
_PARTY_CODES = {b.party_2021: b.code for b in bloc_table() if b.party_2021}


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

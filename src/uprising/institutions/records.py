"""The recorded roll calls: official totals and per-bloc counts, read from the packaged data."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from uprising.data import data_path
from uprising.errors import DataError
from uprising.institutions.blocs import BLOC_INDEX, BLOCS, by_bloc_rows, canonical_bloc
from uprising.institutions.motions import Motion


@dataclass(frozen=True)
class RecordedVote:
    """One roll call as recorded. Per-bloc arrays are in `BLOCS` order.

    `yes`, `no`, `abstain` are the announced totals (`congress_votes.csv`, and
    `congress_2023_votes.csv` for 2023); the per-bloc counts are the record (the `_by_bloc`
    files), which on 7 Dec 2022 has 102 yes against the announced 101. `absent` lumps absent,
    present without voting, on leave and suspended.
    """

    date: dt.date
    time: str
    yes: int
    no: int
    abstain: int
    result: str
    seats: np.ndarray
    yes_by_bloc: np.ndarray
    no_by_bloc: np.ndarray
    abstain_by_bloc: np.ndarray
    absent_by_bloc: np.ndarray
    suspended_by_bloc: np.ndarray

    def bloc_dict(self, which: str = "yes") -> dict[str, int]:
        counts = getattr(self, f"{which}_by_bloc")
        return {b: int(counts[i]) for i, b in enumerate(BLOCS) if self.seats[i]}


TOTALS_FILES = ("peru/congress_votes.csv", "peru/congress_2023_votes.csv")


@lru_cache(maxsize=1)
def _totals() -> dict[tuple[str, str], tuple[int, int, int, str]]:
    out = {}
    for name in TOTALS_FILES:
        with data_path(name).open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                counts = (int(row["yes"]), int(row["no"]), int(row["abstain"]))
                out[(row["date"], row["time"])] = (*counts, row["result"])
    return out


@lru_cache(maxsize=1)
def _by_bloc() -> dict[tuple[str, str], dict[str, np.ndarray]]:
    out: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    columns = ("seats", "yes", "no", "abstain", "absent", "suspended")
    for row in by_bloc_rows():
        key = (row["date"], row["time"])
        arrays = out.setdefault(key, {c: np.zeros(len(BLOCS), dtype=np.int64) for c in columns})
        i = BLOC_INDEX[canonical_bloc(row["bloc"])]
        seats = int(row["seats"])
        yes, no, abstain = int(row["yes"]), int(row["no"]), int(row["abstain"])
        arrays["seats"][i] += seats
        arrays["yes"][i] += yes
        arrays["no"][i] += no
        arrays["abstain"][i] += abstain
        arrays["absent"][i] += seats - yes - no - abstain
        arrays["suspended"][i] += int(row["other"] or 0)
    return out


def recorded_vote(motion: Motion) -> RecordedVote | None:
    """The record of a roll call, or None for a kind of motion with no date."""
    if motion.date is None or motion.time is None:
        return None
    key = (motion.date.isoformat(), motion.time)
    if key not in _totals() or key not in _by_bloc():
        raise DataError(f"congress votes: no record for {motion.name} ({key[0]} {key[1]})")
    yes, no, abstain, result = _totals()[key]
    b = _by_bloc()[key]
    return RecordedVote(
        date=motion.date,
        time=motion.time,
        yes=yes,
        no=no,
        abstain=abstain,
        result=result,
        seats=b["seats"],
        yes_by_bloc=b["yes"],
        no_by_bloc=b["no"],
        abstain_by_bloc=b["abstain"],
        absent_by_bloc=b["absent"],
        suspended_by_bloc=b["suspended"],
    )

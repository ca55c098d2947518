"""Crowd estimates of December 2022 (`data/peru/observed/crowds.csv`) and the model beside them.

Each row is one reported figure for one action (a march, a rally, an airport taken) on one day
in one department: `low` is the figure or the bottom of its range, `high` its top (empty when the
source says only "more than", "hundreds", "thousands"). The figures are lower bounds of the day's
street participation in that department and often disputed: every estimate found is kept, none is
averaged. The comparison puts beside each the model's participants (people in the street at the
day's peak, the daily `participants` column) in that department on that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from uprising.data import data_path
from uprising.data.peru_data import fold_name, read_csv_rows
from uprising.errors import DataError
from uprising.observed.loader import DAY0
from uprising.observed.observation import participation_matrix
from uprising.recorder.output import RunOutput

CROWDS_FILE = "peru/observed/crowds.csv"
WINDOW_DAYS = 25  # 7 to 31 December 2022, the observed window
COLUMNS = ["date", "date_basis", "department", "place", "low", "high", "estimated_by", "source"]
DATE_BASES = ("event", "report")  # the day of the action, or the day it was reported
MAX_PEOPLE = 10_000_000


@dataclass(frozen=True)
class CrowdEstimate:
    """One reported crowd figure: people, a lower bound (`high` None when open-ended)."""

    date: date
    date_basis: str
    department: str
    place: str
    low: int
    high: int | None
    estimated_by: str
    source: str


def _people(value: str, where: str, column: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise DataError(f"{where}: {column} {value!r} is not a whole number of people") from None
    if not 1 <= n <= MAX_PEOPLE:
        raise DataError(f"{where}: {column} {n} out of range [1, {MAX_PEOPLE:,}]")
    return n


def load_crowds(
    path: Path | str | None = None,
    departments: list[str] | None = None,
    first: date = DAY0,
    days: int = WINDOW_DAYS,
) -> list[CrowdEstimate]:
    """The crowd estimates in `path` (default: the package's), each checked: a known department,
    a date within [first, first + days), people as whole numbers with low <= high."""
    from uprising.data.peru_data import load_peru_data

    file = Path(path) if path is not None else data_path(CROWDS_FILE)
    names = list(departments) if departments is not None else list(load_peru_data().names)
    folded = {fold_name(n): n for n in names}
    last = first + timedelta(days=days - 1)
    out = []
    for i, r in enumerate(read_csv_rows(file.name, file.parent, COLUMNS), 2):
        where = f"{file.name} line {i}"
        try:
            when = date.fromisoformat(r["date"].strip())
        except ValueError:
            raise DataError(f"{where}: date {r['date']!r} is not an ISO date (YYYY-MM-DD)") from None
        if not first <= when <= last:
            raise DataError(f"{where}: date {when} outside the run, expected {first} to {last}")
        basis = r["date_basis"].strip()
        if basis not in DATE_BASES:
            raise DataError(f"{where}: date_basis {basis!r}, expected one of {', '.join(DATE_BASES)}")
        key = fold_name(r["department"])
        if key not in folded:
            raise DataError(
                f"{where}: department {r['department']!r} unknown; expected one of {', '.join(names)}"
            )
        low = _people(r["low"].strip(), where, "low")
        high = _people(r["high"].strip(), where, "high") if r["high"].strip() else None
        if high is not None and high < low:
            raise DataError(f"{where}: high {high} below low {low}")
        out.append(
            CrowdEstimate(when, basis, folded[key], r["place"], low, high, r["estimated_by"], r["source"])
        )
    return out


def crowd_comparison(outputs: list[RunOutput], estimates: list[CrowdEstimate]) -> list[dict[str, Any]]:
    """For each estimate: the model's median participants over runs in its department on its day,
    and that median over the estimate's low (and high) figure; None where the day is not run."""
    if not outputs:
        return []
    start = date.fromisoformat(outputs[0].start_date) if outputs[0].start_date else DAY0
    index = {name: d for d, name in enumerate(outputs[0].departments)}
    stacked = np.stack([participation_matrix(o) for o in outputs])  # [run, day, department]
    rows = []
    for e in estimates:
        day = (e.date - start).days
        model = None
        if 0 <= day < stacked.shape[1] and e.department in index:
            model = float(np.median(stacked[:, day, index[e.department]]))
        rows.append(
            {
                "date": e.date.isoformat(),
                "department": e.department,
                "place": e.place,
                "estimate_low": e.low,
                "estimate_high": e.high,
                "estimated_by": e.estimated_by,
                "model_participants_median": None if model is None else round(model, 1),
                "ratio_to_low": None if model is None else round(model / e.low, 3),
                "ratio_to_high": None if model is None or e.high is None else round(model / e.high, 3),
            }
        )
    return rows

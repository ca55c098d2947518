"""The validation scorecard: each observed target (of December 2022, or of a map world's
observed.csv: totals over the run) against the ensemble.

A target passes when the simulated median is within its tolerance of the observed value:
|median - observed| <= max(absolute tolerance, relative tolerance * |observed|). The 90% band
(5th-95th percentile over runs) is shown beside it. A target the runs do not reach (a run that
ends before the target's day) is listed without a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy.stats import rankdata

from uprising.observed.metrics import FOURTH_DAY  # model day 3: 10 Dec when day 0 is 7 Dec
from uprising.report.ensemble import Band
from uprising.report.observed_series import ObservedSeries
from uprising.report.words import DEPARTMENTS, Places

DEATHS_BY = date(2022, 12, 24)  # the Defensoría register of 24 Dec
SOUTHERN = ("Apurímac", "Arequipa", "Ayacucho", "Cusco", "Madre de Dios", "Moquegua", "Puno", "Tacna")
"""The Macro Región Sur, where most of the December 2022 protest and deaths were."""


@dataclass(frozen=True)
class Tolerance:
    absolute: float
    relative: float = 0.0
    unit: str = ""

    def allowed(self, observed: float) -> float:
        return max(self.absolute, self.relative * abs(observed))

    def text(self) -> str:
        parts = [f"±{self.absolute:g} {self.unit}".strip()]
        if self.relative:
            parts.append(f"±{100 * self.relative:g}%")
        return " or ".join(parts) + (", the larger" if self.relative else "")


DEPARTMENTS_DAY4 = Tolerance(3, unit="departments")
PEAK_BLOCKADES = Tolerance(10, 0.5, "points")
PEAK_BLOCKADE_DAY = Tolerance(2, unit="days")
TOTAL_DEATHS = Tolerance(5, 0.5, "deaths")
DEPARTMENT_DEATHS = Tolerance(3, unit="deaths")
DEPARTMENT_DAYS = Tolerance(5, 0.5, "department-days")
SOUTHERN_RANK = Tolerance(3, unit="ranks")
ZERO_COUNT_UNITS = ("deaths", "points", "departments", "regions")
"""Units of counts: a target observing zero of them is left out of the headline."""


@dataclass(frozen=True)
class ScoreRow:
    """One target: observed value, simulated median and 90% band, tolerance and verdict."""

    target: str
    unit: str
    observed: float
    median: float | None
    low: float | None
    high: float | None
    tolerance: str
    passed: bool | None  # None: the runs do not reach the target
    note: str = ""


def score(
    target: str, unit: str, observed: float, samples: list[float] | None, tol: Tolerance, note: str = ""
) -> ScoreRow:
    """Score one target from the per-run values `samples` (None: not reached by the runs)."""
    if not samples:
        return ScoreRow(target, unit, observed, None, None, None, tol.text(), None, note)
    band = Band.of(np.asarray(samples, dtype=float))
    median = float(band.median)
    passed = abs(median - observed) <= tol.allowed(observed) + 1e-9
    return ScoreRow(
        target, unit, observed, median, float(band.low), float(band.high), tol.text(), passed, note
    )


def mean_rank(values: dict[str, float], group: tuple[str, ...]) -> float:
    """Mean rank of the departments of `group` when all are ranked by `values` (1 = highest; ties share)."""
    names = list(values)
    ranks = rankdata([-float(values[n]) for n in names], method="average")
    chosen = [r for n, r in zip(names, ranks, strict=True) if n in group]
    return float(np.mean(chosen))


def scorecard(metrics: list[dict], observed: ObservedSeries, places: Places = DEPARTMENTS) -> list[ScoreRow]:
    """The scorecard rows of runs (their `run_metrics`) against the observed series, naming
    their world's `places`."""
    days = observed.run_days
    until = f"to {days - 1}"
    rows = []

    obs_day4 = [v for v in observed.departments_active[: FOURTH_DAY + 1] if v is not None]
    if obs_day4:
        reached = days > FOURTH_DAY
        rows.append(
            score(
                f"{places.many} reported active by day {FOURTH_DAY + 1} (most on days 0-{FOURTH_DAY})",
                places.many,
                max(obs_day4),
                [max(m["departments_reported_active_by_day"][: FOURTH_DAY + 1]) for m in metrics]
                if reached
                else None,
                Tolerance(DEPARTMENTS_DAY4.absolute, unit=places.many),
                f"observed: {places.many} named in reports, a lower bound",
            )
        )

    known = [(d, b) for d, b in enumerate(observed.blockades) if b is not None]
    if known:
        peak_day, peak = max(known, key=lambda x: x[1])
        reached = days > peak_day
        rows.append(
            score(
                "peak national road blockades",
                "points",
                peak,
                [max(m["blockades_by_day"][:days]) for m in metrics] if reached else None,
                PEAK_BLOCKADES,
                f"observed: {places.blockades_source} count",
            )
        )
        rows.append(
            score(
                "day of the peak of blockades",
                "model day",
                peak_day,
                [int(np.argmax(m["blockades_by_day"][:days])) for m in metrics] if reached else None,
                PEAK_BLOCKADE_DAY,
            )
        )

    by = (DEATHS_BY - observed.start).days
    if 0 <= by < len(observed.cumulative_deaths):
        rows.append(
            score(
                f"total deaths by {DEATHS_BY.strftime('%-d %b %Y')} (model day {by})",
                "deaths",
                observed.cumulative_deaths[by],
                [m["cumulative_deaths_by_day"][by] for m in metrics] if days > by else None,
                TOTAL_DEATHS,
                "observed: Defensoría register",
            )
        )
    else:  # observed data of another window than December 2022: totals over the run
        rows.extend(run_totals(metrics, observed, places))

    for name, obs_deaths in observed.deaths_in_run.items():
        samples = [m["deaths_by_department"].get(name, 0) for m in metrics]
        if obs_deaths or float(np.median(samples)) > 0:
            rows.append(
                score(
                    f"deaths in {name} (days 0 {until})",
                    "deaths",
                    obs_deaths,
                    samples,
                    DEPARTMENT_DEATHS,
                )
            )

    southern = tuple(n for n in SOUTHERN if n in observed.days_active_by_department)
    if southern and any(observed.days_active_by_department.values()):
        rows.append(
            score(
                f"mean rank of the {len(southern)} southern departments (1 = most mobilised)",
                "rank",
                mean_rank(observed.days_active_by_department, southern),
                [mean_rank(m["days_reported_active_by_department"], southern) for m in metrics],
                SOUTHERN_RANK,
                "both ranked by days reported active (simulated: through the observation model)",
            )
        )
    return rows


def run_totals(metrics: list[dict], observed: ObservedSeries, places: Places = DEPARTMENTS) -> list[ScoreRow]:
    """Targets over the whole run: deaths, and department-days reported active (summed over the
    days with a report; simulated through the observation model on the same days)."""
    days = observed.run_days
    rows = []
    if observed.cumulative_deaths:
        last = min(days, len(observed.cumulative_deaths)) - 1
        rows.append(
            score(
                f"total deaths (days 0 to {last})",
                "deaths",
                observed.cumulative_deaths[last],
                [m["cumulative_deaths_by_day"][last] for m in metrics],
                TOTAL_DEATHS,
            )
        )
    reported = [d for d, v in enumerate(observed.departments_active[:days]) if v is not None]
    if reported:
        rows.append(
            score(
                f"{places.one}-days reported active (the {len(reported)} days with a report)",
                f"{places.one}-days",
                sum(observed.departments_active[d] or 0 for d in reported),
                [sum(m["departments_reported_active_by_day"][d] for d in reported) for m in metrics],
                Tolerance(DEPARTMENT_DAYS.absolute, DEPARTMENT_DAYS.relative, f"{places.one}-days"),
                f"observed: {places.many} named in reports, a lower bound",
            )
        )
    return rows


def scorecard_headline(rows: list[ScoreRow]) -> str:
    """How many targets pass, the targets whose observed count is zero left out of the count
    (a median of 0 deaths passes them with little to show) and stated apart."""
    scored = [r for r in rows if r.passed is not None]
    zero = [r for r in scored if r.observed == 0 and r.unit in ZERO_COUNT_UNITS]
    counted = [r for r in scored if r not in zero]
    text = f"{sum(r.passed is True for r in counted)} of {len(counted)} targets pass"
    if zero:
        passed = sum(r.passed is True for r in zero)
        text += (
            f", not counting {len(zero)} target(s) whose observed count is zero ({passed} of them"
            " pass; shown in the table)"
        )
    return text + "."

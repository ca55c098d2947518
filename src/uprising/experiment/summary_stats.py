"""Summary statistics that put a run beside observed data, and named scalar outputs of a run.

Calibration compares flat dicts of numbers (`stat name -> value`): for the classic torus the
mean and peak actives and the final jailed of a per-tick series; for Peru the observation
model's summaries (`OBSERVATION_SUMMARIES`): departments reported active on the days the lists
name any, deaths by period and department group, and Sutran's blockade points on the days it
counted (`blockades_by_day[5]`, `deaths_by_period_and_group[11-15 Dec|south]`), kept only where
the observed data have a value. A map world's are the same summaries of its observed.csv
(`MAP_OBSERVATION_SUMMARIES`, see `load_map_target`) and its regions' nearness to a report.
Sensitivity reads the scalar outputs of `uprising.observed.scalar_metrics`, with the units its
plots print, and the error of each summary against December's data (`SUMMARY_ERRORS`), the
outputs that screen the parameters.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from uprising.data.peru_data import read_csv_rows
from uprising.errors import DataError, UprisingError
from uprising.recorder.output import RunOutput
from uprising.scenario.model import Scenario

CLASSIC_STATS = ("mean_active", "peak_active", "final_jailed")
PERU_METRICS = (
    "departments_reported_active_by_day",  # through the observation model, as the sources saw it
    "deaths_by_department",
    "cumulative_deaths_by_day",
    "blockades_by_day",
)
# The observation model's summaries a Peru calibration compares (see `observation_summaries`).
OBSERVATION_SUMMARIES = (
    "departments_reported_active_by_day",  # through the observation model, as the lists saw it
    "deaths_by_period_and_group",
    "blockades_by_day",  # Sutran's national counts, on the days it gave one
)
# Deaths are compared summed over periods [first day, last day + 1) and groups of departments:
# a death's exact day and department are too rare to compare one by one (28 in December).
DEATH_PERIODS = (("7-10 Dec", 0, 4), ("11-15 Dec", 4, 9), ("16-31 Dec", 9, 10_000))
DEATH_GROUPS = {
    "Apurimac-Ayacucho": ("Apurímac", "Ayacucho"),  # the airport sieges, 16 of the 28 deaths
    "south": ("Arequipa", "Cusco", "Madre de Dios", "Moquegua", "Puno", "Tacna"),
    "Lima-Callao": ("Lima", "Callao"),
}
OTHER_GROUP = "rest"  # every other department
# The cells deaths are summed into, by name: "coarse" (the periods and groups above, those of the
# shipped calibration) or "fine", which sees when Apurímac's dead fell (5 of its 6 on 11-12
# December, at the airport siege) apart from Ayacucho's (8 on 15 December): 4 periods by 5 groups.
FINE_DEATH_PERIODS = (("7-10 Dec", 0, 4), ("11-12 Dec", 4, 6), ("13-15 Dec", 6, 9), ("16-31 Dec", 9, 10_000))
FINE_DEATH_GROUPS = {
    "Apurimac": ("Apurímac",),
    "Ayacucho": ("Ayacucho",),
    "south": DEATH_GROUPS["south"],
    "Lima-Callao": DEATH_GROUPS["Lima-Callao"],
}
DEATH_CELLS = {"coarse": (DEATH_PERIODS, DEATH_GROUPS), "fine": (FINE_DEATH_PERIODS, FINE_DEATH_GROUPS)}
# A map world's: the same summaries over its regions, from its observed.csv.
MAP_OBSERVATION_SUMMARIES = (
    "regions_reported_active_by_day",  # on the days observed.csv has a `protest` row
    "deaths_by_period_and_group",
    "blockades_by_day",  # on the days observed.csv has a `blockades` row
)
# Beside them, on the same days, the regions' nearness to a report (`ObservationModel.nearness`)
# summed over regions against the same observed count: runs whose crowds all stay under the
# reporting threshold give the same reports (none), but not the same nearness, so a calibration
# can still tell the runs that came close from those in which nobody went out.
MAP_NEARNESS = "regions_near_report_by_day"
# A map world's deaths are compared summed over periods of this many days from day 0, and over
# groups: each of the (at most MAP_DEATH_GROUPS) regions with the most observed deaths alone,
# the others together (`OTHER_GROUP`).
MAP_DEATH_PERIOD_DAYS = 4
MAP_DEATH_GROUPS = 4
SERIES_COLUMNS = ("tick", "quiescent", "active", "jailed")
PERU_FILES = ("deaths.csv", "blockades.csv", "regions_active.csv")

# Named scalar outputs of a run (the keys of `uprising.observed.scalar_metrics`) and their units.
OUTPUT_UNITS = {
    "mean_active": "people active, mean over days",
    "peak_active": "people active at the peak",
    "final_jailed": "people jailed at the end",
    "total_deaths": "deaths",
    "peak_blockades": "road blockades at the peak",
    "peak_blockade_day": "day of the blockade peak",
    "departments_active_max": "departments reported active, most in a day",
    "departments_active_day4": "departments reported active by day 4",
    "participation_peak": "people in the street at the national peak (participants)",
}
# The error of each observation summary against December's data: the mean absolute error of its
# entries divided by their observed mean (at least 1), a term of `normalised_distance`.
SUMMARY_ERRORS = {
    "reported_active_error": "departments_reported_active_by_day",
    "deaths_error": "deaths_by_period_and_group",
    "blockades_error": "blockades_by_day",
}
OUTPUT_UNITS.update(dict.fromkeys(SUMMARY_ERRORS, "error against December, share of the observed mean"))


def check_outputs(names: list[str]) -> list[str]:
    """The output names, checked against `OUTPUT_UNITS` (one error line naming the bad one)."""
    if not names:
        raise UprisingError(f"--outputs: give at least one of {', '.join(OUTPUT_UNITS)}")
    for name in names:
        if name not in OUTPUT_UNITS:
            raise UprisingError(f"--outputs {name}: unknown output; allowed: {', '.join(OUTPUT_UNITS)}")
    return names


def scalar_outputs(output: RunOutput, names: list[str]) -> dict[str, float]:
    """The named scalar outputs of one run (a summary's error against the package's December data)."""
    from uprising.observed import scalar_metrics

    values = scalar_metrics(output)
    if any(name in SUMMARY_ERRORS for name in names):
        values.update(summary_errors(output))
    return {name: float(values[name]) for name in names}


def summary_errors(output: RunOutput) -> dict[str, float]:
    """Each observation summary's error (see `SUMMARY_ERRORS`) against December's data."""
    from uprising.observed import load_observed

    observed = observed_summaries(load_observed(), output.days)
    simulated = _PeruRunStats(output.days)(output)
    return {
        name: block_error(simulated, {k: v for k, v in observed.items() if block_of(k) == block})
        for name, block in SUMMARY_ERRORS.items()
    }


def check_death_cells(cells: str) -> None:
    """One line naming the choices when `cells` is not one of `DEATH_CELLS`."""
    if cells not in DEATH_CELLS:
        raise UprisingError(f"--death-cells {cells}: must be one of {', '.join(DEATH_CELLS)}")


def death_group_of(names: list[str], cells: str = "coarse") -> list[str]:
    """The group (of `DEATH_CELLS[cells]`, else `OTHER_GROUP`) of each department."""
    check_death_cells(cells)
    group = {d: g for g, members in DEATH_CELLS[cells][1].items() for d in members}
    return [group.get(d, OTHER_GROUP) for d in names]


def deaths_by_period_and_group(deaths: np.ndarray, names: list[str], cells: str = "coarse") -> dict[str, int]:
    """`{"11-15 Dec|south": n}` from deaths[day, department]: the periods that start within the
    days, by the periods and groups of `DEATH_CELLS[cells]`."""
    groups = death_group_of(names, cells)
    periods, members = DEATH_CELLS[cells]
    out = {}
    for period, first, end in periods:
        if first >= deaths.shape[0]:
            continue
        by_department = deaths[first:end].sum(axis=0)
        for group in (*members, OTHER_GROUP):
            total = sum(int(n) for n, g in zip(by_department, groups, strict=True) if g == group)
            out[f"{period}|{group}"] = total
    return out


def classic_stats(active: np.ndarray, jailed: np.ndarray) -> dict[str, float]:
    """Mean and peak actives over ticks 1.. (tick 0 is the initial state) and the final jailed."""
    after = active[1:] if active.size > 1 else active
    return {
        "mean_active": float(after.mean()),
        "peak_active": float(after.max()),
        "final_jailed": float(jailed[-1]),
    }


def flatten_metrics(metrics: dict[str, Any], keys: tuple[str, ...] = PERU_METRICS) -> dict[str, float]:
    """`{"blockades_by_day": [3, None]}` -> `{"blockades_by_day[0]": 3.0}`: one number per entry.

    Entries that are None (not observed) are left out, so a distance compares observed values only.
    """
    flat: dict[str, float] = {}
    for key in keys:
        value = metrics.get(key)
        if value is None:
            continue
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list | tuple):
            items = enumerate(value)
        else:
            flat[key] = float(value)
            continue
        for index, item in items:
            if item is not None:
                flat[f"{key}[{index}]"] = float(item)
    return flat


def block_of(stat: str) -> str:
    """The metric a flat statistic belongs to: `blockades_by_day[3]` -> `blockades_by_day`."""
    return stat.split("[", 1)[0]


def normalised_distance(simulated: dict[str, float], observed: dict[str, float]) -> float:
    """Mean over metrics of the mean absolute error of their entries, divided by the metric's scale.

    The scale of a metric is the mean absolute observed value of its entries (at least 1), so a
    metric counted in thousands of people weighs as much as one counted in departments.
    Statistics absent from `observed` are ignored; a simulated one that is absent counts as 0.
    """
    blocks: dict[str, dict[str, float]] = {}
    for stat, target in observed.items():
        blocks.setdefault(block_of(stat), {})[stat] = target
    if not blocks:
        return 0.0
    return sum(block_error(simulated, part) for part in blocks.values()) / len(blocks)


def block_error(simulated: dict[str, float], observed: dict[str, float]) -> float:
    """Mean absolute error of the observed entries over their mean absolute value (at least 1)."""
    if not observed:
        return 0.0
    errors = [abs(simulated.get(stat, 0.0) - target) for stat, target in observed.items()]
    scale = max(float(np.mean([abs(t) for t in observed.values()])), 1.0)
    return float(np.mean(errors)) / scale


def _series_file(folder: Path) -> Path:
    named = folder / "series.csv"
    if named.exists():
        return named
    candidates = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f), [])
        if all(c in header for c in SERIES_COLUMNS):
            candidates.append(path)
    if len(candidates) != 1:
        found = "none" if not candidates else ", ".join(p.name for p in candidates)
        raise DataError(
            f"--observed {folder}: expected series.csv (columns {', '.join(SERIES_COLUMNS)}, "
            f"as written by `uprising simulate --out`) or exactly one CSV with them; found {found}"
        )
    return candidates[0]


def series_stats(folder: Path) -> dict[str, float]:
    """The classic statistics of a per-tick series CSV in `folder` (see `_series_file`)."""
    path = _series_file(folder)
    columns: dict[str, list[float]] = {c: [] for c in SERIES_COLUMNS}
    for line, row in enumerate(read_csv_rows(path.name, path.parent, list(SERIES_COLUMNS)), 2):
        for c in SERIES_COLUMNS:
            try:
                value = float(row[c])
            except (TypeError, ValueError):
                raise DataError(f"{path.name} line {line}: {c} = {row[c]!r} is not a number") from None
            if not math.isfinite(value) or value < 0:
                raise DataError(f"{path.name} line {line}: {c} = {row[c]}: must be >= 0")
            columns[c].append(value)
    return classic_stats(np.asarray(columns["active"]), np.asarray(columns["jailed"]))


def run_days(scenario: Scenario) -> int:
    """Days the daily table of a run of `scenario` covers (day 0 holds ticks 1..ticks_per_day)."""
    return max(1, math.ceil(scenario.run.steps / scenario.run.ticks_per_day))


@dataclass(frozen=True)
class Target:
    """Observed statistics and the function that computes the same statistics from a run."""

    kind: str  # "classic" (series.csv), "peru" (observed folder of uprising.observed) or "map"
    observed: dict[str, float]
    stats_of: Callable[[RunOutput], dict[str, float]]


def _classic_run_stats(output: RunOutput) -> dict[str, float]:
    national = output.national()
    return classic_stats(national["active"].to_numpy(), national["jailed"].to_numpy())


def observation_stats(
    output: RunOutput,
    days: int,
    keys: tuple[str, ...],
    deaths_of: Callable[[np.ndarray], Mapping[str, float]],
) -> dict[str, float]:
    """The flat observation summaries of a run over its first `days` days, named by `keys`
    (places reported active by day, deaths by period and group, blockades by day);
    `deaths_of(deaths[day, place])` sums the deaths into their cells."""
    from uprising.observed.observation import reported_active_of

    days = min(days, output.days)
    killed = output.daily["killed"].to_numpy().reshape(output.days, len(output.departments))
    active_key, deaths_key, blockades_key = keys
    metrics = {
        active_key: reported_active_of(output).sum(axis=1)[:days].tolist(),
        deaths_key: deaths_of(killed[:days]),
        blockades_key: output.national()["blockades"].to_list()[:days],
    }
    return flatten_metrics(metrics, keys)


@dataclass(frozen=True)
class _PeruRunStats:
    """Flat Peru statistics of a run over its first `days` days (picklable, for worker processes)."""

    days: int
    death_cells: str = "coarse"

    def __call__(self, output: RunOutput) -> dict[str, float]:
        names = output.departments
        return observation_stats(
            output,
            self.days,
            OBSERVATION_SUMMARIES,
            lambda deaths: deaths_by_period_and_group(deaths, names, self.death_cells),
        )


def observed_summaries(obs: Any, days: int, death_cells: str = "coarse") -> dict[str, float]:
    """The observation summaries of observed data (`uprising.observed.Observed`) over `days` days.

    Deaths leave out the one added retroactively (the December count was 28); blockades use
    Sutran's national totals without the one marked of low reliability; a day counts for the
    departments reported active when the lists name any department that day.
    """
    from uprising.observed import observed_metrics

    metrics = observed_metrics(obs, days=days)
    deaths = np.zeros((days, len(obs.departments)), dtype=np.int64)
    index = {d: i for i, d in enumerate(obs.departments)}
    within = obs.deaths.filter(~pl.col("retroactive") & (pl.col("day") >= 0) & (pl.col("day") < days))
    for day, department, n in within.select("day", "department", "deaths").iter_rows():
        deaths[day, index[department]] += n
    metrics["deaths_by_period_and_group"] = deaths_by_period_and_group(deaths, obs.departments, death_cells)
    return flatten_metrics(metrics, OBSERVATION_SUMMARIES)


@dataclass(frozen=True)
class DeathCells:
    """How a map world's deaths are summed: each region's group and the periods (label, first
    day, last day + 1)."""

    groups: tuple[str, ...]  # one per region, in the order of the run's regions
    periods: tuple[tuple[str, int, int], ...]

    def of(self, deaths: np.ndarray) -> dict[str, float]:
        """`{"3-6 Oct|Azuay": n}` from deaths[day, region]."""
        labels = dict.fromkeys(self.groups)
        out = {}
        for period, first, end in self.periods:
            by_region = deaths[first:end].sum(axis=0)
            for group in labels:
                total = sum(float(n) for n, g in zip(by_region, self.groups, strict=True) if g == group)
                out[f"{period}|{group}"] = total
        return out


def death_cells(deaths: np.ndarray, names: list[str], start: date) -> DeathCells:
    """The periods (`MAP_DEATH_PERIOD_DAYS` days each, from day 0) and groups of regions (see
    `MAP_DEATH_GROUPS`) of observed deaths[day, region]."""
    days = deaths.shape[0]
    periods = []
    for first in range(0, days, MAP_DEATH_PERIOD_DAYS):
        end = min(first + MAP_DEATH_PERIOD_DAYS, days)
        a, b = start + timedelta(days=first), start + timedelta(days=end - 1)
        first_day = f"{a.day}" if (a.month, a.year) == (b.month, b.year) else f"{a.day} {a:%b}"
        label = f"{first_day}-{b.day} {b:%b}" if end - first > 1 else f"{b.day} {b:%b}"
        periods.append((label, first, end))
    total = deaths.sum(axis=0)
    ranked = sorted((i for i in range(len(names)) if total[i] > 0), key=lambda i: (-total[i], i))
    alone = set(ranked[:MAP_DEATH_GROUPS])
    groups = tuple(names[i] if i in alone else OTHER_GROUP for i in range(len(names)))
    return DeathCells(groups, tuple(periods))


@dataclass(frozen=True)
class _MapRunStats:
    """Flat map-world statistics of a run over its first `days` days (picklable)."""

    days: int
    cells: DeathCells

    def __call__(self, output: RunOutput) -> dict[str, float]:
        from uprising.observed.observation import report_nearness_of

        stats = observation_stats(output, self.days, MAP_OBSERVATION_SUMMARIES, self.cells.of)
        near = report_nearness_of(output).sum(axis=1)[: min(self.days, output.days)].tolist()
        stats.update(flatten_metrics({MAP_NEARNESS: near}, (MAP_NEARNESS,)))
        return stats


def load_map_target(scenario: Scenario, folder: Path, until: date | None = None) -> Target:
    """The calibration target of a map world: the observed.csv of `folder` from day 0 to `until`
    (default: the runs' last day), read as `uprising score` reads it (one error line naming the
    file, line and column otherwise; the rows after `until` are checked and left out).

    Regions reported active, and their nearness to a report (`MAP_NEARNESS`), are compared on
    the days with a `protest` row, blockades (their sum
    over regions) on the days with a `blockades` row, deaths summed by period and group of
    regions (`death_cells`) over all the days.
    """
    from uprising.data.map_data import load_map_data
    from uprising.observed.map_observed import Calendar, read_region_rows

    world = scenario.world
    start = scenario.run.start_date
    if start is None:
        raise UprisingError(
            f"run.start_date: a calibration on a map world needs dated days (scenario {scenario.name}"
            " has none); give a date, e.g. --set run.start_date=2019-10-03"
        )
    data = load_map_data(Path(world.data), world.code_property, world.name_property)
    last = start + timedelta(days=run_days(scenario) - 1)
    until = last if until is None else until
    if not start <= until <= last:
        raise UprisingError(f"--fit-until {until}: must be from {start} to {last}, the runs' days")
    days = (until - start).days + 1
    deaths = np.zeros((days, data.regions))
    blockades: list[float | None] = [None] * days
    active: list[float | None] = [None] * days
    for day, region, series, value in read_region_rows(
        folder, Calendar(start, until, last, "calibration"), list(data.codes), data.words[0]
    ):
        if series == "deaths":
            deaths[day, region] += value
        elif series == "blockades":
            blockades[day] = (blockades[day] or 0.0) + value
        elif series == "protest":
            active[day] = (active[day] or 0.0) + float(value > 0)
    cells = death_cells(deaths, list(data.names), start)
    metrics = {
        "regions_reported_active_by_day": active,
        "deaths_by_period_and_group": cells.of(deaths),
        "blockades_by_day": blockades,
        MAP_NEARNESS: active,
    }
    observed = flatten_metrics(metrics, (*MAP_OBSERVATION_SUMMARIES, MAP_NEARNESS))
    return Target("map", observed, _MapRunStats(days, cells))


def default_observed(scenario: Scenario) -> Path | None:
    """Where a calibration reads its observed data when --observed is not given: a map world's
    own data folder (its observed.csv); None for other worlds."""
    return Path(scenario.world.data) if scenario.world.kind == "map" else None


def load_target(scenario: Scenario, folder: Path, death_cells: str = "coarse") -> Target:
    """The calibration target in `folder` for `scenario`: Peru's observed data (its deaths summed
    into `DEATH_CELLS[death_cells]`), a map world's observed.csv or a classic series."""
    check_death_cells(death_cells)
    if not folder.is_dir():
        raise DataError(f"--observed {folder}: not a folder")
    if scenario.world.kind == "map":
        return load_map_target(scenario, folder)
    if scenario.world.kind == "peru":
        from uprising.observed import load_observed

        missing = [name for name in PERU_FILES if not (folder / name).exists()]
        if missing:
            raise DataError(f"--observed {folder}: missing {', '.join(missing)}")
        days = run_days(scenario)
        observed = observed_summaries(load_observed(folder), days, death_cells)
        if not observed:
            raise DataError(f"--observed {folder}: no observed value within the run's {days} days")
        return Target("peru", observed, _PeruRunStats(days, death_cells))
    return Target("classic", series_stats(folder), _classic_run_stats)

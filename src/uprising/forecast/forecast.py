"""Make a forecast: fit on the observations up to a date, simulate an ensemble, keep its series.

The fit (when asked for) is `uprising.experiment.calibrate`'s ABC-SMC over the scenario's
`calibrated` parameters, on runs that stop at the fit date and on a copy of the observed
files cut at that date: the forecast window is never seen. Ensemble member i runs with seed
`seed + i` and, after a fit, with a particle drawn from the posterior by its weight.
The series are read from each run's daily table as `uprising.observed.metrics` reads them
for the scorecard: deaths are the `killed` column, blockades the national sum of the
departments' road points, and a department is reported active on a day when at least
`active_min_people` of its people are active at the day's peak.

On a map world (`world.kind: map`) the places are the regions of its data folder, the observed
data its observed.csv (checked against the regions and the scenario's days before any run),
and the file records what scoring needs of the world: the regions' codes, the scenario's last
day and the alignment baseline's shares. A fit there reads the folder's observed.csv up to the
fit date (`uprising.experiment.summary_stats.load_map_target`).
"""

from __future__ import annotations

import csv
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from uprising import __version__
from uprising.errors import UprisingError
from uprising.experiment.calibrate import Calibration, ParameterRange
from uprising.experiment.executor import RunTask
from uprising.experiment.summary_stats import Target
from uprising.forecast.files import (
    ACTIVE,
    BLOCKADES,
    DEATHS,
    FORMAT,
    FORMAT_VERSION,
    PLACES,
    QUANTILES,
    quantiles_of,
)
from uprising.recorder.output import RunOutput
from uprising.scenario.model import Scenario

OBSERVED_FILES = ("deaths.csv", "blockades.csv", "regions_active.csv")
NO_FIT_NOTE = (
    "no fit: the scenario's values as shipped. They are not out of sample when they were tuned "
    "on data after fit_until (peru-2022's were tuned by hand on all of December 2022, so a "
    "forecast of 16-31 December from them is in sample)"
)
MAP_NO_FIT_NOTE = (
    "no fit: the scenario's values as shipped. They are not out of sample when they were tuned "
    "on data after fit_until (the forecast is then in sample): the scenario's `calibrated` "
    "section says on what they were tuned"
)


def no_fit_note(scenario: Scenario) -> str:
    """What a forecast made without a fit says of the values it ran with."""
    return NO_FIT_NOTE if scenario.world.kind == "peru" else MAP_NO_FIT_NOTE


@dataclass(frozen=True)
class Window:
    """The calendar of a forecast: the scenario's day 0, the fit's last day and the last day."""

    start: date
    fit_until: date
    until: date

    @property
    def fit_day(self) -> int:
        return (self.fit_until - self.start).days

    @property
    def last_day(self) -> int:
        return (self.until - self.start).days

    @property
    def dates(self) -> list[date]:
        return [self.fit_until + timedelta(days=i) for i in range(1, self.last_day - self.fit_day + 1)]


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UprisingError(f"{option} {text!r}: not an ISO date (YYYY-MM-DD)") from None


def check_world(scenario: Scenario) -> None:
    """A forecast needs places with observed data: Peru's departments or a map world's regions
    (one error line naming the field otherwise)."""
    kind = scenario.world.kind
    if kind not in ("peru", "map"):
        raise UprisingError(
            f"world.kind {kind}: a forecast needs places with observed data; allowed: peru, map "
            f"(scenario {scenario.name})"
        )


def default_observed(scenario: Scenario) -> Path:
    """The observed data a forecast is checked against by default: Peru's December 2022, or a
    map world's own data folder (its observed.csv)."""
    from uprising.data import data_path

    if scenario.world.kind == "map":
        return Path(scenario.world.data)
    return data_path("peru/observed/deaths.csv").parent


def map_fields(scenario: Scenario, window: Window, folder: Path, given: bool) -> dict[str, Any]:
    """What a map world's forecast file records beside Peru's (region codes, the scenario's last
    day, the alignment baseline), after checking the folder's observed.csv against them (a
    folder `given` with --observed must have one; the world's own may not)."""
    from uprising.data.map_data import load_map_data
    from uprising.forecast.baselines import alignment_baseline
    from uprising.forecast.observations import OBSERVED_CSV, Calendar, read_region_rows

    world = scenario.world
    columns = (world.alignment.column,) if world.alignment is not None else ()
    data = load_map_data(Path(world.data), world.code_property, world.name_property, columns)
    run_until = window.start + timedelta(days=scenario_days(scenario) - 1)
    if given or (folder / OBSERVED_CSV).is_file():
        calendar = Calendar(window.start, window.until, run_until)
        read_region_rows(folder, calendar, list(data.codes), data.words[0])
    return {
        "region_codes": list(data.codes),
        "run_until": run_until.isoformat(),
        "alignment": alignment_baseline(data, world),
    }


def scenario_days(scenario: Scenario) -> int:
    """Days the scenario's runs cover: day 0 holds ticks 1..ticks_per_day."""
    return max(1, -(-scenario.run.steps // scenario.run.ticks_per_day))


def check_window(scenario: Scenario, fit_until: date, until: date) -> Window:
    """The window, checked against the scenario's calendar (one error line naming the option)."""
    start = scenario.run.start_date
    if start is None:
        raise UprisingError(
            f"scenario {scenario.name}: has no calendar (run.start_date); a forecast needs dated days"
        )
    last = start + timedelta(days=scenario_days(scenario) - 1)
    if not start <= fit_until < last:
        raise UprisingError(
            f"--fit-until {fit_until}: outside the scenario's days; must be from {start} to "
            f"{last - timedelta(days=1)} ({scenario.name} runs {start} to {last})"
        )
    if not fit_until < until <= last:
        raise UprisingError(
            f"--until {until}: must be after --fit-until ({fit_until}) and at most {last}, the "
            f"scenario's last day (more days: --set run.steps=N)"
        )
    return Window(start, fit_until, until)


# A row that states nothing, for a file left empty by the cut (the loader refuses empty files):
# no death, a department's blockades (only national totals are compared), a department not active.
EMPTY_ROWS = {
    "deaths.csv": {"deaths": "0", "kind": "clash"},
    "blockades.csv": {"blockades": "0"},
    "regions_active.csv": {"active": "0"},
}


def observed_label(folder: Path) -> str:
    """How the file names the observed data: the package's by its place in the package, a user's
    folder by its name only (no machine's paths in a file meant to be shared)."""
    from uprising.data import DATA_DIR

    inside = Path(folder).resolve()
    if inside.is_relative_to(Path(DATA_DIR).resolve()):
        return f"package data {inside.relative_to(Path(DATA_DIR).resolve()).as_posix()}"
    return Path(folder).name


def cut_observed(folder: Path, last: date, into: Path) -> Path:
    """Copies of the observed files of `folder` with only the rows dated up to `last`."""
    from uprising.data.peru_data import load_peru_data

    for name in OBSERVED_FILES:
        source = folder / name
        if not source.exists():
            raise UprisingError(f"--observed {folder}: missing {name}")
        with source.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            rows = [r for r in reader if _dated_until(r.get("date", ""), last)]
        if not rows:
            rows = [{"date": last.isoformat(), "region": load_peru_data().names[0], **EMPTY_ROWS[name]}]
        with (into / name).open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)
    return into


def _dated_until(text: str | None, last: date) -> bool:
    """A row is kept when its date is on or before `last` (a bad date is kept for the loader to
    report)."""
    try:
        return date.fromisoformat((text or "").strip()) <= last
    except ValueError:
        return True


def fit_target(fit_scenario: Scenario, observed: Path, fit_until: date) -> Target:
    """The calibration target of a scenario cut at the fit date, from observations cut there too
    (on a map world, whose runs are not cut: its observed.csv's rows up to the fit date)."""
    from uprising.experiment.summary_stats import load_map_target, load_target

    if fit_scenario.world.kind == "map":
        return load_map_target(fit_scenario, observed, fit_until)
    with tempfile.TemporaryDirectory(prefix="uprising-fit-") as tmp:
        return load_target(fit_scenario, cut_observed(observed, fit_until, Path(tmp)))


def fit_window_overrides(overrides: list[str], scenario: Scenario, window: Window) -> list[str]:
    """The overrides of the fit's runs: the scenario's days cut at the fit date (a map world's
    runs keep theirs, as in `member_tasks`)."""
    if scenario.world.kind == "map":
        return [*overrides]
    return [*overrides, f"run.steps={(window.fit_day + 1) * scenario.run.ticks_per_day}"]


def fit_check(request: ForecastRequest, outputs: list[RunOutput]) -> pl.DataFrame:
    """The fit's posterior predictive check, from the members' own days up to the fit date: each
    member has a particle drawn from the posterior by weight, so the members are the check's
    runs (`experiment.predictive`), at no run more."""
    from uprising.experiment.predictive import predictive_check
    from uprising.scenario import load_scenario

    overrides = fit_window_overrides(request.overrides, request.scenario, request.window)
    target = fit_target(
        load_scenario(request.scenario_ref, overrides), request.observed, request.window.fit_until
    )
    return predictive_check(target.observed, [target.stats_of(out) for out in outputs])


def fit(
    scenario_ref: str,
    overrides: list[str],
    scenario: Scenario,
    window: Window,
    observed: Path,
    budget: int,
    populations: int,
    seed: int,
    workers: int | None,
    on_generation: Callable[[int, int, int], None] | None = None,
    ranges: list[ParameterRange] | None = None,
) -> Calibration:
    """ABC-SMC on the fit window only, of `ranges` (`--fit-param`) or by default of the scenario's
    calibrated parameters."""
    from uprising.experiment.calibrate import calibrate, calibrated_ranges, population_size_for
    from uprising.scenario import load_scenario

    if ranges is None:
        ranges = calibrated_ranges(scenario)
    size = population_size_for(budget, populations)
    fit_overrides = fit_window_overrides(overrides, scenario, window)
    target = fit_target(load_scenario(scenario_ref, fit_overrides), observed, window.fit_until)
    return calibrate(
        scenario_ref,
        target,
        overrides=tuple(fit_overrides),
        budget=budget,
        populations=populations,
        population_size=size,
        ranges=ranges,
        workers=workers,
        seed=seed,
        on_generation=on_generation,
    )


def member_tasks(
    scenario_ref: str,
    overrides: list[str],
    scenario: Scenario,
    window: Window,
    runs: int,
    seed: int,
    posterior: Calibration | None,
) -> tuple[list[RunTask], list[int]]:
    """The ensemble's runs (to `until` only; a map world's to its scenario's last day) and, after a
    fit, the posterior particle of each."""
    # A map world's runs keep the scenario's days: its world checks observed.csv against them.
    steps = (
        ()
        if scenario.world.kind == "map"
        else (f"run.steps={(window.last_day + 1) * scenario.run.ticks_per_day}",)
    )
    drawn = [] if posterior is None else posterior.draws(runs, seed)
    tasks = []
    for i in range(runs):
        extra = [] if posterior is None else posterior.overrides_of(drawn[i])
        tasks.append(RunTask(scenario_ref, (*overrides, *steps, *extra), seed + i, "forecast", i))
    return tasks, drawn


def daily_matrix(output: RunOutput, column: str) -> np.ndarray:
    """[day, department] array of one column of a run's daily table."""
    return output.daily[column].to_numpy().reshape(output.days, len(output.departments))


def member_series(output: RunOutput, window: Window) -> dict[str, np.ndarray]:
    """One run's observable series over the forecast window; departments active are those the
    sources would report, through the run's observation model (as in the run's metrics)."""
    from uprising.observed.observation import reported_active_of

    days = slice(window.fit_day + 1, window.last_day + 1)
    active = reported_active_of(output)[days].astype(np.int64)
    return {
        DEATHS: daily_matrix(output, "killed")[days],
        BLOCKADES: output.national()["blockades"].to_numpy()[days],
        ACTIVE: active.astype(np.int64),
    }


def git_commit() -> str | None:
    """The commit of the source tree this package runs from, when it is a git checkout."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and len(commit) == 40 else None


def fit_metadata(
    posterior: Calibration | None,
    drawn: list[int],
    budget: int,
    populations: int,
    note: str = NO_FIT_NOTE,
    check: pl.DataFrame | None = None,
    source: str | None = None,
) -> Any:
    """What the file records of the fit: "none" with a note, or the posterior, the draws and
    the posterior predictive check (`fit_check`); `source`: the posterior was read from this
    file or built-in name (`--posterior`), not fitted by this command."""
    if posterior is None:
        return {"method": "none", "note": note, "posterior": "none"}
    return {
        "method": "ABC-SMC (uprising.experiment.calibrate)"
        + ("" if source is None else f", posterior read from {source}"),
        "budget": budget,
        "populations": populations,
        "simulations": posterior.simulations,
        "generations": posterior.generations.to_dicts(),
        "seed": posterior.seed,
        "observed_statistics": len(posterior.observed),
        "summary": posterior.summary.to_dicts(),
        "posterior": posterior.particles.to_dicts(),
        "particle_of_member": drawn,
        **({} if check is None else {"predictive_check": check.to_dicts()}),
    }


@dataclass
class ForecastRequest:
    """What `uprising forecast` was asked for."""

    scenario_ref: str
    overrides: list[str]
    scenario: Scenario
    window: Window
    runs: int
    seed: int
    fit_budget: int
    fit_populations: int
    command: str
    observed: Path
    extra: dict[str, Any] = field(default_factory=dict)
    world_fields: dict[str, Any] = field(default_factory=dict)  # a map world's `map_fields`


def forecast_data(
    request: ForecastRequest,
    outputs: list[RunOutput],
    posterior: Calibration | None,
    drawn: list[int],
) -> dict[str, Any]:
    """The forecast file's document from the ensemble's runs (in member order)."""
    from uprising.scenario import scenario_hash

    window = request.window
    places = "regions" if request.world_fields else "departments"
    place = places.removesuffix("s")
    series = [member_series(o, window) for o in outputs]
    stacked = {name: np.stack([s[name] for s in series]) for name in (DEATHS, BLOCKADES, ACTIVE)}
    count = stacked[ACTIVE].sum(axis=2)
    blocks: dict[str, Any] = {
        name: {"members": stacked[name].tolist(), "quantiles": quantiles_of(stacked[name])}
        for name in (DEATHS, BLOCKADES, ACTIVE)
    }
    blocks[DEATHS]["description"] = f"deaths per {place} and day (the run's killed)"
    blocks[BLOCKADES]["description"] = "road points blocked in the country, the day's most"
    blocks[ACTIVE]["description"] = f"1 when the {place} has at least active_min_people active"
    blocks[ACTIVE]["probability"] = np.round(stacked[ACTIVE].mean(axis=0), 4).tolist()
    blocks[ACTIVE]["national"] = {"members": count.tolist(), "quantiles": quantiles_of(count)}
    blocks = {PLACES[places][name]: block for name, block in blocks.items()}
    metadata = {
        "scenario": request.scenario.name,
        "scenario_ref": request.scenario_ref,
        "overrides": request.overrides,
        "scenario_hash": scenario_hash(request.scenario),
        "version": __version__,
        "git_commit": git_commit(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "fit_until": window.fit_until.isoformat(),
        "until": window.until.isoformat(),
        "runs": len(outputs),
        "seeds": [o.seed for o in outputs],
        "population_scale": outputs[0].population_scale if outputs else None,
        "ticks_per_day": request.scenario.run.ticks_per_day,
        "observed": observed_label(request.observed),
        "fit": fit_metadata(
            posterior,
            drawn,
            request.fit_budget,
            request.fit_populations,
            no_fit_note(request.scenario),
            None if posterior is None else fit_check(request, outputs),
            request.extra.get("posterior_source"),
        ),
        "command": request.command,
        **request.extra,
    }
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "metadata": metadata,
        "start_date": window.start.isoformat(),
        "fit_until": window.fit_until.isoformat(),
        "until": window.until.isoformat(),
        "dates": [d.isoformat() for d in window.dates],
        places: list(outputs[0].departments) if outputs else [],
        "quantile_levels": list(QUANTILES),
        "series": blocks,
        **request.world_fields,
    }

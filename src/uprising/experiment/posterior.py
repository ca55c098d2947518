"""A calibration's posterior as a file, and runs drawn from it.

A posterior is not a point: ABC-SMC leaves a population of weighted particles, and the runs
that match the data are runs of particles drawn by weight, not runs of the particles' medians
(on December 2022 the medians' runs fit fewer of the observed statistics than the hand-tuned
values; docs/validation.md). So `uprising calibrate --write-posterior FILE` writes the last
population, and `uprising run --posterior` and `uprising forecast --posterior` run particles
drawn from it: run i of an ensemble whose first seed is s takes particle `draws(runs, s)[i]`
and seed s + i, as the calibration's own predictive check does, so the same command gives the
same runs.

The file (JSON) holds the calibration's scenario (as validated, with the calibration's own
overrides, e.g. a population scale), the searched parameters and their priors, the particles
and weights, the generations, the observed statistics, and how it was made (command, seed,
simulations, version). Runs drawn from it apply, in order: the calibration's overrides, the
user's `--set`, then the particle's values. Built-in posteriors ship in
`uprising/data/posteriors/` and are named without `.json` (`peru-2022-december`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import ValidationError

from uprising import __version__
from uprising.errors import DataError, UprisingError
from uprising.experiment.calibrate import Calibration, ParameterRange
from uprising.files import describe_os_error, write_text_atomic
from uprising.scenario.model import Scenario

FORMAT = "uprising-posterior"
FORMAT_VERSION = 1
OPTION = "--posterior"


def builtin_names() -> list[str]:
    """The posteriors shipped with the package, by name."""
    folder = resources.files("uprising.data").joinpath("posteriors")
    if not folder.is_dir():
        return []
    return sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))


def builtin_summary(name: str) -> str:
    """One line on a built-in posterior, read without building its calibration (no extra needed)."""
    data = json.loads(_text(name))
    scale = " ".join(data.get("overrides") or []) or "the scenario as shipped"
    return (
        f"posterior of {data['scenario']['name']}: {len(data['parameters'])} parameters, "
        f"{len(data['particles']['weight'])} particles, {data.get('simulations')} runs of ABC-SMC "
        f"on data to {data.get('observed_until')}, with {scale}"
    )


def builtin_for(scenario: str) -> list[str]:
    """The built-in posteriors calibrated on the built-in scenario `scenario`, by name."""
    return [n for n in builtin_names() if _builtin_ref(n) == scenario]


@functools.cache
def _builtin_ref(name: str) -> str:
    return str(json.loads(_text(name)).get("scenario_ref"))


def observed_until(scenario: Scenario) -> date | None:
    """The last day a calibration of `scenario` can have compared (its runs' last day): a fit
    sees no observation after it. None for a world without dates."""
    if scenario.run.start_date is None:
        return None
    days = max(1, math.ceil(scenario.run.steps / scenario.run.ticks_per_day))
    return scenario.run.start_date + timedelta(days=days - 1)


def posterior_document(calibration: Calibration, command: str, observed: str) -> dict[str, Any]:
    """The file's content for a calibration (see the module's docstring)."""
    until = observed_until(calibration.scenario)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "scenario_ref": calibration.scenario_ref,
        "scenario": calibration.scenario.model_dump(mode="json"),
        "overrides": list(calibration.overrides),
        "observed": observed,
        "observed_until": until.isoformat() if until else None,
        "parameters": [
            {"path": r.path, "low": r.low, "high": r.high, "integer": r.integer, "target": r.target}
            for r in calibration.ranges
        ],
        "particles": {name: calibration.particles[name].to_list() for name in calibration.particles.columns},
        "generations": calibration.generations.to_dicts(),
        "observed_statistics": calibration.observed,
        "summary": calibration.summary.to_dicts(),
        "seed": calibration.seed,
        "simulations": calibration.simulations,
        "population_size": calibration.population_size,
        "version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
    }


def check_new_posterior(path: Path) -> None:
    """Refuse a path that exists (a posterior is never overwritten) or is a folder, before any run."""
    if path.is_dir():
        raise UprisingError(f"--write-posterior {path}: is a folder; give a file name (e.g. posterior.json)")
    if path.exists():
        raise UprisingError(f"--write-posterior {path}: exists; a posterior is never overwritten (remove it)")


def write_posterior(document: dict[str, Any], path: Path) -> None:
    """Write the file atomically, refusing an existing one."""
    check_new_posterior(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(document, ensure_ascii=False, indent=1) + "\n")
    except OSError as err:
        raise UprisingError(f"--write-posterior {path}: cannot write ({describe_os_error(err)})") from None


def _bad(source: str, why: str) -> DataError:
    return DataError(f"{OPTION} {source}: not a posterior file of uprising ({why})")


def _text(source: str) -> str:
    """The file's text: a built-in posterior by name, or a path."""
    if source in builtin_names():
        return resources.files("uprising.data").joinpath("posteriors", f"{source}.json").read_text("utf-8")
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        known = ", ".join(builtin_names()) or "none"
        raise DataError(f"{OPTION} {source}: no such file, nor a built-in posterior ({known})") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"{OPTION} {source}: cannot read ({getattr(err, 'strerror', None) or err})") from None


def _field(source: str, data: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    if key not in data:
        raise _bad(source, f"no field '{key}'")
    if not isinstance(data[key], kind):
        raise _bad(source, f"field '{key}' is not a {getattr(kind, '__name__', 'valid value')}")
    return data[key]


def read_posterior(source: str) -> Calibration:
    """A posterior file (or a built-in posterior's name) read back as the calibration it came
    from, checked: a bad file is one line naming the field."""
    try:
        data = json.loads(_text(source))
    except ValueError as err:
        raise _bad(source, f"not JSON: {type(err).__name__}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _bad(source, f"its 'format' is not '{FORMAT}'")
    if data.get("format_version") != FORMAT_VERSION:
        raise _bad(
            source, f"format_version {data.get('format_version')!r}; this version reads {FORMAT_VERSION}"
        )
    try:
        scenario = Scenario.model_validate(_field(source, data, "scenario", dict))
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise _bad(source, f"its scenario: {where}: {first['msg']}") from None
    ranges = []
    for i, entry in enumerate(_field(source, data, "parameters", list)):
        try:
            low, high = float(entry["low"]), float(entry["high"])
            ranges.append(
                ParameterRange(
                    str(entry["path"]),
                    low,
                    high,
                    str(entry.get("target", "")),
                    bool(entry.get("integer", False)),
                )
            )
        except (TypeError, KeyError, ValueError):
            raise _bad(source, f"parameters[{i}] needs path, low and high") from None
    if not ranges:
        raise _bad(source, "no parameter")
    columns = _field(source, data, "particles", dict)
    missing = [name for name in [r.path for r in ranges] + ["weight"] if name not in columns]
    if missing:
        raise _bad(source, f"particles has no column '{missing[0]}'")
    try:
        particles = pl.DataFrame({name: [float(v) for v in values] for name, values in columns.items()})
    except (TypeError, ValueError):
        raise _bad(source, "particles: every value must be a number") from None
    except pl.exceptions.ShapeError:
        raise _bad(source, "particles: columns of different lengths") from None
    weights = particles["weight"]
    if particles.height == 0 or (weights < 0).any() or not weights.sum() > 0:
        raise _bad(source, "particles: weights must be at least 0 with a positive sum")
    for r in ranges:
        values = particles[r.path]
        if values.min() < r.low or values.max() > r.high:
            raise _bad(source, f"particles: {r.path} outside its prior [{r.low:g}, {r.high:g}]")
    generations = pl.DataFrame(data.get("generations") or [])
    observed = {str(k): float(v) for k, v in (data.get("observed_statistics") or {}).items()}
    return Calibration(
        scenario=scenario,
        scenario_ref=str(data.get("scenario_ref") or scenario.name),
        overrides=tuple(str(o) for o in data.get("overrides") or ()),
        ranges=ranges,
        observed=observed,
        particles=particles,
        generations=generations,
        simulations=int(data.get("simulations") or 0),
        seed=int(data.get("seed") or 0),
        population_size=int(data.get("population_size") or particles.height),
    )


def posterior_digest(calibration: Calibration) -> str:
    """A short hash of the particles and weights (an experiment's identity records it)."""
    blob = json.dumps(
        [list(calibration.overrides), calibration.particles.to_dicts()], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def check_fit_date(calibration: Calibration, source: str, fit_until: date) -> None:
    """A forecast's posterior must come from data up to its fit date at the latest."""
    until = observed_until(calibration.scenario)
    if until is not None and until > fit_until:
        raise UprisingError(
            f"{OPTION} {source}: fitted on runs to {until}, after --fit-until {fit_until}; a "
            "forecast's fit sees no data after its fit date"
        )


def drawn_overrides(
    calibration: Calibration, runs: int, first_seed: int, overrides: list[str]
) -> list[tuple[str, ...]]:
    """Each run's overrides: the calibration's, the user's, then particle `draws(runs, first_seed)[i]`."""
    drawn = calibration.draws(runs, first_seed)
    base = [*calibration.overrides, *overrides]
    return [(*base, *calibration.overrides_of(k)) for k in drawn]


__all__ = [
    "FORMAT",
    "builtin_for",
    "builtin_names",
    "builtin_summary",
    "check_fit_date",
    "check_new_posterior",
    "drawn_overrides",
    "observed_until",
    "posterior_digest",
    "posterior_document",
    "read_posterior",
    "write_posterior",
]

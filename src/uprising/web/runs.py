"""Runs started from the web: checked against the server's caps, one at a time, stopped when unwanted.

The dashboard and the JSON API both go through `run_from_web`; the dashboard passes `watch`,
which sees the model after every tick (to draw it while it runs), and `run_and_store` runs
several seeds into the store as `uprising run` does, under the same experiment id. With a
built-in posterior of the scenario (`uprising.experiment.posterior`), each run takes the particle
that `uprising run NAME --posterior POSTERIOR` gives its seed, and is stored under the same id.

A server runs at most one such run at once (a run uses every core through the engine's
threads): a second request while one is going is refused with a message instead of queueing
without bound. A run stops at the end of the tick in progress when its caller's `cancel` event
is set (the API sets it when the client goes away, the dashboard's Cancel button too) or when
the server is stopping (`stop_all_runs`, on SIGTERM or Ctrl+C).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uprising.errors import UprisingError
from uprising.experiment.calibrate import Calibration, parameter_value
from uprising.experiment.posterior import builtin_for, drawn_overrides, posterior_digest, read_posterior
from uprising.model import Model
from uprising.recorder.output import RunOutput
from uprising.scenario import load_scenario, scenario_hash
from uprising.scenario.model import Scenario
from uprising.web.limits import ServerLimits, check_request
from uprising.web.parameters import checked_values, override_strings

MAX_WEB_SEEDS = 100

_gate = threading.Lock()
_stopping = threading.Event()


class ServerBusy(UprisingError):
    """Another run started from the web is still going (the API answers it with HTTP 429)."""


class RunStopped(UprisingError):
    """A run stopped before its end: its client went away or the server is stopping (HTTP 503)."""


def posterior_of(scenario: str, posterior: str) -> Calibration:
    """The built-in posterior `posterior` of the built-in scenario `scenario`, or one line saying
    which there are."""
    known = builtin_for(scenario)
    if posterior not in known:
        have = f"posteriors of {scenario}: {', '.join(known)}" if known else f"{scenario} has none"
        raise UprisingError(f"posterior {posterior!r}: unknown; {have}")
    return _read_posterior(posterior)


@functools.cache
def _read_posterior(name: str) -> Calibration:
    return read_posterior(name)


@dataclass(frozen=True)
class DrawnRun:
    """One run's scenario drawn from a posterior: the particle it took and its values."""

    scenario: Scenario
    particle: int
    values: dict[str, int | float]


def drawn_scenario(name: str, values: dict[str, Any], posterior: str) -> DrawnRun:
    """The built-in scenario `name` with `values`, its parameters drawn from the built-in
    `posterior` for its seed: the run `uprising run NAME --posterior POSTERIOR --runs 1 --set ...`
    makes (the calibration's overrides, then `values`, then the particle)."""
    calibration = posterior_of(name, posterior)
    overrides = override_strings(checked_values(name, values))
    seed = load_scenario(name, overrides).run.seed
    particle = calibration.draws(1, seed)[0]
    each = drawn_overrides(calibration, 1, seed, overrides)[0]
    row = calibration.particles.row(particle, named=True)
    drawn = {r.path: parameter_value(r, row[r.path]) for r in calibration.ranges}  # as the run takes them
    return DrawnRun(load_scenario(name, list(each)), particle, drawn)


def stop_all_runs() -> None:
    """Stop every run of this process at the end of its tick, and refuse new ones."""
    _stopping.set()


def run_from_web(
    scenario: Scenario,
    limits: ServerLimits,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    watch: Callable[[Model], None] | None = None,
) -> RunOutput:
    """Run `scenario` once if it is within `limits` and no other web run is going.

    `watch(model)` is called once the world is built and after every tick. Raises RunStopped
    when `cancel` is set or the server stops before the run's last tick.
    """
    check_request(scenario, limits)
    _enter()
    try:
        return _run(scenario, None, progress, cancel, watch)
    finally:
        _gate.release()


def _enter() -> None:
    """Take the server's one run slot, or say why not."""
    if _stopping.is_set():
        raise RunStopped("the server is stopping; no new runs")
    if not _gate.acquire(blocking=False):
        raise ServerBusy("another run is in progress on this server; try again when it has finished")


def _run(
    scenario: Scenario,
    seed: int | None,
    progress: Callable[[int, int], None] | None,
    cancel: threading.Event | None,
    watch: Callable[[Model], None] | None,
) -> RunOutput:
    """One run through the model's own loop, checked for a stop between ticks."""
    model = Model(scenario, seed=seed)

    def between_ticks(tick: int, steps: int) -> None:
        if watch is not None:
            watch(model)
        if progress is not None:
            progress(tick, steps)
        if _stopping.is_set():
            raise RunStopped(f"run stopped at tick {tick} of {steps}: the server is stopping")
        if cancel is not None and cancel.is_set():
            raise RunStopped(f"run stopped at tick {tick} of {steps}: cancelled, or its client went away")

    if watch is not None:
        watch(model)
    return model.run(progress=between_ticks)


@dataclass
class StoredRuns:
    """What `run_and_store` wrote: the experiment's id and its runs, in seed order."""

    experiment_id: str
    outputs: list[RunOutput]
    resumed: int  # runs found already done in the store


def run_and_store(
    name: str,
    values: dict[str, Any],
    seeds: int,
    limits: ServerLimits,
    db: Path,
    on_seed: Callable[[int, int, int], None] | None = None,
    cancel: threading.Event | None = None,
    watch: Callable[[Model], None] | None = None,
    posterior: str | None = None,
) -> StoredRuns:
    """Run the built-in scenario `name` with `values` over `seeds` seeds from its `run.seed`, and
    store each run as it ends, as `uprising run NAME --runs SEEDS --set ...` would (the same
    experiment id, so either resumes the other and `uprising report` and `runs export` read it);
    with a built-in `posterior`, as `... --posterior POSTERIOR` would, each run its particle.

    `on_seed(k, seeds, seed)` is called before the k-th run (from 0).
    """
    from uprising.store import PlannedRun, Store

    if not 1 <= seeds <= MAX_WEB_SEEDS:
        raise UprisingError(f"seeds = {seeds}: must be from 1 to {MAX_WEB_SEEDS}")
    overrides = override_strings(checked_values(name, values))
    scenario = load_scenario(name, overrides)
    first = scenario.run.seed
    if first + seeds - 1 > 2**63 - 1:
        raise UprisingError(f"run.seed = {first}: the last of {seeds} seeds passes 2^63 - 1")
    spec: dict[str, Any] = {"overrides": overrides, "first_seed": first, "runs": seeds}
    each = [tuple(overrides)] * seeds
    runs = [scenario] * seeds
    if posterior is not None:
        calibration = posterior_of(name, posterior)
        each = drawn_overrides(calibration, seeds, first, overrides)
        spec["posterior"] = posterior_digest(calibration)
        runs = [load_scenario(name, list(o)) for o in each]
    for run in runs if posterior is not None else [scenario]:  # each particle's run, or the one
        check_request(run, limits)
    planned = [PlannedRun(k, name, first + k, each[k], "") for k in range(seeds)]
    store = Store(db)
    plan = store.open_experiment("ensemble", name, scenario_hash(scenario), spec, planned)
    _enter()
    try:
        fresh: dict[int, RunOutput] = {}
        for k, run_id in enumerate(plan.run_ids):
            if run_id in plan.done:
                continue
            if on_seed is not None:
                on_seed(k, seeds, first + k)
            fresh[k] = _run(runs[k], first + k, None, cancel, watch)
            store.save_runs(plan.experiment_id, [(run_id, fresh[k])])
    finally:
        _gate.release()
    done = [i for i in range(seeds) if i not in fresh]
    loaded = dict(zip(done, store.load_runs([plan.run_ids[i] for i in done]), strict=True))
    outputs = [fresh[i] if i in fresh else loaded[i] for i in range(seeds)]
    return StoredRuns(plan.experiment_id, outputs, resumed=len(done))

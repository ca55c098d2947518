"""Ensembles: many runs of one scenario over seeds, stored as one experiment that can resume.

`run_experiment` is the shared machinery of every kind of experiment (ensemble, sweep,
comparison, calibration, sensitivity): read the scenario once and build every task's scenario
from that snapshot before anything is written (so every run runs what was read at the start),
open (or find again) the experiment in the store, run only the tasks not yet done, and write the
finished runs from this process in batches, each batch one transaction. SIGTERM stops it after
writing the runs finished.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Unpack

from uprising.errors import UprisingError
from uprising.experiment.execution import (
    ExecutionKeywords,
    ExecutionOptions,
    execution_options,
)
from uprising.experiment.executor import RunTask, map_runs
from uprising.experiment.lifetime import Terminated
from uprising.experiment.snapshot import ScenarioSnapshot, snapshot_of
from uprising.recorder.output import RunOutput
from uprising.scenario import scenario_hash
from uprising.store import PlannedRun

if TYPE_CHECKING:
    from uprising.experiment.calibrate import Calibration

MAX_RUNS = 100_000


@dataclass
class ExperimentResult:
    """What an experiment produced: its id, its runs in planned order, and how long it took."""

    experiment_id: str | None  # None when nothing was stored
    tasks: list[RunTask]
    outputs: list[RunOutput]  # aligned with tasks
    seconds: float
    ran: int  # runs done by this call
    resumed: int = 0  # runs found already done in the store
    extra: dict[str, Any] = field(default_factory=dict)


def check_runs(runs: int, flag: str = "--runs") -> int:
    if not 1 <= runs <= MAX_RUNS:
        raise UprisingError(f"{flag} {runs}: must be from 1 to {MAX_RUNS}")
    return runs


def check_save_every(seconds: float) -> float:
    if not 0 <= seconds <= 3600:
        raise UprisingError(f"--save-every {seconds:g}: must be from 0 to 3600 seconds")
    return seconds


def snapshot_tasks(tasks: Sequence[RunTask], snapshot: ScenarioSnapshot) -> list[RunTask]:
    """The tasks, each carrying its scenario built from a snapshot (the experiment's, or one read
    now for a task of another scenario); a bad one fails before any run or write."""
    snapshots = {snapshot.ref: snapshot}
    carried = []
    for task in tasks:
        source = snapshots.setdefault(task.scenario, snapshot_of(task.scenario))
        carried.append(replace(task, snapshot=source.scenario(task.overrides)))
    return carried


def run_experiment(
    kind: str,
    scenario: str | ScenarioSnapshot,
    overrides: Sequence[str],
    tasks: Sequence[RunTask],
    spec: dict[str, Any],
    options: ExecutionOptions | None = None,
    **execution: Unpack[ExecutionKeywords],
) -> ExperimentResult:
    """Run `tasks` as one experiment of `kind`; store it (and resume it) when `store` is given.

    `scenario` and `overrides` name the experiment's base scenario (its hash identifies the
    experiment with `kind` and `spec`); a name or path is read once here, a snapshot is used as
    it is, and every task runs the scenario built from it. `progress(done, total)` is called once
    before the first run (done counting the runs resumed from the store) and after each run. Finished runs are
    written in one transaction per `save_every` seconds (0: after each run), so a killed
    experiment loses at most the runs of the last window, which a re-run redoes. `options` (or
    the same fields as keywords) say where the runs are stored and what runs them.
    """
    opts = execution_options(options, execution)
    store, workers, scheduler, progress = opts.store, opts.workers, opts.scheduler, opts.progress
    save_every = check_save_every(opts.save_every)
    started = time.perf_counter()
    snapshot = snapshot_of(scenario)
    base = snapshot.scenario(overrides)
    tasks = snapshot_tasks(tasks, snapshot)
    client = None
    if isinstance(scheduler, str):
        from uprising.experiment.executor import connect_scheduler

        client = scheduler = connect_scheduler(scheduler)  # unreachable: fail before writing
    try:
        outputs: dict[int, RunOutput] = {}
        run_ids: list[str] = []
        done: set[str] = set()
        experiment_id = None
        if store is not None:
            planned = [PlannedRun(t.position, t.scenario, t.seed, t.overrides, t.label) for t in tasks]
            plan = store.open_experiment(kind, snapshot.ref, scenario_hash(base), spec, planned)
            experiment_id, run_ids, done = plan.experiment_id, plan.run_ids, plan.done
        todo = [t for i, t in enumerate(tasks) if not run_ids or run_ids[i] not in done]
        total = len(tasks)
        if progress is not None:
            progress(total - len(todo), total)
        batch: list[tuple[str, RunOutput]] = []
        last_flush = time.monotonic()
        index = {t.position: i for i, t in enumerate(tasks)}

        def flush() -> None:
            nonlocal last_flush
            if store is not None and experiment_id is not None and batch:
                store.save_runs(experiment_id, batch)
            batch.clear()
            last_flush = time.monotonic()

        finished = total - len(todo)
        try:
            for task, output in map_runs(todo, workers=workers, scheduler=scheduler):
                i = index[task.position]
                outputs[i] = output
                if store is not None:
                    batch.append((run_ids[i], output))
                    if time.monotonic() - last_flush >= save_every:
                        flush()
                finished += 1
                if progress is not None:
                    progress(finished, total)
        except Terminated:
            flush()
            sys.stderr.write(
                f"stopped by SIGTERM after {finished} of {total} runs; they are stored"
                + (", run the same command again to resume\n" if store is not None else "\n")
            )
            raise
        finally:
            flush()  # runs finished before an interruption are kept
    finally:
        if client is not None:
            client.close()
    missing = [i for i in range(total) if i not in outputs]
    if store is not None and missing:
        for i, output in zip(missing, store.load_runs([run_ids[i] for i in missing]), strict=True):
            outputs[i] = output
    return ExperimentResult(
        experiment_id=experiment_id,
        tasks=tasks,
        outputs=[outputs[i] for i in range(total)],
        seconds=time.perf_counter() - started,
        ran=len(todo),
        resumed=total - len(todo),
    )


def ensemble_tasks(scenario: str, runs: int, first_seed: int, overrides: Sequence[str] = ()) -> list[RunTask]:
    """The runs of an ensemble: seeds first_seed, first_seed + 1, ..."""
    check_runs(runs)
    return [RunTask(scenario, tuple(overrides), first_seed + k, label="", position=k) for k in range(runs)]


def run_ensemble(
    scenario: str | ScenarioSnapshot,
    runs: int = 8,
    first_seed: int | None = None,
    overrides: Sequence[str] = (),
    options: ExecutionOptions | None = None,
    posterior: Calibration | None = None,
    **execution: Unpack[ExecutionKeywords],
) -> ExperimentResult:
    """An ensemble of `runs` seeds (from the scenario's own seed by default), stored if asked.

    With a `posterior` (`uprising.experiment.posterior`), run k also takes the parameters of a
    particle drawn by weight: the calibration's overrides, then `overrides`, then the particle's."""
    check_runs(runs)
    snapshot = snapshot_of(scenario)
    base = snapshot.scenario(overrides)
    first = base.run.seed if first_seed is None else int(first_seed)
    spec: dict[str, Any] = {"overrides": list(overrides), "first_seed": first, "runs": runs}
    if posterior is None:
        tasks = ensemble_tasks(snapshot.ref, runs, first, overrides)
    else:
        from uprising.experiment.posterior import drawn_overrides, posterior_digest

        each = drawn_overrides(posterior, runs, first, list(overrides))
        tasks = [RunTask(snapshot.ref, o, first + k, "", k) for k, o in enumerate(each)]
        spec["posterior"] = posterior_digest(posterior)
    return run_experiment("ensemble", snapshot, overrides, tasks, spec, execution_options(options, execution))

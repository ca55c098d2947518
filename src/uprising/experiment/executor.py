"""Run many (scenario, overrides, seed) tasks on local processes or a Dask cluster.

`map_runs` yields each task with its RunOutput as runs complete. A task carries the scenario it
runs (the experiment's snapshot, read once; see `snapshot.py`), so editing a scenario file
during an experiment changes none of its runs; a task without one loads it from (name or path,
overrides). Workers return the output and never write anything, so the parent alone writes to
the store. Local workers die with the parent, and SIGTERM stops the parent cleanly (see
`lifetime.py`). The engine's random numbers are a pure function of
(seed, tick, agent, stream), so a task gives the same output on any executor, whatever the
number of workers or threads.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from uprising.errors import UprisingError
from uprising.experiment.lifetime import SigtermGuard, sigterm_stops, watch_parent
from uprising.extras import require_extra
from uprising.recorder.output import RunOutput
from uprising.scenario.model import Scenario

DASK_CONNECT_TIMEOUT = 5.0  # seconds to reach a scheduler before giving up
MAX_WORKERS = 1024

_RUN_LOCK = threading.Lock()  # one simulation at a time per process (numba's parallel layer)


@dataclass(frozen=True)
class RunTask:
    """One run to do: a scenario (built-in name or YAML path), overrides and a seed.

    `snapshot`: the scenario with the overrides applied, as the experiment read it once; the
    run uses it instead of reading the file again. Not part of the task's identity.
    """

    scenario: str
    overrides: tuple[str, ...] = ()
    seed: int = 1
    label: str = ""  # the group the run belongs to (a sweep point, a comparison arm)
    position: int = 0  # the run's place in its experiment
    snapshot: Scenario | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        """A readable identity of the run within its experiment."""
        parts = [f"#{self.position}", self.scenario, *self.overrides, f"seed={self.seed}"]
        return " ".join(parts)


def run_task(task: RunTask) -> RunOutput:
    """Run the task's scenario (its snapshot, else loaded) with its seed (what every worker calls)."""
    from uprising.runner import run_scenario
    from uprising.scenario import load_scenario

    scenario = task.snapshot
    if scenario is None:
        scenario = load_scenario(task.scenario, list(task.overrides))
    with _RUN_LOCK:
        return run_scenario(scenario, seed=task.seed)


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_workers(workers: int | None) -> int:
    """The number of local worker processes, checked: 1 to MAX_WORKERS (default: all cores)."""
    if workers is None:
        return default_workers()
    if not 1 <= workers <= MAX_WORKERS:
        raise UprisingError(f"--workers {workers}: must be from 1 to {MAX_WORKERS}")
    return workers


def _start_worker(threads: int, parent_pid: int) -> None:
    """Worker initialiser: die with the parent, and take a share of the cores for numba's
    parallel loops."""
    import numba

    watch_parent(parent_pid)
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


def _pool_context() -> multiprocessing.context.BaseContext:
    """Forkserver where the platform has it (cheap, safe with threads), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["uprising.runner", "uprising.scenario", "uprising.experiment.executor"])
        return ctx
    return multiprocessing.get_context("spawn")


def connect_scheduler(address: str, timeout: float = DASK_CONNECT_TIMEOUT) -> Any:
    """A dask.distributed Client of the scheduler at `address`; one clear error if unreachable."""
    require_extra("dask", "--scheduler")
    from dask.distributed import Client

    if not address.strip():
        raise UprisingError("--scheduler: empty address; expected e.g. tcp://host:8786")
    from distributed.comm import get_address_host_port

    try:
        get_address_host_port(address)
    except ValueError as err:
        raise UprisingError(
            f"--scheduler {address}: not a scheduler address ({err}); expected e.g. tcp://host:8786"
        ) from None
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise UprisingError(f"--scheduler {address}: unreachable within {timeout:g} s ({reason})") from None


def map_runs(
    tasks: Iterable[RunTask],
    workers: int | None = None,
    scheduler: str | Any | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[RunTask, RunOutput]]:
    """Run every task; yield (task, output) as each finishes, in completion order.

    `scheduler`: a Dask scheduler address (or a connected Client) to run on instead of local
    processes. `workers`: local worker processes (default all cores; 1 runs in this process).
    `progress(done, total)` is called after each run.
    """
    tasks = list(tasks)
    total = len(tasks)
    with sigterm_stops() as guard:
        if scheduler is not None:
            results = _map_dask(tasks, scheduler, guard)
        else:
            count = min(check_workers(workers), max(total, 1))
            results = _map_inline(tasks, guard) if count == 1 else _map_pool(tasks, count, guard)
        for done, item in enumerate(results, start=1):
            if progress is not None:
                progress(done, total)
            yield item


def _map_inline(tasks: list[RunTask], guard: SigtermGuard) -> Iterator[tuple[RunTask, RunOutput]]:
    for task in tasks:
        with guard.waiting():
            output = run_task(task)
        yield task, output


def _map_pool(tasks: list[RunTask], workers: int, guard: SigtermGuard) -> Iterator[tuple[RunTask, RunOutput]]:
    threads = max(1, default_workers() // workers)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_pool_context(),
        initializer=_start_worker,
        initargs=(threads, os.getpid()),
    )
    try:
        futures: dict[Future[RunOutput], RunTask] = {pool.submit(run_task, t): t for t in tasks}
        pending = set(futures)
        while pending:
            with guard.waiting():
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=lambda f: futures[f].position):
                try:
                    output = future.result()
                except BrokenProcessPool:
                    raise UprisingError(
                        "--workers: a worker process died unexpectedly; the runs finished are stored,"
                        " run the same command again to resume"
                    ) from None
                yield futures[future], output
    except BaseException:  # interrupted, failed, or abandoned by the caller: no run is worth waiting for
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers now (their runs are abandoned) and reap them."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=5)


def _map_dask(
    tasks: list[RunTask], scheduler: str | Any, guard: SigtermGuard
) -> Iterator[tuple[RunTask, RunOutput]]:
    from dask.distributed import as_completed

    client = connect_scheduler(scheduler) if isinstance(scheduler, str) else scheduler
    try:
        futures = [client.submit(run_task, t, pure=False) for t in tasks]
        by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        try:
            completed = as_completed(futures, loop=client.loop)
            while True:
                with guard.waiting():
                    future = next(completed, None)
                    if future is None:
                        break
                    output = future.result()
                yield by_key[future.key], output
        finally:
            client.cancel(futures)
    finally:
        if isinstance(scheduler, str):
            client.close()

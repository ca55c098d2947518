"""Runs started from the web: checked against the server's caps, one at a time, stopped when unwanted.

The dashboard and the JSON API both go through `run_from_web`. A server runs at most one such
run at once (a run uses every core through the engine's threads): a second request while one
is going is refused with a message instead of queueing without bound. A run stops at the end
of the tick in progress when its caller's `cancel` event is set (the API sets it when the client
goes away) or when the server is stopping (`stop_all_runs`, on SIGTERM or Ctrl+C).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from uprising.errors import UprisingError
from uprising.recorder.output import RunOutput
from uprising.runner import run_scenario
from uprising.scenario.model import Scenario
from uprising.web.limits import ServerLimits, check_request

_gate = threading.Lock()
_stopping = threading.Event()


class ServerBusy(UprisingError):
    """Another run started from the web is still going (the API answers it with HTTP 429)."""


class RunStopped(UprisingError):
    """A run stopped before its end: its client went away or the server is stopping (HTTP 503)."""


def stop_all_runs() -> None:
    """Stop every run of this process at the end of its tick, and refuse new ones."""
    _stopping.set()


def run_from_web(
    scenario: Scenario,
    limits: ServerLimits,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> RunOutput:
    """Run `scenario` once if it is within `limits` and no other web run is going.

    Raises RunStopped when `cancel` is set or the server stops before the run's last tick.
    """
    check_request(scenario, limits)

    def between_ticks(tick: int, steps: int) -> None:
        if _stopping.is_set():
            raise RunStopped(f"run stopped at tick {tick} of {steps}: the server is stopping")
        if cancel is not None and cancel.is_set():
            raise RunStopped(f"run stopped at tick {tick} of {steps}: its client went away")
        if progress is not None:
            progress(tick, steps)

    if _stopping.is_set():
        raise RunStopped("the server is stopping; no new runs")
    if not _gate.acquire(blocking=False):
        raise ServerBusy("another run is in progress on this server; try again when it has finished")
    try:
        return run_scenario(scenario, progress=between_ticks)
    finally:
        _gate.release()

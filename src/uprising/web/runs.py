"""Runs started from the web: checked against the server's caps, one at a time per server.

The dashboard and the JSON API both go through `run_from_web`. A server runs at most one such
run at once (a run uses every core through the engine's threads): a second request while one
is going is refused with a message instead of queueing without bound.
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


class ServerBusy(UprisingError):
    """Another run started from the web is still going (the API answers it with HTTP 429)."""


def run_from_web(
    scenario: Scenario,
    limits: ServerLimits,
    progress: Callable[[int, int], None] | None = None,
) -> RunOutput:
    """Run `scenario` once if it is within `limits` and no other web run is going."""
    check_request(scenario, limits)
    if not _gate.acquire(blocking=False):
        raise ServerBusy("another run is in progress on this server; try again when it has finished")
    try:
        return run_scenario(scenario, progress=progress)
    finally:
        _gate.release()

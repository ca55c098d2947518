"""How an experiment's runs are carried out, apart from what they run: the store they are
written to (and resumed from), the processes or Dask cluster that run them, the progress
callback and how often finished runs are written.

Every experiment (`run_ensemble`, `run_sweep`, `run_compare`, `run_sensitivity`) takes one
`ExecutionOptions`, or the same settings as keywords (`store=`, `workers=`, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypedDict

from uprising.store import Store

SAVE_EVERY = 5.0  # seconds: finished runs wait at most about this long before they are written


@dataclass(frozen=True)
class ExecutionOptions:
    """Where and how runs are carried out; none of it changes what a run computes."""

    store: Store | None = None  # the DuckDB store of experiments (None: nothing stored)
    workers: int | None = None  # local worker processes (None: all cores; 1: this process)
    scheduler: str | Any | None = None  # a Dask scheduler's address (or client) to run on instead
    progress: Callable[[int, int], None] | None = None  # progress(done, total) before and after each run
    save_every: float = SAVE_EVERY  # seconds between writes of finished runs (0: after each run)


class ExecutionKeywords(TypedDict, total=False):
    """The fields of `ExecutionOptions` as keywords of an experiment function."""

    store: Store | None
    workers: int | None
    scheduler: str | Any | None
    progress: Callable[[int, int], None] | None
    save_every: float


def execution_options(options: ExecutionOptions | None, keywords: ExecutionKeywords) -> ExecutionOptions:
    """`options` (default: the defaults) with the fields given as keywords replaced."""
    return replace(options or ExecutionOptions(), **keywords)

"""The options and checks shared by the experiment commands: store, workers, scheduler,
parameter overrides, save interval, seeds, posteriors, and the command line a file records."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from uprising.experiment.calibrate import Calibration

ScenarioArgument = Annotated[
    str, typer.Argument(metavar="SCENARIO", help="built-in scenario name or path to a YAML file")
]
DbOption = Annotated[Path, typer.Option("--db", help="the DuckDB store of experiments")]
WorkersOption = Annotated[
    int | None, typer.Option(help="local worker processes (default: all cores; 1 runs in this process)")
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(help="address of a Dask scheduler (e.g. tcp://host:8786) to run on instead"),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="override a parameter: key=value (dotted path or unique name)"),
]

SaveEveryOption = Annotated[
    float | None,
    typer.Option(
        help="seconds between writes of finished runs to the store, 0 to 3600 (0: after each run;"
        " default 5); a killed command loses at most the runs of one window"
    ),
]

FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        metavar="FORMATS",
        help="figure formats, comma-separated: png, svg, pdf (e.g. png,svg,pdf)",
    ),
]
DpiOption = Annotated[int, typer.Option("--dpi", help="resolution of PNG figures, 50 to 1200 dots per inch")]

SEED_MAX = 2**63 - 1
"""The largest seed: runs are stored with 64-bit signed integer seeds."""


def check_seed(seed: int | None, count: int = 1, scenario_seed: int | None = None) -> None:
    """Refuse a first seed whose `count` runs (seeds seed .. seed + count - 1) do not all fit in
    0 to SEED_MAX: `seed` (--seed) if given, else the scenario's own `scenario_seed` (run.seed)."""
    from uprising.errors import UprisingError

    option = "--seed" if seed is not None else "run.seed"
    first = seed if seed is not None else scenario_seed
    if first is None:
        return
    last = SEED_MAX - max(count, 1) + 1
    if not 0 <= first <= last:
        shown = str(first) if abs(first).bit_length() <= 256 else "(a number too large)"
        span = f"; its {count} runs use seeds up to seed + {count - 1}" if count > 1 else ""
        raise UprisingError(f"{option} {shown}: out of range (allowed range [0, {last}]{span})")


def read_posterior_option(source: str | None) -> Calibration | None:
    """The posterior of `--posterior SOURCE` (None when not given): a built-in name or a file.
    Reading it and drawing runs from it need the core alone."""
    if source is None:
        return None
    from uprising.experiment.posterior import read_posterior

    return read_posterior(source)


def command_line(words: list[str], options: dict[str, Any], repeated: Sequence[tuple[str, str]] = ()) -> str:
    """The command as one shell line, as a file records it: `words`, then `--key value` for each
    option that is not None, then each repeated option in order."""
    words = list(words)
    for key, value in options.items():
        if value is not None:
            words += [f"--{key}", str(value)]
    for key, value in repeated:
        words += [f"--{key}", value]
    return shlex.join(words)

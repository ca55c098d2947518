"""The groups of an experiment's runs (sweep points, comparison arms, sensitivity samples) and
the parameters that tell them apart, read from the runs the store holds.

A parameter is *varied* when some run overrides it and its value is not the same in every run;
its values are read from each run's own scenario (its `parameters`), so a comparison's
baseline shows the value it ran with although only the alternative overrides it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

ARM_KINDS = ("compare",)
"""Kinds of experiment whose groups are arms (a baseline and an alternative)."""


def flat_parameters(data: Any, prefix: str = "") -> dict[str, Any]:
    """A scenario's values by dotted path (`citizens.legitimacy`, `dynamics.timeline.0.size`)."""
    if isinstance(data, dict):
        items: Sequence[tuple[Any, Any]] = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    else:
        return {prefix: data} if prefix else {}
    flat: dict[str, Any] = {prefix: data} if prefix else {}
    for key, value in items:
        flat |= flat_parameters(value, f"{prefix}.{key}" if prefix else str(key))
    return flat


def dotted_path(key: str, flat: dict[str, Any]) -> str | None:
    """The dotted path an override key names: itself, or the one path it ends (a unique name)."""
    if key in flat:
        return key
    matches = [path for path in flat if path.rsplit(".", 1)[-1] == key]
    return matches[0] if len(matches) == 1 else None


def _cell(value: Any) -> Any:
    """A value as one cell: numbers, booleans and text as they are, anything else as JSON."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, sort_keys=True)


def varied_parameters(
    overrides: Sequence[Sequence[str]], parameters: Sequence[dict[str, Any]]
) -> dict[str, list[Any]]:
    """Each parameter some run overrides and not all runs share, by dotted path, in the order of
    first mention: its value in each run (aligned with `overrides` and `parameters`)."""
    flats = [flat_parameters(p) for p in parameters]
    paths: dict[str, None] = {}
    for run_overrides, flat in zip(overrides, flats, strict=True):
        for item in run_overrides:
            path = dotted_path(item.partition("=")[0].strip(), flat)
            if path is not None:
                paths[path] = None
    varied = {}
    for path in paths:
        values = [_cell(flat.get(path)) for flat in flats]
        if len({json.dumps(v) for v in values}) > 1:
            varied[path] = values
    return varied


@dataclass(frozen=True)
class Groups:
    """An experiment's finished runs in planned order: each run's group and the varied values."""

    kind: str
    run_ids: list[str]
    labels: list[str]  # the group of each run ("" for an ensemble's single group)
    seeds: list[int]
    varied: dict[str, list[Any]]  # dotted path -> value of each run

    @property
    def names(self) -> list[str]:
        """The groups, in the order of their first run."""
        return list(dict.fromkeys(self.labels))

    def frame(self) -> pl.DataFrame:
        """One row per run: run_id, label (its group), the arm of a comparison, seed and one
        column per varied parameter (named by its dotted path)."""
        columns: dict[str, pl.Series] = {
            "run_id": pl.Series("run_id", self.run_ids, dtype=pl.String),
            "label": pl.Series("label", self.labels, dtype=pl.String),
        }
        if self.kind in ARM_KINDS:
            columns["arm"] = pl.Series("arm", self.labels, dtype=pl.String)
        columns["seed"] = pl.Series("seed", self.seeds, dtype=pl.Int64)
        for path, values in self.varied.items():
            columns[path] = pl.Series(path, values, strict=False)
        return pl.DataFrame(list(columns.values()))

    def summary(self) -> pl.DataFrame:
        """One row per group: its name, its runs and its varied values (the first run's)."""
        rows = []
        for name in self.names:
            first = self.labels.index(name)
            runs = self.labels.count(name)
            rows.append({"group": name, "runs": runs} | {p: v[first] for p, v in self.varied.items()})
        return pl.DataFrame(rows, strict=False) if rows else pl.DataFrame({"group": [], "runs": []})


def experiment_groups(kind: str, runs: pl.DataFrame) -> Groups:
    """The groups of the finished runs in `runs` (a `Store.runs` frame, in planned order)."""
    done = runs.filter(pl.col("status") == "done")
    overrides = [json.loads(text) for text in done["overrides"].to_list()]
    parameters = [json.loads(text or "{}") for text in done["parameters"].to_list()]
    return Groups(
        kind=kind,
        run_ids=done["run_id"].to_list(),
        labels=done["label"].to_list(),
        seeds=[int(s) for s in done["seed"].to_list()],
        varied=varied_parameters(overrides, parameters),
    )

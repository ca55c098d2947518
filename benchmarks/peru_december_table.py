"""The model's figures of the table "Peru, 7-31 December 2022" of docs/validation.md: for each
observed fact, the median over runs of `peru-2022` and the lowest and highest run.

The runs are those of `uprising run peru-2022 --runs 8` (seeds 2022-2029); with `--db` a store
that already holds them is read back, not run again.

Usage::

    python benchmarks/peru_december_table.py [--runs 8] [--db RUNS.duckdb]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

from uprising.experiment.ensemble import run_ensemble
from uprising.experiment.execution import ExecutionOptions
from uprising.observed import run_metrics
from uprising.observed.observation import participation_matrix, reported_active_of
from uprising.recorder.output import RunOutput
from uprising.store import Store

SOUTH = ("Puno", "Ayacucho", "Apurímac", "Cusco", "Arequipa", "Lima")
LIMA_OBSERVED_DAYS = (0, 1, 2, 5, 9, 12)  # 7, 8, 9, 12, 16 and 19 Dec
DEATH_PLACES = ("Ayacucho", "Apurímac", "Puno", "Lima", "Cusco")


def spread(values: list[float]) -> str:
    """Median [lowest, highest] of one figure over runs."""
    x = np.asarray(values, float)
    return f"{np.median(x):g} [{x.min():g}, {x.max():g}]"


def rank_of(name: str, values: dict[str, float]) -> int:
    """1 for the department with the highest value (ties share the better rank)."""
    return 1 + sum(1 for v in values.values() if v > values[name])


def figures(outputs: list[RunOutput]) -> list[tuple[str, str]]:
    """(figure, median [lowest, highest run]) for each row of the table."""
    metrics = [run_metrics(o) for o in outputs]
    reported = [reported_active_of(o).sum(axis=1) for o in outputs]
    lima = outputs[0].departments.index("Lima")
    lima_days = [reported_active_of(o)[:, lima] for o in outputs]
    blockades = [np.asarray(m["blockades_by_day"]) for m in metrics]
    by_dept = [o.daily.pivot(on="department", index="day", values="blockades") for o in outputs]
    held = [(f.drop("day").to_numpy() > 0).sum(axis=1) for f in by_dept]
    observed_days = list(LIMA_OBSERVED_DAYS)
    deaths = [np.asarray(m["cumulative_deaths_by_day"]) for m in metrics]
    rows = [
        ("departments reported active on 9 Dec", spread([r[2] for r in reported])),
        ("most departments reported active on one day, 7-10 Dec", spread([r[:4].max() for r in reported])),
        ("most departments reported active on one day", spread([r.max() for r in reported])),
        ("day of that peak (0 = 7 Dec)", spread([int(np.argmax(r)) for r in reported])),
        (
            "departments holding road points on the national peak day",
            spread([h[np.argmax(b)] for h, b in zip(held, blockades, strict=True)]),
        ),
    ]
    for name in SOUTH:
        ranks = [rank_of(name, m["participation_peak_per_1000"]) for m in metrics]
        rows.append((f"{name}: rank of 25 by peak participants per 1,000", spread(ranks)))
    rows += [
        ("Lima: days reported active", spread([d.sum() for d in lima_days])),
        (
            "Lima: reported on 7-12 Dec (runs)",
            f"{sum(bool(d[:6].any()) for d in lima_days)} of {len(outputs)}",
        ),
        ("Lima: of its 6 observed days, reported on", spread([d[observed_days].sum() for d in lima_days])),
        ("Lima: first day reported (0 = 7 Dec)", spread([int(np.argmax(d)) for d in lima_days])),
        (
            "Lima: peak participants 7-9 Dec",
            spread([participation_matrix(o)[:3, lima].max() for o in outputs]),
        ),
        ("road points on 12 Dec", spread([b[5] for b in blockades])),
        ("road points: peak", spread([b.max() for b in blockades])),
        ("road points: day of peak (0 = 7 Dec)", spread([int(np.argmax(b)) for b in blockades])),
        (
            "road points on 16 / 17 / 22 Dec",
            " / ".join(spread([b[d] for b in blockades]) for d in (9, 10, 15)),
        ),
        ("deaths by 24 Dec", spread([c[17] for c in deaths])),
        ("deaths 11-15 Dec", spread([c[8] - c[3] for c in deaths])),
        ("deaths 16-31 Dec", spread([c[-1] - c[8] for c in deaths])),
    ]
    for name in DEATH_PLACES:
        killed = [m["deaths_by_department"][name] for m in metrics]
        rows.append((f"deaths in {name} (runs with any)", f"{spread(killed)} ({sum(k > 0 for k in killed)})"))
    return rows + roll_calls(outputs)


def roll_calls(outputs: list[RunOutput]) -> list[tuple[str, str]]:
    """Yes votes of each roll call the runs hold, and in how many runs it passed."""
    votes: dict[str, list[tuple[int, bool]]] = {}
    for output in outputs:
        calls = output.events.filter(pl.col("kind") == "vote")
        for outcome, yes in calls.select("outcome", "votes").iter_rows():
            name, _, result = outcome.partition(": ")
            votes.setdefault(name, []).append((yes, result == "passed"))
    return [
        (f"{name}: yes (runs passed)", f"{spread([y for y, _ in v])} ({sum(p for _, p in v)} of {len(v)})")
        for name, v in votes.items()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8, help="runs from seed 2022")
    parser.add_argument("--db", type=Path, help="keep the runs in this DuckDB store (read back on a rerun)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="december-") as tmp:
        store = Store(args.db or Path(tmp) / "runs.duckdb")
        outputs = run_ensemble("peru-2022", args.runs, None, [], ExecutionOptions(store, 1)).outputs
    print(f"peru-2022, {len(outputs)} runs: median [lowest, highest run]")
    for name, value in figures(outputs):
        print(f"  {name:60s} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

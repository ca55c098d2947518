"""The ten acceptance targets of December 2022 (docs/validation.md) for `peru-2022`, on 16
seeds (2022-2037) and on their first 8 (2022-2029), from one ensemble.

The runs are those of `uprising run peru-2022 --runs N --set ...` (seeds from the scenario's);
both tables are read from the same runs, so the 8-seed table is the JSON line of `--runs 8`.
With `--db` the runs are kept and a second call with the same settings reads them back; with
`--seed` another 16 seeds test whether a difference between two settings holds beyond the table's.

Usage::

    python benchmarks/peru_acceptance.py [--runs 16] [--seed 2022] [--workers 1] [--db RUNS.duckdb]
        [--scenario peru-2022 | FILE.yaml] [--set KEY=VALUE ...] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from uprising.cli.run import ensemble_metrics
from uprising.experiment.ensemble import run_ensemble
from uprising.experiment.execution import ExecutionOptions
from uprising.store import Store

DEC_15 = 8  # day index of 15 December (day 0 is 7 December)
DEC_22 = 15


def targets(summary: dict[str, Any], observed: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(target, the model's figure, met) for each of the ten targets; counts of runs are read as
    shares of the runs (6 of 8 is 12 of 16)."""
    runs = summary["runs"]
    per_1000 = summary["participation_peak_per_1000"]
    share = summary["participation_peak_share"]
    by_day = summary["departments_reported_active_by_day"]
    top = max(by_day)
    top_day = by_day.index(top)
    lima = summary["days_reported_active_by_department"]["Lima"]
    deaths = summary["cumulative_deaths_by_day"]
    apurimac = summary["runs_with_deaths_by_department"]["Apurímac"]
    ayacucho = sum(1 for k in summary["max_daily_deaths_by_department"]["Ayacucho"] if k >= 5)
    by_dept = summary["deaths_by_department"]
    none_seen = [d for d, k in observed["deaths_by_department"].items() if k == 0]
    total = sum(by_dept.values())
    elsewhere = sum(by_dept.get(d, 0) for d in none_seen) / total if total else 0.0
    peak, dec22 = summary["peak_blockades"], summary["blockades_by_day"][DEC_22]
    rho = summary.get("ranking_spearman")
    most = max(per_1000.values())
    return [
        (
            "peak participation <= 5% of Peru, <= 250 per 1,000",
            f"{share:.1%} / {most:.1f}",
            share <= 0.05 and most <= 250,
        ),
        ("<= 6 departments reported on 7 Dec", f"{by_day[0]:g}", by_day[0] <= 6),
        # The target is a count: the most departments reported on one day is 15-22
        # (Sutran named 17 regions); the day it falls on is printed beside it.
        ("most reported on one day: 15-22 departments", f"{top:g} (day {top_day})", 15 <= top <= 22),
        ("Lima reported >= 3 days", f"{lima:g}", lima >= 3),
        ("deaths 7-15 Dec >= 15", f"{deaths[DEC_15]:g} (month {deaths[-1]:g})", deaths[DEC_15] >= 15),
        ("Apurímac deaths in >= 6 of 8 runs", f"{apurimac} of {runs}", apurimac * 8 >= 6 * runs),
        ("Ayacucho day >= 5 in >= 3 of 8 runs", f"{ayacucho} of {runs}", ayacucho * 8 >= 3 * runs),
        ("<= 20% of deaths where none observed", f"{elsewhere:.0%}", elsewhere <= 0.20),
        (
            "road points peak 80-160, <= 25 on 22 Dec",
            f"{peak:g} / {dec22:g}",
            80 <= peak <= 160 and dec22 <= 25,
        ),
        ("Spearman (days reported) > 0.5", f"{rho}", rho is not None and rho > 0.5),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16, help="runs from seed 2022 (the first 8: a table too)")
    parser.add_argument("--seed", type=int, help="seed of the first run (default: the scenario's, 2022)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--db", type=Path, help="keep the runs in this DuckDB store (resumed on a rerun)")
    parser.add_argument("--scenario", default="peru-2022", help="built-in name or scenario file (a trial)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--json", action="store_true", help="one JSON line per table instead of tables")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="acceptance-") as tmp:
        store = Store(args.db or Path(tmp) / "runs.duckdb")
        execution = ExecutionOptions(store, args.workers)
        result = run_ensemble(args.scenario, args.runs, args.seed, args.overrides, execution)
    outputs = result.outputs
    sizes = [n for n in (8, args.runs) if n <= args.runs]
    for n in dict.fromkeys(sizes):
        summary, observed = ensemble_metrics(outputs[:n])
        rows = targets(summary, observed or {})
        met = sum(ok for *_, ok in rows)
        days = summary["days_reported_active_by_department"]
        most_seen = max((observed or {}).get("days_reported_active_by_department", {0: 0}).values())
        saturated = sum(1 for k in days.values() if k > most_seen)
        rows.append(
            (f"departments reported on more days than any observed ({most_seen})", f"{saturated}", True)
        )
        if args.json:
            line = {"runs": n, "overrides": args.overrides, "met": met, "figures": {t: v for t, v, _ in rows}}
            print(json.dumps(line, ensure_ascii=False))
            continue
        print(f"{n} runs{' ' + ' '.join(args.overrides) if args.overrides else ''}: {met} of 10 met")
        for target, value, ok in rows:
            print(f"  {'yes' if ok else 'no ':3s}  {target:45s} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Where a scenario's deaths come from: its confrontation events by period, forces and place.

    python docs/deaths_by_place.py [SCENARIO] [--set key=value ...] [--runs 8] [--split-day 8]

Runs the scenario on its seeds (as `uprising run` does) and sums, over the runs, the people
killed in each confrontation event, by department and by (period, forces, place); prints means
per run. The period splits at `--split-day` (day 8 is 15 December in peru-2022).
"""

from __future__ import annotations

import argparse
import collections

from uprising.runner import run_scenario
from uprising.scenario import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="peru-2022")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--split-day", type=int, default=8, help="last day of the first period")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario, args.overrides)
    by_department: collections.Counter[str] = collections.Counter()
    by_place: collections.Counter[tuple[str, str, str]] = collections.Counter()
    for seed in range(scenario.run.seed, scenario.run.seed + args.runs):
        events = run_scenario(scenario, seed=seed).events
        confrontations = events.filter(events["kind"] == "confrontation")
        for day, department, outcome in confrontations.select("day", "department", "outcome").iter_rows():
            killed = int(outcome.rsplit(": ", 1)[-1].split()[0])  # "<forces> at <place>: <n> killed"
            if killed == 0:
                continue
            forces, place = outcome.rsplit(": ", 1)[0].split(" at ", 1)
            period = f"days 0-{args.split_day}" if day <= args.split_day else f"after day {args.split_day}"
            by_department[department] += killed
            by_place[(period, forces, place)] += killed
    print(f"deaths per run in confrontations, {args.runs} runs of {scenario.name} {' '.join(args.overrides)}")
    for department, killed in by_department.most_common():
        print(f"  {department:<14} {killed / args.runs:7.2f}")
    print("by period, forces and place:")
    for (period, forces, place), killed in sorted(by_place.items(), key=lambda kv: -kv[1]):
        print(f"  {period:<12} {forces:<7} {place:<32} {killed / args.runs:7.2f}")


if __name__ == "__main__":
    main()

"""Reference runs of Mesa's Epstein civil-violence example, for validating our engine.

Runs Mesa's own example (imported, not copied) at its default parameters, or with some of its
keyword arguments changed (``--set legitimacy=0.82``), for seeds 1..N and writes, per seed, the
agent counts, the active / quiet / arrested series per tick and the summary statistics that the
engine's validation tests compare against. The file is rewritten after every seed, so a long
run stopped early still holds the seeds it finished.

Tick 0 is the state after construction; tick t is the state after t calls of ``model.step()``.
States are counted from the citizens themselves, not from the data collector.

Usage::

    python benchmarks/mesa_reference.py --seeds 40 --steps 200 \
        --out benchmarks/reference/mesa_epstein.json
    python benchmarks/mesa_reference.py --seeds 120 --jobs 2 --set legitimacy=0.82 \
        --set cop_density=0.04 --set max_jail_term=30 \
        --out benchmarks/reference/mesa_epstein_run2.json
"""

from __future__ import annotations

import argparse
import datetime
import inspect
import json
import multiprocessing
import platform
import statistics
import sys
import time
from pathlib import Path

import mesa
from mesa.examples.advanced.epstein_civil_violence.agents import Citizen, CitizenState, Cop
from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

WINDOW_FIRST = 50
"""First tick of the window over which mean and peak actives are taken."""
WINDOW_LAST = 200
"""Last tick (inclusive) of that window, when the run is at least this long."""

STATISTICS = ("mean_active", "peak_active", "time_active", "final_jailed")

DEFAULT_OUT = Path(__file__).resolve().parent / "reference" / "mesa_epstein.json"


def model_defaults() -> dict[str, object]:
    """The default keyword arguments of Mesa's model, read from its signature."""
    signature = inspect.signature(EpsteinCivilViolence.__init__)
    return {
        name: param.default
        for name, param in signature.parameters.items()
        if name not in ("self", "seed") and param.default is not inspect.Parameter.empty
    }


def count_states(model: EpsteinCivilViolence) -> tuple[int, int, int]:
    """(active, quiet, arrested) citizens, counted from the agents."""
    active = quiet = arrested = 0
    for agent in model.agents:
        if not isinstance(agent, Citizen):
            continue
        if agent.state is CitizenState.ACTIVE:
            active += 1
        elif agent.state is CitizenState.QUIET:
            quiet += 1
        elif agent.state is CitizenState.ARRESTED:
            arrested += 1
        else:  # pragma: no cover - Mesa has exactly these three states
            raise ValueError(f"unknown citizen state {agent.state!r}")
    return active, quiet, arrested


def window_stats(active_series: list[int], arrested_series: list[int]) -> dict[str, float]:
    """Mean and peak actives over ticks WINDOW_FIRST..WINDOW_LAST, the share of those ticks
    with any active citizen, and jailed at WINDOW_LAST.

    A run shorter than WINDOW_LAST ticks ends the window at its last tick.
    """
    last = min(WINDOW_LAST, len(active_series) - 1)
    window = active_series[WINDOW_FIRST : last + 1]
    return {
        "mean_active": sum(window) / len(window),
        "peak_active": max(window),
        "time_active": sum(a > 0 for a in window) / len(window),
        "final_jailed": arrested_series[last],
    }


def run_seed(seed: int, steps: int, changes: dict[str, object] | None = None) -> dict[str, object]:
    """Run Mesa's example at its defaults, but for `changes`, for one seed and return its record."""
    model = EpsteinCivilViolence(seed=seed, **(changes or {}))
    citizens = sum(isinstance(a, Citizen) for a in model.agents)
    cops = sum(isinstance(a, Cop) for a in model.agents)
    active_series: list[int] = []
    quiet_series: list[int] = []
    arrested_series: list[int] = []

    def record() -> None:
        active, quiet, arrested = count_states(model)
        if active + quiet + arrested != citizens:
            raise RuntimeError(f"seed {seed}: citizen count changed during the run")
        active_series.append(active)
        quiet_series.append(quiet)
        arrested_series.append(arrested)

    record()
    for _ in range(steps):
        model.step()
        record()
    return {
        "seed": seed,
        "citizens": citizens,
        "cops": cops,
        **window_stats(active_series, arrested_series),
        "active_series": active_series,
        "quiet_series": quiet_series,
        "arrested_series": arrested_series,
    }


def summarise(per_seed: list[dict[str, object]]) -> dict[str, dict[str, float]]:
    """Mean and sample standard deviation of each statistic over seeds."""
    summary = {}
    for name in STATISTICS:
        values = [float(record[name]) for record in per_seed]
        summary[name] = {
            "mean": statistics.fmean(values),
            "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values),
            "max": max(values),
        }
    return summary


def to_json(result: dict[str, object]) -> str:
    """Indented JSON with each list of numbers kept on one line, so the file stays small."""

    def encode(value: object, indent: str) -> str:
        inner = indent + " "
        if isinstance(value, dict) and value:
            items = [f"{inner}{json.dumps(k)}: {encode(v, inner)}" for k, v in value.items()]
            return "{\n" + ",\n".join(items) + "\n" + indent + "}"
        if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
            items = [inner + encode(v, inner) for v in value]
            return "[\n" + ",\n".join(items) + "\n" + indent + "]"
        return json.dumps(value)

    return encode(result, "") + "\n"


def parse_change(text: str) -> tuple[str, object]:
    """`name=value` for one of Mesa's keyword arguments, the value parsed as JSON (0.82, 30, true)."""
    name, sep, value = text.partition("=")
    if not sep or name not in model_defaults():
        raise argparse.ArgumentTypeError(f"expected name=value, name one of {sorted(model_defaults())}")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError as err:
        raise argparse.ArgumentTypeError(f"{name}: {value!r} is not a number or true/false") from err


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40, help="run seeds 1..N (default 40)")
    parser.add_argument("--steps", type=int, default=200, help="steps per run (default 200)")
    parser.add_argument("--jobs", type=int, default=1, help="seeds run at once (default 1)")
    parser.add_argument(
        "--set", type=parse_change, action="append", default=[], metavar="NAME=VALUE",
        help="change one of Mesa's keyword arguments (repeatable)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output JSON (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.steps < WINDOW_FIRST:
        parser.error(f"--steps must be at least {WINDOW_FIRST} (the statistics window starts there)")
    return args


def _run_one(job: tuple[int, int, dict[str, object]]) -> dict[str, object]:
    return run_seed(*job)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    changes = dict(args.set)
    seeds = list(range(1, args.seeds + 1))
    per_seed: list[dict[str, object]] = []
    started = time.perf_counter()

    def write() -> dict[str, dict[str, float]]:
        per_seed.sort(key=lambda record: record["seed"])
        summary = summarise(per_seed)
        result = {
            "mesa_version": mesa.__version__,
            "python_version": platform.python_version(),
            "model": "mesa.examples.advanced.epstein_civil_violence.model.EpsteinCivilViolence",
            "parameters": {**model_defaults(), **changes},
            "changed": sorted(changes),
            "command": " ".join(["python", "benchmarks/mesa_reference.py", *(argv or sys.argv[1:])]),
            "steps": args.steps,
            "window": {"first_tick": WINDOW_FIRST, "last_tick": min(WINDOW_LAST, args.steps)},
            "seeds": [record["seed"] for record in per_seed],
            "summary": summary,
            "per_seed": per_seed,
            "created": datetime.date.today().isoformat(),
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        partial = args.out.with_suffix(".part")
        partial.write_text(to_json(result))
        partial.replace(args.out)  # whole, for whoever reads it meanwhile
        return summary

    with multiprocessing.Pool(args.jobs) as pool:
        jobs = [(seed, args.steps, changes) for seed in seeds]
        for record in pool.imap_unordered(_run_one, jobs):
            per_seed.append(record)
            write()
            print(
                f"seed {record['seed']:3d}: citizens {record['citizens']}, cops {record['cops']}, "
                f"mean_active {record['mean_active']:.1f}, peak_active {record['peak_active']}, "
                f"final_jailed {record['final_jailed']}  "
                f"({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
    summary = write()

    print(f"Mesa {mesa.__version__}, {len(seeds)} seeds, {args.steps} steps -> {args.out}")
    for name in STATISTICS:
        stats = summary[name]
        print(
            f"  {name:13s} mean {stats['mean']:8.2f}  sd {stats['sd']:7.2f}  "
            f"range {stats['min']:g}..{stats['max']:g}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Mutation testing of the engine's rules with cosmic-ray: every mutant of a module is applied
to a copy of the source and the module's tests run on it; a mutant the tests pass survived.

Usage::

    python benchmarks/mutate.py                                  # every module configured
    python benchmarks/mutate.py --module src/uprising/engine/rules.py
    python benchmarks/mutate.py --survivors    # only the last run's survivors, against the tests now

The modules, their tests and cosmic-ray's settings are `[tool.cosmic-ray]` of pyproject.toml.
The tests run with numba's JIT off: the rules and kernels run as Python, so each mutant is
tested without recompiling every kernel (a fresh numba cache per mutant, since numba's cache
does not see a changed rule inlined in a kernel of another file), and on one core. The sessions
(sqlite) are kept in build/mutate/ for `cr-report` and `cr-html`.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path

from cosmic_ray.config import serialize_config

from fidelity_acceptance import ROOT, copy_of_source

SESSIONS = ROOT / "build" / "mutate"
BIN = Path(sys.executable).parent


def settings() -> dict:
    """`[tool.cosmic-ray]` of pyproject.toml."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["cosmic-ray"]


def config_for(module: str, tests: list[str], base: dict) -> dict:
    """cosmic-ray's configuration for one module: its path, and pytest on its tests alone."""
    pytest = f"{sys.executable} -m pytest -x -q -p no:cacheprovider {' '.join(tests)}"
    config = {key: value for key, value in base.items() if key != "modules"}
    return {**config, "module-path": module, "test-command": pytest}


def cosmic(tool: str, *args: str, cwd: Path, env: dict) -> str:
    done = subprocess.run([str(BIN / tool), *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"error: {tool} {' '.join(args)} failed: {done.stderr.strip()[-400:]}")
    return done.stdout


def forget_survivors(session: Path) -> None:
    """Make the survivors of a kept session pending again, so that `exec` tests them anew."""
    if not session.exists():
        raise SystemExit(f"error: --survivors: no session {session} yet; run without it first")
    with sqlite3.connect(session) as db:
        db.execute("DELETE FROM work_results WHERE test_outcome = 'SURVIVED'")


def mutate(module: str, tests: list[str], base: dict, survivors_only: bool) -> tuple[Counter, list[str]]:
    """Run the mutants of `module`; the count of each outcome and the survivors' diffs."""
    SESSIONS.mkdir(parents=True, exist_ok=True)
    session = SESSIONS / f"{Path(module).stem}.sqlite"
    if survivors_only:
        forget_survivors(session)
    else:
        session.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        root = Path(tmp)
        copy_of_source(root)
        (root / "cosmic-ray.toml").write_text(serialize_config(config_for(module, tests, base)))
        env = {**os.environ, "PYTHONPATH": str(root / "src"), "NUMBA_DISABLE_JIT": "1"}
        env |= {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        if not survivors_only:
            cosmic("cosmic-ray", "init", "cosmic-ray.toml", str(session), cwd=root, env=env)
            cosmic("cr-filter-operators", str(session), "cosmic-ray.toml", cwd=root, env=env)
        cosmic("cosmic-ray", "baseline", "cosmic-ray.toml", cwd=root, env=env)
        cosmic("cosmic-ray", "exec", "cosmic-ray.toml", str(session), cwd=root, env=env)
        dump = cosmic("cosmic-ray", "dump", str(session), cwd=root, env=env)
    counts: Counter = Counter()
    survivors = []
    for line in dump.splitlines():
        _, result = json.loads(line)
        outcome = result["test_outcome"] or result["worker_outcome"]
        counts[outcome] += 1
        if outcome == "survived":
            survivors.append(result["diff"].split("\n", 3)[3])
    return counts, survivors


def main(argv: list[str] | None = None) -> int:
    base = settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", choices=sorted(base["modules"]), action="append", help="only these")
    parser.add_argument("--survivors", action="store_true", help="test the last run's survivors again")
    args = parser.parse_args(argv)
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, inherited by every test run
    for module in args.module or list(base["modules"]):
        started = time.perf_counter()
        counts, survivors = mutate(module, base["modules"][module], base, args.survivors)
        for diff in survivors:
            print(f"survived:\n{diff}")
        tested = counts["killed"] + counts["survived"]
        rate = counts["survived"] / tested if tested else 0.0
        print(
            f"{module}: {sum(counts.values())} mutants, {counts['killed']} killed, "
            f"{counts['survived']} survived ({rate:.1%} of {tested} tested), "
            f"{counts['skipped']} skipped by the operator filter, {counts['incompetent']} incompetent; "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

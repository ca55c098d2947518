"""Kills, in the spirit of Jepsen: `uprising run` is killed (SIGKILL of the parent alone, as the
OOM killer does, or SIGTERM) at a random moment; no worker, forkserver or resource tracker may
outlive it by more than a few seconds, and running the same command again must give a store
whose content (runs and their daily series) is identical to that of an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.reliability import budget
from uprising.store import Store

RUNS = 12
COMMAND = [
    sys.executable, "-m", "uprising", "run", "epstein-2002", "--runs", str(RUNS), "--workers", "2",
    "--no-report", "--json", "--save-every", "0",
]  # fmt: skip
GONE_WITHIN = 5.0  # seconds for every process of the killed command to exit


def run_command(db: Path) -> subprocess.Popen:
    """`uprising run` in a new session (its own process group, which its workers join)."""
    return subprocess.Popen(
        [*COMMAND, "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        text=True,
    )


def group_members(pgid: int) -> list[str]:
    """The live (not zombie) processes of process group `pgid`, read from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            members.append(f"{entry.name} {stat[stat.index('(') : stat.rindex(')') + 1]}")
    return members


def wait_until_group_gone(pgid: int, within: float) -> list[str]:
    """The processes of the group still alive after `within` seconds (empty once all exit)."""
    deadline = time.monotonic() + within
    while (left := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def content_hash(db: Path) -> str:
    """A hash of what the store holds: each experiment's kind and scenario, and each run's seed,
    parameters, daily series and events (not its timings)."""
    digest = hashlib.sha256()
    with Store(db) as store:
        experiments = store.experiments().sort(["kind", "scenario_hash"])
        for row in experiments.iter_rows(named=True):
            digest.update(f"{row['kind']} {row['scenario']} {row['scenario_hash']} {row['done']}".encode())
            for output in store.load_experiment(row["id"]):
                digest.update(f"{output.seed} {output.scenario_hash}".encode())
                digest.update(output.daily.write_csv().encode())
                digest.update(output.events.write_csv().encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> tuple[str, float]:
    """The content hash of the store of an uninterrupted command, and how long it took."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("the kill tests read processes from /proc (Linux)")
    db = tmp_path_factory.mktemp("kills") / "whole.duckdb"
    started = time.monotonic()
    proc = run_command(db)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return content_hash(db), time.monotonic() - started


def test_a_killed_ensemble_leaves_no_process_and_resumes_to_the_same_store(uninterrupted, tmp_path, cases):
    whole, seconds = uninterrupted
    rng = random.Random(7)
    tries = budget(2, 20)
    for k in range(tries):
        sig = (
            (signal.SIGKILL, signal.SIGTERM)[k % 2] if k < 2 else rng.choice((signal.SIGKILL, signal.SIGTERM))
        )
        moment = rng.uniform(0.3, seconds)
        db = tmp_path / f"killed-{k}.duckdb"
        proc = run_command(db)
        time.sleep(moment)
        os.kill(proc.pid, sig)  # the parent alone, not its group
        _, err = proc.communicate(timeout=60)
        what = f"case {k}: {sig.name} at {moment:.2f} s"
        if sig == signal.SIGTERM:
            assert proc.returncode in (0, 128 + signal.SIGTERM, -signal.SIGTERM), f"{what}: {err}"
            assert "Traceback" not in err, f"{what}: {err}"
        left = wait_until_group_gone(proc.pid, GONE_WITHIN)
        assert left == [], f"{what}: still alive after {GONE_WITHIN:g} s: {left}"
        resumed = run_command(db)
        _, err = resumed.communicate(timeout=300)
        assert resumed.returncode == 0, f"{what}, then resumed: {err}"
        assert content_hash(db) == whole, what
    cases.tried(tries)

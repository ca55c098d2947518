"""A dashboard server in a subprocess on a free port, shared by the tests of one module."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

MAX_AGENTS = 200_000
MAX_TICKS = 2_000  # a 400 x 400 torus runs long enough to be watched and cancelled
START_TIMEOUT_S = 90


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path
    experiment_id: str  # the experiment the server's store starts with
    db: Path  # the server's store

    def request(self, path: str, body: bytes | None = None, method: str | None = None) -> tuple[int, dict]:
        """The status and JSON body of one call to the server (errors included)."""
        req = urllib.request.Request(self.url + path, data=body, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


STORED_SEEDS = (1, 2)
STORED_STEPS = 15


def make_store(path: Path) -> str:
    """A store holding one small ensemble of the classic model; returns the experiment's id."""
    from uprising.runner import run_scenario
    from uprising.scenario import load_scenario, scenario_hash
    from uprising.store import Store
    from uprising.store.store import PlannedRun

    overrides = (f"run.steps={STORED_STEPS}",)
    scenario = load_scenario("epstein-2002", list(overrides))
    store = Store(path)
    planned = [PlannedRun(i, "epstein-2002", seed, overrides) for i, seed in enumerate(STORED_SEEDS)]
    plan = store.open_experiment("ensemble", "epstein-2002", scenario_hash(scenario), {"seeds": 2}, planned)
    runs = [
        (rid, run_scenario(scenario, seed=seed)) for rid, seed in zip(plan.run_ids, STORED_SEEDS, strict=True)
    ]
    store.save_runs(plan.experiment_id, runs)
    return plan.experiment_id


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    port = free_port()
    folder = tmp_path_factory.mktemp("server")
    log = folder / "server.log"
    db = folder / "store.duckdb"
    experiment_id = make_store(db)
    handle = log.open("w")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "uprising", "serve", "--port", str(port), "--db", str(db),
            "--max-agents", str(MAX_AGENTS), "--max-ticks", str(MAX_TICKS),
        ],
        stdout=handle,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited with code {process.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url + "/api/scenarios", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer within {START_TIMEOUT_S} s:\n{log.read_text()}")
                time.sleep(0.3)
        yield Server(url=url, process=process, log=log, experiment_id=experiment_id, db=db)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        handle.close()

"""How long a store's readers and writer wait for each other, beside a previous version.

A writer process saves a table of 300,000 numbers after another with no pause, and after each
the count of its saves so far (the table "n"), as an ensemble saving each run at once
(`--save-every 0`) does. A reader process of the same version then
  1. reads the store's experiments `--reads` times, pausing `--pause` seconds between reads (a
     dashboard or a script polling the store), and prints how long each read waited;
  2. reads the count `--reads` times back to back, and prints how many saves it saw go by.
The previous version is a git worktree of `--peer` (default: the commit before calls to a store
queued in turn), removed at the end.

Run: python benchmarks/bench_store_turns.py [--reads 20] [--pause 0.05] [--peer 9bb6725]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

PEER = "9bb6725"  # before calls to a store queued in turn

WRITER = """
import sys
import numpy as np, polars as pl
from uprising.store import PlannedRun, Store
store = Store(sys.argv[1])
plan = store.open_experiment("ensemble", "made-up", "h", {}, [PlannedRun(0, "made-up", 1)])
frame = pl.DataFrame({"x": np.arange(300_000, dtype=np.float64)})
n = 0
while True:
    store.save_table(plan.experiment_id, "t", frame)
    n += 1
    store.save_table(plan.experiment_id, "n", pl.DataFrame({"n": [n]}))
    if n == 1:
        print("ready", flush=True)
"""

READER = """
import json, sys, time
from uprising.store import Store
db, reads, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
store = Store(db, lock_timeout=120)
(experiment_id,) = store.experiments()["id"].to_list()
waits = []
for _ in range(reads):
    start = time.monotonic()
    store.experiments()
    waits.append(time.monotonic() - start)
    time.sleep(pause)
start = time.monotonic()
counts = [store.load_table(experiment_id, "n")["n"][0] for _ in range(reads)]
print(json.dumps({"waits": waits, "saves": int(counts[-1] - counts[0]),
                  "seconds": time.monotonic() - start}))
"""


def measure(src: Path, folder: Path, reads: int, pause: float) -> dict:
    """The reader's figures against a busy writer, both of the version in `src`."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    db = folder / f"turns-{abs(hash(src))}.duckdb"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        out = subprocess.run(
            [sys.executable, "-c", READER, str(db), str(reads), str(pause)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
    finally:
        writer.kill()
        writer.wait()
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=20, help="reads in each phase")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between reads in phase 1")
    parser.add_argument("--peer", default=PEER, help="git revision of the previous version")
    parser.add_argument("--no-peer", action="store_true", help="measure this version alone")
    args = parser.parse_args()
    from peer import versions  # here: the tests import this module as `benchmarks.bench_store_turns`

    with (
        tempfile.TemporaryDirectory() as folder,
        versions(None if args.no_peer else args.peer, args.peer) as sources,
    ):
        for name, src in sources.items():
            got = measure(src, Path(folder), args.reads, args.pause)
            waits = np.array(got["waits"])
            print(
                f"{name:>8}: {args.reads} reads {args.pause:g} s apart waited"
                f" median {np.median(waits):.2f} s, max {waits.max():.2f} s,"
                f" {int((waits > 1).sum())} over 1 s;"
                f" {args.reads} reads back to back ({got['seconds']:.2f} s) saw {got['saves']} saves"
            )


if __name__ == "__main__":
    main()

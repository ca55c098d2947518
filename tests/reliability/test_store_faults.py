"""The store under damage: copied alone, bytes flipped and cut in the file and its write-ahead
log, a full disk, a read-only folder, a second process holding the file.

Every case ends in either the store's full, verified content or one line `error: ...` with exit
code 2; never an empty store with exit code 0, never a traceback, and a damaged file is left as
it was.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

import uprising.cli.main  # noqa: F401  (registers every command)
from tests.cli_checks import one_error_line
from tests.experiment.test_store import planned, synthetic_output
from tests.reliability import budget
from uprising.cli.app import app
from uprising.errors import DataError, UprisingError
from uprising.store import Store
from uprising.store.wal import wal_path

RUNS = 4


class StoppedBeforeCheckpoint(Store):
    """A store whose writer stops after each commit, before its checkpoint (as a SIGKILL there
    would), so the commit stays in the write-ahead log."""

    @contextmanager
    def _commit(self, con: duckdb.DuckDBPyConnection) -> Iterator[None]:
        con.execute("BEGIN TRANSACTION")
        yield
        con.execute("COMMIT")


def make_store(path: Path, last_in_wal: bool = False) -> str:
    """A store of RUNS synthetic runs, the last one left in the write-ahead log if asked."""
    store = Store(path)
    plan = store.open_experiment("ensemble", "made-up", "h", {"runs": RUNS}, planned(RUNS))
    pairs = [(rid, synthetic_output(100 + k)) for k, rid in enumerate(plan.run_ids)]
    store.save_runs(plan.experiment_id, pairs[:-1])
    writer = StoppedBeforeCheckpoint(path) if last_in_wal else store
    writer.save_runs(plan.experiment_id, pairs[-1:])
    assert wal_path(path).exists() == last_in_wal
    return plan.experiment_id


def cli(*args: str):
    from typer.testing import CliRunner

    return CliRunner().invoke(app, list(args))


def assert_full(path: Path, experiment_id: str) -> None:
    """Every run of the store made by make_store reads back as saved."""
    outputs = Store(path).load_experiment(experiment_id)
    assert [o.seed for o in outputs] == [100 + k for k in range(RUNS)]
    for k, output in enumerate(outputs):
        assert output.daily.equals(synthetic_output(100 + k).daily)


def assert_full_or_refused(path: Path, experiment_id: str) -> bool:
    """`runs list` and `runs verify` give the full store or one error line; True if refused."""
    listed = cli("runs", "list", "--db", str(path), "--json")
    assert not isinstance(listed.exception, Exception) or isinstance(listed.exception, SystemExit)
    if listed.exit_code != 0:
        one_error_line(listed)
        return True
    assert [(e["id"], e["done"]) for e in json.loads(listed.stdout)] == [(experiment_id, RUNS)]
    verified = cli("runs", "verify", "--db", str(path), "--json")
    if verified.exit_code != 0:
        one_error_line(verified)
        return True
    assert json.loads(verified.stdout)["sound"]
    assert_full(path, experiment_id)
    return False


def files_of(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (path, wal_path(path)) if p.exists()}


def test_a_copy_of_the_store_file_alone_keeps_every_run(tmp_path: Path):
    db = tmp_path / "base.duckdb"
    command = [sys.executable, "-m", "uprising", "run", "epstein-2002", "--runs", str(RUNS), "--set",
               "run.steps=20", "--no-report", "--db", str(db)]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    (tmp_path / "c").mkdir()
    shutil.copy(db, tmp_path / "c" / "base.duckdb")
    listed = cli("runs", "list", "--db", str(tmp_path / "c" / "base.duckdb"), "--json")
    assert listed.exit_code == 0
    assert [e["done"] for e in json.loads(listed.stdout)] == [RUNS]


def test_a_log_cut_by_one_byte_is_refused_and_kept_by_later_writes(tmp_path: Path):
    db = tmp_path / "base.duckdb"
    experiment_id = make_store(db, last_in_wal=True)
    wal = wal_path(db)
    os.truncate(wal, wal.stat().st_size - 1)
    before = files_of(db)
    assert "write-ahead log" in one_error_line(cli("runs", "list", "--db", str(db), "--json"))
    assert "runs verify" in one_error_line(cli("runs", "show", experiment_id, "--db", str(db)))
    with pytest.raises(DataError, match="cannot be replayed whole"):  # the next run refuses too
        Store(db).save_runs(experiment_id, [("0" * 16, synthetic_output(1))])
    assert files_of(db) == before


def test_a_whole_log_left_by_a_stopped_writer_is_folded_into_the_file(tmp_path: Path):
    db = tmp_path / "base.duckdb"
    experiment_id = make_store(db, last_in_wal=True)
    assert_full(db, experiment_id)
    assert not wal_path(db).exists()
    shutil.copy(db, tmp_path / "copy.duckdb")
    assert_full(tmp_path / "copy.duckdb", experiment_id)


@pytest.mark.parametrize("target", ["file", "log"])
def test_flipped_and_cut_bytes_give_the_full_store_or_one_line(tmp_path: Path, cases, target: str):
    original = tmp_path / "original.duckdb"
    experiment_id = make_store(original, last_in_wal=target == "log")
    damaged_name = original.name if target == "file" else wal_path(original).name
    pristine = (tmp_path / damaged_name).read_bytes()
    rng = random.Random(14)
    n = budget(20, 300)
    refused = 0
    for k in range(n):
        folder = tmp_path / f"case{k}"
        folder.mkdir()
        for name, data in files_of(original).items():
            (folder / name).write_bytes(data)
        data = bytearray(pristine)
        if rng.random() < 0.5:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        else:
            data = data[: rng.randrange(len(data))]
        (folder / damaged_name).write_bytes(bytes(data))
        db = folder / original.name
        before = files_of(db)
        if assert_full_or_refused(db, experiment_id):
            refused += 1
            store = Store(db)
            with pytest.raises(UprisingError):  # a write to a store found damaged
                plan = store.open_experiment("ensemble", "more", "h", {}, planned(1))
                store.save_runs(plan.experiment_id, [(plan.run_ids[0], synthetic_output(1))])
            assert files_of(db) == before, f"case {k}: a damaged store was rewritten"
        shutil.rmtree(folder)
    cases.tried(n)
    assert refused > 0


def test_a_corrupt_file_is_reported_corrupt_at_once_not_locked(tmp_path: Path):
    db = tmp_path / "base.duckdb"
    make_store(db)
    data = bytearray(db.read_bytes())
    data[300] ^= 0x10  # inside the main header, whose checksum error names "block at location 0"
    db.write_bytes(bytes(data))
    start = time.monotonic()
    with pytest.raises(DataError, match="corrupt") as err:
        Store(db, lock_timeout=30).experiments()
    assert "locked" not in str(err.value)
    assert time.monotonic() - start < 5


def test_a_file_held_by_another_process_is_reported_locked(tmp_path: Path):
    db = tmp_path / "base.duckdb"
    make_store(db)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); print(1, flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        holder.stdout.readline()
        with pytest.raises(DataError, match="locked by another process"):
            Store(db, lock_timeout=0.3).experiments()
    finally:
        holder.kill()
        holder.wait()


def test_export_never_replaces_the_store_or_a_file_that_is_not_an_export(tmp_path: Path):
    db = tmp_path / "base.duckdb"
    experiment_id = make_store(db)
    before = db.read_bytes()
    line = one_error_line(cli("runs", "export", experiment_id, "--db", str(db), "--out", str(db)))
    assert "is the store" in line
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me\n")
    assert "not a .csv export" in one_error_line(
        cli("runs", "export", experiment_id, "--db", str(db), "--out", str(notes))
    )
    assert db.read_bytes() == before and notes.read_text() == "keep me\n"
    out = tmp_path / "runs.csv"
    assert cli("runs", "export", experiment_id, "--db", str(db), "--out", str(out)).exit_code == 0
    assert cli("runs", "export", experiment_id, "--db", str(db), "--out", str(out)).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.duckdb", "notes.txt", "runs.csv"]


def test_an_empty_file_left_by_a_failed_creation_is_reused(tmp_path: Path):
    db = tmp_path / "new.duckdb"
    db.touch()
    listed = cli("runs", "list", "--db", str(db), "--json")
    assert listed.exit_code == 0 and json.loads(listed.stdout) == []
    experiment_id = make_store(db)
    assert_full(db, experiment_id)


@contextmanager
def small_disk(folder: Path, size: str, read_only: bool = False) -> Iterator[Path]:
    """A tmpfs of `size` mounted on `folder` (root only; the test is skipped where it cannot)."""
    folder.mkdir()
    options = f"size={size}" + (",ro" if read_only else "")
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mount.stderr.decode().strip() or 'not root'})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_is_named_and_loses_no_saved_run(tmp_path: Path, cases):
    with small_disk(tmp_path / "disk", "4m") as disk:
        db = disk / "s.duckdb"
        store = Store(db)
        n = 2000
        plan = store.open_experiment("ensemble", "made-up", "h", {"runs": n}, planned(n))
        saved = 0
        (disk / "pad").write_bytes(b"x" * 1_500_000)
        with pytest.raises(DataError, match="no space left on device") as err:
            for k in range(0, n, 100):
                batch = [(plan.run_ids[i], synthetic_output(i)) for i in range(k, k + 100)]
                store.save_runs(plan.experiment_id, batch)
                saved += 100
        assert "rollback" not in str(err.value)
        done = int(Store(db).experiments()["done"][0])
        assert done >= saved
        (disk / "pad").unlink()
        assert cli("runs", "verify", "--db", str(db)).exit_code == 0
        cases.tried(saved // 100 + 1)


def test_a_store_that_cannot_be_created_leaves_nothing_behind(tmp_path: Path):
    with small_disk(tmp_path / "disk", "64k") as disk:
        db = disk / "new.duckdb"
        store = Store(db)
        plan = store.open_experiment("ensemble", "made-up", "h", {}, planned(1))
        with pytest.raises(DataError, match="cannot create the store .no space left on device"):
            store.save_runs(plan.experiment_id, [(plan.run_ids[0], synthetic_output(1))])
        assert list(disk.iterdir()) == []
        listed = cli("runs", "list", "--db", str(db), "--json")
        assert listed.exit_code == 0 and json.loads(listed.stdout) == []


@pytest.mark.parametrize("disk_options", [("8k", False), ("1m", True)], ids=["full", "read-only"])
def test_an_export_that_cannot_be_written_says_why_and_leaves_nothing(tmp_path: Path, disk_options):
    db = tmp_path / "base.duckdb"
    experiment_id = make_store(db)
    size, read_only = disk_options
    with small_disk(tmp_path / "disk", size, read_only) as disk:
        if not read_only:
            (disk / "pad").write_bytes(b"x" * 4096)
        out = disk / "runs.parquet"
        result = cli(
            "runs", "export", experiment_id, "--db", str(db), "--format", "parquet", "--out", str(out)
        )
        line = one_error_line(result)
        assert ("no space left on device" in line) if not read_only else ("read-only file system" in line)
        assert sorted(p.name for p in disk.iterdir()) == ([] if read_only else ["pad"])

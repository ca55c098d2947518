"""Files: writes are whole or absent, a full disk gives one line naming it, a failed calibration
leaves no pyabc history, and a scenario file edited during an experiment changes none of its runs.

The disk-full cases mount a small tmpfs (root only) and are skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

import uprising.cli.main  # noqa: F401  (registers every command)
from tests.cli_checks import invoke_command, one_error_line
from tests.reliability import budget
from uprising.experiment.ensemble import run_ensemble
from uprising.files import PART, atomic_path, write_bytes_atomic

TMPFS_BYTES = 1 << 20
PAGE = 4096
PNG_START, PNG_END = b"\x89PNG\r\n\x1a\n", b"IEND\xaeB`\x82"


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs mounted in tmp_path, unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command: the disk-full cases need a tmpfs")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["mount failed"])[0]
        pytest.skip(f"cannot mount a tmpfs ({reason}); the disk-full cases need root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill_leaving(disk: Path, free: int) -> None:
    """Empty `disk`, then fill it but for about `free` bytes (whole pages)."""
    for path in disk.iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    filler = disk / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * (64 * PAGE))
                f.flush()
        except OSError:
            pass
    try:
        size = filler.stat().st_size
        os.truncate(filler, max(0, size - free))
    except OSError:
        pass


def free_bytes(tries: int, most: int, seed: int) -> list[int]:
    """Room left on the disk for each case: none first, then random whole KiB up to `most`."""
    rng = random.Random(seed)
    return [0] + [rng.randrange(0, most // 1024) * 1024 for _ in range(tries - 1)]


def debris(folder: Path) -> list[str]:
    """What a failed write must never leave: temporary files and empty or partial PNGs."""
    found = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if PART in path.name or path.stat().st_size == 0:
            found.append(path.name)
        elif path.suffix == ".png":
            data = path.read_bytes()
            if not (data.startswith(PNG_START) and data.endswith(PNG_END)):
                found.append(path.name)
    return found


def test_an_atomic_write_that_fails_leaves_the_old_file_and_no_temporary_one(tmp_path):
    target = tmp_path / "figure.png"
    write_bytes_atomic(target, b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        assert tmp.suffix == ".png" and tmp.parent == tmp_path
        tmp.write_bytes(b"half")
        raise RuntimeError("the writer failed")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figure.png"]


def test_simulate_out_on_a_full_disk_says_so_in_one_line_and_leaves_nothing(small_disk, cases):
    tries = budget(3, 30)
    for free in free_bytes(tries, 40 * 1024, seed=14):
        fill_leaving(small_disk, free)
        out = small_disk / "series"
        result = invoke_command("simulate", "epstein-2002", "--set", "run.steps=200", "--out", str(out))
        written = sorted(p.name for p in out.iterdir()) if out.exists() else []
        if result.exit_code == 0:  # enough room after all: both files, whole
            assert written == ["epstein-2002-seed1.csv", "epstein-2002-seed1.parquet"], written
        else:
            line = one_error_line(result)
            assert "--out" in line and "no space left on device" in line.lower(), line
            assert written == [], f"free {free} B: left {written}"
    cases.tried(tries)


def test_a_report_on_a_full_disk_says_so_in_one_line_and_leaves_no_partial_file(small_disk, tmp_path, cases):
    tries = budget(2, 12)
    for k, free in enumerate(free_bytes(tries, 200 * 1024, seed=15)):
        fill_leaving(small_disk, free)
        out = small_disk / "report"
        db = tmp_path / f"store-{k}.duckdb"
        result = invoke_command(
            "run", "epstein-2002", "--runs", "2", "--workers", "1", "--set", "run.steps=20",
            "--db", str(db), "--out", str(out), "--json",
        )  # fmt: skip
        if result.exit_code == 0:
            assert (out / "report.html").exists()
        else:
            line = one_error_line(result)
            assert "no space left on device" in line.lower(), line
        assert not out.exists() or debris(out) == [], f"free {free} B: left {debris(out)}"
    cases.tried(tries)


def test_a_world_map_on_a_full_disk_leaves_no_empty_png(small_disk):
    fill_leaving(small_disk, 0)
    png = small_disk / "world.png"
    result = invoke_command("world", "epstein-2002", "--png", str(png))
    line = one_error_line(result)
    assert "--png" in line and "no space left on device" in line.lower(), line
    assert not png.exists() and debris(small_disk) == []


SCENARIO = """\
name: mutable
description: a small torus whose file is edited during its ensemble
world: {kind: torus, width: 20, height: 20}
citizens: {legitimacy: 0.8}
run: {steps: 30, seed: 1}
"""


@pytest.mark.parametrize("workers", [1, 2])
def test_editing_the_scenario_file_during_an_ensemble_changes_none_of_its_runs(tmp_path, workers):
    path = tmp_path / "mutable.yaml"
    path.write_text(SCENARIO, encoding="utf-8")

    def edit_after_the_first_run(done: int, total: int) -> None:
        if done >= 1:
            path.write_text(SCENARIO.replace("legitimacy: 0.8", "legitimacy: 0.2"), encoding="utf-8")

    result = run_ensemble(str(path), runs=8, workers=workers, progress=edit_after_the_first_run)
    legitimacy = [o.parameters["citizens"]["legitimacy"] for o in result.outputs]
    assert legitimacy == [0.8] * 8
    unseeded = [{**o.parameters, "run": {**o.parameters["run"], "seed": 0}} for o in result.outputs]
    assert all(p == unseeded[0] for p in unseeded)
    again = run_ensemble(str(path), runs=8, workers=1)  # the edit applies to the next experiment
    assert [o.parameters["citizens"]["legitimacy"] for o in again.outputs] == [0.2] * 8


CALIBRATED = """\
name: small-torus
description: a 20x20 torus whose legitimacy is to be found
world: {kind: torus, width: 20, height: 20}
run: {steps: 40, seed: 1}
calibrated:
  citizens.legitimacy: {low: 0.6, high: 0.9}
"""


def test_a_failed_calibration_leaves_no_pyabc_history_nor_the_one_of_a_killed_process(tmp_path):
    from uprising.experiment.calibrate import calibrate
    from uprising.experiment.summary_stats import load_target
    from uprising.runner import run_scenario
    from uprising.scenario import load_scenario

    scenario = tmp_path / "small-torus.yaml"
    scenario.write_text(CALIBRATED, encoding="utf-8")
    observed = tmp_path / "observed"
    observed.mkdir()
    national = run_scenario(load_scenario(str(scenario))).national().rename({"day": "tick"})
    national.select("tick", "quiescent", "active", "jailed").write_csv(observed / "series.csv")
    target = load_target(load_scenario(str(scenario)), observed)
    histories = tmp_path / "store.duckdb.pyabc"
    histories.mkdir()
    gone = subprocess.Popen(["true"])
    gone.wait()
    (histories / f"running-{gone.pid}.db").write_bytes(b"left by a killed calibration")

    def fail(generation: int, accepted: int, simulations: int) -> None:
        raise RuntimeError("interrupted after a generation")

    with pytest.raises(RuntimeError, match="interrupted"):
        calibrate(
            str(scenario), target, budget=30, populations=2, population_size=10, workers=1, seed=3,
            history_db=histories / f"running-{os.getpid()}.db", on_generation=fail,
        )  # fmt: skip
    assert not histories.exists() or sorted(p.name for p in histories.iterdir()) == []

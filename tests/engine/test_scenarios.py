"""Every shipped classic scenario: steps, is sourced, and keeps its fingerprint."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from uprising.model import simulate
from uprising.scenario import builtin_names, load_scenario

FINGERPRINTS = Path(__file__).with_name("fingerprints.json")
CLASSIC = [n for n in builtin_names() if load_scenario(n).world.kind == "torus"]
# A map scenario's fingerprint hashes its daily table, every count of every department.
MAP_RUN = ("peru-2022", ["run.seed=1", "run.steps=12", "world.population_scale=1000"])
MAP_KEY = "peru-2022:daily-by-department"


def fingerprint(name: str, schedule: str | None = None) -> str:
    extra = [f"run.schedule={schedule}"] if schedule else []
    sc = load_scenario(name, ["run.seed=1", "run.steps=200", *extra])
    s = simulate(sc).series
    blob = np.stack([s["tick"], s["quiescent"], s["active"], s["jailed"]]).astype(np.int64)
    return hashlib.sha256(blob.tobytes()).hexdigest()[:16]


def test_the_classic_presets_are_all_shipped():
    expected = {"epstein-2002", "netlogo-rebellion"} | {f"epstein-2002-run{i}" for i in range(1, 6)}
    assert expected <= set(CLASSIC)


@pytest.mark.parametrize("name", CLASSIC)
def test_every_section_of_a_preset_names_its_source(name):
    sc = load_scenario(name)
    assert sc.description
    for section in ("world", "citizens", "cops", "rules"):
        assert sc.sources.get(section), f"{name}: no source for {section}"
    if sc.changes:
        assert sc.sources.get("changes")


def map_fingerprint() -> str:
    name, overrides = MAP_RUN
    daily = simulate(load_scenario(name, overrides)).daily
    assert daily["department"].n_unique() > 1
    return hashlib.sha256(daily.write_csv().encode()).hexdigest()[:16]


@pytest.mark.parametrize("name", CLASSIC)
@pytest.mark.parametrize("schedule", [None, "synchronous"])
def test_fingerprint_after_200_ticks_from_seed_1(name, schedule):
    """An accidental change of behaviour fails here; a deliberate one regenerates the file
    with `python -m tests.engine.test_scenarios`, which first runs `pytest -m statistical`."""
    expected = json.loads(FINGERPRINTS.read_text())
    key = f"{name}:{schedule or 'preset'}"
    assert fingerprint(name, schedule) == expected[key]


def test_map_fingerprint_counts_every_department_every_day():
    """The map's per-department counts after 12 ticks (3 days) of peru-2022 at 1:1000."""
    assert map_fingerprint() == json.loads(FINGERPRINTS.read_text())[MAP_KEY]


def regenerate() -> int:
    """Rewrite the fingerprints, only once the statistical tests pass; print what changed."""
    root = Path(__file__).resolve().parents[2]
    checked = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "statistical", "tests"], cwd=root)
    if checked.returncode != 0:
        print("error: the statistical tests fail (pytest -m statistical); fingerprints left as they were",
              file=sys.stderr)  # fmt: skip
        return 2
    old = json.loads(FINGERPRINTS.read_text()) if FINGERPRINTS.is_file() else {}
    table = {f"{n}:{s or 'preset'}": fingerprint(n, s) for n in CLASSIC for s in (None, "synchronous")}
    table[MAP_KEY] = map_fingerprint()
    for key in sorted(old.keys() | table.keys()):
        if old.get(key) != table.get(key):
            print(f"{key}: {old.get(key, '(none)')} -> {table.get(key, '(removed)')}")
    FINGERPRINTS.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(table)} fingerprints to {FINGERPRINTS.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(regenerate())

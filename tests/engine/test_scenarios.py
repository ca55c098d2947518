"""Every shipped classic scenario: steps, is sourced, and keeps its fingerprint."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from uprising.model import simulate
from uprising.scenario import builtin_names, load_scenario

FINGERPRINTS = Path(__file__).with_name("fingerprints.json")
CLASSIC = [n for n in builtin_names() if load_scenario(n).world.kind == "torus"]


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


@pytest.mark.parametrize("name", CLASSIC)
@pytest.mark.parametrize("schedule", [None, "synchronous"])
def test_fingerprint_after_200_ticks_from_seed_1(name, schedule):
    """An accidental change of behaviour fails here; a deliberate one regenerates the file
    with `python -m tests.engine.test_scenarios`."""
    expected = json.loads(FINGERPRINTS.read_text())
    key = f"{name}:{schedule or 'preset'}"
    assert fingerprint(name, schedule) == expected[key]


if __name__ == "__main__":
    table = {f"{n}:{s or 'preset'}": fingerprint(n, s) for n in CLASSIC for s in (None, "synchronous")}
    FINGERPRINTS.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(table)} fingerprints to {FINGERPRINTS}")

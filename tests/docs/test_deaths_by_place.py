"""docs/deaths_by_place.py, quoted in docs/validation.md, runs and sums the confrontation events."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_deaths_by_place_script_prints_departments_and_places():
    out = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "deaths_by_place.py"), "peru-2022",
         "--set", "world.population_scale=1000", "--runs", "2"],
        capture_output=True, text=True, timeout=600, check=True,
    ).stdout  # fmt: skip
    assert out.startswith("deaths per run in confrontations, 2 runs of peru-2022")
    lines = out.splitlines()
    places = lines[lines.index("by period, forces and place:") + 1 :]
    assert places, "December at 1:1000 has confrontations that kill"
    departments = lines[1 : lines.index("by period, forces and place:")]
    per_department = sum(float(line.split()[-1]) for line in departments)
    per_place = sum(float(line.split()[-1]) for line in places)
    assert abs(per_department - per_place) < 0.05 * max(per_place, 1.0)  # the same deaths, two ways
    assert all(" army " in line or " police " in line for line in places)

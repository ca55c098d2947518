"""Fixtures of the world tests: a copy of the synthetic island of docs/own_crisis.md."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from uprising.scenario.world import PeruWorld
from uprising.world import cache
from uprising.world.map_world import MapLayout, map_layout
from uprising.world.peru import peru_map_world, peru_source

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "own_crisis"


@pytest.fixture()
def island(tmp_path: Path) -> Path:
    """A copy of the example: island.yaml beside its island/ folder, each test free to break
    one of its files."""
    shutil.copytree(EXAMPLE, tmp_path / "own_crisis")
    cache.clear()
    return tmp_path / "own_crisis"


def peru_layout(cfg: PeruWorld) -> MapLayout:
    """The seed-free layout of the map world that a `PeruWorld` section stands for."""
    return map_layout(peru_map_world(cfg), source=peru_source())

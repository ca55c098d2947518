"""Fixtures of the world tests: a copy of the synthetic island of docs/own_crisis.md."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from uprising.world import cache

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "own_crisis"


@pytest.fixture()
def island(tmp_path: Path) -> Path:
    """A copy of the example: island.yaml beside its island/ folder, each test free to break
    one of its files."""
    shutil.copytree(EXAMPLE, tmp_path / "own_crisis")
    cache.clear()
    return tmp_path / "own_crisis"

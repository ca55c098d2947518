"""With CI=true, a skip for want of a declared dependency fails; other skips stay skips."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import pytest

def test_needs_mesa():
    pytest.importorskip("mesa")

def test_needs_an_undeclared_package():
    pytest.importorskip("surely_not_a_declared_package")

def test_needs_chromium():
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")

def test_needs_two_threads():
    pytest.skip("needs 2 numba threads; NUMBA_NUM_THREADS is 1")
"""


def run_probe(tmp_path: Path, ci: str) -> str:
    """Run PROBE under a copy of tests/conftest.py and pyproject.toml, with Mesa unimportable."""
    (tmp_path / "tests").mkdir()
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "tests" / "conftest.py")
    (tmp_path / "tests" / "test_probe.py").write_text(PROBE)
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "mesa.py").write_text("raise ModuleNotFoundError('No module named mesa')\n")
    env = {"CI": ci, "PYTHONPATH": str(shadow), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfs", "-p", "no:cacheprovider", "tests"],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout


def test_ci_fails_skips_of_declared_dependencies_only(tmp_path):
    out = run_probe(tmp_path, "true")
    assert "2 failed, 2 skipped" in out, out
    assert "want of mesa" in out and "want of chromium" in out


def test_outside_ci_every_skip_stays_a_skip(tmp_path):
    assert "4 skipped" in run_probe(tmp_path, "")

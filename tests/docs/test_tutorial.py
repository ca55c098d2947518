"""The tutorial (docs/tutorial.py) runs from top to bottom as a user would run it."""

from __future__ import annotations

import subprocess
import sys

from tests.docs.conftest import DOCS


def test_the_tutorial_runs_end_to_end(tmp_path):
    done = subprocess.run(
        [sys.executable, str(DOCS / "tutorial.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "epstein-2002" in out and "peru-2022" in out  # the built-in scenarios are listed
    assert "active_no_feedback" in out  # the counterfactual was paired with the run
    assert "ensemble" in out  # the experiment came back from the store
    assert list(tmp_path.iterdir()) == []  # it wrote nothing where it was run


def test_the_tutorial_is_in_the_percent_format():
    text = (DOCS / "tutorial.py").read_text("utf-8")
    assert text.startswith("# %% [markdown]\n# # Tutorial")
    assert text.count("# %%") >= 10

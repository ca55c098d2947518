"""With CI=true, a test skipped for want of something the project declares fails instead.

The declared things are the packages of pyproject.toml (dependencies and every extra) and
Chromium, which CI installs (.ci/run): a skip saying one of them could not be imported or is
not installed means CI did not install what it should, and the tests it guards never ran.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
MISSING = re.compile(r"could not import|not installed|no module named", re.IGNORECASE)


def declared_names() -> set[str]:
    """Lower-case names of the packages pyproject declares, and chromium."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    names = {re.split(r"[\[=<>!~ ;]", spec, maxsplit=1)[0].lower() for spec in specs}
    return names | {name.replace("-", "_") for name in names} | {"chromium"}


def missing_declared(reason: str) -> str | None:
    """The declared name a skip reason says is missing, or None."""
    if not MISSING.search(reason):
        return None
    words = set(re.findall(r"[a-z0-9_\-]+", reason.lower()))
    found = sorted(words & declared_names())
    return found[0] if found else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") != "true" or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    name = missing_declared(reason)
    if name is not None:
        report.outcome = "failed"
        report.longrepr = f"CI=true: skipped for want of {name}, which the project declares ({reason})"

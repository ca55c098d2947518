"""Packaging: ranges in pyproject, the exact lock, the heavy parts as extras, the core alone.

`test_the_core_installs_and_runs_alone` builds a fresh environment with pip (minutes): it runs
only with UPRISING_INSTALL_CHECK=1, as its own step of .ci/run after `make test`.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import uprising.cli.main  # noqa: F401  (registers every command)
from tests.cli_checks import invoke_command, one_error_line
from uprising.extras import EXTRA_MODULES

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "uprising"
LOCK = ROOT / "requirements.lock"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS = PROJECT["optional-dependencies"]
OBSERVED = SRC / "data" / "peru" / "observed"
DISTRIBUTIONS = packages_distributions()


def requirements(specs: list[str]) -> dict[str, Requirement]:
    """Declared requirements by canonical name, leaving out the project's own extras."""
    reqs = (Requirement(spec) for spec in specs)
    return {canonicalize_name(r.name): r for r in reqs if canonicalize_name(r.name) != "uprising"}


CORE = requirements(PROJECT["dependencies"])
DECLARED = CORE | {name: r for specs in EXTRAS.values() for name, r in requirements(specs).items()}


def distributions_of(module: str) -> set[str]:
    """The installed distributions that provide a top-level module, and the packages whose part
    they are (solara-ui and solara-server provide solara's modules)."""
    names = {canonicalize_name(d) for d in DISTRIBUTIONS.get(module, [])}
    return names | {name.rsplit("-", 1)[0] for name in names}


def third_party_imports() -> list[tuple[str, int, str, bool]]:
    """(file, line, top-level module, imported at load time) of every import of another package."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text())
        lazy = {
            id(node)
            for func in ast.walk(tree)
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
            for node in ast.walk(func)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top not in sys.stdlib_module_names and top != "uprising":
                    rel = str(path.relative_to(SRC))
                    found.append((rel, node.lineno, top, id(node) not in lazy))
    return found


def test_every_import_is_declared_and_the_core_loads_only_the_core():
    undeclared, heavy_at_load = [], []
    for rel, line, module, at_load in third_party_imports():
        names = distributions_of(module)
        if not names & DECLARED.keys():
            undeclared.append(f"{rel}:{line} {module} ({', '.join(sorted(names)) or 'not found'})")
        # The dashboard's modules are loaded only by `uprising serve`, after its extra is checked.
        elif at_load and not rel.startswith("web/") and not names & CORE.keys():
            heavy_at_load.append(f"{rel}:{line} {module}")
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"
    assert not heavy_at_load, f"an extra imported when the module loads: {heavy_at_load}"


def test_dependencies_are_ranges_and_the_heavy_parts_extras():
    for name, req in DECLARED.items():
        assert not any(s.operator in ("==", "===") for s in req.specifier), f"{name} is pinned: {req}"
        assert any(s.operator == ">=" for s in req.specifier), f"{name} has no lower bound: {req}"
    for extra, modules in EXTRA_MODULES.items():
        assert extra in EXTRAS["all"][0], f"uprising[all] leaves out {extra}"
        for module in modules:
            names = distributions_of(module)
            assert names & requirements(EXTRAS[extra]).keys(), f"{module} is not in the {extra} extra"
            assert not names & CORE.keys(), f"{module} of the {extra} extra is a core dependency"


def test_the_lock_pins_every_declared_dependency_within_its_range():
    pins = {}
    for line in LOCK.read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_.\-]+)==(\S+)", line)
        if match:
            pins.setdefault(canonicalize_name(match[1]), []).append(match[2])
    for name, req in DECLARED.items():
        assert name in pins, f"{name} is declared but not in {LOCK.name}"
        for version in pins[name]:
            assert req.specifier.contains(version, prereleases=True), f"{name}=={version} outside {req}"
    assert "uprising" not in pins


# (command line, a module of the extra, what needs it, the extra)
MISSING_EXTRA_CASES = [
    ("calibrate epstein-2002 --observed {observed}", "pyabc", "uprising calibrate", "calibrate"),
    ("sensitivity epstein-2002 --outputs mean_active --param citizens.legitimacy=0.5:0.9", "SALib",
     "uprising sensitivity", "sensitivity"),
    ("serve", "solara", "uprising serve", "web"),
    ("forecast peru-2022 --fit-until 2022-12-15 --until 2022-12-31 --fit-budget 100 --out {tmp}/f.json",
     "pyabc", "uprising forecast --fit-budget", "calibrate"),
    ("run epstein-2002 --runs 1 --scheduler tcp://127.0.0.1:9 --db {tmp}/s.duckdb", "distributed",
     "--scheduler", "dask"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "module", "user", "extra"), MISSING_EXTRA_CASES)
def test_a_missing_extra_is_one_line_naming_it(monkeypatch, tmp_path, line, module, user, extra):
    # A None entry in sys.modules makes the module unimportable, as if its extra were not installed.
    monkeypatch.setitem(sys.modules, module, None)
    args = line.format(observed=OBSERVED, tmp=tmp_path).split()
    result = invoke_command(*args)
    assert (
        one_error_line(result) == f"error: {user} needs the '{extra}' extra: pip install 'uprising[{extra}]'"
    )


@pytest.mark.skipif(
    os.environ.get("UPRISING_INSTALL_CHECK") != "1",
    reason="builds a fresh environment with pip (minutes): .ci/run sets UPRISING_INSTALL_CHECK=1",
)
def test_the_core_installs_and_runs_alone(tmp_path):
    venv = tmp_path / "core"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_ = venv / "bin"
    subprocess.run(
        [bin_ / "pip", "install", "-q", "--no-compile", str(ROOT), "-c", str(LOCK)],
        check=True,
        env=env,
        cwd=tmp_path,
    )

    listed = subprocess.run([bin_ / "pip", "list", "--format=json"], capture_output=True, text=True, env=env)
    installed = {canonicalize_name(p["name"]) for p in json.loads(listed.stdout)}
    extras_only = {name for specs in EXTRAS.values() for name in requirements(specs)} - CORE.keys()
    assert not installed & extras_only, f"the core brought extras: {installed & extras_only}"

    def uprising(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [bin_ / "uprising", *args], capture_output=True, text=True, env=env, cwd=tmp_path
        )

    simulated = uprising("simulate", "epstein-2002", "--steps", "5", "--json")
    assert simulated.returncode == 0, simulated.stderr
    assert json.loads(simulated.stdout)["steps"] == 5

    drawn = uprising(
        "run", "peru-2022", "--posterior", "peru-2022-december", "--runs", "1", "--set", "run.steps=4",
        "--db", str(tmp_path / "runs.duckdb"), "--no-report", "--json",
    )  # fmt: skip
    assert drawn.returncode == 0, drawn.stderr
    assert json.loads(drawn.stdout)["posterior"] == "peru-2022-december"

    refused = uprising("calibrate", "epstein-2002", "--observed", str(OBSERVED), "--budget", "10")
    assert refused.returncode == 2, refused.stderr
    assert (
        refused.stderr
        == "error: uprising calibrate needs the 'calibrate' extra: pip install 'uprising[calibrate]'\n"
    )

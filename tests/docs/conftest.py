"""Shared helpers of the documentation tests: where the docs are, and the docs' own scripts."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def load_docs_script(name: str) -> ModuleType:
    """Import a script of docs/ (not a package) by file name."""
    path = DOCS / f"{name}.py"  # name may hold a folder: "hooks/cli_reference"
    spec = importlib.util.spec_from_file_location("docs_" + name.replace("/", "_"), path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def parameter_tables() -> ModuleType:
    return load_docs_script("parameter_tables")

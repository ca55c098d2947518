"""No package imports a sibling package's private names (import-linter cannot check names)."""

from __future__ import annotations

import ast
from pathlib import Path

import uprising

SRC = Path(uprising.__file__).resolve().parent


def _package_of(module: str) -> str:
    """The top package under `uprising` of a dotted module name (`uprising.world.peru` -> world)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _private_imports_across_packages(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        here = _package_of(".".join(("uprising", *path.relative_to(root).with_suffix("").parts)))
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("uprising."):
                continue
            if _package_of(node.module) == here:
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path.relative_to(root)}:{node.lineno} {node.module}.{alias.name}")
    return found


def test_no_package_imports_a_siblings_private_name():
    assert _private_imports_across_packages(SRC) == []


def test_the_scan_finds_a_private_import_across_packages(tmp_path):
    (tmp_path / "observed").mkdir()
    (tmp_path / "observed" / "loader.py").write_text("from uprising.world.peru import _fold\n")
    (tmp_path / "world").mkdir()
    (tmp_path / "world" / "plot.py").write_text("from uprising.world.peru import _chunk\n")
    assert _private_imports_across_packages(tmp_path) == ["observed/loader.py:1 uprising.world.peru._fold"]

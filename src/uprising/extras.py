"""The optional parts of the package (pyproject's extras) and the one line naming a missing one.

The core runs, simulates, stores, reports, forecasts and scores. A command that needs more calls
`require_extra` before its lazy imports, so a missing part is one `error:` line that says which
extra to install, never a traceback.
"""

from __future__ import annotations

import importlib.util
import sys

from uprising.errors import UprisingError

# The modules the package imports from each extra (pyproject.toml's optional-dependencies).
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "calibrate": ("pyabc",),
    "sensitivity": ("SALib",),
    "dask": ("dask", "distributed"),
    "web": ("solara", "reacton", "ipywidgets", "starlette", "uvicorn", "anyio"),
    "peer": ("mesa",),
}


def installed(module: str) -> bool:
    """Whether `module` can be imported, found without importing it (None in sys.modules: no)."""
    if module in sys.modules:
        return sys.modules[module] is not None
    return importlib.util.find_spec(module) is not None


def missing_extra(extra: str, user: str) -> UprisingError:
    """The error saying that `user` (a command, an option) needs `extra`, and how to install it."""
    return UprisingError(f"{user} needs the '{extra}' extra: pip install 'uprising[{extra}]'")


def require_extra(extra: str, user: str) -> None:
    """Raise `missing_extra(extra, user)` unless every module of `extra` can be imported."""
    if not all(installed(module) for module in EXTRA_MODULES[extra]):
        raise missing_extra(extra, user)

"""uprising: a fast simulator of political crises on a real map.

The Python API: `uprising.Model` (see `uprising.model`), its hook protocol `uprising.Hook` and
`uprising.RuleFunctions` for a user's own rules, loaded on first use so that `import uprising`
stays light.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["Hook", "Model", "RuleFunctions", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("Model", "Hook", "RuleFunctions"):
        from uprising import model

        return getattr(model, name)
    raise AttributeError(f"module 'uprising' has no attribute {name!r}")

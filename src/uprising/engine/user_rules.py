"""The citizen's two rules replaced by the user's own numba functions, compiled into the kernels.

A kernel module (`sequential`, `synchronous`, `sites`) calls `rules.arrest_probability` and
`rules.wants_active` by their module-level names. `kernels_for` compiles a copy of every kernel
of such a module whose globals name the user's functions instead, so the user's rule is called
(and inlined by LLVM where it is small) like the built-in one. Copies are made once per module
and rule pair in a process; they are not written to numba's disk cache, so the first run with
a new pair pays the compilation (`benchmarks/bench_user_rules.py` measures it). The built-in
pair uses the modules' own kernels, which are.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from numba import jit
from numba.core.registry import CPUDispatcher

from uprising.engine import rules
from uprising.errors import ScenarioError

SIGNATURES = {
    "arrest_probability": "(cops, actives, k, rounding) -> float",
    "wants_active": "(hardship, legitimacy, risk_aversion, p_arrest, threshold) -> bool",
}


@dataclass(frozen=True)
class RuleFunctions:
    """The citizen's rules, each a `numba.njit` function of the built-in one's signature; None
    keeps the built-in rule (`uprising.engine.rules`).

    - `arrest_probability(cops, actives, k, rounding) -> float`: the arrest probability a
      citizen estimates from the cops and actives within its vision (`actives` counts the
      citizen itself, so it is at least 1), the scenario's `k` and its rounding code of C/A
      (`rules.ROUNDING_CODES`). Built in: 1 - exp(-k round(C/A)).
    - `wants_active(hardship, legitimacy, risk_aversion, p_arrest, threshold) -> bool`: whether
      a free citizen is active this tick. Built in: H (1 - L) - R P > T.
    """

    arrest_probability: Callable[..., float] | None = None
    wants_active: Callable[..., bool] | None = None

    def __post_init__(self) -> None:
        for name in SIGNATURES:
            fn = getattr(self, name)
            if fn is not None and not isinstance(fn, CPUDispatcher):
                raise ScenarioError(f"rules.{name}: a numba.njit function {SIGNATURES[name]}")

    @property
    def builtin(self) -> bool:
        """Whether both rules are the built-in ones."""
        return self.replacements() == {}

    def replacements(self) -> dict[str, Any]:
        """The rules this record replaces, by their name in the kernel modules."""
        out = {}
        for name in SIGNATURES:
            fn = getattr(self, name)
            if fn is not None and fn is not getattr(rules, name):
                out[name] = fn
        return out


_compiled: dict[tuple[str, Any, Any], types.SimpleNamespace] = {}


def kernels_for(module: types.ModuleType, functions: RuleFunctions | None) -> Any:
    """The kernels of `module` calling `functions`: the module itself for the built-in rules,
    else a namespace of its kernels compiled anew (once per module and rule pair)."""
    if functions is None or functions.builtin:
        return module
    key = (module.__name__, functions.arrest_probability, functions.wants_active)
    if key not in _compiled:
        _compiled[key] = _recompiled(module, functions.replacements())
    return _compiled[key]


def _recompiled(module: types.ModuleType, replacements: dict[str, Any]) -> types.SimpleNamespace:
    """Every numba function defined in `module`, compiled lazily against the module's globals
    with `replacements`: the copies call one another and the replacing functions."""
    names = dict(vars(module))
    names.update(replacements)
    copies: dict[str, Any] = {}
    for name, fn in vars(module).items():
        if isinstance(fn, CPUDispatcher) and fn.py_func.__module__ == module.__name__:
            py = fn.py_func
            copy = types.FunctionType(py.__code__, names, py.__name__, py.__defaults__, py.__closure__)
            copy.__qualname__ = py.__qualname__
            copy.__doc__ = py.__doc__
            copies[name] = jit(**fn.targetoptions)(copy)
    names.update(copies)
    return types.SimpleNamespace(**copies)

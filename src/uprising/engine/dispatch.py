"""Calling a compiled kernel tick after tick without numba's lookup of its arguments' types.

Each call of a numba dispatcher types its arguments to find the compiled function: for the
engine's records (named tuples of arrays and scalars) that takes about 5 us, a twentieth of a
tick of Mesa's 40 x 40 example. A `DirectCall` remembers the compiled function the dispatcher
chose for its last arguments and calls it directly while the caller's `key` is the same: the
objects that fix the arguments' types (arrays and records, compared by identity and held here,
so that none is freed and another put at its address) and the Python types of its scalars.
Any other key goes through the dispatcher, which types the arguments and chooses again.

The compiled function converts its arguments as it unboxes them, with no check of a scalar's
type (a float where an int was compiled can crash the process), so the key must list every
argument: each array or record itself, each scalar's type.
"""

from __future__ import annotations

from typing import Any


class DirectCall:
    """`kernel(*args)` (a numba dispatcher), by its compiled function while `key` repeats."""

    __slots__ = ("kernel", "_key", "_compiled")

    def __init__(self, kernel: Any) -> None:
        self.kernel = kernel
        self._key: tuple = ()
        self._compiled: Any = None

    def __call__(self, key: tuple, *args: Any) -> Any:
        last = self._key
        if self._compiled is not None and len(key) == len(last):
            for now, then in zip(key, last, strict=True):
                if now is not then:
                    break
            else:
                return self._compiled(*args)
        out = self.kernel(*args)
        self._compiled = self.kernel.compile(tuple(self.kernel.typeof_pyval(a) for a in args))
        self._key = key
        return out


__all__ = ["DirectCall"]

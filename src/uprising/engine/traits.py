"""Per-agent traits as pure functions of (seed, agent): a run may recompute them instead of
storing them (the synchronous torus does)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange, uint64

from uprising.engine.random import GOLDEN, mix64

_TRAITS = uint64(0x5851F42D4C957F2D)  # keys the traits apart from every per-tick draw
_INV24 = np.float32(1.0 / 16777216.0)  # 2**-24


@njit(inline="always", cache=True)
def traits_key(seed):
    """The key of a run's citizen traits, from its seed as uint64."""
    return mix64(mix64(uint64(seed)) ^ _TRAITS)


@njit(inline="always", cache=True)
def citizen_traits(key, agent):
    """(hardship, risk aversion) of a citizen: two float32 ~ U(0, 1) on the 2**-24 grid (as
    numpy's float32 draws), a pure function of (seed, agent), so a run may recompute them
    instead of storing them."""
    bits = mix64(uint64(key) ^ (uint64(agent) * GOLDEN))
    hardship = np.float32(bits >> uint64(40)) * _INV24
    risk = np.float32((bits >> uint64(8)) & uint64(0xFFFFFF)) * _INV24
    return hardship, risk


@njit(parallel=True, cache=True, nogil=True)
def _fill_traits(seed, hardship, risk):
    key = traits_key(seed)
    for i in prange(hardship.shape[0]):
        hardship[i], risk[i] = citizen_traits(key, i)


def torus_traits(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hardship and risk aversion of citizens 0..n-1 of a synchronous run, as arrays."""
    hardship = np.empty(n, dtype=np.float32)
    risk = np.empty(n, dtype=np.float32)
    _fill_traits(np.uint64(seed % 2**64), hardship, risk)
    return hardship, risk

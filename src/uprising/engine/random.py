"""Counter-based random numbers: each draw is a pure function of (seed, tick, agent, stream).

No generator state is carried between draws, so a parallel loop gives the same numbers whatever
the number of threads and whatever order the agents are visited in. The mixing function is
SplitMix64's finaliser (Steele, Lea and Flood 2014), applied once per key component.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

# Streams: one per kind of random decision, so draws of different kinds never collide.
STREAM_ORDER = 1  # schedule order (Fisher-Yates)
STREAM_MOVE = 2  # choice of a site to move to
STREAM_JAIL = 3  # jail term
STREAM_ARREST = 4  # whom a cop arrests / whether an active is arrested
STREAM_PRIORITY = 5  # tie-break between agents that want the same site
STREAM_RELEASE = 6  # where a released prisoner reappears

_GOLDEN = uint64(0x9E3779B97F4A7C15)
_M1 = uint64(0xBF58476D1CE4E5B9)
_M2 = uint64(0x94D049BB133111EB)
_KT = uint64(0xD1B54A32D192ED03)
_KA = uint64(0xABC98388FB8FAC03)
_KS = uint64(0x8CB92BA72F3D8DD7)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(inline="always", cache=True)
def mix64(x):
    """SplitMix64 finaliser: a bijection of uint64 with strong avalanche."""
    z = x + _GOLDEN
    z = (z ^ (z >> uint64(30))) * _M1
    z = (z ^ (z >> uint64(27))) * _M2
    return z ^ (z >> uint64(31))


@njit(inline="always", cache=True)
def draw(seed, tick, agent, stream):
    """A uniform 64-bit integer keyed by (seed, tick, agent, stream)."""
    h = mix64(uint64(seed))
    h = mix64(h ^ (uint64(tick) * _KT))
    h = mix64(h ^ (uint64(agent) * _KA))
    return mix64(h ^ (uint64(stream) * _KS))


@njit(inline="always", cache=True)
def uniform(seed, tick, agent, stream):
    """A float in [0, 1) keyed by (seed, tick, agent, stream)."""
    return float(draw(seed, tick, agent, stream) >> uint64(11)) * _INV53


@njit(inline="always", cache=True)
def below(seed, tick, agent, stream, n):
    """An integer in [0, n) keyed by (seed, tick, agent, stream); n > 0."""
    return int(uniform(seed, tick, agent, stream) * n)


def seed_to_uint64(seed: int) -> np.uint64:
    """Any non-negative Python int as the uint64 the kernels take."""
    return np.uint64(seed % 2**64)

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

GOLDEN = uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio, SplitMix64's increment
_M1 = uint64(0xBF58476D1CE4E5B9)
_M2 = uint64(0x94D049BB133111EB)
_KT = uint64(0xD1B54A32D192ED03)
_KA = uint64(0xABC98388FB8FAC03)
_KS = uint64(0x8CB92BA72F3D8DD7)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(inline="always", cache=True)
def mix64(x):
    """SplitMix64 finaliser: a bijection of uint64 with strong avalanche."""
    z = x + GOLDEN
    z = (z ^ (z >> uint64(30))) * _M1
    z = (z ^ (z >> uint64(27))) * _M2
    return z ^ (z >> uint64(31))


@njit(inline="always", cache=True)
def tick_key(seed, tick):
    """The part of a draw's key fixed by (seed, tick), shared by every agent of that tick."""
    return mix64(mix64(uint64(seed)) ^ (uint64(tick) * _KT))


@njit(inline="always", cache=True)
def key_of_agent(tkey, agent):
    """`agent_key(seed, tick, agent)` from `tick_key(seed, tick)`."""
    return mix64(tkey ^ (uint64(agent) * _KA))


@njit(inline="always", cache=True)
def agent_key(seed, tick, agent):
    """The part of a draw's key fixed by (seed, tick, agent), shared by all that agent's streams."""
    return key_of_agent(tick_key(seed, tick), agent)


@njit(inline="always", cache=True)
def draw_keyed(key, stream):
    """`draw(seed, tick, agent, stream)` from `agent_key(seed, tick, agent)`."""
    return mix64(key ^ (uint64(stream) * _KS))


@njit(inline="always", cache=True)
def draw(seed, tick, agent, stream):
    """A uniform 64-bit integer keyed by (seed, tick, agent, stream)."""
    return draw_keyed(agent_key(seed, tick, agent), stream)


@njit(inline="always", cache=True)
def stream_key(seed, tick, stream):
    """A key for a run of draws indexed 0, 1, 2, ... in one stream of one tick (a shuffle)."""
    return mix64(tick_key(seed, tick) ^ (uint64(stream) * _KS))


@njit(inline="always", cache=True)
def draw_indexed(key, index):
    """The `index`-th uniform 64-bit integer of the run keyed by `stream_key`."""
    return mix64(key ^ (uint64(index) * _KA))


@njit(inline="always", cache=True)
def unit_float(bits):
    """A float in [0, 1) from the top 53 bits of a 64-bit draw."""
    return float(bits >> uint64(11)) * _INV53


@njit(inline="always", cache=True)
def uniform(seed, tick, agent, stream):
    """A float in [0, 1) keyed by (seed, tick, agent, stream)."""
    return unit_float(draw(seed, tick, agent, stream))


@njit(inline="always", cache=True)
def below(seed, tick, agent, stream, n):
    """An integer in [0, n) keyed by (seed, tick, agent, stream); n > 0."""
    return int(uniform(seed, tick, agent, stream) * n)


@njit(inline="always", cache=True)
def below_keyed(key, stream, n):
    """`below(seed, tick, agent, stream, n)` from `agent_key(seed, tick, agent)`."""
    return int(unit_float(draw_keyed(key, stream)) * n)


def seed_to_uint64(seed: int) -> np.uint64:
    """Any non-negative Python int as the uint64 the kernels take."""
    return np.uint64(seed % 2**64)

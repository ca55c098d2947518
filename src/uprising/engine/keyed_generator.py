"""numpy's generator of a key (seed, tick, stream), made without numpy's SeedSequence object.

The crisis draws its binomials, choices and Poisson counts from
`np.random.default_rng([seed, tick, stream])`, a fresh generator for each tick and stream.
Making one costs about 15 us, most of it SeedSequence's hash of the key (Python objects and a
pool of uint32 words); `keyed_generator` computes the same words in numba (O'Neill's seed_seq
as numpy implements it: a pool of 4 words, the key's words in little-endian uint32) and hands
them to PCG64, so its state, and every draw from it, is that of `default_rng` (about 3 us).
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint32, uint64
from numpy.random.bit_generator import ISeedSequence

POOL = 4  # SeedSequence's default pool size, in uint32 words
_INIT_A, _MULT_A = uint32(0x43B0D7E5), uint32(0x931E8875)  # hash of the key into the pool
_INIT_B, _MULT_B = uint32(0x8B51F9DD), uint32(0x58F38DED)  # hash of the pool into the state
_MIX_L, _MIX_R = uint32(0xCA01F9DD), uint32(0x4973F715)
_LOW32 = uint64(0xFFFFFFFF)


@njit(inline="always", cache=True)
def _hashed(value, hash_const):
    """SeedSequence's hashmix of `value`, advancing `hash_const[0]` (numba's uint32 products
    are 64-bit: each is cut back to 32 bits)."""
    value = uint32(value ^ hash_const[0])
    hash_const[0] = uint32(hash_const[0] * _MULT_A)
    value = uint32(value * hash_const[0])
    return uint32(value ^ (value >> uint32(16)))


@njit(inline="always", cache=True)
def _mixed(x, y):
    result = uint32(uint32(_MIX_L * x) - uint32(_MIX_R * y))
    return uint32(result ^ (result >> uint32(16)))


@njit(cache=True, nogil=True)
def seed_state(seed, tick, stream):
    """The 4 uint64 words `SeedSequence([seed, tick, stream]).generate_state(4, np.uint64)`
    gives, for non-negative keys below 2**64."""
    key = np.zeros(6, dtype=np.uint32)
    n = 0
    for part in (uint64(seed), uint64(tick), uint64(stream)):
        key[n] = uint32(part & _LOW32)  # 0 is one word, as in numpy
        n += 1
        part >>= uint64(32)
        if part > 0:
            key[n] = uint32(part)
            n += 1
    pool = np.zeros(POOL, dtype=np.uint32)
    hash_const = np.full(1, _INIT_A, dtype=np.uint32)
    for i in range(POOL):
        pool[i] = _hashed(key[i] if i < n else uint32(0), hash_const)
    for src in range(POOL):
        for dst in range(POOL):
            if src != dst:
                pool[dst] = _mixed(pool[dst], _hashed(pool[src], hash_const))
    for src in range(POOL, n):
        for dst in range(POOL):
            pool[dst] = _mixed(pool[dst], _hashed(key[src], hash_const))
    out = np.zeros(4, dtype=np.uint64)
    mult = _INIT_B
    for i in range(8):
        value = uint32(pool[i % POOL] ^ mult)
        mult = uint32(mult * _MULT_B)
        value = uint32(value * mult)
        value = uint32(value ^ (value >> uint32(16)))
        out[i // 2] |= uint64(value) << uint64(32 * (i % 2))
    return out


class _State(ISeedSequence):
    """A seed sequence whose state is already known."""

    def __init__(self, words: np.ndarray) -> None:
        self.words = words

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        if n_words != 4 or np.dtype(dtype) != np.uint64:
            raise ValueError("PCG64 asks for 4 uint64 words")
        return self.words


def keyed_generator(seed: int, tick: int, stream: int) -> np.random.Generator:
    """`np.random.default_rng([seed, tick, stream])`, the same generator, made quicker."""
    words = seed_state(np.uint64(seed), np.uint64(tick), np.uint64(stream))
    return np.random.Generator(np.random.PCG64(_State(words)))


__all__ = ["keyed_generator", "seed_state"]

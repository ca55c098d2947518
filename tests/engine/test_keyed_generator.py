"""The crisis's generator of a key is numpy's `default_rng` of that key, draw for draw."""

from __future__ import annotations

import numpy as np
import pytest

from uprising.engine.keyed_generator import keyed_generator


def _keys():
    rng = np.random.default_rng(11)
    keys = [(0, 0, 0), (1, 0, 104), (2**32 - 1, 2**32 - 1, 2**32 - 1), (2**32, 1, 2), (2**64 - 1, 7, 101)]
    for i in range(200):
        keys.append((int(rng.integers(0, 2**63)) * 2 + 1, int(rng.integers(0, 10_000)), 101 + i % 5))
    keys += [(int(rng.integers(0, 2**31)), int(rng.integers(0, 300)), 104) for _ in range(100)]
    return keys


def test_each_key_gives_the_state_of_numpy_default_rng():
    for key in _keys():
        expected = np.random.default_rng(list(key)).bit_generator.state
        assert keyed_generator(*key).bit_generator.state == expected, key


@pytest.mark.parametrize("key", [(12345678901234567890, 41, 104), (3, 0, 102)])
def test_draws_are_numpys_binomials_choices_and_poisson_counts(key):
    ours, theirs = keyed_generator(*key), np.random.default_rng(list(key))
    n = np.array([0, 1, 5, 40, 3000, 123456])
    p = np.array([0.5, 0.9, 0.3, 0.7, 0.41, 0.05])
    assert np.array_equal(ours.binomial(n, p), theirs.binomial(n, p))
    weights = np.full(10, 0.1)
    assert np.array_equal(ours.choice(10, size=7, p=weights), theirs.choice(10, size=7, p=weights))
    assert np.array_equal(ours.poisson([0.0, 0.2, 30.0]), theirs.poisson([0.0, 0.2, 30.0]))
    assert ours.random() == theirs.random()

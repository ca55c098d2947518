"""The recorder's counts of citizens by department and state."""

from __future__ import annotations

import numpy as np

from uprising.engine.rules import ACTIVE, JAILED, QUIET
from uprising.engine.tally import states_by_department


def _counted_one_by_one(cit_cell, home, state, cell_dept, n_dept):
    out = np.zeros((n_dept, 3), dtype=np.int64)
    for c, h, s in zip(cit_cell, home, state, strict=True):
        out[cell_dept[c if c >= 0 else h], s] += 1
    return out


def test_counts_by_department_and_state_follow_each_citizen_and_prisoners_count_at_home():
    rng = np.random.default_rng(5)
    cell_dept = rng.integers(0, 4, size=30).astype(np.int16)
    home = np.sort(rng.integers(0, 30, size=500)).astype(np.int32)
    cit_cell = home.copy()
    cit_cell[rng.random(500) < 0.2] = rng.integers(0, 30, size=1)[0]  # away from home
    state = np.where(rng.random(500) < 0.3, ACTIVE, QUIET).astype(np.uint8)
    jailed = rng.random(500) < 0.1
    state[jailed], cit_cell[jailed] = JAILED, -1  # prisoners count in their home's department
    out = np.full((4, 3), 99, dtype=np.int64)
    states_by_department(cit_cell, home, state, cell_dept, out)
    assert np.array_equal(out, _counted_one_by_one(cit_cell, home, state, cell_dept, 4))
    assert out.sum() == 500


def test_no_citizens_count_zero_and_one_citizen_counts_once():
    cell_dept = np.array([0, 1], dtype=np.int16)
    out = np.full((2, 3), 7, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int32)
    states_by_department(empty, empty, np.zeros(0, dtype=np.uint8), cell_dept, out)
    assert not out.any()
    one = np.array([-1], dtype=np.int32)
    states_by_department(one, np.array([1], np.int32), np.array([JAILED], np.uint8), cell_dept, out)
    assert out[1, JAILED] == 1 and out.sum() == 1

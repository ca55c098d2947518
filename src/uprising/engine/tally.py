"""Counts per department for the recorder: citizens by state, forces by department."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def states_by_department(cit_cell, home, state, cell_dept, out):
    """out[d, s] = citizens in state s standing in department d (prisoners in their home's).

    Neighbouring citizens mostly share a department and a state (they are laid out by home),
    so each run of equal (d, s) is added at once: a counter in memory incremented once per
    citizen would make every addition wait on the one before it."""
    out[:] = 0
    n = cit_cell.shape[0]
    if n == 0:
        return
    c = cit_cell[0] if cit_cell[0] >= 0 else home[0]
    last_d, last_s, run = cell_dept[c], state[0], 1
    for i in range(1, n):
        c = cit_cell[i]
        if c < 0:
            c = home[i]
        d, s = cell_dept[c], state[i]
        if d == last_d and s == last_s:
            run += 1
        else:
            out[last_d, last_s] += run
            last_d, last_s, run = d, s, 1
    out[last_d, last_s] += run


def forces_by_department(cop_cell: np.ndarray, cell_dept: np.ndarray, n_dept: int) -> np.ndarray:
    """Force agents standing in each department."""
    if n_dept == 1:  # the torus: every force in its one department, without a pass over them
        return np.array([cop_cell.shape[0]], dtype=np.int64)
    return np.bincount(cell_dept[cop_cell], minlength=n_dept).astype(np.int64)

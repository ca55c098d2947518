"""Counts per department for the recorder: citizens by state, forces by department."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def states_by_department(cit_cell, home, state, cell_dept, out):
    """out[d, s] = citizens in state s standing in department d (prisoners in their home's)."""
    out[:] = 0
    for i in range(cit_cell.shape[0]):
        c = cit_cell[i]
        if c < 0:
            c = home[i]
        out[cell_dept[c], state[i]] += 1


def forces_by_department(cop_cell: np.ndarray, cell_dept: np.ndarray, n_dept: int) -> np.ndarray:
    """Force agents standing in each department."""
    if n_dept == 1:  # the torus: every force in its one department, without a pass over them
        return np.array([cop_cell.shape[0]], dtype=np.int64)
    return np.bincount(cell_dept[cop_cell], minlength=n_dept).astype(np.int64)

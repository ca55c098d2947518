"""The hot path: structure-of-arrays populations and numba kernels for both schedules.

The engine knows lattices and agents, nothing of Peru.
"""

from uprising.engine import threads  # noqa: F401  (OpenMP's threads wait passively: see there)
from uprising.engine.simulation import Simulation

__all__ = ["Simulation"]

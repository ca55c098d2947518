"""The hot path: structure-of-arrays populations and numba kernels for both schedules.

The engine knows lattices and agents, nothing of Peru.
"""

from uprising.engine.simulation import Simulation

__all__ = ["Simulation"]

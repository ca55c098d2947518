"""Worlds: a lattice of cells tagged by department, and the population placed on it."""

from uprising.engine.lattice import Lattice, World

__all__ = ["Lattice", "World"]

"""Worlds: a lattice of cells tagged by department, and the population placed on it."""

from uprising.world.lattice import Lattice, World

__all__ = ["Lattice", "World"]

"""The world type shared by the classic torus and the map of Peru.

A `Lattice` is a grid of `height x width` square cells stored row-major (cell id = y * width + x).
Each cell carries a department id (-1 outside every department: sea, abroad). The classic
Epstein torus is the special case of one department, `torus=True` and `capacity=1`; a real map
is a bounded grid with many agents per cell (`capacity=0`, unbounded).

A `World` is a lattice plus the initial population: citizens (home cell, hardship, risk
aversion), forces (cell, kind), and per-department tables the dynamics read. A map may also
carry legitimacy per cell (`cell_legitimacy_multiplier`, `cell_alignment`): then each citizen
weighs the legitimacy of its home cell rather than of its department; and, on top of that, a
side per citizen (`citizen_side`): then each citizen weighs the multiplier of its own side
and its cell's drop for that side. The engine builds its
state from a World and knows nothing of where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FORCE_POLICE = 0
FORCE_MILITARY = 1


@dataclass
class Lattice:
    height: int
    width: int
    torus: bool
    capacity: int  # agents per cell; 0 means unbounded
    department: np.ndarray  # int16[height * width], -1 outside every department
    department_names: list[str]
    cell_km: float | None = None  # side of a cell in km; None on the abstract torus
    origin_lonlat: tuple[float, float] | None = None  # (lon, lat) of the north-west corner

    @property
    def cells(self) -> int:
        return self.height * self.width

    @property
    def departments(self) -> int:
        return len(self.department_names)

    @classmethod
    def torus_grid(cls, height: int, width: int) -> Lattice:
        """The classic Epstein lattice: one department, one agent per site, wrap-around edges."""
        return cls(
            height=height,
            width=width,
            torus=True,
            capacity=1,
            department=np.zeros(height * width, dtype=np.int16),
            department_names=["all"],
        )


@dataclass
class World:
    lattice: Lattice
    citizen_cell: np.ndarray  # int32[n] home cell of each citizen
    hardship: np.ndarray  # float32[n] in [0, 1]
    risk_aversion: np.ndarray  # float32[n] in [0, 1]
    cop_cell: np.ndarray  # int32[m]
    cop_kind: np.ndarray  # int8[m], FORCE_POLICE or FORCE_MILITARY
    # Per-department multipliers and data the dynamics read (length = lattice.departments).
    legitimacy_multiplier: np.ndarray = field(default_factory=lambda: np.ones(1))
    population_scale: float = 1.0  # real people per agent
    # Per-cell legitimacy, or None (the department's multiplier on all its cells). Both float32
    # [cells]: the multiplier of perceived legitimacy, and the alignment of the cell's people
    # with the side a legitimacy shock hits, as a ratio to the national level (1 = national).
    cell_legitimacy_multiplier: np.ndarray | None = None
    cell_alignment: np.ndarray | None = None
    # With per-cell legitimacy, optionally a side per citizen (int8[n]: 1 on the side a
    # legitimacy shock hits, 0 on the other) and the multiplier of each side (float64[2]), which
    # replaces the cell's for its citizens; None: every citizen of a cell weighs the cell's.
    citizen_side: np.ndarray | None = None
    side_legitimacy_multiplier: np.ndarray | None = None

    @property
    def citizens(self) -> int:
        return int(self.citizen_cell.shape[0])

    @property
    def cops(self) -> int:
        return int(self.cop_cell.shape[0])

    def agent_bytes(self) -> int:
        """Bytes held by the per-agent arrays of this world."""
        arrays = (self.citizen_cell, self.hardship, self.risk_aversion, self.cop_cell, self.cop_kind)
        side = () if self.citizen_side is None else (self.citizen_side,)
        return int(sum(a.nbytes for a in arrays + side))

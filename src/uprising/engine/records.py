"""The typed records the kernels take: a handful of grouped arguments instead of dozens.

Plain named tuples of arrays and scalars: numba passes them by value, so a kernel reads a
field as it would read an argument, and the disk cache keeps working. The steppers
(`uprising.engine.steppers`) build them; the kernels build the per-band ones (`Ring`,
`RowBuffers`, `MoveBuffers`) themselves.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Grid(NamedTuple):
    """The lattice's shape: rows, columns, and whether its edges wrap."""

    height: int
    width: int
    torus: bool


class Citizens(NamedTuple):
    """The citizens' arrays: cell (-1 off the lattice), home cell, traits, state, jail term.

    `hardship` and `risk` may be empty on the synchronous torus, where the traits are
    recomputed from the seed (`uprising.engine.traits.citizen_traits`).
    """

    cell: np.ndarray
    home: np.ndarray
    hardship: np.ndarray
    risk: np.ndarray
    state: np.ndarray
    jail: np.ndarray


class Levers(NamedTuple):
    """What the hooks move between ticks, per group of cells (`group[cell]`: its department,
    or the cell itself where legitimacy varies by cell). With a side per citizen (`side`, else
    empty), `legitimacy` holds the groups' values for side 0 then those for side 1."""

    group: np.ndarray
    legitimacy: np.ndarray
    threshold: np.ndarray
    risk_mult: np.ndarray
    side: np.ndarray


class RuleParams(NamedTuple):
    """The rules' parameters and switches (`EngineParams` and `RuleSwitches`), fixed for a run."""

    k: float  # arrest-probability constant
    rounding: int  # `rules.ROUNDING_CODES` of C/A
    self_twice: bool  # an active counts itself twice (NetLogo)
    max_jail: int  # J_max; -1: jailed for life
    jail_inclusive: bool  # terms 0..J_max rather than 0..J_max-1
    keep_site: bool  # a prisoner keeps its site
    cop_to_arrestee: bool  # a cop moves to the site of the citizen it took
    movement: bool
    phased: bool  # random-sequential: all move, then decide, then arrest (NetLogo)
    move_first: bool  # an agent moves before it acts
    move_tries: int  # random sites a mover tries (synchronous torus)


class Board(NamedTuple):
    """The random-sequential lattice: its shape, the visions and moves, what stands where and
    what each site sees (`uprising.engine.sequential`)."""

    grid: Grid
    spans_cit: np.ndarray  # citizens' vision as row spans
    spans_cop: np.ndarray  # cops' vision as row spans
    offs_cit: np.ndarray  # citizens' moves, reduced modulo a torus
    offs_cop: np.ndarray  # cops' moves
    shared: bool  # both visions are the same shape: one row of `seen` serves both
    seen: np.ndarray  # seen[row, cell]: cops and actives within vision of each site
    occupant: np.ndarray  # the agent on each site, or -1
    kind: np.ndarray  # what stands on each site
    found: np.ndarray  # a buffer of sites, one longer than the largest vision
    p_table: np.ndarray  # P for each whole C/A (`sequential.fill_p_table`), or empty


class SiteMap(NamedTuple):
    """The synchronous torus per site (`uprising.engine.sites`): the site map, the packed row
    prefixes after the decisions, and each site's department (of `departments`)."""

    occ: np.ndarray
    after: np.ndarray
    dept: np.ndarray
    departments: int


class Sight(NamedTuple):
    """What the synchronous torus's citizens and cops see and estimate from it."""

    spans_cit: np.ndarray
    spans_cop: np.ndarray
    p_table: np.ndarray  # P for each count of cops and of actives (`sites.fill_pair_table`)
    share_bits: int  # fractional bits of a cop's fixed-point arrest share


class Moves(NamedTuple):
    """The movers' offsets on the synchronous torus: the citizens' `k_cit` then the cops'
    `k_cop` (once when `shared`), as (dy, dx) and as cell-id steps `lin`, used on sites at
    least `reach` from every edge; a claim holds the offset's index in `slot_bits`."""

    offs: np.ndarray
    lin: np.ndarray
    k_cit: int
    k_cop: int
    shared: bool
    reach: int
    slot_bits: int


class Ring(NamedTuple):
    """A ring of `height` row prefixes holding row y at (y - origin) % height."""

    rows: np.ndarray
    origin: int
    height: int


class RowBuffers(NamedTuple):
    """Buffers of a row's width for deciding and arresting a row."""

    free: np.ndarray
    held: np.ndarray
    seen: np.ndarray
    value: np.ndarray


class MoveBuffers(NamedTuple):
    """Buffers of a row's width for the moves of a row."""

    movers: np.ndarray
    spare: np.ndarray
    found: np.ndarray


class Wave(NamedTuple):
    """How `sites.tick_rows` works a tick in one pass: its bands of rows, the lag between its
    steps in rows, and whether arrests are summed from the actives' side (few actives)."""

    bands: np.ndarray
    margin: int
    sparse: bool


class Occupancy(NamedTuple):
    """A bounded map's per-cell arrays, written only on the cells that hold agents or see
    them (`uprising.engine.occupied`): `cops` and `actives` are zero between ticks, `marked`
    False; the others are read only where they were set this tick."""

    cops: np.ndarray  # cops on each cell, during a step
    actives: np.ndarray  # actives on each cell, during a step
    cops_vis: np.ndarray  # cops within a citizen's vision, right where free citizens decide
    actives_vis: np.ndarray  # actives within a citizen's vision, there
    p_quiet: np.ndarray  # a quiet citizen's estimate of P, there
    p_active: np.ndarray  # an active citizen's, where actives stand
    hazard: np.ndarray  # the arrest hazard, where actives stand
    shares: np.ndarray  # the cops' arrest shares, as row prefixes on the rows holding any
    marked: np.ndarray  # a cell already seen this pass
    cells: np.ndarray  # the cells where free citizens decide
    stamped: np.ndarray  # the cells holding actives
    agents: np.ndarray  # the actives on the lattice after the decisions, for the arrests
    away: np.ndarray  # int32: the others free on the lattice away from home (one thread only)


class Travel(NamedTuple):
    """Who travels this tick (`uprising.engine.crowds`): each active citizen not in jail, with
    chance rate * rate_dept[d] (d: its home's department), drawn from (seed, tick, agent)."""

    on: bool  # False: nobody travels and nobody is sent home
    seed: int
    tick: int
    rate: float
    rate_dept: np.ndarray  # float64[d]
    cell_dept: np.ndarray  # department of each cell

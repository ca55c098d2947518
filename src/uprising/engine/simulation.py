"""The engine's state of one run and its step: agents' arrays, per-department levers, one tick.

A `Simulation` takes a built world and an `EngineParams` record (`uprising.engine_params`
builds both from a scenario); its tick is its schedule's stepper (`uprising.engine.steppers`).
The run loop, the hooks between ticks and the records live above (`uprising.model.Model`).
"""

from __future__ import annotations

import time

import numba
import numpy as np

from uprising.engine import synchronous
from uprising.engine.lattice import FORCE_POLICE, World
from uprising.engine.neighbourhood import offsets, row_spans
from uprising.engine.params import EngineParams
from uprising.engine.random import seed_to_uint64
from uprising.engine.records import Citizens, Grid, Levers, RuleParams
from uprising.engine.rules import ACTIVE, JAIL_FOREVER, JAILED, QUIET
from uprising.engine.steppers import stepper_for
from uprising.engine.threads import ThreadChoice
from uprising.engine.user_rules import RuleFunctions
from uprising.errors import ScenarioError

SERIES = ("tick", "quiescent", "active", "jailed", "arrests", "cops")

# Arrests are summed from the actives' side when fewer than one citizen in this many is active.
SPARSE_ACTIVES = 64


class Simulation:
    """The state of one run and its step.

    Citizens are structure-of-arrays: cell (int32), hardship and risk aversion (float32),
    state (int8) and jail term (int16, or int32 for endless terms); cops are a cell array.
    The stepper's per-cell work arrays are allocated once.

    Args:
        world: the lattice and the initial population.
        config: the engine's parameters.
        owned: the world is this run's alone, so its arrays may be taken rather than copied.
        rules: the user's own rule functions compiled into the kernels (default: the built-in).
    """

    def __init__(
        self,
        world: World,
        config: EngineParams,
        owned: bool = False,
        rules: RuleFunctions | None = None,
    ):
        self.config = config
        self.rule_functions = rules or RuleFunctions()
        self.world = world
        lat = world.lattice
        self.seed = seed_to_uint64(config.seed)
        self.tick = 0
        take = owned and lat.capacity == 1
        self.cit_cell = world.citizen_cell.astype(np.int32, copy=not take)
        # Home cells are read, never written: the world's array itself, not a copy.
        self.home = self.cit_cell if lat.capacity == 1 else np.asarray(world.citizen_cell, np.int32)
        self.hardship = world.hardship.astype(np.float32, copy=False)
        self.risk = world.risk_aversion.astype(np.float32, copy=False)
        self.state = np.full(world.citizens, QUIET, dtype=np.int8)
        # Jail terms in int16 when every term fits (int32 for JAIL_FOREVER, an endless term).
        max_term = config.max_jail_term
        short = max_term is not None and 0 <= max_term < np.iinfo(np.int16).max
        self.jail = np.zeros(world.citizens, dtype=np.int16 if short else np.int32)
        self.max_jail = -1 if max_term is None else max_term
        self.cop_cell = world.cop_cell.astype(np.int32, copy=not take)
        self.cop_kind = world.cop_kind.astype(np.int8, copy=not take)
        # On the torus the lattice's own department map (read only) serves as is.
        dept = lat.department
        reuse = lat.capacity == 1 and dept.dtype == np.int16 and int(dept.min(initial=0)) >= 0
        self.cell_dept = dept if reuse else np.maximum(dept, 0).astype(np.int16)
        self.params = {"legitimacy": config.legitimacy, "threshold": config.threshold}
        self.grid = Grid(lat.height, lat.width, lat.torus)
        r = config.rules
        self.rule_params = RuleParams(
            float(config.arrest_prob_constant),
            int(config.rounding),
            r.active_counts_self_twice,
            self.max_jail,
            r.jail_term_inclusive,
            r.jailed_keep_site,
            r.cop_moves_to_arrestee,
            r.movement,
            r.phased,
            r.move_first,
            int(r.move_tries),
        )
        self._cop_density = config.cop_density
        shape = config.rules.neighbourhood
        h, w, torus = lat.height, lat.width, lat.torus
        self.offs_cit = offsets(shape, config.citizen_vision, h, w, torus)
        self.offs_cop = offsets(shape, config.cop_vision, h, w, torus)
        self.spans_cit = row_spans(shape, config.citizen_vision, h, w, torus)
        self.spans_cop = row_spans(shape, config.cop_vision, h, w, torus)
        self.arrests_by_dept = np.zeros(lat.departments, dtype=np.int64)
        # Per-department levers the hooks move between ticks (synchronous schedule):
        # legitimacy = params * multiplier - legitimacy_drop; threshold = params + threshold_dept;
        # net risk = R * P * risk_mult_dept.
        self.legitimacy_drop = np.zeros(lat.departments, dtype=np.float64)
        self.threshold_dept = np.zeros(lat.departments, dtype=np.float64)
        self.risk_mult_dept = np.ones(lat.departments, dtype=np.float64)
        # A world with legitimacy per cell: the levers are spread to cells once a tick and each
        # citizen reads those of its home cell; `legitimacy_drop_cell` adds to the department's
        # drop (empty otherwise, so that scaling it costs nothing).
        self._per_cell = world.cell_legitimacy_multiplier is not None
        if self._per_cell and (lat.capacity == 1 or not config.synchronous):
            raise ScenarioError(
                "world: legitimacy per cell needs a map of many agents per cell and "
                "run.schedule = synchronous"
            )
        # With a side per citizen, the drop per cell holds side 0's cells then side 1's.
        sided = world.citizen_side is not None
        if sided and not self._per_cell:
            raise ScenarioError("world: a side per citizen needs legitimacy per cell")
        self._side = np.asarray(world.citizen_side if sided else np.zeros(0), dtype=np.int8)
        self._side_multiplier = np.asarray(
            world.side_legitimacy_multiplier if sided else np.zeros(0), dtype=np.float64
        )
        sides = 2 if sided else 1
        self.legitimacy_drop_cell = np.zeros(sides * lat.cells if self._per_cell else 0, dtype=np.float64)
        self._cell_group = np.arange(lat.cells, dtype=np.int32) if self._per_cell else self.cell_dept
        self._cell_levers = np.zeros((2 + sides, lat.cells if self._per_cell else 0), dtype=np.float64)
        # Public choices of how the synchronous torus is worked; every choice gives the same run.
        self.one_pass: bool | None = None  # one wave over the rows; None: by size (sites.WAVE_MIN_CELLS)
        self.sparse_actives = SPARSE_ACTIVES  # arrests from the actives' side below 1 active in this many
        self.choose_threads = True  # each tick on all numba's threads or one, whichever measures quicker
        self.thread_choice = ThreadChoice()
        self.stepper = stepper_for(self)

    # ---- levers ---------------------------------------------------------------------------
    def reset_levers(self) -> None:
        """Threshold shifts to 0 and risk multipliers to 1, as at the start of every tick."""
        self.threshold_dept[:] = 0.0
        self.risk_mult_dept[:] = 1.0

    def parameter(self, param: str) -> float:
        """A run-time parameter: `legitimacy`, `threshold` or `cop_density`."""
        self._check_parameter(param)
        return self._get(param)

    def set_parameter(self, param: str, value: float) -> None:
        """Set a run-time parameter from the next step on (falling `cop_density` removes cops,
        drawn with the next tick's random stream)."""
        self._check_parameter(param)
        self._set(param, float(value))

    def _check_parameter(self, param: str) -> None:
        if param not in (*self.params, "cop_density"):
            raise ScenarioError(f"parameter {param!r}: one of legitimacy, threshold, cop_density")

    def _get(self, param: str) -> float:
        if param == "cop_density":
            return float(self._cop_density or 0.0)
        return float(self.params[param])

    def _set(self, param: str, value: float) -> None:
        if param != "cop_density":
            self.params[param] = value
            return
        self._cop_density = value
        target = round(value * self.world.lattice.cells)
        m = self.cop_cell.shape[0]
        if target >= m:
            return  # adding cops is not scheduled by any preset; removal is
        rng = np.random.default_rng([int(self.seed), self.tick + 1, 99])
        keep = np.sort(rng.permutation(m)[:target])
        removed = np.setdiff1d(np.arange(m), keep)
        self.stepper.cops_removed(self, keep, removed)
        self.cop_cell = self.cop_cell[keep].copy()
        self.cop_kind = self.cop_kind[keep].copy()

    # ---- the tick ----------------------------------------------------------------------
    def step(self) -> None:
        """Advance one tick (the levers as the hooks left them), on the threads that
        `thread_choice` measured quicker when `choose_threads`, else on numba's."""
        self.tick += 1
        # numba.get_num_threads() costs about 2 us: asked only where the threads are chosen.
        most = numba.get_num_threads() if self.choose_threads and self.stepper.parallel else 1
        if most == 1:
            self.stepper.step(self)
            return
        threads = self.thread_choice.threads(most)
        numba.set_num_threads(threads)
        try:
            started = time.perf_counter()
            self.stepper.step(self)
            self.thread_choice.timed(threads, time.perf_counter() - started)
        finally:
            numba.set_num_threads(most)

    def citizens(self) -> Citizens:
        """The citizens' arrays as the kernels take them."""
        return Citizens(self.cit_cell, self.home, self.hardship, self.risk, self.state, self.jail)

    def levers(self, cells: np.ndarray | None = None, group: np.ndarray | None = None) -> Levers:
        """(group of each cell, and per group: legitimacy, threshold, risk multiplier) for this
        tick. Groups are the departments, or the cells themselves on a world with legitimacy
        per cell (the department's levers on each of its cells, plus the cell's own drop);
        there, given `cells` and `group` (`group[cells[j]] == j`), the groups are those cells
        alone (the cells a step reads: a few short arrays rather than lattice-long ones)."""
        world, param = self.world, self.params
        if not self._per_cell:
            legit = np.clip(
                param["legitimacy"] * world.legitimacy_multiplier - self.legitimacy_drop, 0.0, 1.0
            )
            threshold = self.threshold_dept + param["threshold"]
            return Levers(self.cell_dept, legit, threshold, self.risk_mult_dept, self._side)
        if cells is None or group is None:
            cells, group = self._cell_group, self._cell_group
        rows = self._cell_levers.shape[0]
        if self._cell_levers.shape[1] != cells.shape[0]:
            self._cell_levers = np.zeros((rows, cells.shape[0]), dtype=np.float64)
        # Rows: threshold, risk multiplier, then legitimacy of each side (one row, or two).
        threshold, risk_mult = self._cell_levers[0], self._cell_levers[1]
        legit = self._cell_levers[2:].reshape(-1)
        synchronous.cell_levers(
            cells,
            self.cell_dept,
            world.cell_legitimacy_multiplier,
            self._side_multiplier,
            param["legitimacy"],
            self.legitimacy_drop,
            self.legitimacy_drop_cell,
            self.threshold_dept + param["threshold"],
            self.risk_mult_dept,
            legit,
            threshold,
            risk_mult,
        )
        return Levers(group, legit, threshold, risk_mult, self._side)

    # ---- observation -------------------------------------------------------------------
    def counts(self) -> tuple[int, int, int]:
        """(quiescent, active, jailed) citizens now."""
        out = np.zeros(3, dtype=np.int64)
        synchronous.tally(self.state, out)
        return int(out[QUIET]), int(out[ACTIVE]), int(out[JAILED])

    def array_bytes(self) -> dict[str, int]:
        """nbytes of every array the run holds (its own, its world's, its lattice's), by name;
        an array shared by two names (home cells and the world's cells) is counted once."""
        out: dict[str, int] = {}
        counted: set[int] = set()
        lattice = self.world.lattice
        owners = (("", self), ("stepper.", self.stepper), ("world.", self.world), ("lattice.", lattice))
        for prefix, owner in owners:
            for name, value in vars(owner).items():
                if not isinstance(value, np.ndarray):
                    continue
                base = value
                while isinstance(base.base, np.ndarray):
                    base = base.base
                if id(base) not in counted:
                    counted.add(id(base))
                    out[prefix + name] = _held_bytes(base)
        return out

    def bytes_per_agent(self) -> float:
        """All the run's arrays (per agent and per cell) over its agents, citizens and forces."""
        agents = self.world.citizens + self.cop_cell.shape[0]
        return sum(self.array_bytes().values()) / max(agents, 1)


def _held_bytes(array: np.ndarray) -> int:
    """The memory an array spans: its nbytes, or less for a strided view such as one value
    broadcast to every cell (stride 0)."""
    if array.size == 0:
        return 0
    if array.flags.c_contiguous or array.flags.f_contiguous:
        return int(array.nbytes)
    spans = zip(array.shape, array.strides, strict=True)
    return int(array.itemsize + sum((d - 1) * abs(s) for d, s in spans))


__all__ = ["FORCE_POLICE", "JAIL_FOREVER", "Simulation"]

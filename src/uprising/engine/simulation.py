"""The engine's state of one run and its step: agents' arrays, per-department levers, one tick.

The run loop, the hooks between ticks and the records live above (`uprising.model.Model`).
"""

from __future__ import annotations

import numba
import numpy as np

from uprising.engine import sequential, sites, synchronous
from uprising.engine.neighbourhood import offsets, reduced_offsets, row_spans
from uprising.engine.random import seed_to_uint64
from uprising.engine.rules import ACTIVE, JAIL_FOREVER, JAILED, QUIET, ROUNDING_CODES
from uprising.errors import ScenarioError
from uprising.scenario.model import Scenario
from uprising.world.lattice import FORCE_POLICE, World

SERIES = ("tick", "quiescent", "active", "jailed", "arrests", "cops")


class Simulation:
    """The state of one run and the loop that advances it.

    Citizens are structure-of-arrays: cell (int32), hardship and risk aversion (float32),
    state (int8) and jail term (int16, or int32 for endless terms); cops are a cell array.
    The lattice's per-cell work arrays are allocated once.
    """

    def __init__(self, scenario: Scenario, world: World | None = None):
        # A world built here is owned: the run may take its arrays rather than copy them, and
        # a synchronous torus recomputes its citizens' traits instead of storing them.
        owned = world is None
        if world is None and scenario.world.kind == "torus" and scenario.run.schedule == "synchronous":
            from uprising.world.classic import build_torus_world

            world = build_torus_world(scenario, store_traits=False)
        elif world is None:
            from uprising.world.build import build_world

            world = build_world(scenario)
        self.scenario = scenario
        self.world = world
        lat = world.lattice
        rules = scenario.rules
        if rules.cop_moves_to_arrestee and rules.jailed_keep_site:
            raise ScenarioError(
                "rules.cop_moves_to_arrestee: needs rules.jailed_keep_site = false "
                "(the arrestee's site must free up)"
            )
        if scenario.run.schedule == "random-sequential" and lat.capacity != 1:
            raise ScenarioError(
                "run.schedule = random-sequential: needs a lattice of one agent per site; "
                "use synchronous on a map"
            )
        self.seed = seed_to_uint64(scenario.run.seed)
        self.tick = 0
        take = owned and lat.capacity == 1
        self.cit_cell = world.citizen_cell.astype(np.int32, copy=not take)
        # Home cells are read, never written: the world's array itself, not a copy.
        self.home = self.cit_cell if lat.capacity == 1 else np.asarray(world.citizen_cell, np.int32)
        self.hardship = world.hardship.astype(np.float32, copy=False)
        self.risk = world.risk_aversion.astype(np.float32, copy=False)
        self.state = np.full(world.citizens, QUIET, dtype=np.int8)
        # Jail terms in int16 when every term fits (int32 for JAIL_FOREVER, an endless term).
        max_term = scenario.cops.max_jail_term
        short = max_term is not None and 0 <= max_term < np.iinfo(np.int16).max
        self.jail = np.zeros(world.citizens, dtype=np.int16 if short else np.int32)
        self.cop_cell = world.cop_cell.astype(np.int32, copy=not take)
        self.cop_kind = world.cop_kind.astype(np.int8, copy=not take)
        # On the torus the lattice's own department map (read only) serves as is.
        dept = lat.department
        reuse = lat.capacity == 1 and dept.dtype == np.int16 and int(dept.min(initial=0)) >= 0
        self.cell_dept = dept if reuse else np.maximum(dept, 0).astype(np.int16)
        self.params = {
            "legitimacy": scenario.citizens.legitimacy,
            "threshold": scenario.citizens.threshold,
        }
        self._cop_density = getattr(scenario.world, "cop_density", None)
        self._rounding = ROUNDING_CODES[rules.arrest_rounding]
        self._max_jail = -1 if scenario.cops.max_jail_term is None else scenario.cops.max_jail_term
        shape = rules.neighbourhood
        h, w, torus = lat.height, lat.width, lat.torus
        v_cit, v_cop = self._vision_in_cells(scenario, lat)
        self._offs_cit = offsets(shape, v_cit, h, w, torus)
        self._offs_cop = offsets(shape, v_cop, h, w, torus)
        self._spans_cit = row_spans(shape, v_cit, h, w, torus)
        self._spans_cop = row_spans(shape, v_cop, h, w, torus)
        self._alloc()
        self.arrests_by_dept = np.zeros(lat.departments, dtype=np.int64)
        # Per-department levers the dynamics move between ticks (synchronous schedule):
        # legitimacy = params * multiplier - legitimacy_drop; threshold = params + threshold_dept;
        # net risk = R * P * risk_mult_dept.
        self.legitimacy_drop = np.zeros(lat.departments, dtype=np.float64)
        self.threshold_dept = np.zeros(lat.departments, dtype=np.float64)
        self.risk_mult_dept = np.ones(lat.departments, dtype=np.float64)
        # A world with legitimacy per cell: the levers are spread to cells once a tick and each
        # citizen reads those of its home cell; `legitimacy_drop_cell` adds to the department's
        # drop (empty otherwise, so that scaling it costs nothing).
        self._per_cell = world.cell_legitimacy_multiplier is not None
        if self._per_cell and (lat.capacity == 1 or scenario.run.schedule != "synchronous"):
            raise ScenarioError(
                "world: legitimacy per cell needs a map of many agents per cell and "
                "run.schedule = synchronous"
            )
        self.legitimacy_drop_cell = np.zeros(lat.cells if self._per_cell else 0, dtype=np.float64)
        self._cell_group = np.arange(lat.cells, dtype=np.int32) if self._per_cell else self.cell_dept
        self._cell_levers = np.zeros((3, lat.cells if self._per_cell else 0), dtype=np.float64)

    @staticmethod
    def _vision_in_cells(scenario: Scenario, lat) -> tuple[float, float]:
        """Vision radii in cells: `vision_km / cell_km` on a map when given, else `vision`."""
        out = []
        for section, name in ((scenario.citizens, "citizens"), (scenario.cops, "cops")):
            if section.vision_km is None:
                out.append(section.vision)
            elif lat.cell_km is None:
                raise ScenarioError(f"{name}.vision_km: needs a map world; on the torus use {name}.vision")
            else:
                out.append(section.vision_km / lat.cell_km)
        return out[0], out[1]

    def _alloc(self) -> None:
        lat = self.world.lattice
        n, m = self.world.citizens, self.cop_cell.shape[0]
        if self.scenario.run.schedule == "random-sequential":
            self._occupant = np.full(lat.cells, -1, dtype=np.int32)
            self._occupant[self.cit_cell] = np.arange(n, dtype=np.int32)
            self._occupant[self.cop_cell] = np.arange(n, n + m, dtype=np.int32)
            self._kind = np.zeros(lat.cells, dtype=np.uint8)
            self._kind[self.cit_cell] = sequential.KIND_CITIZEN
            self._kind[self.cop_cell] = sequential.KIND_COP
            k = max(self._offs_cit.shape[0], self._offs_cop.shape[0], 1)
            self._order = np.empty(n + m, dtype=np.int64)
            self._scratch = np.empty(k + 2, dtype=np.int64)  # _look writes one past
            self._seen = np.empty((sequential.SEEN_ROWS, lat.cells), dtype=np.int32)
            self._seen_with: np.ndarray | None = None  # the cop array `_seen` was counted with
            self._p_table = np.empty(k + 1, dtype=np.float64)  # P for each whole C/A <= k
            sequential.fill_p_table(self.scenario.citizens.arrest_prob_constant, self._p_table)
            self._moves_cit = reduced_offsets(self._offs_cit, lat.height, lat.width, lat.torus)
            self._moves_cop = reduced_offsets(self._offs_cop, lat.height, lat.width, lat.torus)
            return
        cells = lat.cells
        if lat.capacity == 1 and self.scenario.run.schedule == "synchronous":
            self._alloc_on_sites()
            return
        # Counts per cell: on a lattice of one agent per site no count (nor row prefix, nor
        # sum within vision) passes the row width or the vision's size, so int16 does.
        sites = max(_sites_in(self._spans_cit, lat.width), _sites_in(self._spans_cop, lat.width))
        small = lat.capacity == 1 and max(lat.width, sites) < 2**15
        count = np.int16 if small else np.int32
        self._cops_pre = np.empty(cells, dtype=count)  # cops per cell, then its row prefix
        self._actives_pre = np.empty(cells, dtype=count)  # actives per cell, then its prefix
        self._cops_vis = np.empty(cells, dtype=count)
        self._actives_vis = np.empty(cells, dtype=count)
        self._share = np.empty(cells, dtype=np.float64)
        self._hazard = np.empty(cells, dtype=np.float64)
        # Where many citizens share a cell, a quiet citizen's estimate is computed per cell.
        self._p_quiet = np.empty(cells if n > cells else 0, dtype=np.float64)
        self._no_state = np.empty(0, dtype=np.int8)  # count_per_cell: every agent counts

    def _alloc_on_sites(self) -> None:
        """The classic lattice's work arrays (`uprising.engine.sites`): two uint32 per cell,
        the site map (agents, then claims during the moves) and the packed counts after the
        decisions."""
        lat = self.world.lattice
        sites_cit = _sites_in(self._spans_cit, lat.width)
        sites_cop = _sites_in(self._spans_cop, lat.width)
        if sites_cit + sites_cop > 2**16:
            raise ScenarioError(
                f"citizens.vision / cops.vision: visions of {sites_cit} and {sites_cop} sites; "
                "the synchronous torus allows at most 65536 together"
            )
        if self.world.citizens + self.cop_cell.shape[0] >= sites.AGENT:
            raise ScenarioError("world: more than 2**30 - 2 agents on one lattice")
        self._share_bits = 32 - max(sites_cop, 1).bit_length()
        # P for every count of cops and of actives a citizen can see (itself counted, twice
        # at most), unless the table would pass 2**16 entries.
        pairs = (sites_cit + 1, sites_cit + 3) if (sites_cit + 1) * (sites_cit + 3) <= 2**16 else (0, 0)
        self._p_table = np.zeros(pairs, dtype=np.float64)
        sites.fill_pair_table(self.scenario.citizens.arrest_prob_constant, self._rounding, self._p_table)
        self._occ = np.empty(lat.cells, dtype=np.uint32)
        self._after = np.empty(lat.cells, dtype=np.uint32)
        # Moves: the citizens' offsets then the cops' (once when they are the same), also as
        # steps of the cell id for sites at least `reach` from every edge; a claim holds the
        # offset's index in `_slot_bits`.
        self._shared_offs = np.array_equal(self._offs_cit, self._offs_cop)
        parts = [self._offs_cit] if self._shared_offs else [self._offs_cit, self._offs_cop]
        self._offs = np.concatenate(parts)
        self._lin = self._offs[:, 0].astype(np.int64) * lat.width + self._offs[:, 1]
        self._reach = int(np.abs(self._offs).max(initial=0))
        self._slot_bits = max(1, (self._offs.shape[0] - 1).bit_length())
        self._stripes = sites.stripes(lat.height, int(np.abs(self._offs[:, 0]).max(initial=0)))
        # The tick in one pass over the rows (`sites.tick_rows`) lags its steps by the largest
        # reach in rows of a vision or a move; on lattices too short for it, one pass per step.
        shapes = (self._spans_cit, self._spans_cop, self._offs)
        self._margin = max([int(np.abs(rows[:, 0]).max(initial=0)) for rows in shapes] + [1])
        # Public choices of how the synchronous torus is worked; every choice gives the same run.
        self.one_pass: bool | None = None  # one wave over the rows; None: by size (sites.WAVE_MIN_CELLS)
        self.sparse_actives = SPARSE_ACTIVES  # arrests from the actives' side below 1 active in this many
        self._last_actives = int(np.count_nonzero(self.state == ACTIVE))  # which arrest sum is quicker

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
        if self.scenario.run.schedule == "random-sequential":
            n = self.world.citizens
            self._occupant[self.cop_cell[removed]] = -1
            self._kind[self.cop_cell[removed]] = sequential.KIND_EMPTY
            self._occupant[self.cop_cell[keep]] = n + np.arange(target, dtype=np.int32)
        self.cop_cell = self.cop_cell[keep].copy()
        self.cop_kind = self.cop_kind[keep].copy()
        if self.scenario.run.schedule == "random-sequential":
            self._order = np.empty(self.world.citizens + target, dtype=np.int64)

    # ---- the tick ----------------------------------------------------------------------
    def step(self) -> None:
        """Advance one tick (the levers as the hooks left them)."""
        self.tick += 1
        if self.scenario.run.schedule == "random-sequential":
            self._step_sequential()
        else:
            self._step_synchronous()

    def _step_sequential(self) -> None:
        lat, r = self.world.lattice, self.scenario.rules
        arrests = sequential.sequential_tick(
            self.seed, self.tick, (lat.height, lat.width, lat.torus),
            self._spans_cit, self._spans_cop, self._moves_cit, self._moves_cop, self._seen,
            self._occupant, self._kind, self.cit_cell, self.hardship,
            self.risk, self.state, self.jail, self.cop_cell,
            self.params["legitimacy"], self.params["threshold"],
            self.scenario.citizens.arrest_prob_constant, self._rounding,
            r.active_counts_self_twice, self._max_jail, r.jail_term_inclusive,
            r.jailed_keep_site, r.cop_moves_to_arrestee, r.movement, r.order == "phased",
            r.move_first, self._order, self._scratch, self._p_table,
            self._seen_with is not self.cop_cell,  # cops were removed: count `_seen` afresh
        )  # fmt: skip
        self._seen_with = self.cop_cell
        self.arrests_by_dept[:] = 0
        self.arrests_by_dept[0] = arrests

    def levers(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(group of each cell, and per group: legitimacy, threshold, risk multiplier) for this
        tick. Groups are the departments, or the cells themselves on a world with legitimacy
        per cell (the department's levers on each of its cells, plus the cell's own drop)."""
        world, param = self.world, self.params
        if not self._per_cell:
            legit = np.clip(
                param["legitimacy"] * world.legitimacy_multiplier - self.legitimacy_drop, 0.0, 1.0
            )
            return self.cell_dept, legit, self.threshold_dept + param["threshold"], self.risk_mult_dept
        legit, threshold, risk_mult = self._cell_levers
        synchronous.cell_levers(
            self.cell_dept, world.cell_legitimacy_multiplier, param["legitimacy"],
            self.legitimacy_drop, self.legitimacy_drop_cell, self.threshold_dept + param["threshold"],
            self.risk_mult_dept, legit, threshold, risk_mult,
        )  # fmt: skip
        return self._cell_group, legit, threshold, risk_mult

    def _step_synchronous(self) -> None:
        lat, r = self.world.lattice, self.scenario.rules
        h, w, torus = lat.height, lat.width, lat.torus
        group, legit, threshold, risk_mult = self.levers()
        if lat.capacity == 1:
            self._step_on_sites(legit)
            return
        # 1. What every citizen sees: cops and actives within vision, from the snapshot.
        one, blocks = lat.capacity == 1, numba.get_num_threads()
        k, rounding = self.scenario.citizens.arrest_prob_constant, self._rounding
        synchronous.count_per_cell(self.cop_cell, self._no_state, 0, self._cops_pre, one, blocks)
        synchronous.count_per_cell(self.cit_cell, self.state, ACTIVE, self._actives_pre, one, blocks)
        synchronous.row_prefix2(self._cops_pre, self._actives_pre, h, w)
        synchronous.vision_sum2(
            self._cops_pre, self._actives_pre, self._spans_cit, h, w, torus,
            self._cops_vis, self._actives_vis,
        )  # fmt: skip
        if self._p_quiet.shape[0]:
            synchronous.quiet_arrest_probability(
                self._cops_vis, self._actives_vis, k, rounding, self._p_quiet
            )
        # 2. Everyone decides at once (prisoners serve a tick instead).
        synchronous.decide(
            self.cit_cell, self.home, self.hardship, self.risk, self.state, self.jail,
            group, legit, self._cops_vis, self._actives_vis, threshold, risk_mult,
            k, rounding, r.active_counts_self_twice, not one, self._p_quiet,
        )  # fmt: skip
        # 3. Cops take actives: the hazard at a cell sums, over the cops that see it, 1 / A.
        synchronous.count_per_cell(self.cit_cell, self.state, ACTIVE, self._actives_pre, one, blocks)
        synchronous.row_prefix(self._actives_pre, h, w)
        synchronous.arrest_share_at_cops(
            self._cops_pre, self._actives_pre, self._spans_cop, h, w, torus, self._share
        )
        synchronous.row_prefix(self._share, h, w)
        synchronous.hazard_at_actives(
            self._actives_pre, self._share, self._spans_cop, h, w, torus, self._hazard
        )
        self.arrests_by_dept[:] = synchronous.arrest(
            self.seed, self.tick, self.cit_cell, self.home, self.cell_dept,
            lat.departments, self.state, self.jail, self._hazard, self._max_jail,
            r.jail_term_inclusive, r.jailed_keep_site,
        )  # fmt: skip

    def _step_on_sites(self, legit: np.ndarray) -> None:
        """The synchronous tick on a lattice of one agent per site (the classic torus), worked
        cell by cell (`uprising.engine.sites`)."""
        lat, r = self.world.lattice, self.scenario.rules
        h, w, torus = lat.height, lat.width, lat.torus
        k, rounding, bits = self.scenario.citizens.arrest_prob_constant, self._rounding, self._share_bits
        n = self.world.citizens
        occ, after = self._occ, self._after
        threads = numba.get_num_threads()
        levers = (legit, self.threshold_dept + self.params["threshold"], self.risk_mult_dept)
        # 1. Who stands where, with who was active.
        sites.occupy(self.cit_cell, self.cop_cell, self.state, self.jail, occ)
        if not r.jailed_keep_site:
            sites.serve_off_site(self.cit_cell, self.jail)
        one_pass = lat.cells >= sites.WAVE_MIN_CELLS if self.one_pass is None else self.one_pass
        bands = sites.wave_bands(h, self._margin, threads) if one_pass else np.zeros(0, np.int64)
        if bands.shape[0] > 1:
            # 2-5 in one pass over the rows; arrests are summed from the actives' side when they
            # were few the tick before (the same sums either way, so the same arrests).
            actives, arrests = sites.tick_rows(
                self.seed, self.tick, occ, after, self.cit_cell, self.cop_cell, self.state,
                self.jail, self.hardship, self.risk, self.cell_dept, lat.departments, *levers, k,
                rounding, r.active_counts_self_twice, self._p_table, self._spans_cit,
                self._spans_cop, bits, self._max_jail, r.jail_term_inclusive, r.jailed_keep_site,
                self._last_actives * self.sparse_actives < n, r.movement, self._offs, self._lin,
                self._offs_cit.shape[0], self._offs_cop.shape[0], self._shared_offs, self._reach,
                r.move_tries, self._slot_bits, h, w, torus, bands, self._margin,
            )  # fmt: skip
            self.arrests_by_dept[:] = arrests
            self._last_actives = actives
        else:
            self._step_phased(legit)
        # 6. Prisoners off the lattice whose term is over come back on a free site.
        if not r.jailed_keep_site:
            sites.place_released(self.seed, self.tick, self.cit_cell, self.jail, 4 * r.move_tries, occ)

    def _step_phased(self, legit: np.ndarray) -> None:
        """Steps 2-5 of `_step_on_sites` one pass over the lattice each, for lattices too short
        for `sites.tick_rows`; the same tick."""
        lat, r = self.world.lattice, self.scenario.rules
        h, w, torus = lat.height, lat.width, lat.torus
        n = self.world.citizens
        occ, after = self._occ, self._after
        bands = sites.bands_of(h, numba.get_num_threads())
        # 2. Counts in vision from the tick's start; everyone decides.
        actives = sites.decide_rows(
            occ, self._spans_cit, h, w, torus, self.hardship, self.risk, self.seed,
            self.state, self.jail, self.cell_dept, legit,
            self.threshold_dept + self.params["threshold"], self.risk_mult_dept,
            self.scenario.citizens.arrest_prob_constant, self._rounding,
            r.active_counts_self_twice, self._p_table, bands, after,
        )  # fmt: skip
        self._last_actives = actives
        # 3. Cops take actives: each cop's share 1/A, summed over the cops that see an active;
        # from the actives' side when they are few (the same sums, so the same arrests).
        self.arrests_by_dept[:] = sites.arrest_rows(
            self.seed, self.tick, occ, self.cit_cell, self.cell_dept, lat.departments,
            self.state, self.jail, after, actives * self.sparse_actives < n, self._spans_cop, h, w,
            torus, self._share_bits, self._max_jail, r.jail_term_inclusive, r.jailed_keep_site,
            bands,
        )  # fmt: skip
        # 4. Movement to a random free site in vision, conflicts settled by priority.
        if r.movement:
            k_cit, k_cop = self._offs_cit.shape[0], self._offs_cop.shape[0]
            sites.claim_moves(
                self.seed, self.tick, occ, n, self._offs, self._lin, k_cit, k_cop,
                self._shared_offs, self._reach, h, w, torus, r.move_tries, self._slot_bits,
                self._stripes,
            )  # fmt: skip
            sites.settle_moves(
                occ, n, self.cit_cell, self.cop_cell, self._offs, self._lin, self._reach,
                h, w, torus, self._slot_bits,
            )  # fmt: skip

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
        for prefix, owner in (("", self), ("world.", self.world), ("lattice.", self.world.lattice)):
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


# Arrests are summed from the actives' side when fewer than one citizen in this many is active.
SPARSE_ACTIVES = 64


def _sites_in(spans: np.ndarray, width: int) -> int:
    """Sites of a vision shape given as row spans (the centre included), on rows `width` wide."""
    return int(sum(min(2 * int(w) + 1, width) for _, w in spans))


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

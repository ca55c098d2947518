"""One stepper per schedule: the work arrays of a run and its tick, given its `Simulation`.

- `SequentialStepper`: random-sequential, one agent at a time (`uprising.engine.sequential`);
- `MapStepper`: synchronous on a map of many agents per cell (`uprising.engine.synchronous`),
  over every cell; a torus of many agents per cell takes it;
- `OccupiedMapStepper`: the same tick on a bounded map, over the cells that hold agents
  (`uprising.engine.occupied`), unless the map is crowded (`OCCUPIED_MAX_PER_CELL`);
- `SiteStepper`: synchronous on a lattice of one agent per site (`uprising.engine.sites`),
  in one pass over the rows or one pass per phase (`Simulation.one_pass`).

Each reads the levers the hooks left on the simulation and writes its arrests by department.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from uprising.engine import occupied, sequential, sites, synchronous
from uprising.engine.dispatch import DirectCall
from uprising.engine.neighbourhood import reduced_offsets
from uprising.engine.records import Board, Citizens, Levers, Moves, Occupancy, Sight, SiteMap, Wave
from uprising.engine.rules import ACTIVE
from uprising.engine.user_rules import kernels_for
from uprising.errors import ScenarioError

if TYPE_CHECKING:
    from uprising.engine.simulation import Simulation


class Stepper:
    """A schedule's tick; `cops_removed` keeps its work arrays in step with the cops.
    `parallel`: its kernels use numba's threads (so their count is worth choosing)."""

    parallel = True

    def step(self, sim: Simulation) -> None:
        raise NotImplementedError

    def cops_removed(self, sim: Simulation, keep: np.ndarray, removed: np.ndarray) -> None:
        """Called before `sim.cop_cell` loses the cops `removed` (indices into it)."""


class SequentialStepper(Stepper):
    """Random-sequential: each agent acts in turn, in a new random order every tick."""

    parallel = False

    def __init__(self, sim: Simulation) -> None:
        lat = sim.world.lattice
        n, m = sim.world.citizens, sim.cop_cell.shape[0]
        self.occupant = np.full(lat.cells, -1, dtype=np.int32)
        self.occupant[sim.cit_cell] = np.arange(n, dtype=np.int32)
        self.occupant[sim.cop_cell] = np.arange(n, n + m, dtype=np.int32)
        self.kind = np.zeros(lat.cells, dtype=np.uint8)
        self.kind[sim.cit_cell] = sequential.KIND_CITIZEN
        self.kind[sim.cop_cell] = sequential.KIND_COP
        k = max(sim.offs_cit.shape[0], sim.offs_cop.shape[0], 1)
        self.order = np.empty(n + m, dtype=np.int64)
        self.scratch = np.empty(k + 2, dtype=np.int64)  # _look writes one past
        self.seen = np.empty((sequential.SEEN_ROWS, lat.cells), dtype=np.int32)
        self.seen_with: np.ndarray | None = None  # the cop array `seen` was counted with
        self.kernels = kernels_for(sequential, sim.rule_functions)
        self.tick_call = DirectCall(self.kernels.sequential_tick)
        self.citizens: Citizens | None = None  # the records of the last tick (`step`)
        # P for each whole C/A <= k, where P is the built-in rule's, a function of C/A alone.
        whole = sim.rule_functions.arrest_probability is None
        self.p_table = np.empty(k + 1 if whole else 0, dtype=np.float64)
        self.kernels.fill_p_table(sim.config.arrest_prob_constant, self.p_table)
        self.moves_cit = reduced_offsets(sim.offs_cit, lat.height, lat.width, lat.torus)
        self.moves_cop = reduced_offsets(sim.offs_cop, lat.height, lat.width, lat.torus)
        shared = bool(np.array_equal(sim.spans_cit, sim.spans_cop))  # one row of `seen` serves both
        self.board = Board(
            sim.grid,
            sim.spans_cit,
            sim.spans_cop,
            self.moves_cit,
            self.moves_cop,
            shared,
            self.seen,
            self.occupant,
            self.kind,
            self.scratch,
            self.p_table,
        )

    def cops_removed(self, sim: Simulation, keep: np.ndarray, removed: np.ndarray) -> None:
        n = sim.world.citizens
        self.occupant[sim.cop_cell[removed]] = -1
        self.kind[sim.cop_cell[removed]] = sequential.KIND_EMPTY
        self.occupant[sim.cop_cell[keep]] = n + np.arange(keep.shape[0], dtype=np.int32)
        self.order = np.empty(n + keep.shape[0], dtype=np.int64)

    def step(self, sim: Simulation) -> None:
        # The same records as last tick while the run's arrays are the same objects, so that the
        # kernel is called without numba's lookup of their types (`dispatch.DirectCall`).
        c = self.citizens
        if c is None or not (
            c.cell is sim.cit_cell
            and c.home is sim.home
            and c.hardship is sim.hardship
            and c.risk is sim.risk
            and c.state is sim.state
            and c.jail is sim.jail
        ):
            c = self.citizens = sim.citizens()
        seed, tick, board, rules, cops = sim.seed, sim.tick, self.board, sim.rule_params, sim.cop_cell
        legit, thresh = sim.params["legitimacy"], sim.params["threshold"]
        key = (type(seed), type(tick), board, c, cops, rules, type(legit), type(thresh), self.order)
        recount = self.seen_with is not cops  # cops were removed: count `seen` afresh
        arrests = self.tick_call(key, seed, tick, board, c, cops, rules, legit, thresh, self.order, recount)
        self.seen_with = sim.cop_cell
        sim.arrests_by_dept[:] = 0
        sim.arrests_by_dept[0] = arrests


class MapStepper(Stepper):
    """Synchronous on a map of many agents per cell: counts per cell, then everyone at once."""

    def __init__(self, sim: Simulation) -> None:
        lat = sim.world.lattice
        cells, n = lat.cells, sim.world.citizens
        # Counts per cell: on a lattice of one agent per site no count (nor row prefix, nor
        # sum within vision) passes the row width or the vision's size, so int16 does.
        most = max(sites_in(sim.spans_cit, lat.width), sites_in(sim.spans_cop, lat.width))
        small = lat.capacity == 1 and max(lat.width, most) < 2**15
        count = np.int16 if small else np.int32
        self.cops_pre = np.empty(cells, dtype=count)  # cops per cell, then its row prefix
        self.actives_pre = np.empty(cells, dtype=count)  # actives per cell, then its prefix
        self.cops_vis = np.empty(cells, dtype=count)
        self.actives_vis = np.empty(cells, dtype=count)
        self.share = np.empty(cells, dtype=np.float64)
        self.hazard = np.empty(cells, dtype=np.float64)
        # Where many citizens share a cell, a quiet citizen's estimate is computed per cell.
        self.p_quiet = np.empty(cells if n > cells else 0, dtype=np.float64)
        self.kernels = kernels_for(synchronous, sim.rule_functions)
        self.no_state = np.empty(0, dtype=np.int8)  # count_per_cell: every agent counts

    def step(self, sim: Simulation) -> None:
        lat, cfg = sim.world.lattice, sim.config
        h, w, torus = lat.height, lat.width, lat.torus
        levers = sim.levers()
        # 1. What every citizen sees: cops and actives within vision, from the snapshot.
        one, blocks = lat.capacity == 1, numba.get_num_threads()
        k, rounding = cfg.arrest_prob_constant, cfg.rounding
        synchronous.count_per_cell(sim.cop_cell, self.no_state, 0, self.cops_pre, one, blocks)
        synchronous.count_per_cell(sim.cit_cell, sim.state, ACTIVE, self.actives_pre, one, blocks)
        synchronous.row_prefix2(self.cops_pre, self.actives_pre, h, w)
        synchronous.vision_sum2(
            self.cops_pre, self.actives_pre, sim.spans_cit, h, w, torus, self.cops_vis, self.actives_vis
        )
        if self.p_quiet.shape[0]:
            self.kernels.quiet_arrest_probability(self.cops_vis, self.actives_vis, k, rounding, self.p_quiet)
        # 2. Everyone decides at once (prisoners serve a tick instead).
        citizens, rules = sim.citizens(), sim.rule_params
        self.kernels.decide(
            citizens, levers, self.cops_vis, self.actives_vis, self.p_quiet, self.p_quiet[:0], rules, not one
        )
        # 3. Cops take actives: the hazard at a cell sums, over the cops that see it, 1 / A.
        synchronous.count_per_cell(sim.cit_cell, sim.state, ACTIVE, self.actives_pre, one, blocks)
        synchronous.row_prefix(self.actives_pre, h, w)
        synchronous.arrest_share_at_cops(
            self.cops_pre, self.actives_pre, sim.spans_cop, h, w, torus, self.share
        )
        synchronous.row_prefix(self.share, h, w)
        synchronous.hazard_at_actives(self.actives_pre, self.share, sim.spans_cop, h, w, torus, self.hazard)
        sim.arrests_by_dept[:] = synchronous.arrest(
            sim.seed, sim.tick, citizens, sim.cell_dept, lat.departments, self.hazard, rules
        )


# A map holding more citizens than this per cell is stepped over every cell: its passes over
# the citizens then outweigh the cells it skips (benchmarks/bench_map_step.py: level at
# peru-2022's 1:30, 9 citizens a cell; bench_tick.py at 1:10: a tick 11-17% longer over them).
OCCUPIED_MAX_PER_CELL = 8


class OccupiedMapStepper(Stepper):
    """`MapStepper`'s tick on a bounded map, worked on the cells that hold agents: the same
    counts, estimates, hazards and draws, so the same run, at a cost that follows the agents
    rather than the lattice (sea and empty land are never visited).

    After a step on one thread, `lists` holds (the citizens active after the decisions, in
    agent order, some since arrested; the others free on the lattice away from home), for a
    hook to visit them instead of every citizen (`crowds.gather_listed`); else None.
    """

    def __init__(self, sim: Simulation) -> None:
        cells, n = sim.world.lattice.cells, sim.world.citizens
        self.occupancy = Occupancy(
            cops=np.zeros(cells, dtype=np.int32),
            actives=np.zeros(cells, dtype=np.int32),
            cops_vis=np.zeros(cells, dtype=np.int32),
            actives_vis=np.zeros(cells, dtype=np.int32),
            p_quiet=np.zeros(cells, dtype=np.float64),
            p_active=np.zeros(cells, dtype=np.float64),
            hazard=np.zeros(cells, dtype=np.float64),
            shares=np.zeros(cells, dtype=np.float64),
            marked=np.zeros(cells, dtype=np.bool_),
            cells=np.zeros(min(cells, max(n, 1)), dtype=np.int64),
            stamped=np.zeros(min(cells, max(n, 1)), dtype=np.int64),
            agents=np.zeros(max(n, 1), dtype=np.int64),
            away=np.zeros(max(n, 1), dtype=np.int32),
        )
        self.lists: tuple[np.ndarray, np.ndarray] | None = None
        # The citizens' homes, whose levers the decisions read (legitimacy per cell), and the
        # index of each in that list (on the homes alone).
        homes = np.zeros(cells, dtype=np.bool_)
        homes[sim.home] = True
        self.homes = np.flatnonzero(homes).astype(np.int32)
        self.home_index = np.zeros(cells, dtype=np.int32)
        self.home_index[self.homes] = np.arange(self.homes.shape[0], dtype=np.int32)
        self.kernels = kernels_for(synchronous, sim.rule_functions)
        self.sight = kernels_for(occupied, sim.rule_functions)

    def step(self, sim: Simulation) -> None:
        occ, grid = self.occupancy, sim.grid
        levers = sim.levers(self.homes, self.home_index)
        citizens, rules = sim.citizens(), sim.rule_params
        # 1. What the free citizens see, on the cells they stand on (or come back to).
        self.sight.sight_at_citizens(grid, sim.spans_cit, citizens, sim.cop_cell, rules, occ)
        # 2. Everyone decides at once (prisoners serve a tick instead). 3. Cops take actives:
        # the hazard at a cell sums, over the cops that see it, 1 / A; the actives listed there
        # are the only citizens the arrests visit. On one thread the decisions list the actives
        # as they go; on more, a pass after them does: the same lists, in the same order.
        vision = (occ.cops_vis, occ.actives_vis, occ.p_quiet, occ.p_active, rules, True)
        one_thread = numba.get_num_threads() == 1
        if one_thread:
            found, listed, away = self.kernels.decide_and_list(
                citizens, levers, *vision, occ.actives, occ.stamped, occ.agents, occ.away
            )
            occupied.hazard_at_listed(grid, sim.spans_cop, sim.cop_cell, occ, found)
        else:
            self.kernels.decide(citizens, levers, *vision)
            listed = occupied.hazard_at_actives(grid, sim.spans_cop, citizens, sim.cop_cell, occ)
        occupied.arrest_listed(
            sim.seed,
            sim.tick,
            citizens,
            sim.cell_dept,
            occ.hazard,
            rules,
            occ.agents[:listed],
            sim.arrests_by_dept,
        )
        self.lists = (occ.agents[:listed], occ.away[:away]) if one_thread else None  # for the hooks


class SiteStepper(Stepper):
    """Synchronous on a lattice of one agent per site (the classic torus), cell by cell: two
    uint32 per cell, the site map (agents, then claims during the moves) and the packed
    counts after the decisions."""

    def __init__(self, sim: Simulation) -> None:
        lat, cfg = sim.world.lattice, sim.config
        sites_cit = sites_in(sim.spans_cit, lat.width)
        sites_cop = sites_in(sim.spans_cop, lat.width)
        if sites_cit + sites_cop > 2**16:
            raise ScenarioError(
                f"citizens.vision / cops.vision: visions of {sites_cit} and {sites_cop} sites; "
                "the synchronous torus allows at most 65536 together"
            )
        if sim.world.citizens + sim.cop_cell.shape[0] >= sites.AGENT:
            raise ScenarioError("world: more than 2**30 - 2 agents on one lattice")
        self.share_bits = 32 - max(sites_cop, 1).bit_length()
        # P for every count of cops and of actives a citizen can see (itself counted, twice
        # at most), unless the table would pass 2**16 entries.
        pairs = (sites_cit + 1, sites_cit + 3) if (sites_cit + 1) * (sites_cit + 3) <= 2**16 else (0, 0)
        self.p_table = np.zeros(pairs, dtype=np.float64)
        self.kernels = kernels_for(sites, sim.rule_functions)
        self.kernels.fill_pair_table(cfg.arrest_prob_constant, cfg.rounding, self.p_table)
        self.occ = np.empty(lat.cells, dtype=np.uint32)
        self.after = np.empty(lat.cells, dtype=np.uint32)
        # Moves: the citizens' offsets then the cops' (once when they are the same), also as
        # steps of the cell id for sites at least `reach` from every edge; a claim holds the
        # offset's index in `slot_bits`.
        self.shared_offs = np.array_equal(sim.offs_cit, sim.offs_cop)
        parts = [sim.offs_cit] if self.shared_offs else [sim.offs_cit, sim.offs_cop]
        self.offs = np.concatenate(parts)
        self.lin = self.offs[:, 0].astype(np.int64) * lat.width + self.offs[:, 1]
        self.reach = int(np.abs(self.offs).max(initial=0))
        self.slot_bits = max(1, (self.offs.shape[0] - 1).bit_length())
        self.stripes = sites.stripes(lat.height, int(np.abs(self.offs[:, 0]).max(initial=0)))
        # The tick in one pass over the rows (`sites.tick_rows`) lags its steps by the largest
        # reach in rows of a vision or a move; on lattices too short for it, one pass per step.
        shapes = (sim.spans_cit, sim.spans_cop, self.offs)
        self.margin = max([int(np.abs(rows[:, 0]).max(initial=0)) for rows in shapes] + [1])
        self.last_actives = int(np.count_nonzero(sim.state == ACTIVE))  # which arrest sum is quicker
        self.sight = Sight(sim.spans_cit, sim.spans_cop, self.p_table, self.share_bits)
        self.site = SiteMap(self.occ, self.after, sim.cell_dept, lat.departments)
        k_cit, k_cop = sim.offs_cit.shape[0], sim.offs_cop.shape[0]
        self.moves = Moves(self.offs, self.lin, k_cit, k_cop, self.shared_offs, self.reach, self.slot_bits)

    def step(self, sim: Simulation) -> None:
        r, n, occ = sim.config.rules, sim.world.citizens, self.occ
        citizens, levers = sim.citizens(), sim.levers()
        # 1. Who stands where, with who was active.
        sites.occupy(sim.cit_cell, sim.cop_cell, sim.state, sim.jail, occ)
        if not r.jailed_keep_site:
            sites.serve_off_site(sim.cit_cell, sim.jail)
        one_pass = sim.world.lattice.cells >= sites.WAVE_MIN_CELLS if sim.one_pass is None else sim.one_pass
        threads = numba.get_num_threads()
        bands = sites.wave_bands(sim.grid.height, self.margin, threads) if one_pass else np.zeros(0, np.int64)
        if bands.shape[0] > 1:
            # 2-5 in one pass over the rows; arrests are summed from the actives' side when they
            # were few the tick before (the same sums either way, so the same arrests).
            wave = Wave(bands, self.margin, self.last_actives * sim.sparse_actives < n)
            actives, arrests = self.kernels.tick_rows(
                sim.seed,
                sim.tick,
                sim.grid,
                self.site,
                citizens,
                sim.cop_cell,
                levers,
                sim.rule_params,
                self.sight,
                self.moves,
                wave,
            )
            sim.arrests_by_dept[:] = arrests
            self.last_actives = actives
        else:
            self._step_phased(sim, citizens, levers)
        # 6. Prisoners off the lattice whose term is over come back on a free site.
        if not r.jailed_keep_site:
            sites.place_released(sim.seed, sim.tick, sim.cit_cell, sim.jail, 4 * r.move_tries, occ)

    def _step_phased(self, sim: Simulation, citizens: Citizens, levers: Levers) -> None:
        """Steps 2-5 of `step` one pass over the lattice each, for lattices too short for
        `sites.tick_rows`; the same tick."""
        grid, rules, n = sim.grid, sim.rule_params, sim.world.citizens
        bands = sites.bands_of(grid.height, numba.get_num_threads(), self.margin)
        # 2. Counts in vision from the tick's start; everyone decides.
        actives = self.kernels.decide_rows(
            sim.seed, grid, self.site, citizens, levers, rules, self.sight, bands
        )
        self.last_actives = actives
        # 3. Cops take actives: each cop's share 1/A, summed over the cops that see an active;
        # from the actives' side when they are few (the same sums, so the same arrests).
        sparse = actives * sim.sparse_actives < n
        sim.arrests_by_dept[:] = sites.arrest_rows(
            sim.seed, sim.tick, grid, self.site, citizens, rules, self.sight, sparse, bands
        )
        # 4. Movement to a random free site in vision, conflicts settled by priority.
        if rules.movement:
            tries = rules.move_tries
            sites.claim_moves(sim.seed, sim.tick, grid, self.occ, n, self.moves, tries, self.stripes)
            sites.settle_moves(grid, self.occ, n, sim.cit_cell, sim.cop_cell, self.moves)


def stepper_for(sim: Simulation) -> Stepper:
    """The stepper of `sim`'s schedule and lattice."""
    if not sim.config.synchronous:
        return SequentialStepper(sim)
    if sim.world.lattice.capacity == 1:
        return SiteStepper(sim)
    lat = sim.world.lattice
    if lat.torus or sim.world.citizens > OCCUPIED_MAX_PER_CELL * lat.cells:
        return MapStepper(sim)
    return OccupiedMapStepper(sim)


def sites_in(spans: np.ndarray, width: int) -> int:
    """Sites of a vision shape given as row spans (the centre included), on rows `width` wide."""
    return int(sum(min(2 * int(w) + 1, width) for _, w in spans))

"""The crisis between engine ticks: timeline, legitimacy and its feedback, confrontations,
blockades, contagion, coordination, travel of crowds and the forces' answer.

`Crisis` holds the per-department state of the dynamics and moves the engine's levers
(`Simulation.legitimacy_drop`, `threshold_dept`, `risk_mult_dept`, forces). The engine knows
nothing of Peru; everything Peruvian enters through the scenario and the world's data.

Per tick t (day = (t - 1) // ticks_per_day):
1. `before_tick`: the day's events (shocks, deployments; an emergency's forces leave when its
   term ends), modifiers in force (curfew, strike, lull), contagion from neighbours' activity
   `delay_days` ago, coordination; once a day the forces move toward their department's
   largest crowds.
2. the engine decides and arrests (Epstein's rules on the map).
3. `after_tick`: participants drawn from the supporters on each cell (`participation.py`),
   confrontations where forces meet a large crowd of them and their tolls (`confrontation.py`),
   blockades where participants stand on road points, feedback of deaths and arrests on
   legitimacy, decay of the drops, travel of participants.
Epstein's actives are *supporters*; the crowds that block, confront and travel are the day's
*participants*, a share of them (`Participation`); marches of a dated call move participants
to a capital on each day the call is in force. A call's pull (its cost cut and march share) may
wear off with a half-life from its start (`call_pull`).
Random draws are keyed by (seed, tick, stream), so results do not depend on threads: numpy's
`default_rng([seed, tick, stream])`, made by `keyed_generator`.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from uprising.dynamics.config import Call, Deployment, Dynamics, LegitimacyShock, Modifier, Site
from uprising.dynamics.confrontation import (
    confrontation_rate,
    confrontation_tolls,
    periphery_on_lattice,
    restraint_factor,
)
from uprising.dynamics.geography import (
    Frame,
    LatticeFrame,
    capital_cells,
    on_regions,
    road_cells,
    site_cells,
)
from uprising.dynamics.legitimacy import cell_shock_drop, side_shock_drop
from uprising.dynamics.participation import (
    call_pull,
    novelty_of,
    participants_per_cell,
    participation_probability,
    update_fatigue,
)
from uprising.engine import crowds, synchronous
from uprising.engine.keyed_generator import keyed_generator
from uprising.engine.lattice import FORCE_MILITARY, FORCE_POLICE
from uprising.engine.neighbourhood import row_spans
from uprising.engine.records import Travel
from uprising.engine.rules import ACTIVE
from uprising.engine.simulation import Simulation
from uprising.errors import ScenarioError, UprisingError
from uprising.institutions.config import InstitutionsConfig

STREAM_DEATHS = 101
STREAM_DEPLOY = 102
STREAM_REDEPLOY = 103
STREAM_PARTICIPATION = 104
STREAM_MARCH = 105
STREAM_BARRICADES = 106


@dataclass
class DayEvent:
    day: int
    kind: str
    department: str
    outcome: str
    votes: int = -1


@dataclass
class Crisis:
    sim: Simulation
    cfg: Dynamics
    start_date: date
    ticks_per_day: int
    alignment_pct: np.ndarray  # alignment share per department, % (Peru: Castillo's 2021 runoff)
    national_alignment_pct: float  # the national share, > 0: shocks go deeper where share / it > 1
    adjacency: np.ndarray  # bool[d, d] land borders
    capitals_lonlat: np.ndarray  # float[d, 2], ends of the road lines and goals of marches
    codes: list[str] | None = None  # codes accepted for departments in the timeline
    institutions: InstitutionsConfig | None = None  # Congress votes on their dates; None: no votes
    frame: Frame | None = None  # where points fall on the lattice; None: the lattice's own (Peru)
    roads: np.ndarray | None = None  # cells of the world's roads; None: lines between capitals
    world_sites: list[tuple[str, float, float]] = field(default_factory=list)  # (name, lon, lat)
    place: str = "department"  # what error lines call a department (a map world's own word)
    events: list[DayEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        from uprising.data.peru_data import department_index

        sim, lat = self.sim, self.sim.world.lattice
        if lat.cell_km is None:
            raise ScenarioError("dynamics: need a map world (world.kind: peru or map), not the torus")
        if not sim.config.synchronous:
            raise ScenarioError("dynamics: need run.schedule = synchronous")
        self.names = list(lat.department_names)
        self.n_dept = len(self.names)
        self.scale = float(sim.world.population_scale)
        self.adj = np.asarray(self.adjacency, dtype=bool)
        self._dept = lambda key: department_index(self.names, key, self.codes, self.place)
        frame = self.frame if self.frame is not None else LatticeFrame(lat)
        capitals = np.asarray(self.capitals_lonlat, float)
        cells = lat.cells
        inside = lat.department >= 0
        self.inside = inside.astype(np.bool_)
        self.road = np.zeros(cells, dtype=np.bool_)
        roads = road_cells(lat, frame, capitals, self.adj) if self.roads is None else self.roads
        self.road[on_regions(lat, [np.asarray(roads, np.int64)])] = True
        # The scenario's sites, then the world's own (a map folder's sites.csv).
        default_pull = Site.model_fields["attraction_people"].default
        self.sites = [(s.name, s.lon, s.lat, s.attraction_people) for s in self.cfg.sites] + [
            (name, lon, lat_, default_pull) for name, lon, lat_ in self.world_sites
        ]
        self.site_cell = site_cells(lat, frame, [(s[1], s[2]) for s in self.sites])
        self.site_names = [s[0] for s in self.sites]
        for i, (s, c) in enumerate(zip(self.cfg.sites, self.site_cell, strict=False)):
            if c < 0:
                raise ScenarioError(
                    f"dynamics.sites.{i} ({s.name}): lon {s.lon}, lat {s.lat} is outside the map's "
                    "departments (a site must fall on a cell of a department)"
                )
        self.capital_cell = capital_cells(lat, frame, capitals, sim.home)
        self.site = np.zeros(cells, dtype=np.bool_)
        self.site[self.site_cell[self.site_cell >= 0]] = True
        self.site_dept = np.unique(lat.department[self.site_cell[self.site_cell >= 0]])
        # Pull of each cell on travelling actives, in agents.
        self.pull = np.zeros(cells, dtype=np.float64)
        if self.cfg.blockades.enabled:
            self.pull[self.road] += self.cfg.blockades.road_bonus_people / self.scale
        for (_, _, _, attraction), c in zip(self.sites, self.site_cell, strict=True):
            if c >= 0:
                self.pull[c] += attraction / self.scale
        radius = self.cfg.travel.radius_km / float(lat.cell_km)
        self.spans = row_spans("euclidean", radius, lat.height, lat.width, False)
        # Supporters and participants per cell, kept on the lattice but written only where
        # supporters stand: `crowd_cells` (sorted) and `crowd_people` list this tick's.
        self.actives_here = np.zeros(cells, dtype=np.int64)
        self.participants_here = np.zeros(cells, dtype=np.int64)
        self.crowd_cells = np.zeros(0, dtype=np.int64)
        self.crowd_people = np.zeros(0, dtype=np.int64)
        self.barricades = np.zeros(0, dtype=np.int64)  # road cells held, crowd or not (sorted)
        hold = self.cfg.blockades.hold_half_life_days  # a left point's chance of being cleared a tick
        self.clear_chance = 1.0 - 0.5 ** (1.0 / (hold * self.ticks_per_day)) if hold is not None else 0.0
        self._found = np.zeros(min(cells, sim.world.citizens), dtype=np.int64)  # cells holding actives
        self.participants_dept = np.zeros(self.n_dept, dtype=np.int64)  # people, this tick
        self.day_peak = np.zeros(self.n_dept, dtype=np.int64)  # participants, today's peak
        self.fatigue = np.zeros(self.n_dept)  # days out that still weigh (`update_fatigue`)
        self.last_shock = np.full(self.n_dept, -np.inf)  # day of the last shock or death
        self.called = np.zeros(self.n_dept, dtype=bool)
        self.call_pull = np.zeros(self.n_dept)  # the strongest pull of the calls in force, 0-1
        self.emergency = np.zeros(self.n_dept, dtype=bool)
        self.p_today = np.ones(self.n_dept)
        self.marches: list[tuple[float, np.ndarray, np.ndarray]] = []  # (share, from, to) today
        # Travel's score (participants / scale + pull) is the pull wherever nobody stands, and
        # the lattice's lowest score is the lowest pull while some cell of it has no crowd.
        self.score = self.pull.copy()
        self.pull_min = float(self.pull.min())
        self.pull_min_cells = int(np.count_nonzero(self.pull == self.pull_min))
        self.best = np.arange(cells, dtype=np.int64)  # travel's best cell near each cell asked
        self._asked = np.zeros(cells, dtype=np.int64)  # the travel that last asked for each cell
        self._travels = 0
        self._movers = np.zeros(1024, dtype=np.int64)  # this tick's travellers (grown when short)
        self._moving = 0
        self.home_dept = sim.cell_dept[sim.home]
        # Legitimacy per cell is read on the cells where citizens live alone (their home's
        # levers, `Simulation.levers`): shocks drop it there, and the drops decay there only,
        # on the entries of `legitimacy_drop_cell` a shock has touched (`_shocked`, sorted).
        homes = np.zeros(cells, dtype=np.bool_)
        homes[sim.home] = True
        self.home_cells = np.flatnonzero(homes)
        self.home_cells_dept = lat.department[self.home_cells]
        self._shocked = np.zeros(0, dtype=np.int64)
        self._shocked_mask = np.zeros(sim.legitimacy_drop_cell.shape[0], dtype=np.bool_)
        self.population_dept = np.bincount(self.home_dept, minlength=self.n_dept).astype(np.float64)
        self.lethal_here = self._periphery(lat)
        delay = max(1, int(round(self.cfg.contagion.delay_days * self.ticks_per_day)))
        self.active_history: deque[np.ndarray] = deque(
            [np.zeros(self.n_dept, dtype=bool)] * delay, maxlen=delay
        )
        self.decay = 0.5 ** (1.0 / (self.cfg.legitimacy.half_life_days * self.ticks_per_day))
        # The lasting share of the drops (`LegitimacyFeedback.lasting_share`), kept apart so that
        # it decays at its own rate; the levers read the sum, in `legitimacy_drop(_cell)`.
        lg = self.cfg.legitimacy
        self.lasting = lg.lasting_share
        self.lasting_decay = 0.5 ** (1.0 / (lg.lasting_half_life_days * self.ticks_per_day))
        self.lasting_dept = np.zeros(self.n_dept) if self.lasting else None
        self.lasting_cell = np.zeros_like(sim.legitimacy_drop_cell) if self.lasting else None
        self.travel_mult = np.ones(self.n_dept)
        self.timeline = [(self.day_of(e.when), e) for e in self.cfg.timeline]
        # Which timeline event added each force (-1: the world's own police), so that the
        # forces of an emergency with a term leave when it ends.
        self.force_event = np.full(sim.cop_cell.shape[0], -1, dtype=np.int32)
        self.guard = np.zeros(sim.cop_cell.shape[0], dtype=np.bool_)  # soldiers posted at a site
        if self.cfg.forces.site_police_share > 0:
            self._post_site_police(self.cfg.forces.site_police_share)
        self.withdrawn: set[int] = set()
        self.deaths_so_far = 0
        self.scrutiny_tick: int | None = None  # tick of the last mass-casualty confrontation
        # Ticks that the forces on each cell have stood among a large crowd (`siege_growth`),
        # on the cells listed in `besieged` alone.
        self.siege_ticks = np.zeros(sim.cell_dept.shape[0], dtype=np.int32)
        self.besieged = np.zeros(0, dtype=np.int64)
        self.departments_active_by_day: list[int] = []
        for day, e in self.timeline:
            if isinstance(e, Call) and e.march_to not in ("", "capital", *self.site_names):
                try:
                    self._dept(e.march_to)
                except UprisingError:
                    raise ScenarioError(
                        f"dynamics.timeline (call on {e.when}): march_to {e.march_to!r}: unknown; expected "
                        f'"capital", a department ({", ".join(self.names)}) or a site '
                        f"({', '.join(self.site_names) or 'dynamics.sites is empty'})"
                    ) from None
            for key in e.departments:
                try:
                    self._dept(key)
                except UprisingError as err:
                    raise ScenarioError(f"dynamics.timeline ({e.kind} on {e.when}): {err}") from None
            if day < 0:
                raise ScenarioError(
                    f"dynamics.timeline: {e.kind} on {e.when} is before run.start_date {self.start_date}"
                )
        # What a tick reads of the timeline, looked up once: each event's departments, the
        # modifiers, the events of each day, and the deployments with a term.
        self.where = [self._targets(e.departments) for _, e in self.timeline]
        self.modifiers = [
            (start, e, self.where[i]) for i, (start, e) in enumerate(self.timeline) if isinstance(e, Modifier)
        ]
        self.on_day: dict[int, list[int]] = {}
        for i, (start, _) in enumerate(self.timeline):
            self.on_day.setdefault(start, []).append(i)
        self.terms = [
            i for i, (_, e) in enumerate(self.timeline) if isinstance(e, Deployment) and e.days is not None
        ]
        self.neighbours = self.adj.sum(axis=1)

    def _periphery(self, lat) -> np.ndarray | None:
        """What is left of the lethal share on each cell, by its distance from the seat of
        government (`Lethality.periphery`); None when the switch is off."""
        lt = self.cfg.lethality
        if lt.periphery == 0.0:
            return None
        if lt.periphery_seat:
            try:
                seat = self._dept(lt.periphery_seat)
            except UprisingError as err:
                raise ScenarioError(f"dynamics.lethality.periphery_seat: {err}") from None
        else:
            seat = int(np.argmax(self.population_dept))
        return periphery_on_lattice(lt, lat, self.capital_cell[seat])

    def day_of(self, when: date) -> int:
        return (when - self.start_date).days

    def _targets(self, departments: list[str]) -> np.ndarray:
        if not departments:
            return np.arange(self.n_dept)
        return np.array([self._dept(k) for k in departments], dtype=np.int64)

    # ---- before the engine ---------------------------------------------------------------
    def before_tick(self, tick: int) -> None:
        tpd = self.ticks_per_day
        day, first_of_day = (tick - 1) // tpd, (tick - 1) % tpd == 0
        sim = self.sim
        sim.reset_levers()  # as the model does before its hooks; also when the crisis is driven alone
        self.travel_mult[:] = 1.0
        if first_of_day:
            self._new_day(day)
        for start, e, where in self.modifiers:
            if start <= (tick - 1) / tpd < start + e.days:
                sim.threshold_dept[where] += e.threshold_shift
                sim.risk_mult_dept[where] *= e.risk_multiplier
                self.travel_mult[where] *= e.travel_multiplier
        # Events start and forces leave in the timeline's order (they write the same records).
        starting = self.on_day.get(day, []) if first_of_day else []
        for index in sorted({*starting, *self.terms}):
            start, e = self.timeline[index]
            if first_of_day and start == day:
                self._apply_event(tick, day, e, index)
            ends = isinstance(e, Deployment) and e.days is not None and (tick - 1) / tpd >= start + e.days
            if ends and index not in self.withdrawn:
                self._withdraw(day, e, index)
        active_then = self.active_history[0]
        if self.cfg.contagion.enabled:
            neighbours = self.neighbours
            share = np.where(
                neighbours > 0, (self.adj @ active_then.astype(np.float64)) / np.maximum(neighbours, 1), 0.0
            )
            sim.threshold_dept[:] -= self.cfg.contagion.strength * share
        if self.cfg.coordination.enabled:
            sim.risk_mult_dept[:] *= 1.0 - self.cfg.coordination.strength * self.active_history[-1].mean()
        if first_of_day:
            self._march(tick)
        # Only the day's participants travel (the probability of taking part scales the rate).
        self.travel_mult *= self.p_today
        if first_of_day and tick > 1:
            self._redeploy(tick)
        if first_of_day and self.institutions is not None:
            self._roll_calls(day)

    def _new_day(self, day: int) -> None:
        """Calls, emergencies and marches in force today; fatigue; the chance of taking part."""
        from datetime import timedelta

        if day > 0:
            out = self.day_peak >= self.cfg.participation.out_min_people
            self.fatigue = update_fatigue(self.cfg.participation, self.fatigue, out)
        self.day_peak[:] = 0
        self.called[:] = False
        self.call_pull[:] = 0.0
        self.emergency[:] = False
        self.marches = []
        default_half_life = self.cfg.participation.call_half_life_days
        for (start, e), where in zip(self.timeline, self.where, strict=True):
            if isinstance(e, Call) and start <= day < start + e.days:
                half_life = e.half_life_days if e.half_life_days is not None else default_half_life
                pull = call_pull(day - start, half_life)
                self.called[where] = True
                self.call_pull[where] = np.maximum(self.call_pull[where], pull)
                if e.march_to:
                    to = self._march_cells(e.march_to, where)
                    self.marches.append((e.march_share * pull, where, to))
            elif isinstance(e, Deployment) and start <= day and (e.days is None or day < start + e.days):
                self.emergency[where] |= e.emergency
            elif isinstance(e, LegitimacyShock) and start == day and e.size > 0:
                self.last_shock[where] = day
        today = self.start_date + timedelta(days=day)
        novelty = novelty_of(self.cfg.participation, day - self.last_shock)
        self.p_today = participation_probability(
            self.cfg.participation, self.call_pull, self.fatigue, today, novelty
        )

    def _march_cells(self, march_to: str, where: np.ndarray) -> np.ndarray:
        """The cell each marching department goes to: its own capital, a department's capital
        or a named site."""
        if march_to == "capital":
            return self.capital_cell[where]
        if march_to in self.site_names:
            return np.full(where.size, self.site_cell[self.site_names.index(march_to)])
        return np.full(where.size, self.capital_cell[self._dept(march_to)])

    def _march(self, tick: int) -> None:
        """Supporters of the departments a call marches from travel to its capital today."""
        if not self.marches:
            return
        sim = self.sim
        rng = keyed_generator(sim.seed, tick, STREAM_MARCH)
        supporters = np.flatnonzero(sim.state == ACTIVE)
        home_dept = self.home_dept[supporters]
        order = np.argsort(home_dept, kind="stable")  # each department's supporters in turn
        bounds = np.searchsorted(home_dept[order], np.arange(self.n_dept + 1))
        for share, where, to in self.marches:
            # The departments' draws in the order of `where`, one array: the same uniforms
            # as one draw per department.
            marching = to >= 0
            who = np.concatenate([order[bounds[d] : bounds[d + 1]] for d in where[marching]] or [order[:0]])
            goal = np.repeat(to[marching], [bounds[d + 1] - bounds[d] for d in where[marching]])
            going = rng.random(who.size) < share
            sim.cit_cell[supporters[who[going]]] = goal[going]

    def _roll_calls(self, day: int) -> None:
        """Congress votes the recorded motions of this date, in the context the run has made:
        protest = share of departments active on the busiest of the last 7 days, deaths so far."""
        from datetime import timedelta

        from uprising.institutions import ROLL_CALLS, context_on, simulate_roll_calls

        today = self.start_date + timedelta(days=day)
        recent = self.departments_active_by_day[-7:]
        intensity = max(recent, default=0) / self.n_dept
        for index, (name, motion) in enumerate(ROLL_CALLS.items()):
            if motion.date != today:
                continue
            context = context_on(today, protest_intensity=intensity, deaths=self.deaths_so_far)
            seed = int(self.sim.seed % (2**62)) + index
            calls = simulate_roll_calls(motion, self.institutions, context=context, runs=1, seed=seed)
            outcome = "passed" if bool(calls.passed[0]) else "failed"
            self.events.append(DayEvent(day, "vote", "", f"{name}: {outcome}", int(calls.yes[0])))

    def _apply_event(self, tick: int, day: int, e, index: int) -> None:
        sim = self.sim
        where = self.where[index]
        scope = ";".join(self.names[d] for d in where) if e.departments else ""
        if isinstance(e, LegitimacyShock):
            cell_ratio = sim.world.cell_alignment  # each cell's districts' share / national share
            if cell_ratio is None:
                ratio = np.maximum(self.alignment_pct[where], 0.0) / self.national_alignment_pct
                self._drop_dept(where, e.size * ratio**e.alignment)
            elif sim.world.citizen_side is None:
                cells = self.home_cells[np.isin(self.home_cells_dept, where)]
                self._drop_cells(cells, cell_shock_drop(e.size, cell_ratio[cells], e.alignment))
            else:
                cells = self.home_cells[np.isin(self.home_cells_dept, where)]
                ratio = cell_ratio[cells]
                for side, drop in enumerate(
                    side_shock_drop(e.size, ratio, e.alignment, self.national_alignment_pct)
                ):
                    self._drop_cells(side * cell_ratio.shape[0] + cells, drop)
            self.events.append(DayEvent(day, e.kind, scope, e.label or f"size {e.size:g}"))
        elif isinstance(e, Deployment):
            rng = keyed_generator(sim.seed, tick, STREAM_DEPLOY)
            for kind, people in ((FORCE_POLICE, e.police), (FORCE_MILITARY, e.military)):
                agents = int(round(people / self.scale))
                if agents == 0:
                    continue
                into = where
                if e.sites_only and kind == FORCE_MILITARY:
                    into = where[np.isin(where, self.site_dept)]
                    if into.size == 0:
                        continue
                weights = self.population_dept[into] / self.population_dept[into].sum()
                per_dept = rng.multinomial(agents, weights)
                for d, k in zip(into, per_dept, strict=True):
                    to_sites = e.to_sites if kind == FORCE_MILITARY else e.police_to_sites
                    self._add_forces(int(d), int(k), kind, rng, to_sites, index)
            self.events.append(
                DayEvent(day, e.kind, scope, e.label or f"police {e.police}, military {e.military}")
            )
        else:
            self.events.append(DayEvent(day, e.kind, scope, e.label or f"{e.days:g} days"))

    def _drop_dept(self, where, drop) -> None:
        """Lower legitimacy in departments `where` by `drop`, its lasting share kept apart."""
        self.sim.legitimacy_drop[where] += drop
        if self.lasting_dept is not None:
            self.lasting_dept[where] += self.lasting * drop

    def _drop_cells(self, entries: np.ndarray, drop) -> None:
        """Lower legitimacy on `entries` of `legitimacy_drop_cell` by `drop` (they decay from now)."""
        self.sim.legitimacy_drop_cell[entries] += drop
        if self.lasting_cell is not None:
            self.lasting_cell[entries] += self.lasting * drop
        self._touch(entries)

    def _decay_drops(self) -> None:
        """One tick of recovery: drops fall by `decay`, their lasting share by `lasting_decay`."""
        sim = self.sim
        sim.legitimacy_drop *= self.decay
        if self.lasting_dept is None:
            synchronous.scale_at(sim.legitimacy_drop_cell, self._shocked, self.decay)
            return
        # total' = fast part * decay + lasting * lasting_decay
        #        = total * decay + lasting * (lasting_decay - decay)
        gap = self.lasting_decay - self.decay
        sim.legitimacy_drop += gap * self.lasting_dept
        self.lasting_dept *= self.lasting_decay
        synchronous.decay_two_scales(
            sim.legitimacy_drop_cell, self.lasting_cell, self._shocked, self.decay, self.lasting_decay
        )

    def _touch(self, entries: np.ndarray) -> None:
        """Add `entries` of `legitimacy_drop_cell` to those whose drops decay (`_shocked`)."""
        self._shocked_mask[entries] = True
        self._shocked = np.flatnonzero(self._shocked_mask)

    def _add_forces(
        self, d: int, k: int, kind: int, rng: np.random.Generator, to_sites: bool, index: int
    ) -> None:
        if k <= 0:
            return
        sim, lat = self.sim, self.sim.world.lattice
        sites = [c for c in self.site_cell if c >= 0 and lat.department[c] == d]
        guards = bool(to_sites and sites)
        if guards:
            cells = rng.choice(np.array(sites), size=k)
        else:
            homes = sim.home[self.home_dept == d]
            cells = (
                rng.choice(homes, size=k) if homes.size else np.flatnonzero(lat.department == d)[:1].repeat(k)
            )
        sim.cop_cell = np.concatenate([sim.cop_cell, cells.astype(np.int32)])
        sim.cop_kind = np.concatenate([sim.cop_kind, np.full(k, kind, np.int8)])
        self.force_event = np.concatenate([self.force_event, np.full(k, index, np.int32)])
        self.guard = np.concatenate([self.guard, np.full(k, guards, np.bool_)])

    def _post_site_police(self, share: float) -> None:
        """Ordinary policing: a share of each department's own police guards its strategic sites
        from day 0 (spread over them), the rest stays where the world put it."""
        sim, lat = self.sim, self.sim.world.lattice
        rng = keyed_generator(sim.seed, 0, STREAM_DEPLOY)
        sites = self.site_cell[self.site_cell >= 0]
        police = np.flatnonzero(sim.cop_kind == FORCE_POLICE)
        police_dept = sim.cell_dept[sim.cop_cell[police]]
        for d in np.unique(lat.department[sites]):
            here = sites[lat.department[sites] == d]
            posted = police[(police_dept == d) & (rng.random(police.size) < share)]
            sim.cop_cell[posted] = rng.choice(here, size=posted.size).astype(sim.cop_cell.dtype)

    def _withdraw(self, day: int, e: Deployment, index: int) -> None:
        """The emergency's term is over: the forces it added leave, wherever they stand."""
        sim = self.sim
        stay = self.force_event != index
        sim.cop_cell, sim.cop_kind = sim.cop_cell[stay], sim.cop_kind[stay]
        self.force_event, self.guard = self.force_event[stay], self.guard[stay]
        self.withdrawn.add(index)
        where = self.where[index]
        scope = ";".join(self.names[d] for d in where) if e.departments else ""
        outcome = f"end of: {e.label}" if e.label else "forces leave"
        self.events.append(DayEvent(day, "withdrawal", scope, outcome))

    def _redeploy(self, tick: int) -> None:
        """A share of each department's forces moves to its crowds, in proportion to their size."""
        share = self.cfg.forces.redeploy_share
        if share <= 0:
            return
        sim = self.sim
        rng = keyed_generator(sim.seed, tick, STREAM_REDEPLOY)
        crowd_min = self.cfg.blockades.crowd_min_people / self.scale
        big = self.crowd_people >= max(crowd_min * self.scale, 1.0)
        crowd_cells, crowd_people = self.crowd_cells[big], self.crowd_people[big]
        if crowd_cells.size == 0:
            return
        crowd_dept = sim.cell_dept[crowd_cells]
        force_dept = sim.cell_dept[sim.cop_cell]
        moving = rng.random(sim.cop_cell.shape[0]) < share
        if self.cfg.forces.guards_hold_sites:
            moving &= ~self.guard
        # Department by department (in order), its moving forces each go to one of its crowds,
        # drawn as `rng.choice(cells, p=people / their sum)` would: one uniform each, all drawn
        # at once, against the cumulative shares.
        movers = np.flatnonzero(moving)
        mover_dept = force_dept[movers]
        by_dept = np.argsort(crowd_dept, kind="stable")
        crowd_cells, crowd_people = crowd_cells[by_dept], crowd_people[by_dept]
        crowd_dept = crowd_dept[by_dept]
        depts, first = np.unique(crowd_dept, return_index=True)
        ends = np.append(first[1:], crowd_dept.size)
        groups = [movers[mover_dept == d] for d in depts]
        uniform = rng.random(sum(who.size for who in groups))
        at = 0
        for who, lo, hi in zip(groups, first, ends, strict=True):
            if who.size == 0:
                continue
            weights = crowd_people[lo:hi].astype(np.float64)
            cdf = (weights / weights.sum()).cumsum()
            cdf /= cdf[-1]
            drawn = cdf.searchsorted(uniform[at : at + who.size], side="right")
            sim.cop_cell[who] = crowd_cells[lo:hi][drawn]
            at += who.size

    # ---- after the engine ----------------------------------------------------------------
    def _forces_on(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(police, soldiers) standing on each of the sorted `cells`, in agents."""
        sim = self.sim
        if cells.size == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        at = np.minimum(np.searchsorted(cells, sim.cop_cell), cells.size - 1)
        on = cells[at] == sim.cop_cell
        police = np.bincount(at[on & (sim.cop_kind == FORCE_POLICE)], minlength=cells.size)
        military = np.bincount(at[on & (sim.cop_kind == FORCE_MILITARY)], minlength=cells.size)
        return police.astype(np.int64), military.astype(np.int64)

    def _confrontations(
        self, tick: int, cells: np.ndarray, crowd: np.ndarray, deaths_rng: Callable[[], np.random.Generator]
    ) -> np.ndarray:
        """People killed this tick in confrontations, per department (each one an event), from
        the crowds of participants `crowd` on the sorted `cells` (draws from `deaths_rng()`)."""
        sim, lt = self.sim, self.cfg.lethality
        day = (tick - 1) // self.ticks_per_day
        killed = np.zeros(self.n_dept, dtype=np.int64)
        big = crowd >= lt.crowd_min_people
        cells, crowd = cells[big], crowd[big]
        if cells.size == 0:
            if lt.siege_growth > 0:
                self._siege(cells, cells)  # every siege is lifted
            return killed
        police, military = self._forces_on(cells)
        dept = sim.cell_dept[cells]
        rate = confrontation_rate(
            lt, police * self.scale, military * self.scale, crowd.astype(np.float64),
            self.site[cells], self.emergency[dept],
        )  # fmt: skip
        if lt.siege_growth > 0:
            held = (police > 0) & (military == 0) if lt.siege_forces == "police" else (police + military) > 0
            rate = rate * (1.0 + lt.siege_growth * self._siege(cells[held], cells))
        rng = deaths_rng()
        happened = rng.random(cells.size) < -np.expm1(-rate / self.ticks_per_day)
        if not happened.any():
            return killed
        where, army = cells[happened], military[happened] > 0
        since = None if self.scrutiny_tick is None else (tick - self.scrutiny_tick) / self.ticks_per_day
        restraint: float | np.ndarray = restraint_factor(lt, since)
        if self.lethal_here is not None:  # the periphery: fewer killings near the seat of government
            restraint = restraint * self.lethal_here[where]
        tolls = confrontation_tolls(rng, lt, army, restraint)
        np.add.at(killed, sim.cell_dept[where], tolls)
        names = {int(c): s[0] for s, c in zip(self.sites, self.site_cell, strict=True)}
        for c, toll, soldiers in zip(where, tolls, army, strict=True):
            place = names.get(int(c), "road" if self.road[c] else "street")
            forces = "army" if soldiers else "police"
            self.events.append(
                DayEvent(
                    day, "confrontation", self.names[sim.cell_dept[c]], f"{forces} at {place}: {toll} killed"
                )
            )
            if lt.restraint_depth > 0 and toll >= lt.restraint_min_toll:
                self.scrutiny_tick = tick  # from the next tick on, forces kill less
                self.events.append(DayEvent(day, "scrutiny", self.names[sim.cell_dept[c]], f"{toll} killed"))
        return killed

    def _siege(self, forced: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """Note this tick's besieged cells `forced` (sorted: forces among a large crowd) and
        return, for each of `cells`, the days its forces had stood so before this tick."""
        lifted = np.setdiff1d(self.besieged, forced, assume_unique=True)
        self.siege_ticks[lifted] = 0
        days = self.siege_ticks[cells] / self.ticks_per_day
        self.siege_ticks[forced] += 1
        self.besieged = forced
        return days

    def _participants(self, tick: int) -> tuple[np.ndarray, np.ndarray]:
        """The cells holding supporters now (sorted) and the day's participants on each (people).

        Only those cells are counted and drawn, in cell order, so the draws are those of a
        binomial per cell of the whole lattice; the lattice arrays are updated there alone. The
        same pass over the citizens lists this tick's travellers (`_travel` moves them) and
        sends the quiet ones away from home back home.
        """
        sim, cfg = self.sim, self.cfg.travel
        crowds.clear_cells(self.crowd_cells, self.actives_here, self.participants_here, self.score, self.pull)
        on = bool(cfg.enabled and cfg.rate > 0)
        travel = Travel(on, sim.seed, tick, float(cfg.rate), self.travel_mult, sim.cell_dept)
        lists = getattr(sim.stepper, "lists", None)  # the engine's, of the tick just stepped
        if lists is not None:
            n, moving = crowds.gather_listed(
                sim.citizens(), *lists, self.actives_here, self._found, travel, self._movers
            )
        else:
            n, moving = crowds.gather_and_draw_travellers(
                sim.citizens(), self.actives_here, self._found, travel, self._movers
            )
        if moving > self._movers.shape[0]:  # list them again, all: the same draws
            self._movers = np.zeros(2 * moving, dtype=np.int64)
            crowds.travellers(
                sim.seed, tick, sim.cit_cell, sim.home, sim.state, sim.jail,
                travel.rate, travel.rate_dept, travel.cell_dept, self._movers,
            )  # fmt: skip
        self._moving = moving
        cells = np.sort(self._found[:n])
        here = crowds.crowds_on(cells, self.actives_here, self.scale, self.p_today, sim.cell_dept)
        supporters, probability = here
        rng = keyed_generator(sim.seed, tick, STREAM_PARTICIPATION)
        people = participants_per_cell(rng, supporters, probability)
        self.participants_here[cells] = people
        self.crowd_cells, self.crowd_people = cells, people
        return cells, people

    def _travel(self, cells: np.ndarray, people: np.ndarray) -> None:
        """This tick's travellers (listed by `_participants`) move one hop toward the
        best-scoring cell near them: the most participants plus pull within the travel radius
        (`crowds`)."""
        sim, lat = self.sim, self.sim.world.lattice
        self.score[cells] = people / self.scale + self.pull[cells]
        crowded = int(np.count_nonzero(people))
        lowest = self.pull_min if crowded < self.pull_min_cells else float(self.score.min())
        self._travels += 1  # the scores changed: every cell's best is asked afresh
        crowds.move_to_best(
            self.score, lowest, lat.height, lat.width, self.spans, self.inside,
            sim.cit_cell, self._movers[: self._moving], self.best, self._asked, self._travels,
        )  # fmt: skip

    def _hold_road_points(self, tick: int, cells: np.ndarray, crowd_people: np.ndarray) -> np.ndarray:
        """Road points held per department when a point outlasts its crowd: a point with a crowd
        is held; one its crowd has left is cleared on each tick with the probability that halves
        the left points every `hold_half_life_days`."""
        min_people = self.cfg.blockades.crowd_min_people
        manned, left = crowds.road_points_left(cells, crowd_people, self.road, min_people, self.barricades)
        if left.size:
            rng = keyed_generator(self.sim.seed, tick, STREAM_BARRICADES)
            left = left[rng.random(left.size) >= self.clear_chance]
        held = np.zeros(self.n_dept, dtype=np.int64)
        self.barricades = crowds.merge_points(left, manned, self.sim.cell_dept, held)
        return held

    def after_tick(self, tick: int) -> tuple[np.ndarray, np.ndarray]:
        """(people killed this tick, road points held now), per department."""
        sim, cfg, tpd = self.sim, self.cfg, self.ticks_per_day
        day = (tick - 1) // tpd
        # Supporters on each cell, in people; the day's participants among them.
        cells, crowd_people = self._participants(tick)
        killed = np.zeros(self.n_dept, dtype=np.int64)
        # The deaths' generator, made on first use (most ticks draw nothing from it).
        rng = functools.cache(lambda: keyed_generator(sim.seed, tick, STREAM_DEATHS))
        # Road points held by a crowd, and the participants, per department.
        blockades = np.zeros(self.n_dept, dtype=np.int64)
        people = np.zeros(self.n_dept, dtype=np.int64)
        road = self.road if cfg.blockades.enabled else None
        crowds.crowd_tally(
            cells, crowd_people, sim.cell_dept, road, cfg.blockades.crowd_min_people, blockades, people
        )
        if road is not None and cfg.blockades.hold_half_life_days is not None:
            blockades = self._hold_road_points(tick, cells, crowd_people)
        if cfg.lethality.enabled:
            killed += self._confrontations(tick, cells, crowd_people, rng)
            if cfg.lethality.blockade_rate > 0 and blockades.any():
                killed += rng().poisson(cfg.lethality.blockade_rate * blockades / tpd)
        for d in np.flatnonzero(killed):
            self.events.append(DayEvent(day, "deaths", self.names[d], f"{int(killed[d])} killed"))
            self.last_shock[d] = day
        # Legitimacy: decay toward the base, then the feedback of this tick's repression.
        self._decay_drops()
        fb = cfg.legitimacy
        if fb.feedback and not killed.any():  # the same sum as below, with no deaths' terms
            self._drop_dept(slice(None), fb.arrest_local * (sim.arrests_by_dept * self.scale) / 1000.0)
        elif fb.feedback:
            arrested_people = sim.arrests_by_dept * self.scale
            self._drop_dept(
                slice(None),
                fb.death_local * killed
                + fb.death_neighbour * (self.adj @ killed)
                + fb.death_national * killed.sum()
                + fb.arrest_local * arrested_people / 1000.0,
            )
        self.participants_dept = people
        np.maximum(self.day_peak, self.participants_dept, out=self.day_peak)
        active_now = self.participants_dept >= cfg.active_department_people
        self.active_history.append(active_now)
        self.deaths_so_far += int(killed.sum())
        if (tick - 1) % tpd == 0:
            self.departments_active_by_day.append(0)
        self.departments_active_by_day[-1] = max(self.departments_active_by_day[-1], int(active_now.sum()))
        if cfg.travel.enabled and cfg.travel.rate > 0:
            self._travel(cells, crowd_people)
        return killed, blockades

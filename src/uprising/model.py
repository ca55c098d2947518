"""`Model`: one run of a scenario, stepped tick by tick, with hooks between the ticks.

This is the only run loop: `runner.run_scenario`, `uprising simulate`, the ensembles, the
calibration and the dashboard all advance a run through `Model.step`. A tick reads, in order:

    1. levers back to neutral (threshold shift 0, risk multiplier 1; legitimacy drops persist)
    2. every hook's `before_tick(model, tick)`, in the order of `model.hooks`: scheduled
       parameter changes, then the crisis dynamics (timeline, contagion, Congress), then the
       user's hooks
    3. the engine's step: decisions, arrests, moves (`Simulation.step`)
    4. every hook's `after_tick(model, tick)`, in the same order: the crisis's deaths,
       blockades, feedback and travel, then the user's hooks
    5. the record of the tick: counts by department for the daily table, and the reporters

A hook is any object with either method (`Hook` below); it changes the run only through the
model's levers (`set_parameter`, `shift_threshold`, `scale_risk`, `lower_legitimacy`) and
reads it through the read-only views (`counts`, `counts_by_department`, `active_per_cell`).

    from uprising import Model
    model = Model.from_scenario("epstein-2002", seed=1, citizens__legitimacy=0.7)
    model.step(10)
    model.counts()                       # {'quiescent': ..., 'active': ..., 'jailed': ...}
    output = model.run()                 # to the scenario's last tick: a RunOutput
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numba
import numpy as np
import polars as pl

from uprising import __version__
from uprising.engine import synchronous
from uprising.engine.rules import ACTIVE, JAILED, QUIET
from uprising.engine.simulation import Simulation
from uprising.engine.tally import forces_by_department, states_by_department
from uprising.engine.user_rules import RuleFunctions
from uprising.engine_params import build_simulation
from uprising.errors import ScenarioError, UprisingError
from uprising.recorder import Recorder, RunOutput
from uprising.recorder.output import EVENT_SCHEMA, TICK_COLUMNS, empty_events
from uprising.scenario.model import Ramp, Scenario, SetValue

if TYPE_CHECKING:
    from uprising.engine.lattice import World

Reporter = Callable[["Model"], float | int]


@runtime_checkable
class Hook(Protocol):
    """What the run loop calls between ticks; an object may define either method or both."""

    def before_tick(self, model: Model, tick: int) -> None:
        """Before the engine's step of `tick` (ticks count from 1)."""

    def after_tick(self, model: Model, tick: int) -> None:
        """After the engine's step of `tick`."""


class ScheduledChanges:
    """The scenario's `changes`: parameters set at a tick or ramped every so many ticks."""

    def __init__(self, changes: Sequence[SetValue | Ramp]) -> None:
        self.changes = list(changes)

    def before_tick(self, model: Model, tick: int) -> None:
        for change in self.changes:
            if isinstance(change, SetValue) and change.tick == tick:
                model.set_parameter(change.param, change.value)
            elif (
                isinstance(change, Ramp)
                and tick >= change.start
                and (tick - change.start) % change.every == 0
            ):
                current = model.parameter(change.param)
                new = current + change.step
                new = max(new, change.until) if change.step < 0 else min(new, change.until)
                if new != current:
                    model.set_parameter(change.param, new)


class CrisisHook:
    """The crisis dynamics of a map scenario (`uprising.dynamics.Crisis`) as a hook: its deaths
    and road blockades of each tick go to the model's record."""

    def __init__(self, crisis: Any) -> None:
        self.crisis = crisis

    def before_tick(self, model: Model, tick: int) -> None:
        self.crisis.before_tick(tick)

    def after_tick(self, model: Model, tick: int) -> None:
        killed, blockades = self.crisis.after_tick(tick)
        model.record_casualties(killed, blockades, self.crisis.participants_dept)


class Model:
    """One run of a scenario with one seed; see the module docstring for the tick.

    Args:
        scenario: a validated scenario (`uprising.scenario.load_scenario`).
        seed: the run's seed (default: the scenario's `run.seed`).
        world: a world already built for the scenario (default: built here).
        hooks: user hooks, called after the built-in ones in the order given.
        reporters: name -> function of the model, collected after every tick (`collect()`).
        rules: the user's own arrest-probability or activation rule (`RuleFunctions`).
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        world: World | None = None,
        hooks: Iterable[Any] = (),
        reporters: Mapping[str, Reporter] | None = None,
        rules: RuleFunctions | None = None,
    ) -> None:
        if seed is not None and seed != scenario.run.seed:
            scenario = scenario.model_copy(
                update={"run": scenario.run.model_copy(update={"seed": int(seed)})}
            )
        user_hooks = list(hooks)
        for hook in user_hooks:
            if not (
                callable(getattr(hook, "before_tick", None)) or callable(getattr(hook, "after_tick", None))
            ):
                raise UprisingError(f"hooks: {type(hook).__name__} has neither before_tick nor after_tick")
        self.scenario = scenario
        self._started = time.perf_counter()
        self.sim = build_simulation(scenario, world, rules)
        lat = self.sim.world.lattice
        self.departments = list(lat.department_names)
        self._n_dept = lat.departments
        self.crisis = _crisis(scenario, self.sim)
        self.hooks: list[Any] = []
        if scenario.changes:
            self.hooks.append(ScheduledChanges(scenario.changes))
        if self.crisis is not None:
            self.hooks.append(CrisisHook(self.crisis))
        self.hooks.extend(user_hooks)
        self.reporters = dict(reporters or {})
        if "tick" in self.reporters:
            raise UprisingError("reporters: 'tick' names the frame's tick column; choose another name")
        self._recorder = Recorder(
            self.departments, scenario.run.ticks_per_day, self.sim.world.population_scale
        )
        self._states = np.zeros((self._n_dept, 3), dtype=np.int64)
        self._killed = np.zeros(self._n_dept, dtype=np.int64)
        self._blockades = np.zeros(self._n_dept, dtype=np.int64)
        self._participants: np.ndarray | None = None
        self._ticks: list[tuple[int, ...]] = []
        self._reported: list[list[float]] = []
        self._active_cells = np.zeros(lat.cells, dtype=np.int32)
        self._first_tick_done = 0.0
        self._record()

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_scenario(
        cls,
        scenario: str | Scenario,
        seed: int | None = None,
        overrides: Mapping[str, Any] | Sequence[str] | None = None,
        hooks: Iterable[Any] = (),
        reporters: Mapping[str, Reporter] | None = None,
        rules: RuleFunctions | None = None,
        **keyword_overrides: Any,
    ) -> Model:
        """A model of a built-in scenario (by name), a YAML file (by path) or a `Scenario`.

        Overrides are dotted keys as for `--set`, given as a dict (`{"citizens.legitimacy":
        0.7}`), a list of `key=value` strings, or keywords with `__` for the dots
        (`citizens__legitimacy=0.7`).
        """
        from pydantic import ValidationError

        from uprising.scenario.loader import apply_overrides, format_validation_error, load_scenario

        pairs = _override_strings(overrides) + _override_strings(
            {key.replace("__", "."): value for key, value in keyword_overrides.items()}
        )
        if isinstance(scenario, Scenario):
            data = apply_overrides(scenario.model_dump(mode="json"), pairs, scenario.name)
            try:
                built = Scenario.model_validate(data)
            except ValidationError as err:
                raise ScenarioError(format_validation_error(scenario.name, err, Scenario)) from None
        else:
            built = load_scenario(scenario, pairs)
        return cls(built, seed=seed, hooks=hooks, reporters=reporters, rules=rules)

    # -- the loop ----------------------------------------------------------------------------
    @property
    def tick(self) -> int:
        """Ticks run so far (0 before the first step)."""
        return self.sim.tick

    @property
    def steps(self) -> int:
        """The scenario's last tick (`run.steps`)."""
        return self.scenario.run.steps

    def step(self, n: int = 1) -> None:
        """Run `n` ticks, each as the module docstring reads."""
        for _ in range(int(n)):
            tick = self.sim.tick + 1
            self.sim.reset_levers()
            for hook in self.hooks:
                before = getattr(hook, "before_tick", None)
                if before is not None:
                    before(self, tick)
            self.sim.step()
            for hook in self.hooks:
                after = getattr(hook, "after_tick", None)
                if after is not None:
                    after(self, tick)
            self._record()
            if tick == 1:
                self._first_tick_done = time.perf_counter()

    def run(
        self,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> RunOutput:
        """Step to the scenario's last tick and return the run's output.

        `progress(tick, steps)` is called after every tick; `should_stop()` is asked before
        every tick, and a True ends the run there (the output then holds the ticks run).
        """
        while self.sim.tick < self.steps:
            if should_stop is not None and should_stop():
                break
            self.step()
            if progress is not None:
                progress(self.sim.tick, self.steps)
        return self.output()

    # -- levers (for hooks) ------------------------------------------------------------------
    def parameter(self, name: str) -> float:
        """The current value of a run-time parameter (`legitimacy`, `threshold`, `cop_density`)."""
        return self.sim.parameter(name)

    def set_parameter(self, name: str, value: float) -> None:
        """Set a run-time parameter from the next engine step on (removing cops when
        `cop_density` falls)."""
        self.sim.set_parameter(name, value)

    def shift_threshold(self, amount: float, departments: Sequence[str] | None = None) -> None:
        """Add `amount` to the activation threshold for this tick (negative: easier to rebel)."""
        self._synchronous_lever("shift_threshold")
        self.sim.threshold_dept[self._where(departments)] += float(amount)

    def scale_risk(self, factor: float, departments: Sequence[str] | None = None) -> None:
        """Multiply the net risk citizens weigh for this tick (a curfew: > 1)."""
        self._synchronous_lever("scale_risk")
        if not factor >= 0:
            raise UprisingError(f"scale_risk: factor {factor!r} must be >= 0")
        self.sim.risk_mult_dept[self._where(departments)] *= float(factor)

    def lower_legitimacy(self, amount: float, departments: Sequence[str] | None = None) -> None:
        """Lower perceived legitimacy by `amount` from now on (the crisis's drops decay it)."""
        self._synchronous_lever("lower_legitimacy")
        self.sim.legitimacy_drop[self._where(departments)] += float(amount)

    def record_casualties(
        self, killed: np.ndarray, blockades: np.ndarray, participants: np.ndarray | None = None
    ) -> None:
        """Add this tick's people killed, set its road points held and people in the street
        (participants; None: every active), per department."""
        self._killed += np.asarray(killed, dtype=np.int64)
        np.maximum(self._blockades, np.asarray(blockades, dtype=np.int64), out=self._blockades)
        if participants is not None:
            self._participants = np.asarray(participants, dtype=np.int64)

    # -- read-only views ---------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Citizens by state now, in agents."""
        total = self._states.sum(axis=0)
        return {"quiescent": int(total[QUIET]), "active": int(total[ACTIVE]), "jailed": int(total[JAILED])}

    def counts_by_department(self) -> pl.DataFrame:
        """Citizens by state and department now, in agents."""
        return pl.DataFrame(
            {
                "department": self.departments,
                "quiescent": self._states[:, QUIET],
                "active": self._states[:, ACTIVE],
                "jailed": self._states[:, JAILED],
            }
        )

    def active_per_cell(self) -> np.ndarray:
        """Active citizens standing on each cell of the lattice now (read-only, row-major)."""
        sim = self.sim
        synchronous.count_per_cell(
            sim.cit_cell, sim.state, ACTIVE, self._active_cells, False, numba.get_num_threads()
        )
        view = self._active_cells.view()
        view.flags.writeable = False
        return view

    def site_states(self) -> np.ndarray:
        """What stands on each site now, as uint8[height, width]: 0 nobody, 1 a quiescent
        citizen, 2 an active one, 3 a prisoner kept on its site, 4 a cop (the last drawn wins
        where a map holds several agents on one cell)."""
        sim, lat = self.sim, self.sim.world.lattice
        codes = np.zeros(lat.cells, dtype=np.uint8)
        placed = sim.cit_cell >= 0
        codes[sim.cit_cell[placed]] = sim.state[placed].astype(np.uint8) + 1
        codes[sim.cop_cell[sim.cop_cell >= 0]] = 4
        return codes.reshape(lat.height, lat.width)

    def collect(self, pandas: bool = False) -> Any:
        """The reporters' values after every tick (tick 0 included), as a polars frame (or a
        pandas one), one column per reporter, like Mesa's `DataCollector`."""
        columns = {"tick": list(range(len(self._reported)))}
        for j, name in enumerate(self.reporters):
            columns[name] = [row[j] for row in self._reported]
        frame = pl.DataFrame(columns)
        return frame.to_pandas() if pandas else frame

    # -- output ------------------------------------------------------------------------------
    def output(self) -> RunOutput:
        """The run so far as a `RunOutput` (the daily table, events, and the tick series)."""
        from uprising.scenario.loader import scenario_hash

        scenario = self.scenario
        now = time.perf_counter()
        steady = now - self._first_tick_done if self._first_tick_done else 0.0
        return RunOutput(
            scenario=scenario.name,
            seed=scenario.run.seed,
            scenario_hash=scenario_hash(scenario),
            parameters=scenario.model_dump(mode="json"),
            version=__version__,
            seconds=now - self._started,
            departments=list(self.departments),
            daily=self._recorder.daily(),
            events=_events(self.crisis),
            population_scale=self.sim.world.population_scale,
            ticks_per_day=scenario.run.ticks_per_day,
            start_date=scenario.run.start_date.isoformat() if scenario.run.start_date else None,
            ticks=pl.DataFrame(self._ticks, schema=list(TICK_COLUMNS), orient="row"),
            steady_seconds=steady,
            citizens=int(self.sim.world.citizens),
        )

    # -- internals ---------------------------------------------------------------------------
    def _record(self) -> None:
        sim = self.sim
        states_by_department(sim.cit_cell, sim.home, sim.state.view(np.uint8), sim.cell_dept, self._states)
        forces = forces_by_department(sim.cop_cell, sim.cell_dept, self._n_dept)
        arrests = sim.arrests_by_dept.astype(np.int64) if sim.tick else np.zeros(self._n_dept, np.int64)
        self._recorder.record(
            sim.tick, self._states, arrests, self._killed, self._blockades, forces, self._participants
        )
        total = self._states.sum(axis=0)
        self._ticks.append(
            (sim.tick, int(total[QUIET]), int(total[ACTIVE]), int(total[JAILED]), int(arrests.sum()),
             int(sim.cop_cell.shape[0]))
        )  # fmt: skip
        if self.reporters:
            self._reported.append([reporter(self) for reporter in self.reporters.values()])
        self._killed[:] = 0
        self._blockades[:] = 0
        self._participants = None

    def _where(self, departments: Sequence[str] | None) -> np.ndarray:
        if departments is None:
            return np.arange(self._n_dept)
        index = {name: i for i, name in enumerate(self.departments)}
        unknown = [d for d in departments if d not in index]
        if unknown:
            raise UprisingError(
                f"departments: {unknown[0]!r} is not one of this world's ({', '.join(self.departments)})"
            )
        return np.array([index[d] for d in departments], dtype=np.int64)

    def _synchronous_lever(self, lever: str) -> None:
        if self.scenario.run.schedule != "synchronous":
            raise UprisingError(
                f"{lever}: levers act on the synchronous schedule; set run.schedule=synchronous"
            )


def simulate(scenario: Scenario, world: World | None = None, steps: int | None = None) -> RunOutput:
    """Build the world, run the scenario (`steps` ticks, default the scenario's), return its output."""
    if steps is not None and steps != scenario.run.steps:
        scenario = scenario.model_copy(update={"run": scenario.run.model_copy(update={"steps": int(steps)})})
    return Model(scenario, world=world).run()


def _override_strings(overrides: Mapping[str, Any] | Sequence[str] | None) -> list[str]:
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        # JSON is YAML, so every value reads back as the same number, string, list or bool.
        return [f"{key}={json.dumps(value)}" for key, value in overrides.items()]
    return [str(item) for item in overrides]


def _crisis(scenario: Scenario, sim: Simulation) -> Any:
    """The crisis dynamics of a map scenario, or None (the classic model). What it knows of the
    map (neighbours, capitals, roads, sites, the alignment of legitimacy shocks, the codes of
    regions) comes from the world's data: Peru's package, or a map world's folder."""
    if scenario.dynamics is None:
        return None
    from uprising.dynamics.crisis import Crisis
    from uprising.institutions.config import InstitutionsConfig
    from uprising.scenario.world import MapWorld

    if scenario.run.start_date is None:
        raise ScenarioError("run.start_date: a scenario with dynamics needs the date of day 0")
    common = dict(
        sim=sim,
        cfg=scenario.dynamics,
        start_date=scenario.run.start_date,
        ticks_per_day=scenario.run.ticks_per_day,
    )
    from uprising.dynamics.geography import roads_file_cells
    from uprising.world.build import map_world_of, run_calendar
    from uprising.world.map_world import crisis_geography

    cfg, source = map_world_of(scenario.world)
    geo = crisis_geography(cfg, run_calendar(scenario), source)
    lattice = sim.world.lattice
    if list(geo.layout.data.names) != list(lattice.department_names):
        raise ScenarioError("dynamics: the world's regions are not those of its data")
    institutions = scenario.institutions
    roads = geo.roads
    if not isinstance(scenario.world, MapWorld):  # Peru: Congress by default, a roads file optional
        institutions = institutions or InstitutionsConfig()
        roads_file = scenario.world.roads_geojson
        roads = None if roads_file is None else roads_file_cells(lattice, geo.layout, roads_file)
    return Crisis(
        **common,
        alignment_pct=geo.alignment_pct,
        national_alignment_pct=geo.national_alignment_pct,
        adjacency=geo.adjacency,
        capitals_lonlat=geo.capitals_lonlat,
        codes=geo.codes,
        institutions=institutions,
        # A lattice that carries its own geography (equirectangular) is its own frame, so that
        # the lines between capitals are drawn once per process (`road_cells`).
        frame=None if lattice.origin_lonlat is not None else geo.layout,
        roads=roads,
        world_sites=geo.sites,
        place=geo.layout.data.words[0],
    )


def _events(crisis: Any) -> pl.DataFrame:
    if crisis is None or not crisis.events:
        return empty_events()
    rows = [(e.day, e.kind, e.department, e.outcome, e.votes) for e in crisis.events]
    return pl.DataFrame(rows, schema=EVENT_SCHEMA, orient="row")


__all__ = ["CrisisHook", "Hook", "Model", "RuleFunctions", "ScheduledChanges", "simulate"]

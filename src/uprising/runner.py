"""Run one scenario with one seed from start to end: world, engine, dynamics, recorder.

`run_scenario` is what every layer above calls (the ensemble, the store, reports, the web):
it returns a `RunOutput` whose daily table is the contract of DESIGN.md section 3.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import polars as pl

from uprising import __version__
from uprising.engine.simulation import Simulation
from uprising.engine.tally import forces_by_department, states_by_department
from uprising.recorder import Recorder, RunOutput
from uprising.recorder.output import EVENT_SCHEMA, empty_events
from uprising.scenario.model import Scenario
from uprising.world.lattice import World


def run_scenario(
    scenario: Scenario,
    seed: int | None = None,
    world: World | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunOutput:
    """Run `scenario` (with `seed` instead of its own when given) and return its outputs.

    `progress(tick, steps)` is called after every tick.
    """
    from uprising.scenario.loader import scenario_hash

    if seed is not None and seed != scenario.run.seed:
        scenario = scenario.model_copy(update={"run": scenario.run.model_copy(update={"seed": int(seed)})})
    started = time.perf_counter()
    sim = Simulation(scenario, world)
    crisis = _crisis(scenario, sim)
    lat = sim.world.lattice
    n_dept = lat.departments
    names = list(lat.department_names)
    recorder = Recorder(names, scenario.run.ticks_per_day, sim.world.population_scale)
    states = np.zeros((n_dept, 3), dtype=np.int64)
    zero = np.zeros(n_dept, dtype=np.int64)

    def record(tick: int, arrests: np.ndarray, killed: np.ndarray, blockades: np.ndarray) -> None:
        states_by_department(sim.cit_cell, sim.home, sim.state.view(np.uint8), sim.cell_dept, states)
        forces = forces_by_department(sim.cop_cell, sim.cell_dept, n_dept)
        recorder.record(tick, states, arrests, killed, blockades, forces)

    record(0, zero, zero, zero)
    steps = scenario.run.steps
    for t in range(1, steps + 1):
        if crisis is not None:
            crisis.before_tick(t)
        sim.step()
        killed, blockades = (zero, zero) if crisis is None else crisis.after_tick(t)
        record(t, sim.arrests_by_dept.astype(np.int64), killed, blockades)
        if progress is not None:
            progress(t, steps)
    return RunOutput(
        scenario=scenario.name,
        seed=scenario.run.seed,
        scenario_hash=scenario_hash(scenario),
        parameters=scenario.model_dump(mode="json"),
        version=__version__,
        seconds=time.perf_counter() - started,
        departments=names,
        daily=recorder.daily(),
        events=_events(crisis),
        population_scale=sim.world.population_scale,
        ticks_per_day=scenario.run.ticks_per_day,
        start_date=scenario.run.start_date.isoformat() if scenario.run.start_date else None,
    )


def _crisis(scenario: Scenario, sim: Simulation):
    """The crisis dynamics of a map scenario, or None (the classic model)."""
    if scenario.dynamics is None:
        return None
    from uprising.dynamics.crisis import Crisis
    from uprising.dynamics.geography import adjacency_matrix
    from uprising.errors import ScenarioError
    from uprising.institutions.config import InstitutionsConfig
    from uprising.world.peru import load_peru_data

    if scenario.run.start_date is None:
        raise ScenarioError("run.start_date: a scenario with dynamics needs the date of day 0")
    data = load_peru_data()
    if list(data.names) != list(sim.world.lattice.department_names):
        raise ScenarioError("dynamics: the world's departments are not those of the Peru data")
    return Crisis(
        sim=sim,
        cfg=scenario.dynamics,
        start_date=scenario.run.start_date,
        ticks_per_day=scenario.run.ticks_per_day,
        castillo_pct=data.castillo_pct,
        national_castillo_pct=data.national_castillo_pct,
        adjacency=adjacency_matrix(list(data.ubigeo)),
        capitals_lonlat=data.capital_lonlat,
        ubigeo=list(data.ubigeo),
        institutions=scenario.institutions or InstitutionsConfig(),
    )


def _events(crisis) -> pl.DataFrame:
    if crisis is None or not crisis.events:
        return empty_events()
    rows = [(e.day, e.kind, e.department, e.outcome, e.votes) for e in crisis.events]
    return pl.DataFrame(rows, schema=EVENT_SCHEMA, orient="row")

"""Run one scenario with one seed from start to end: world, engine, dynamics, recorder.

`run_scenario` is what every layer above calls (the ensemble, the store, reports, the web):
it returns a `RunOutput` whose daily table is the contract of DESIGN.md section 3.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from uprising import __version__
from uprising.engine.simulation import Simulation
from uprising.engine.tally import forces_by_department, states_by_department
from uprising.recorder import Recorder, RunOutput
from uprising.recorder.output import empty_events
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
        sim.step()
        record(t, sim.arrests_by_dept.astype(np.int64), zero, zero)
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
        events=empty_events(),
        population_scale=sim.world.population_scale,
        ticks_per_day=scenario.run.ticks_per_day,
        start_date=scenario.run.start_date.isoformat() if scenario.run.start_date else None,
    )

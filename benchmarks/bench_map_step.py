"""The engine's step of a map over its occupied cells against the step over every cell.

`peru-2022` at a scale is run to a tick with its crisis, then that tick's step is timed again
and again from the same state with each stepper in turn (`OccupiedMapStepper`, `MapStepper`),
on one numba thread, so both see the same citizens and the same machine load. Both give the
same run (tests/engine/test_occupied_map.py); this prints how long each takes.

Run: python benchmarks/bench_map_step.py [--scale 1000] [--tick 40] [--rounds 200]
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from uprising.engine.steppers import MapStepper, OccupiedMapStepper
from uprising.model import Model
from uprising.scenario.loader import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1000, help="people per agent")
    parser.add_argument("--tick", type=int, default=40, help="ticks run before the timed one")
    parser.add_argument("--rounds", type=int, default=200, help="timed steps of each stepper")
    args = parser.parse_args()
    numba.set_num_threads(1)
    scenario = load_scenario("peru-2022", [f"world.population_scale={args.scale}", "run.steps=100"])
    model = Model(scenario, seed=3)
    model.step(args.tick)
    sim = model.sim
    steppers = {"occupied": OccupiedMapStepper(sim), "every cell": MapStepper(sim)}
    kept = sim.state.copy(), sim.jail.copy(), sim.cit_cell.copy()
    spent: dict[str, list[float]] = {name: [] for name in steppers}
    for _ in range(args.rounds):
        for name, stepper in steppers.items():
            started = time.perf_counter()
            stepper.step(sim)
            spent[name].append(time.perf_counter() - started)
            sim.state[:], sim.jail[:], sim.cit_cell[:] = kept
    cells = sim.world.lattice.cells
    print(f"peru-2022 at 1:{args.scale}, tick {args.tick + 1}: {sim.world.citizens} citizens, {cells} cells")
    for name, times in spent.items():
        print(f"{name:<12} min {1e3 * min(times):.2f} ms, median {1e3 * np.median(times):.2f} ms")
    ratio = np.median(spent["every cell"]) / np.median(spent["occupied"])
    print(f"every cell / occupied (medians): {ratio:.2f}")


if __name__ == "__main__":
    main()

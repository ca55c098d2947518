"""Our engine's throughput on Mesa's example parameters, at any size and in either schedule."""

from __future__ import annotations

import time

from uprising.engine_params import build_simulation
from uprising.scenario import load_scenario


def ours_citizen_updates_per_second(
    width: int, height: int, steps: int, schedule: str, seed: int = 1
) -> dict[str, object]:
    """Build Mesa's default scenario at the given size, warm up, time `steps` ticks.

    The warm-up is one tick, which loads the compiled kernels, and, where the engine chooses its
    thread count (the synchronous schedule on several threads), the rest of the first trial of
    one thread against all (up to 5 ticks), so that the timed ticks are those of the run's
    choice: a 20-tick window at 1000 x 1000 held 3 of the trial's one-thread ticks.

    Bytes per agent are those of every array the run holds (per agent and per cell) over its
    agents, from `Simulation.bytes_per_agent`.
    """
    sc = load_scenario(
        "epstein-2002",
        [f"world.width={width}", f"world.height={height}", f"run.schedule={schedule}",
         f"run.seed={seed}"],
    )  # fmt: skip
    sim = build_simulation(sc)
    sim.step()  # loads the compiled kernels
    while sim.thread_choice.choice is None and sim.thread_choice.trial:
        sim.step()  # ends the first trial of the thread count (`engine.threads`), where there is one
    start = time.perf_counter()
    for _ in range(steps):
        sim.step()
    seconds = time.perf_counter() - start
    return {
        "peer": "uprising",
        "schedule": schedule,
        "width": width,
        "height": height,
        "citizens": sim.world.citizens,
        "cops": sim.world.cops,
        "steps": steps,
        "warm_up_ticks": sim.tick - steps,
        "seconds": seconds,
        "citizen_updates_per_s": sim.world.citizens * steps / seconds,
        "bytes_per_agent": sim.bytes_per_agent(),
    }

"""Our engine's throughput on Mesa's example parameters, at any size and in either schedule."""

from __future__ import annotations

import resource
import time

from uprising.engine import Simulation
from uprising.scenario import load_scenario


def _rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def ours_citizen_updates_per_second(
    width: int, height: int, steps: int, schedule: str, seed: int = 1
) -> dict[str, object]:
    """Build Mesa's default scenario at the given size, warm up one tick, time `steps` ticks."""
    rss0 = _rss_bytes()
    sc = load_scenario(
        "epstein-2002",
        [f"world.width={width}", f"world.height={height}", f"run.schedule={schedule}",
         f"run.seed={seed}"],
    )  # fmt: skip
    sim = Simulation(sc)
    sim.step()  # loads the compiled kernels
    start = time.perf_counter()
    for _ in range(steps):
        sim.step()
    seconds = time.perf_counter() - start
    agents = sim.world.citizens + sim.world.cops
    grown = max(_rss_bytes() - rss0, 0)
    return {
        "peer": "uprising",
        "schedule": schedule,
        "width": width,
        "height": height,
        "citizens": sim.world.citizens,
        "cops": sim.world.cops,
        "steps": steps,
        "seconds": seconds,
        "citizen_updates_per_s": sim.world.citizens * steps / seconds,
        "peak_rss_growth_bytes_per_agent": grown / agents,
    }

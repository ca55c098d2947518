"""The caps a server puts on runs started from the web, and the agent estimate they are checked on.

A request is refused before anything is built when its world would hold more agents than
`max_agents` or its run would take more ticks than `max_ticks`: one request cannot exhaust
the machine that serves everybody else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from uprising.errors import UprisingError
from uprising.scenario.model import Scenario, TorusWorld

DEFAULT_MAX_AGENTS = 400_000
DEFAULT_MAX_TICKS = 2_000


class RequestTooLarge(UprisingError):
    """A run request above the server's caps (the API answers it with HTTP 413)."""


@dataclass(frozen=True)
class ServerLimits:
    """The most agents and ticks one run started from the web may have."""

    max_agents: int = DEFAULT_MAX_AGENTS
    max_ticks: int = DEFAULT_MAX_TICKS

    def __post_init__(self) -> None:
        if not 1 <= self.max_agents <= 1_000_000_000:
            raise UprisingError(f"--max-agents {self.max_agents}: must be in [1, 1000000000]")
        if not 1 <= self.max_ticks <= 10_000_000:
            raise UprisingError(f"--max-ticks {self.max_ticks}: must be in [1, 10000000]")


@lru_cache(maxsize=1)
def _peru_population() -> tuple[int, ...]:
    """INEI's 2017 population of each department (regions.csv), read once."""
    from uprising.world.peru import load_peru_data

    return tuple(int(p) for p in load_peru_data().population)


def estimated_agents(scenario: Scenario) -> int:
    """The number of agents (citizens and forces) the scenario's world will hold, before building it.

    Exact for the map of Peru (the same rounding as the world builder), the expected count for
    the torus (its Bernoulli placement draws each site).
    """
    world = scenario.world
    if isinstance(world, TorusWorld):
        sites = world.width * world.height
        return round(sites * min(1.0, world.citizen_density + world.cop_density))
    import numpy as np

    from uprising.world.peru import police_count

    population = np.asarray(_peru_population(), dtype=np.int64)
    citizens = int(np.round(population / world.population_scale).sum())
    police = int(police_count(population, world.police_per_100k, world.population_scale).sum())
    military = round(sum(world.military_at_start.values()) / world.population_scale)
    return citizens + police + military


def check_request(scenario: Scenario, limits: ServerLimits) -> None:
    """Raise RequestTooLarge when the scenario's run is above the server's caps."""
    steps = scenario.run.steps
    if steps > limits.max_ticks:
        raise RequestTooLarge(
            f"run.steps = {steps}: above this server's cap of {limits.max_ticks:,} ticks "
            f"(allowed range [0, {limits.max_ticks}]; the server's --max-ticks)"
        )
    agents = estimated_agents(scenario)
    if agents > limits.max_agents:
        hint = (
            "raise world.population_scale"
            if not isinstance(scenario.world, TorusWorld)
            else "lower world.width, world.height or the densities"
        )
        raise RequestTooLarge(
            f"world: about {agents:,} agents, above this server's cap of {limits.max_agents:,} "
            f"(the server's --max-agents); {hint}"
        )

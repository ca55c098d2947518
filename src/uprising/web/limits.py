"""The caps a server puts on runs started from the web, and the estimates they are checked on.

A request is refused before anything is built when its world would hold more agents than
`max_agents`, its run would take more ticks than `max_ticks`, or its work would pass
`max_work`: one request cannot exhaust the machine that serves everybody else.

Work counts what a tick costs beyond its agents: every agent looks at the sites in its vision,
so a run's work is agents x ticks x (sites in the citizens' vision + sites in the cops'), in
agent-site visits, with visions clamped to the world as the engine clamps them (on the torus,
sites that wrap onto one another are one). Measured on 2 cores, a tick of the random-sequential
torus visits about 2.6e10 sites a second at visions of 50 and 100 sites (300 x 300 sites), so
the default cap of 1e12 is about 40 s of compute. One tick is also capped (`MAX_TICK_WORK`,
about 40 ms there): the engine holds the interpreter for a whole tick, and the server answers
other calls, and stops a run, only between ticks. Before the first tick the engine lays out
the (2 r + 1)^2 offsets of a vision of radius r in Python, whatever the world's size (1.8 s
at r = 1000): radii above `MAX_VISION_REACH` (0.1 s) are refused as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from uprising.errors import UprisingError
from uprising.scenario.model import Scenario, TorusWorld

DEFAULT_MAX_AGENTS = 400_000
DEFAULT_MAX_TICKS = 2_000
DEFAULT_MAX_WORK = 10**12
MAX_TICK_WORK = 10**9
MAX_VISION_REACH = 250  # sites (or cells of a map), the largest radius laid out


class RequestTooLarge(UprisingError):
    """A run request above the server's caps (the API answers it with HTTP 413)."""


@dataclass(frozen=True)
class ServerLimits:
    """The most agents, ticks and work (agent-site visits) one run started from the web may have."""

    max_agents: int = DEFAULT_MAX_AGENTS
    max_ticks: int = DEFAULT_MAX_TICKS
    max_work: int = DEFAULT_MAX_WORK

    def __post_init__(self) -> None:
        if not 1 <= self.max_agents <= 1_000_000_000:
            raise UprisingError(f"--max-agents {self.max_agents}: must be in [1, 1000000000]")
        if not 1 <= self.max_ticks <= 10_000_000:
            raise UprisingError(f"--max-ticks {self.max_ticks}: must be in [1, 10000000]")
        if not 1 <= self.max_work <= 10**18:
            raise UprisingError(f"--max-work {self.max_work}: must be in [1, 1000000000000000000]")


@lru_cache(maxsize=1)
def _peru_population() -> tuple[int, ...]:
    """INEI's 2017 population of each department (regions.csv), read once."""
    from uprising.data.peru_data import load_peru_data

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

    from uprising.data.peru_data import police_count

    population = np.asarray(_peru_population(), dtype=np.int64)
    citizens = int(np.round(population / world.population_scale).sum())
    police = int(police_count(population, world.police_per_100k, world.population_scale).sum())
    military = round(sum(world.military_at_start.values()) / world.population_scale)
    return citizens + police + military


def vision_reach(scenario: Scenario) -> tuple[float, float]:
    """The citizens' and the cops' vision radius in sites (cells of the map where given in km)."""
    world = scenario.world
    radii = []
    for section in (scenario.citizens, scenario.cops):
        radius = section.vision
        if not isinstance(world, TorusWorld) and section.vision_km is not None:
            radius = section.vision_km / world.resolution_km
        radii.append(radius)
    return radii[0], radii[1]


def vision_sites(scenario: Scenario) -> tuple[int, int]:
    """The sites in the citizens' and in the cops' vision (the centre included), as the engine sees them.

    On the torus a vision wider than the world wraps onto sites already seen, which count once
    (the engine merges them); on a map the whole shape counts, the map's edge unknown before building.
    """
    from uprising.engine_params import sites_in_vision

    world = scenario.world
    shape = scenario.rules.neighbourhood
    size = (world.height, world.width) if isinstance(world, TorusWorld) else None
    citizens, cops = (sites_in_vision(shape, radius, size) for radius in vision_reach(scenario))
    return citizens, cops


def estimated_work(scenario: Scenario) -> tuple[int, int]:
    """The work of one tick and of the whole run, in agent-site visits (module docstring)."""
    per_tick = estimated_agents(scenario) * sum(vision_sites(scenario))
    return per_tick, per_tick * scenario.run.steps


def _size_hint(scenario: Scenario) -> str:
    if isinstance(scenario.world, TorusWorld):
        return "lower world.width, world.height or the densities"
    return "raise world.population_scale"


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
        raise RequestTooLarge(
            f"world: about {agents:,} agents, above this server's cap of {limits.max_agents:,} "
            f"(the server's --max-agents); {_size_hint(scenario)}"
        )
    cit, cop = vision_sites(scenario)
    per_tick, work = estimated_work(scenario)
    visions = ", ".join(
        f"{name}.vision_km"
        if section.vision_km is not None and not isinstance(scenario.world, TorusWorld)
        else f"{name}.vision"
        for name, section in (("citizens", scenario.citizens), ("cops", scenario.cops))
    )
    sizes = f"about {agents:,} agents x ({cit:,} + {cop:,}) sites in vision ({visions})"
    if per_tick > MAX_TICK_WORK:
        raise RequestTooLarge(
            f"{visions}: {sizes} = {per_tick:.3g} site visits a tick, above the cap of "
            f"{MAX_TICK_WORK:.3g} a tick (the server answers between ticks); "
            f"lower the visions or {_size_hint(scenario).removeprefix('lower ')}"
        )
    if work > limits.max_work:
        raise RequestTooLarge(
            f"run.steps, {visions}: {sizes} x {steps:,} ticks = {work:.3g} site visits, above this "
            f"server's cap of {limits.max_work:.3g} (the server's --max-work); lower run.steps or the visions"
        )
    reach = max(vision_reach(scenario))
    if reach > MAX_VISION_REACH:
        raise RequestTooLarge(
            f"{visions}: a radius of {reach:g} sites; the engine lays out (2 r + 1)^2 offsets of a "
            f"vision before the first tick, so this server allows radii up to {MAX_VISION_REACH} sites"
        )

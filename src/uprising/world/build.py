"""Build the world a scenario names: the classic torus or the map of Peru, both a `World`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from uprising.engine.lattice import World
from uprising.scenario.world import PeruWorld

if TYPE_CHECKING:
    from uprising.scenario.model import Scenario
    from uprising.world.peru import PeruBuild


def build_world_with_details(
    scenario: Scenario, data_root: Path | None = None
) -> tuple[World, PeruBuild | None, float]:
    """(world, Peru build details or None for the torus, build seconds)."""
    import time

    started = time.perf_counter()
    if isinstance(scenario.world, PeruWorld):
        from uprising.world.peru import build_peru_world

        details = build_peru_world(scenario.world, scenario.run.seed, data_root)
        return details.world, details, details.seconds
    from uprising.world.classic import build_torus_world

    world = build_torus_world(scenario)
    return world, None, time.perf_counter() - started


def build_world(scenario: Scenario, data_root: Path | None = None) -> World:
    """The initial `World` of a scenario, from its `world:` section and `run.seed`."""
    return build_world_with_details(scenario, data_root)[0]

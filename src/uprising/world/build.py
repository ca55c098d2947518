"""Build the world a scenario names: the classic torus or a map world (from a data folder, or
Peru's, whose section is an alias of one), each a `World`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from uprising.engine.lattice import World
from uprising.scenario.world import MapWorld, PeruWorld

if TYPE_CHECKING:
    from uprising.scenario.model import Scenario
    from uprising.world.map_world import DataSource
    from uprising.world.peru import PeruBuild


def map_world_of(section: MapWorld | PeruWorld) -> tuple[MapWorld, DataSource | None]:
    """The map world a section stands for and where its data come from (None: its folder)."""
    if isinstance(section, MapWorld):
        return section, None
    from uprising.world.peru import peru_map_world, peru_source

    return peru_map_world(section), peru_source()


def build_world_with_details(
    scenario: Scenario, data_root: Path | None = None
) -> tuple[World, PeruBuild | None, float]:
    """(world, Peru build details or None for the other worlds, build seconds)."""
    import time

    started = time.perf_counter()
    if isinstance(scenario.world, MapWorld):
        from uprising.world.map_world import build_map_world

        built = build_map_world(scenario.world, scenario.run.seed, run_calendar(scenario))
        return built.world, None, built.seconds
    if isinstance(scenario.world, PeruWorld):
        from uprising.world.peru import build_peru_world

        details = build_peru_world(scenario.world, scenario.run.seed, data_root)
        return details.world, details, details.seconds
    from uprising.world.classic import build_torus_world

    world = build_torus_world(scenario)
    return world, None, time.perf_counter() - started


def run_calendar(scenario: Scenario) -> tuple[date, int] | None:
    """(day 0, days of the daily table) from `run`, or None without a start date."""
    run = scenario.run
    if run.start_date is None:
        return None
    return run.start_date, max(1, -(-run.steps // run.ticks_per_day))


def build_notes(scenario: Scenario) -> list[str]:
    """What a map world's build left to say (missing indicator figures, regions too small for a
    cell); empty for the other worlds, whose details carry their own."""
    if not isinstance(scenario.world, MapWorld):
        return []
    from uprising.world.map_world import build_map_world

    return build_map_world(scenario.world, scenario.run.seed, run_calendar(scenario)).notes


def build_world(scenario: Scenario, data_root: Path | None = None) -> World:
    """The initial `World` of a scenario, from its `world:` section and `run.seed`."""
    return build_world_with_details(scenario, data_root)[0]

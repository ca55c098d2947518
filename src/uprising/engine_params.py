"""From a scenario to the engine: its world built, its `EngineParams`, its `Simulation`.

The engine knows no scenario; this module, above it, reads the scenario's sections, turns
visions in km into cells on the world's lattice, checks the combinations the engine cannot
run (naming the scenario fields) and builds the world when none is given.
"""

from __future__ import annotations

from uprising.engine.lattice import Lattice, World
from uprising.engine.neighbourhood import row_spans
from uprising.engine.params import EngineParams, RuleSwitches
from uprising.engine.rules import ROUNDING_CODES
from uprising.engine.simulation import Simulation
from uprising.engine.user_rules import RuleFunctions
from uprising.errors import ScenarioError
from uprising.scenario.model import Scenario


def build_simulation(
    scenario: Scenario, world: World | None = None, rules: RuleFunctions | None = None
) -> Simulation:
    """The engine's state for one run of `scenario` on `world` (built here when None), with
    the user's rule functions `rules` where given.

    A world built here is the run's own: the run may take its arrays rather than copy them,
    and a synchronous torus recomputes its citizens' traits instead of storing them.
    """
    owned = world is None
    if world is None:
        world = build_run_world(scenario)
    return Simulation(world, engine_params(scenario, world.lattice), owned=owned, rules=rules)


def build_run_world(scenario: Scenario) -> World:
    """The world of one run: on the synchronous torus without stored traits."""
    if scenario.world.kind == "torus" and scenario.run.schedule == "synchronous":
        from uprising.world.classic import build_torus_world

        return build_torus_world(scenario, store_traits=False)
    from uprising.world.build import build_world

    return build_world(scenario)


def engine_params(scenario: Scenario, lattice: Lattice) -> EngineParams:
    """The engine's record of `scenario` on `lattice`, or a ScenarioError naming the field."""
    rules = scenario.rules
    if rules.cop_moves_to_arrestee and rules.jailed_keep_site:
        raise ScenarioError(
            "rules.cop_moves_to_arrestee: needs rules.jailed_keep_site = false "
            "(the arrestee's site must free up)"
        )
    if scenario.run.schedule == "random-sequential" and lattice.capacity != 1:
        raise ScenarioError(
            "run.schedule = random-sequential: needs a lattice of one agent per site; "
            "use synchronous on a map"
        )
    citizen_vision, cop_vision = vision_in_cells(scenario, lattice)
    return EngineParams(
        schedule=scenario.run.schedule,
        seed=scenario.run.seed,
        legitimacy=scenario.citizens.legitimacy,
        threshold=scenario.citizens.threshold,
        arrest_prob_constant=scenario.citizens.arrest_prob_constant,
        rounding=ROUNDING_CODES[rules.arrest_rounding],
        citizen_vision=citizen_vision,
        cop_vision=cop_vision,
        max_jail_term=scenario.cops.max_jail_term,
        rules=RuleSwitches(
            neighbourhood=rules.neighbourhood,
            active_counts_self_twice=rules.active_counts_self_twice,
            jail_term_inclusive=rules.jail_term_inclusive,
            jailed_keep_site=rules.jailed_keep_site,
            cop_moves_to_arrestee=rules.cop_moves_to_arrestee,
            movement=rules.movement,
            phased=rules.order == "phased",
            move_first=rules.move_first,
            move_tries=rules.move_tries,
        ),
        cop_density=getattr(scenario.world, "cop_density", None),
    )


def vision_in_cells(scenario: Scenario, lattice: Lattice) -> tuple[float, float]:
    """Vision radii in cells: `vision_km / cell_km` on a map when given, else `vision`."""
    out = []
    for section, name in ((scenario.citizens, "citizens"), (scenario.cops, "cops")):
        if section.vision_km is None:
            out.append(section.vision)
        elif lattice.cell_km is None:
            raise ScenarioError(f"{name}.vision_km: needs a map world; on the torus use {name}.vision")
        else:
            out.append(section.vision_km / lattice.cell_km)
    return out[0], out[1]


def sites_in_vision(shape: str, radius: float, torus_size: tuple[int, int] | None) -> int:
    """Sites in a vision of `radius` cells (the centre included), as the engine sees them: on a
    torus of (height, width) a vision wider than the world wraps onto sites already seen,
    which count once; on a map (None) the whole shape counts."""
    height, width = torus_size or (1, 1)
    torus = torus_size is not None
    spans = row_spans(shape, radius, height, width, torus)
    return sum(min(2 * int(w) + 1, width) if torus else 2 * int(w) + 1 for _, w in spans)

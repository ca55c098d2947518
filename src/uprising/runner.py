"""Run one scenario with one seed from start to end: the door every layer above goes through.

`run_scenario` is what the ensemble, the store, reports and the web call: it steps a
`uprising.model.Model` to the scenario's end and returns its `RunOutput`, whose daily table is
the contract of DESIGN.md section 3.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from uprising.model import Model
from uprising.recorder import RunOutput
from uprising.scenario.model import Scenario

if TYPE_CHECKING:
    from uprising.engine.lattice import World


def run_scenario(
    scenario: Scenario,
    seed: int | None = None,
    world: World | None = None,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RunOutput:
    """Run `scenario` (with `seed` instead of its own when given) and return its outputs.

    `progress(tick, steps)` is called after every tick; `should_stop()` before every tick, and
    a True ends the run early (the output then holds the ticks run).
    """
    return Model(scenario, seed=seed, world=world).run(progress=progress, should_stop=should_stop)

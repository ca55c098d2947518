"""The engine's parameters: a small typed record built from a scenario above the engine.

The engine reads nothing else of a scenario; `uprising.engine_params` builds this record
(visions already in cells, rounding as its code) and checks the combinations the engine
cannot run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleSwitches:
    """Where the paper, NetLogo and Mesa differ (`uprising.scenario.model.Rules`)."""

    neighbourhood: str = "von_neumann"  # euclidean | moore | von_neumann
    active_counts_self_twice: bool = False
    jail_term_inclusive: bool = True
    jailed_keep_site: bool = True
    cop_moves_to_arrestee: bool = False
    movement: bool = True
    phased: bool = False  # random-sequential: all move, then decide, then arrest
    move_first: bool = False
    move_tries: int = 16


@dataclass(frozen=True)
class EngineParams:
    """What one run's engine needs besides its world."""

    schedule: str  # random-sequential | synchronous
    seed: int
    legitimacy: float  # L at the start (hooks may change it between ticks)
    threshold: float  # T at the start
    arrest_prob_constant: float  # k in P = 1 - exp(-k C/A)
    rounding: int  # `uprising.engine.rules.ROUNDING_CODES` of C/A
    citizen_vision: float  # in cells
    cop_vision: float  # in cells
    max_jail_term: int | None  # None: jailed for life
    rules: RuleSwitches
    cop_density: float | None = None  # cops per cell at the start, where the world has one

    @property
    def synchronous(self) -> bool:
        return self.schedule == "synchronous"

"""The scenario: every parameter of a run, typed, documented and range-checked.

One definition drives validation, the CLI's `--set`, and the docs. Ranges sit in the fields
(`ge`, `le`), units and meaning in their descriptions. Each field that reproduces a way Mesa,
NetLogo or the paper departs from the others says so.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from uprising.dynamics.config import Dynamics
from uprising.institutions.config import InstitutionsConfig
from uprising.scenario.section import Section
from uprising.scenario.world import MapWorld, PeruWorld, TorusWorld


class Citizens(Section):
    """Epstein's citizens: grievance G = H (1 - L), active when G - R P > T."""

    legitimacy: float = Field(0.8, ge=0.0, le=1.0, description="L, perceived regime legitimacy")
    threshold: float = Field(0.1, ge=0.0, le=1.0, description="T, activation threshold")
    arrest_prob_constant: float = Field(
        2.3, ge=0.0, le=100.0, description="k in P = 1 - exp(-k C/A); 2.3 gives P = 0.9 at C = A = 1"
    )
    vision: float = Field(7.0, ge=0.0, le=1000.0, description="citizen vision radius, in sites")
    vision_km: float | None = Field(
        None, ge=0.0, le=500.0, description="on a map: vision radius in km (replaces `vision`)"
    )


class Cops(Section):
    vision: float = Field(7.0, ge=0.0, le=1000.0, description="cop vision radius, in sites")
    vision_km: float | None = Field(
        None, ge=0.0, le=500.0, description="on a map: vision radius in km (replaces `vision`)"
    )
    max_jail_term: int | None = Field(
        1000, ge=0, le=1_000_000, description="J_max in ticks; null means jailed for life (paper runs 3-5)"
    )


class Rules(Section):
    """The points where the paper, NetLogo and Mesa differ; each preset says which it uses."""

    arrest_rounding: Literal["literal", "floor", "round"] = Field(
        "round",
        description="C/A as written (paper), floor(C/A) (NetLogo), round-half-even(C/A) (Mesa)",
    )
    neighbourhood: Literal["euclidean", "moore", "von_neumann"] = Field(
        "von_neumann",
        description="vision shape: Euclidean disc (NetLogo in-radius), square, or diamond (Mesa)",
    )
    active_counts_self_twice: bool = Field(
        False, description="NetLogo: an active agent counts itself twice in A"
    )
    jail_term_inclusive: bool = Field(
        True, description="jail term drawn from 0..J_max (Mesa) instead of 0..J_max-1 (NetLogo)"
    )
    jailed_keep_site: bool = Field(
        True,
        description="a jailed citizen keeps blocking its site (Mesa); otherwise the site frees "
        "and the citizen returns to a random empty site on release (paper, NetLogo)",
    )
    cop_moves_to_arrestee: bool = Field(
        False, description="NetLogo: the arresting cop steps onto the arrestee's site"
    )
    movement: bool = Field(True, description="agents move to a random empty site in vision")
    order: Literal["interleaved", "phased"] = Field(
        "interleaved",
        description="random-sequential only: each agent in a random order moves then acts "
        "(paper, Mesa), or all move, then citizens decide, then cops arrest (NetLogo)",
    )
    move_first: bool = Field(
        False,
        description="interleaved order: each agent moves before it acts (the paper's text) "
        "instead of after (Mesa)",
    )
    move_tries: int = Field(
        16,
        ge=1,
        le=1024,
        description="synchronous only: random sites tried per move (rejection sampling of an "
        "empty site in vision; uniform over empty sites when one is found)",
    )


class Run(Section):
    steps: int = Field(200, ge=0, le=10_000_000, description="ticks to simulate")
    seed: int = Field(1, ge=0, le=2**63 - 1, description="seed of the counter-based generator")
    schedule: Literal["random-sequential", "synchronous"] = Field(
        "random-sequential",
        description="random-sequential: agents act one at a time in a new random order each "
        "tick (paper, Mesa); synchronous: all decide on the same snapshot, in parallel",
    )
    outburst_level: int = Field(
        50, ge=0, le=1_000_000_000, description="an outburst is an episode with more actives than this"
    )
    ticks_per_day: int = Field(
        1, ge=1, le=96, description="ticks in one day of the daily outputs (1 on the classic torus)"
    )
    start_date: date | None = Field(
        None, description="calendar date of day 0 (ISO, e.g. 2022-12-07); dated events need it"
    )


class SetValue(Section):
    """Set a parameter to a value at a given tick."""

    tick: int = Field(ge=0, le=10_000_000)
    param: Literal["legitimacy", "cop_density", "threshold"]
    value: float = Field(ge=0.0, le=1.0)


class Ramp(Section):
    """Change a parameter by `step` every `every` ticks from `start`, never past `until`."""

    start: int = Field(ge=0, le=10_000_000)
    param: Literal["legitimacy", "cop_density", "threshold"]
    step: float = Field(ge=-1.0, le=1.0)
    every: int = Field(1, ge=1, le=10_000_000)
    until: float = Field(ge=0.0, le=1.0)


Change = Annotated[SetValue | Ramp, Field(union_mode="left_to_right")]


def _world_kind(value: object) -> str:
    """The `kind` of a world section; a section without one is the classic torus."""
    if isinstance(value, dict):
        return str(value.get("kind", "torus"))
    return str(getattr(value, "kind", "torus"))


WorldSection = Annotated[
    Annotated[TorusWorld, Tag("torus")] | Annotated[PeruWorld, Tag("peru")] | Annotated[MapWorld, Tag("map")],
    Discriminator(_world_kind),
]


class Prior(Section):
    """A calibrated parameter: the uniform prior range searched and what it was tuned to."""

    low: float = Field(description="lower end of the prior range, in the parameter's units")
    high: float = Field(description="upper end of the prior range")
    target: str = Field("", description="the observed figure the value was tuned against")

    @model_validator(mode="after")
    def _ordered(self) -> Prior:
        if not self.low < self.high:
            raise ValueError(f"low = {self.low:g}, high = {self.high:g}: must have low < high")
        return self


class Scenario(Section):
    name: str = Field(description="short name, used in outputs")
    description: str = ""
    world: WorldSection = TorusWorld()
    institutions: InstitutionsConfig | None = Field(
        None, description="Congress, presidency and armed forces (defaults: the calibrated values)"
    )
    dynamics: Dynamics | None = Field(
        None, description="crisis dynamics on a map: timeline, legitimacy feedback, deaths, blockades"
    )
    citizens: Citizens = Citizens()
    cops: Cops = Cops()
    rules: Rules = Rules()
    run: Run = Run()
    changes: list[Change] = Field(default_factory=list, description="scheduled parameter changes")
    calibrated: dict[str, Prior] = Field(
        default_factory=dict,
        description="parameters tuned to data: dotted path (as for --set) -> prior and target",
    )
    sources: dict[str, str] = Field(
        default_factory=dict, description="where each parameter comes from: citation or 'calibrated: how'"
    )

    @field_validator("institutions")
    @classmethod
    def _legislature_of_peru_only(
        cls, value: InstitutionsConfig | None, info: ValidationInfo
    ) -> InstitutionsConfig | None:
        # The institutions' blocs, roll calls and events are Peru's data: on a map world they
        # would seat Peru's Congress in another country. A map world has no legislature.
        if value is not None and _world_kind(info.data.get("world")) == "map":
            raise ValueError(
                "Peru's Congress (its blocs and roll calls are Peru's data); a map world (world.kind: "
                "map) has no legislature: remove the section"
            )
        return value

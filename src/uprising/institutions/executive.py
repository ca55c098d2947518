"""The presidency and the armed forces: a decree dissolving Congress, and what follows it.

A decree outside Constitution art. 134 holds only if both the armed forces and the police obey
it; each obeys with its loyalty probability. A failed decree leads to a vacancy vote (held with
the self-coup in the context) and, when the vacancy passes, to the arrest of the ex-president
and a legitimacy shock for the protest model. Events follow the output contract of the run:
`day, kind, outcome, votes`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np

from uprising.institutions.config import InstitutionsConfig
from uprising.institutions.congress import make_rng, simulate_roll_calls
from uprising.institutions.context import context_on
from uprising.institutions.motions import KINDS, SELF_COUP


@dataclass(frozen=True)
class DecreeOutcome:
    holds: bool
    armed_forces_comply: bool
    police_comply: bool


@dataclass(frozen=True)
class InstitutionalEvent:
    """One institutional event of a run; `votes` is set for roll calls."""

    day: int
    kind: str
    outcome: str
    votes: dict[str, int] | None = None

    def as_row(self) -> dict[str, object]:
        return asdict(self)


def dissolution_decree(
    armed_forces_loyalty: float, police_loyalty: float, rng: np.random.Generator
) -> DecreeOutcome:
    """Whether a decree dissolving Congress holds: both forces must comply."""
    for name, p in (
        ("armed_forces_loyalty", armed_forces_loyalty),
        ("police_loyalty", police_loyalty),
    ):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{name} = {p}: must be in [0, 1]")
    armed_forces = bool(rng.random() < armed_forces_loyalty)
    police = bool(rng.random() < police_loyalty)
    return DecreeOutcome(armed_forces and police, armed_forces, police)


def self_coup_events(
    day: int,
    config: InstitutionsConfig | None = None,
    *,
    seed: int = 1,
    date: dt.date = SELF_COUP,
) -> list[InstitutionalEvent]:
    """The events that follow a decree dissolving Congress issued on timeline `day` (`date`)."""
    config = config or InstitutionsConfig()
    rng = make_rng(seed)
    decree = dissolution_decree(config.armed_forces_loyalty, config.police_loyalty, rng)
    if decree.holds:
        return [
            InstitutionalEvent(day, "dissolution_decree", "held"),
            InstitutionalEvent(day, "congress_dissolved", "armed forces and police comply"),
        ]
    refused = [
        name
        for name, ok in (
            ("armed forces", decree.armed_forces_comply),
            ("police", decree.police_comply),
        )
        if not ok
    ]
    events = [InstitutionalEvent(day, "dissolution_decree", f"failed: {' and '.join(refused)} refuse")]
    vote_day = day + config.decree_failure_delay_days
    vote_date = date + dt.timedelta(days=config.decree_failure_delay_days)
    roll_call = simulate_roll_calls(
        KINDS["vacancy"],
        config,
        date=vote_date,
        context=context_on(vote_date, self_coup=True),
        runs=1,
        seed=int(rng.integers(2**62)),
    )
    votes = {k: int(getattr(roll_call, k)[0]) for k in ("yes", "no", "abstain", "absent")}
    if not roll_call.passed[0]:
        events.append(InstitutionalEvent(vote_day, "vacancy_vote", "rejected", votes))
        return events
    events += [
        InstitutionalEvent(vote_day, "vacancy_vote", "approved", votes),
        InstitutionalEvent(vote_day, "arrest", "ex-president arrested"),
        InstitutionalEvent(vote_day, "legitimacy_shock", "vacancy"),
    ]
    return events

"""Institutions: Congress roll calls, the presidency and the armed forces.

Pure and fast: no engine, no map. Congress is 130 legislators in blocs whose latent stances
move with events; a roll call draws every vote at once for many runs (`simulate_roll_calls`).
`calibrate_congress` fits the stances to the recorded roll calls of 2021-2022; the executive
module turns a decree dissolving Congress into timeline events.
"""

from uprising.institutions.blocs import BLOCS, GROUP_OF, Composition, composition_on
from uprising.institutions.calibration import Calibration, calibrate_congress, calibration_table
from uprising.institutions.config import InstitutionsConfig
from uprising.institutions.congress import RollCalls, make_rng, simulate_roll_calls, stances
from uprising.institutions.context import RollCallContext, context_on
from uprising.institutions.counterfactuals import (
    PROTEST_LEVELS,
    early_elections_under_protest,
    vacancy_without_self_coup,
)
from uprising.institutions.executive import (
    DecreeOutcome,
    InstitutionalEvent,
    dissolution_decree,
    self_coup_events,
)
from uprising.institutions.motions import (
    KINDS,
    NOT_MODELLED,
    ROLL_CALLS,
    RULE_TEXT,
    Motion,
    passes,
    reform_ratified,
    reform_route,
    resolve_motion,
)
from uprising.institutions.records import RecordedVote, recorded_vote

__all__ = [
    "BLOCS",
    "GROUP_OF",
    "KINDS",
    "NOT_MODELLED",
    "PROTEST_LEVELS",
    "ROLL_CALLS",
    "RULE_TEXT",
    "Calibration",
    "Composition",
    "DecreeOutcome",
    "InstitutionalEvent",
    "InstitutionsConfig",
    "Motion",
    "RecordedVote",
    "RollCallContext",
    "RollCalls",
    "calibrate_congress",
    "calibration_table",
    "composition_on",
    "context_on",
    "dissolution_decree",
    "early_elections_under_protest",
    "make_rng",
    "passes",
    "recorded_vote",
    "reform_ratified",
    "reform_route",
    "resolve_motion",
    "self_coup_events",
    "simulate_roll_calls",
    "stances",
    "vacancy_without_self_coup",
]

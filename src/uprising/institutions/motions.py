"""Motions: what is voted, on which stance axis, and the rule that decides whether it passes.

Rules (Constitution and Reglamento del Congreso, as quoted in `peru/congress_votes.csv`,
column `threshold_rule`):

- vacancy of the president: 87 votes, two thirds of the legal number of 130 (Reglamento 89-A);
- admission of a vacancy motion: 40% of the sitting members, 52 of 130 (Reglamento 89-A);
- ordinary motions: simple majority of those present who vote, yes > no (abstentions do not count);
- reconsideration: more than half of the legal number, 66 (Reglamento art. 58);
- constitutional reform (Constitution art. 206): 87 in two successive ordinary legislatures, or
  66 followed by a referendum.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from uprising.errors import UprisingError
from uprising.institutions.blocs import LEGAL_NUMBER

Rule = Literal["vacancy", "admission", "simple_majority", "absolute_majority", "reform"]
Axis = Literal["vacancy", "early_elections"]

VACANCY_VOTES = math.ceil(2 * LEGAL_NUMBER / 3)  # 87
ABSOLUTE_MAJORITY = LEGAL_NUMBER // 2 + 1  # 66
ADMISSION_SHARE = 0.4
# Castillo's decree dissolving Congress (about 11:45) came before the 13:16 vacancy vote; any roll
# call dated 7 Dec 2022 or later follows it (peru/observed/events.csv, self_coup_attempt).
SELF_COUP = dt.date(2022, 12, 7)

RULE_TEXT = {
    "vacancy": f"{VACANCY_VOTES} of {LEGAL_NUMBER} (two thirds of the legal number)",
    "admission": "40% of the sitting members (52 of 130)",
    "simple_majority": "simple majority: yes > no among those present",
    "absolute_majority": f"{ABSOLUTE_MAJORITY} of {LEGAL_NUMBER} (more than half the legal number)",
    "reform": f"constitutional reform: {VACANCY_VOTES} in two successive legislatures, "
    f"or {ABSOLUTE_MAJORITY} plus a referendum",
}


def admission_votes(sitting: int) -> int:
    """Votes needed to admit a vacancy motion: 40% of the members able to vote, rounded up."""
    return math.ceil(ADMISSION_SHARE * sitting - 1e-9)


def passes(rule: Rule, yes: np.ndarray, no: np.ndarray, sitting: int = LEGAL_NUMBER) -> np.ndarray:
    """Whether each vote passes; for a reform, whether this vote counts toward the 87 route."""
    yes = np.asarray(yes)
    no = np.asarray(no)
    if rule in ("vacancy", "reform"):
        return yes >= VACANCY_VOTES
    if rule == "admission":
        return yes >= admission_votes(sitting)
    if rule == "simple_majority":
        return yes > no
    if rule == "absolute_majority":
        return yes >= ABSOLUTE_MAJORITY
    raise ValueError(f"unknown rule {rule!r}")


def reform_route(yes: int) -> str:
    """What a first vote on a reform opens: the 87 route, a referendum, or nothing."""
    if yes >= VACANCY_VOTES:
        return "two-legislatures"
    if yes >= ABSOLUTE_MAJORITY:
        return "referendum"
    return "fails"


def reform_ratified(first_yes: int, second_yes: int, referendum_approves: bool = False) -> bool:
    """A reform is law after 87 in two successive legislatures, or 66 and a referendum."""
    if first_yes >= VACANCY_VOTES and second_yes >= VACANCY_VOTES:
        return True
    return first_yes >= ABSOLUTE_MAJORITY and referendum_approves


@dataclass(frozen=True)
class Motion:
    """A kind of motion, or a recorded roll call when `date` is set."""

    name: str
    axis: Axis
    rule: Rule
    description: str
    admission: bool = False  # an early stage (admission, a motion short of removal): easier yes
    polarity: int = 1  # -1 when yes supports the president, or goes against early elections
    terms_2023: bool = False  # the early-elections bill of 16 Dec 2022 (elections in 2023)
    date: dt.date | None = None
    time: str | None = None
    fitted: bool = False  # used by calibrate_congress()


KINDS: dict[str, Motion] = {
    m.name: m
    for m in (
        Motion("vacancy", "vacancy", "vacancy", "vacancy of the president (permanent moral incapacity)"),
        Motion(
            "vacancy-admission",
            "vacancy",
            "admission",
            "admission of a vacancy motion to debate",
            admission=True,
        ),
        Motion(
            "motion-against-president",
            "vacancy",
            "simple_majority",
            "an ordinary motion against the president (e.g. urging resignation)",
            admission=True,
        ),
        Motion(
            "motion-for-president",
            "vacancy",
            "simple_majority",
            "an ordinary motion in the president's favour (e.g. a travel authorisation)",
            polarity=-1,
        ),
        Motion(
            "early-elections",
            "early_elections",
            "reform",
            "constitutional reform bringing general elections forward (elections April 2024)",
        ),
        Motion(
            "early-elections-2023",
            "early_elections",
            "reform",
            "constitutional reform bringing general elections forward (elections December 2023)",
            terms_2023=True,
        ),
        Motion(
            "early-elections-reconsideration",
            "early_elections",
            "absolute_majority",
            "reconsideration of a failed early-elections vote",
        ),
        Motion(
            "early-elections-agreement",
            "early_elections",
            "absolute_majority",
            "an agreement of the plenary letting early-elections bills be filed again in the session",
        ),
    )
}


def _recorded(
    name: str, kind: str, date: str, time: str, fitted: bool, description: str, **changes: object
) -> Motion:
    """A roll call of `congress_votes.csv` (date, time), voted as a motion of `kind`."""
    return replace(
        KINDS[kind],
        name=name,
        date=dt.date.fromisoformat(date),
        time=time,
        fitted=fitted,
        description=description,
        **changes,  # type: ignore[arg-type]
    )


# The roll calls of `peru/congress_votes.csv`, keyed by name. `fitted` ones calibrate the model;
# the others are predictions it is checked against (docs/institutions.md).
ROLL_CALLS: dict[str, Motion] = {
    m.name: m
    for m in (
        _recorded(
            "vacancy-admission-2021-12-07",
            "vacancy-admission",
            "2021-12-07",
            "19:46",
            True,
            description="admission of the 1st vacancy motion (Moción 1222)",
        ),
        _recorded(
            "vacancy-admission-2022-03-14",
            "vacancy-admission",
            "2022-03-14",
            "12:38",
            True,
            description="admission of the 2nd vacancy motion (Moción 2148)",
        ),
        _recorded(
            "vacancy-2022-03-28",
            "vacancy",
            "2022-03-28",
            "23:19",
            True,
            description="2nd vacancy motion (Moción 2148)",
        ),
        _recorded(
            "resign-motion-2022-04-07",
            "motion-against-president",
            "2022-04-07",
            "23:48",
            False,
            description="motion urging Castillo to resign (Moción 2323)",
        ),
        _recorded(
            "oversight-report-2022-07-15",
            "motion-against-president",
            "2022-07-15",
            "20:00",
            False,
            description="Fiscalización committee report on Castillo and Pacheco",
        ),
        _recorded(
            "travel-authorisation-2022-11-17",
            "motion-for-president",
            "2022-11-17",
            "17:17",
            False,
            description="authorisation for Castillo to travel to Mexico (PRL 3493)",
        ),
        _recorded(
            "vacancy-admission-2022-12-01",
            "vacancy-admission",
            "2022-12-01",
            "20:23",
            True,
            description="admission of the 3rd vacancy motion (Moción 4904)",
        ),
        _recorded(
            "vacancy-2022-12-07",
            "vacancy",
            "2022-12-07",
            "13:16",
            True,
            description="3rd vacancy motion, after the self-coup attempt",
        ),
        _recorded(
            "antejuicio-2022-12-12",
            "motion-against-president",
            "2022-12-12",
            "01:34",
            False,
            description="lifting ex-president Castillo's prerogative (antejuicio)",
        ),
        _recorded(
            "early-elections-2022-12-16",
            "early-elections-2023",
            "2022-12-16",
            "13:38",
            True,
            description="early-elections reform, elections Dec 2023 (bills 1897/1918)",
        ),
        _recorded(
            "early-elections-reconsideration-2022-12-20",
            "early-elections-reconsideration",
            "2022-12-20",
            "11:21",
            True,
            description="reconsideration of the 16 Dec early-elections vote",
        ),
        _recorded(
            "early-elections-2022-12-20",
            "early-elections",
            "2022-12-20",
            "18:46",
            True,
            description="early-elections reform, elections April 2024, first vote",
        ),
        # January-March 2023 (`congress_2023_votes.csv`): checks, never fitted by default. The
        # reforms and reconsiderations of January and February were about elections in 2023.
        _recorded(
            "early-elections-reconsideration-2023-01-27",
            "early-elections-reconsideration",
            "2023-01-27",
            "19:21",
            False,
            description="reconsideration of the 20 Dec 2022 reform vote, to move elections to 2023",
            terms_2023=True,
        ),
        _recorded(
            "early-elections-2023-01-28",
            "early-elections-2023",
            "2023-01-28",
            "00:08",
            False,
            description="early-elections reform, elections October 2023 (first vote)",
        ),
        _recorded(
            "early-elections-reconsideration-2023-01-30",
            "early-elections-reconsideration",
            "2023-01-30",
            "12:25",
            False,
            description="reconsideration of the 28 Jan 2023 reform vote",
            terms_2023=True,
        ),
        _recorded(
            "early-elections-2023-02-01",
            "early-elections-2023",
            "2023-02-01",
            "16:41",
            False,
            description="early-elections reform, new text, elections December 2023 (first vote)",
        ),
        _recorded(
            "early-elections-2023-02-02",
            "early-elections-2023",
            "2023-02-02",
            "20:36",
            False,
            description="minority report: elections July 2023 and a referendum on a constituent "
            "assembly (first vote)",
        ),
        _recorded(
            "early-elections-agreement-2023-02-17",
            "early-elections-agreement",
            "2023-02-17",
            "18:47",
            False,
            description="let early-elections reform bills be filed again in this annual session",
        ),
        _recorded(
            "early-elections-agreement-reconsideration-2023-03-03",
            "early-elections-reconsideration",
            "2023-03-03",
            "12:59",
            False,
            description="reconsideration of the 17 Feb 2023 agreement (yes: against early elections)",
            polarity=-1,
        ),
    )
}

# Recorded but not modelled: a vote on Congress's own prerogative, off the axis of stances
# toward the president (docs/institutions.md).
NOT_MODELLED = {
    "2022-11-26": "competence lawsuit against the Executive (98 / 10 / 4)",
    "2023-01-10": "confidence vote on the Otárola cabinet (73 / 43 / 6): Congress's stance toward "
    "the Boluarte government, one roll call, recorded by bloc but not a stance axis of the model",
}


def resolve_motion(name: str, date: dt.date | None) -> tuple[Motion, dt.date]:
    """The motion called `name` and the date to vote it on (its own date by default)."""
    motion = motion_named(name)
    if date is None:
        if motion.date is None:
            raise UprisingError(f"--date: required for the motion kind {name!r} (YYYY-MM-DD)")
        date = motion.date
    if motion.axis == "vacancy" and date > SELF_COUP and date != motion.date:
        raise UprisingError(
            f"--date {date.isoformat()}: motion {name} is about Castillo, president until "
            f"{SELF_COUP.isoformat()} (allowed range [2021-07-23, {SELF_COUP.isoformat()}]; "
            "stances toward his successor are not modelled)"
        )
    return motion, date


def motion_named(name: str) -> Motion:
    """A recorded roll call or a kind of motion, by name."""
    if name in ROLL_CALLS:
        return ROLL_CALLS[name]
    if name in KINDS:
        return KINDS[name]
    raise UprisingError(
        f"--motion {name!r}: unknown; see `uprising congress --list` (kinds: {', '.join(KINDS)})"
    )

"""Each motion passes by its own rule, exactly at the edge of its threshold."""

import numpy as np
import pytest

from uprising.institutions import ROLL_CALLS, passes, recorded_vote, reform_ratified, reform_route
from uprising.institutions.blocs import composition_on
from uprising.institutions.motions import admission_votes


def test_a_vacancy_needs_87_of_130():
    assert not passes("vacancy", np.array(86), np.array(0))
    assert passes("vacancy", np.array(87), np.array(43))


def test_admission_needs_40_percent_of_sitting_members():
    assert admission_votes(130) == 52
    assert admission_votes(129) == 52
    assert admission_votes(127) == 51
    assert not passes("admission", np.array(51), np.array(0), sitting=130)
    assert passes("admission", np.array(52), np.array(78), sitting=130)


def test_simple_majority_counts_yes_against_no_and_ignores_abstentions():
    assert not passes("simple_majority", np.array(50), np.array(50))
    assert passes("simple_majority", np.array(51), np.array(50))
    assert passes("simple_majority", np.array(30), np.array(29))  # with 70 abstaining or absent


def test_reconsideration_needs_more_than_half_the_legal_number():
    assert not passes("absolute_majority", np.array(65), np.array(0))
    assert passes("absolute_majority", np.array(66), np.array(64))


@pytest.mark.parametrize(
    ("yes", "route"),
    [(65, "fails"), (66, "referendum"), (86, "referendum"), (87, "two-legislatures")],
)
def test_a_reform_opens_the_87_route_or_the_referendum_route(yes, route):
    assert reform_route(yes) == route
    assert bool(passes("reform", np.array(yes), np.array(0))) == (route == "two-legislatures")


def test_a_reform_is_ratified_by_87_twice_or_66_and_a_referendum():
    assert reform_ratified(87, 87)
    assert not reform_ratified(87, 86)
    assert reform_ratified(70, 0, referendum_approves=True)
    assert not reform_ratified(70, 0, referendum_approves=False)
    assert not reform_ratified(65, 0, referendum_approves=True)


def test_the_rules_give_every_recorded_result():
    for motion in ROLL_CALLS.values():
        rec = recorded_vote(motion)
        sitting = composition_on(motion.date).sitting
        passed = bool(passes(motion.rule, np.array(rec.yes), np.array(rec.no), sitting))
        recorded_pass = rec.result.startswith(("approved", "admitted"))
        assert passed == recorded_pass, motion.name

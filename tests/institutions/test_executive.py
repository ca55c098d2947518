"""A decree dissolving Congress holds only if the armed forces and the police comply."""

import numpy as np
import pytest

from uprising.institutions import (
    InstitutionsConfig,
    dissolution_decree,
    make_rng,
    self_coup_events,
)


@pytest.mark.parametrize(
    ("armed_forces", "police", "holds"), [(1.0, 1.0, True), (0.0, 1.0, False), (1.0, 0.0, False)]
)
def test_the_decree_needs_both_forces(armed_forces, police, holds):
    outcome = dissolution_decree(armed_forces, police, make_rng(0))
    assert outcome.holds is holds
    assert outcome.armed_forces_comply is bool(armed_forces)
    assert outcome.police_comply is bool(police)


def test_the_decree_holds_with_the_product_of_the_loyalties():
    rng = make_rng(7)
    held = np.mean([dissolution_decree(0.6, 0.5, rng).holds for _ in range(4000)])
    assert abs(held - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 4000)


def test_loyalty_outside_0_1_is_refused():
    with pytest.raises(ValueError, match="police_loyalty"):
        dissolution_decree(0.5, 1.5, make_rng(0))


def test_a_failed_decree_leads_to_vacancy_arrest_and_a_legitimacy_shock():
    config = InstitutionsConfig(armed_forces_loyalty=0.0, police_loyalty=0.0)
    events = self_coup_events(4, config, seed=2)
    assert [e.kind for e in events] == [
        "dissolution_decree",
        "vacancy_vote",
        "arrest",
        "legitimacy_shock",
    ]
    assert events[0].outcome.startswith("failed")
    assert events[1].outcome == "approved" and events[1].votes["yes"] >= 87
    assert all(e.day == 4 for e in events)
    assert set(events[1].as_row()) == {"day", "kind", "outcome", "votes"}


def test_the_delay_moves_the_vote_and_the_arrest():
    config = InstitutionsConfig(armed_forces_loyalty=0.0, police_loyalty=0.0, decree_failure_delay_days=2)
    days = [e.day for e in self_coup_events(4, config, seed=2)]
    assert days == [4, 6, 6, 6]


def test_a_decree_that_holds_dissolves_congress_without_a_vote():
    config = InstitutionsConfig(armed_forces_loyalty=1.0, police_loyalty=1.0)
    events = self_coup_events(0, config, seed=2)
    assert [e.kind for e in events] == ["dissolution_decree", "congress_dissolved"]
    assert all(e.votes is None for e in events)


def test_the_same_seed_gives_the_same_events():
    assert self_coup_events(3, seed=9) == self_coup_events(3, seed=9)

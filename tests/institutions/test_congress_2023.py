"""Congress in January-March 2023: seats by date, the recorded motions, and the protest switch."""

import datetime as dt

import numpy as np

from uprising.institutions import ROLL_CALLS, InstitutionsConfig, composition_on, recorded_vote
from uprising.institutions.congress import simulate_roll_calls, stances
from uprising.institutions.context import context_on
from uprising.scenario.loader import load_scenario

MOTIONS_2023 = [m for m in ROLL_CALLS.values() if m.date is not None and m.date.year == 2023]


def test_seats_by_bloc_follow_the_2023_records():
    december = composition_on(dt.date(2022, 12, 20)).as_dict()
    by_date = {m.date: composition_on(m.date).as_dict() for m in MOTIONS_2023}
    assert all(set(seats) != set(december) for seats in by_date.values())  # a bloc left, one returned
    assert len({tuple(sorted(seats.items())) for seats in by_date.values()}) >= 3  # blocs changed
    for seats in (december, *by_date.values()):
        assert sum(seats.values()) == 130
    for motion in MOTIONS_2023:
        assert tuple(recorded_vote(motion).seats) == composition_on(motion.date).seats


def test_every_2023_motion_has_its_announced_totals_and_its_record_by_bloc():
    assert len(MOTIONS_2023) == 7
    announced = {m.name: recorded_vote(m) for m in MOTIONS_2023}
    october = announced["early-elections-2023-01-28"]
    assert (october.yes, october.no, october.abstain) == (45, 65, 2)
    assert announced["early-elections-2023-02-02"].yes == 48
    assert announced["early-elections-agreement-2023-02-17"].yes == 69
    for record in announced.values():
        assert record.yes_by_bloc.sum() == record.yes  # oral votes put on the record included
        assert record.seats.sum() == 130


def test_2023_motions_are_checks_not_fitted():
    assert not any(m.fitted for m in MOTIONS_2023)


def test_a_reconsideration_against_the_agreement_turns_the_stances_over():
    motion = ROLL_CALLS["early-elections-agreement-reconsideration-2023-03-03"]
    context = context_on(motion.date)
    agreement = ROLL_CALLS["early-elections-agreement-2023-02-17"]
    config = InstitutionsConfig()
    assert np.allclose(stances(config, motion, context), -stances(config, agreement, context))


def test_with_the_protest_switch_off_the_day_protest_does_not_move_the_votes():
    motion = ROLL_CALLS["early-elections-2023-01-28"]
    off = InstitutionsConfig(protest_response=False)
    calm = context_on(motion.date, protest_intensity=0.0, deaths=0)
    riot = context_on(motion.date, protest_intensity=1.0, deaths=500)
    assert np.array_equal(stances(off, motion, calm), stances(off, motion, riot))
    on = InstitutionsConfig()
    assert (stances(on, motion, riot) > stances(on, motion, calm)).all()


def test_off_means_the_december_reference_context():
    motion = ROLL_CALLS["early-elections-2022-12-20"]
    off = InstitutionsConfig(protest_response=False)
    a = simulate_roll_calls(motion, off, runs=200, seed=3)
    b = simulate_roll_calls(motion, InstitutionsConfig(), runs=200, seed=3)
    assert np.array_equal(a.yes, b.yes)  # 20 Dec 2022 is the reference vote


def test_peru_2022_23_carries_the_switch_and_votes_2023_motions_within_its_run():
    scenario = load_scenario("peru-2022-23")
    assert scenario.institutions is not None and scenario.institutions.protest_response
    start = scenario.run.start_date
    end = start + dt.timedelta(days=scenario.run.steps // scenario.run.ticks_per_day)
    assert all(start <= m.date < end for m in MOTIONS_2023)
    off = load_scenario("peru-2022-23", ["institutions.protest_response=false"])
    assert off.institutions.protest_response is False


def test_the_observed_2023_context_reads_the_2023_observations():
    before = context_on(dt.date(2023, 1, 28))
    assert before.deaths > context_on(dt.date(2022, 12, 31)).deaths
    assert before.protest_intensity > 0

"""Each event moves the stances of the blocs the way it should, and only on its own axis."""

import datetime as dt

import numpy as np

from uprising.institutions import BLOCS, KINDS, InstitutionsConfig, simulate_roll_calls, stances
from uprising.institutions.context import RollCallContext

CONFIG = InstitutionsConfig()
VACANCY = KINDS["vacancy"]
EARLY = KINDS["early-elections"]
CALM = RollCallContext(allegations=3, approval=0.26)


def moved(motion, **change):
    return stances(CONFIG, motion, CALM.model_copy(update=change)) - stances(CONFIG, motion, CALM)


def test_allegations_raise_support_for_removal_in_every_bloc():
    assert np.all(moved(VACANCY, allegations=7) > 0)
    assert np.all(moved(VACANCY, allegations=0) < 0)


def test_the_self_coup_raises_support_for_removal_most_on_the_left():
    shift = dict(zip(BLOCS, moved(VACANCY, self_coup=True), strict=True))
    assert all(v >= 0 for v in shift.values())
    assert shift["PL"] > shift["AP"] > 0
    assert shift["AP"] > shift["FP"]


def test_a_popular_president_is_harder_to_remove():
    assert np.all(moved(VACANCY, approval=0.5) < 0)


def test_protest_and_deaths_raise_support_for_early_elections():
    assert np.all(moved(EARLY, protest_intensity=0.8) > 0)
    assert np.all(moved(EARLY, deaths=50) > 0)


def test_events_stay_on_their_own_axis():
    assert np.allclose(moved(VACANCY, protest_intensity=0.8, deaths=50), 0)
    assert np.allclose(moved(EARLY, allegations=10, self_coup=True, approval=0.9), 0)


def test_for_a_motion_in_the_presidents_favour_allegations_lower_yes():
    assert np.all(moved(KINDS["motion-for-president"], allegations=7) < 0)


def test_the_december_2023_bill_is_harder_to_pass_than_the_april_2024_bill():
    d = stances(CONFIG, KINDS["early-elections-2023"], CALM) - stances(CONFIG, EARLY, CALM)
    assert np.all(d < 0)


def test_with_common_random_numbers_each_event_moves_the_yes_count_its_way():
    date = dt.date(2022, 12, 1)
    base = simulate_roll_calls(VACANCY, CONFIG, date=date, context=CALM, runs=400, seed=3)
    coup = simulate_roll_calls(
        VACANCY,
        CONFIG,
        date=date,
        context=CALM.model_copy(update={"self_coup": True}),
        runs=400,
        seed=3,
    )
    assert np.all(coup.yes >= base.yes)
    assert coup.yes.mean() > base.yes.mean() + 10

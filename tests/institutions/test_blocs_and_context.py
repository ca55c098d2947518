"""Bloc seats follow the records by date; the context of a roll call follows the sourced series."""

import datetime as dt

import pytest

from uprising.errors import UprisingError
from uprising.institutions import BLOCS, ROLL_CALLS, composition_on, context_on, recorded_vote
from uprising.institutions.blocs import LEGAL_NUMBER


def test_every_composition_seats_130():
    for day in ("2021-07-23", "2021-12-07", "2022-07-15", "2022-12-16", "2025-01-01"):
        assert sum(composition_on(dt.date.fromisoformat(day)).seats) == LEGAL_NUMBER


def test_the_installation_composition_holds_until_the_first_record():
    seats = composition_on(dt.date(2021, 8, 1)).as_dict()
    assert seats["PL"] == 37 and seats["FP"] == 24 and seats["NA"] == 3  # Partido Morado


def test_a_date_between_records_takes_the_nearest_earlier_record():
    assert composition_on(dt.date(2022, 12, 10)) == composition_on(dt.date(2022, 12, 7))
    assert composition_on(dt.date(2022, 12, 10)).record_date == dt.date(2022, 12, 7)
    assert composition_on(dt.date(2022, 3, 27)).record_date == dt.date(2022, 3, 14)


def test_each_roll_call_uses_the_seats_of_its_own_record():
    for motion in ROLL_CALLS.values():
        rec = recorded_vote(motion)
        assert tuple(rec.seats) == composition_on(motion.date).seats, motion.name


def test_juntos_por_el_peru_continues_as_cd_jpp():
    assert composition_on(dt.date(2021, 12, 7)).as_dict()["CD-JPP"] == 5
    assert "JP" not in BLOCS


def test_dates_outside_the_term_are_refused_with_the_range():
    with pytest.raises(UprisingError, match=r"allowed range \[2021-07-23, 2026-07-26\]"):
        composition_on(dt.date(2020, 1, 1))


def test_context_follows_the_sourced_timeline():
    dec21 = context_on(dt.date(2021, 12, 7))
    assert (dec21.allegations, dec21.self_coup, dec21.deaths) == (0, False, 0)
    assert dec21.approval == 0.25
    dec7 = context_on(dt.date(2022, 12, 7))
    assert dec7.allegations == 7 and dec7.self_coup and dec7.deaths == 0
    assert dec7.approval == 0.31
    dec16 = context_on(dt.date(2022, 12, 16))
    assert dec16.deaths == 22  # before the day of the vote; the retroactive death is left out
    assert dec16.protest_intensity == pytest.approx(13 / 25)
    assert context_on(dt.date(2022, 12, 20)).deaths == 27


def test_context_fields_can_be_overridden_and_are_validated():
    assert not context_on(dt.date(2022, 12, 7), self_coup=False).self_coup
    with pytest.raises(ValueError):
        context_on(dt.date(2022, 12, 7), protest_intensity=1.5)

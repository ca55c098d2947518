"""A share of every legitimacy drop that recovers over months (`legitimacy.lasting_share`)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.dynamics.test_crisis import DAY0, QUIET_DYNAMICS, TPD, crisis_for, run, scenario, three_departments
from uprising.dynamics.config import Dynamics, LegitimacyShock


def _drops(lasting_share: float, days: int) -> np.ndarray:
    shock = LegitimacyShock(when=DAY0, departments=["East"], size=0.1, alignment=0.0)
    legitimacy = {"feedback": False, "half_life_days": 2.0, "lasting_share": lasting_share}
    legitimacy["lasting_half_life_days"] = 60.0
    dyn = Dynamics(**{**QUIET_DYNAMICS, "legitimacy": legitimacy}, timeline=[shock])
    return np.array([r["drop"][2] for r in run(crisis_for(scenario(dyn), three_departments()), days * TPD)])


def test_the_lasting_share_of_a_drop_recovers_at_its_own_half_life():
    one, two = _drops(0.0, 20), _drops(0.4, 20)
    fast, slow = 0.5 ** (1 / (2.0 * TPD)), 0.5 ** (1 / (60.0 * TPD))
    for k in (0, TPD, 10 * TPD, 20 * TPD - 1):
        assert one[k] == pytest.approx(0.1 * fast ** (k + 1))
        assert two[k] == pytest.approx(0.06 * fast ** (k + 1) + 0.04 * slow ** (k + 1))
    # after ten fast half-lives the one-scale drop is gone, the lasting share nearly whole
    assert one[-1] < 0.001 < 0.03 < two[-1]


def test_without_a_lasting_share_scenarios_keep_their_hash():
    dumped = Dynamics().model_dump()["legitimacy"]
    assert "lasting_share" not in dumped and "lasting_half_life_days" not in dumped

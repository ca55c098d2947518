"""The user's own rules: numba functions compiled into the kernels of every schedule."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import uprising
from uprising.engine import rules
from uprising.errors import UprisingError
from uprising.model import RuleFunctions


@numba.njit
def never_active(hardship, legitimacy, risk_aversion, p_arrest, threshold):
    return False


def totals(schedule: str, functions: RuleFunctions | None = None, ticks: int = 10) -> np.ndarray:
    """(quiescent, active, jailed) after each tick of a small, restless torus."""
    overrides = {"world.width": 20, "world.height": 20, "run.schedule": schedule, "citizens.legitimacy": 0.7}
    m = uprising.Model.from_scenario("epstein-2002", seed=2, overrides=overrides, rules=functions)
    out = []
    for _ in range(ticks):
        m.step()
        out.append(m.sim.counts())
    return np.array(out)


def test_an_activation_rule_that_never_fires_leaves_no_one_active_or_jailed():
    counts = totals("random-sequential", RuleFunctions(wants_active=never_active))
    assert counts[:, 1].max() == 0 and counts[:, 2].max() == 0
    assert totals("random-sequential")[:, 1].max() > 0  # the built-in rule has actives here


def test_copies_of_the_built_in_rules_compiled_into_new_kernels_give_the_same_run():
    """The default is the built-in kernels; the same rules compiled afresh change nothing."""
    schedule = "synchronous"
    copies = RuleFunctions(
        arrest_probability=numba.njit(rules.arrest_probability.py_func),
        wants_active=numba.njit(rules.wants_active.py_func),
    )
    np.testing.assert_array_equal(totals(schedule, copies), totals(schedule))


def test_a_rule_that_is_not_a_numba_function_is_one_error_naming_the_signature():
    with pytest.raises(UprisingError, match=r"rules.arrest_probability: a numba.njit function \(cops"):
        RuleFunctions(arrest_probability=lambda cops, actives, k, rounding: 0.0)

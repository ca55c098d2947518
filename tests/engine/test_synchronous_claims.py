"""The synchronous schedule (the one every map runs) checked on its own, over seeds.

A paper claim that does not depend on agents acting in turn holds in it too. Where the two
schedules differ by design (fewer arrests: two cops may take the same active) the difference
is measured and documented in docs/model.md 7.2.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.engine.test_paper_claims import SEEDS, cop_near_and_far_rates

pytestmark = pytest.mark.statistical


def test_run1_actives_are_rarer_next_to_cops_in_the_synchronous_schedule():
    """'Deceptive behaviour' does not need agents to act in turn: it holds on a snapshot."""
    near, far = cop_near_and_far_rates(SEEDS[:10], "run.schedule=synchronous")
    assert np.mean(near < far) >= 0.9

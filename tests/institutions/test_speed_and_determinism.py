"""Roll calls are reproducible (their speed is measured in benchmarks/bench_congress.py)."""

import numpy as np

from uprising.institutions import ROLL_CALLS, simulate_roll_calls

DEC7 = ROLL_CALLS["vacancy-2022-12-07"]


def test_the_same_seed_gives_the_same_votes_and_another_seed_does_not():
    a = simulate_roll_calls(DEC7, runs=500, seed=4)
    b = simulate_roll_calls(DEC7, runs=500, seed=4)
    c = simulate_roll_calls(DEC7, runs=500, seed=5)
    assert np.array_equal(a.yes_by_bloc, b.yes_by_bloc)
    assert not np.array_equal(a.yes_by_bloc, c.yes_by_bloc)


def test_votes_add_up_to_the_seats_and_suspended_members_never_vote():
    r = simulate_roll_calls(DEC7, runs=300, seed=1)
    total = r.yes_by_bloc + r.no_by_bloc + r.abstain_by_bloc + r.absent_by_bloc
    assert np.all(total == np.array(r.composition.seats))
    assert np.all(r.absent >= sum(r.composition.suspended))
    assert np.all(r.yes + r.no + r.abstain <= r.composition.sitting)

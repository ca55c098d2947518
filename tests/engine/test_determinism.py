"""Same scenario and seed, same series: in both schedules, with one thread or two."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from uprising.model import simulate
from uprising.scenario import load_scenario


def run(schedule: str, seed: int, threads: int) -> dict[str, np.ndarray]:
    numba.set_num_threads(threads)
    try:
        sc = load_scenario("epstein-2002", [f"run.schedule={schedule}", f"run.seed={seed}",
                                            "run.steps=60", "citizens.legitimacy=0.7"])  # fmt: skip
        return simulate(sc).series
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)


@pytest.mark.parametrize("schedule", ["random-sequential", "synchronous"])
def test_same_seed_same_series_whatever_the_threads(schedule):
    # One thread against two needs two: numba allows no more threads than NUMBA_NUM_THREADS
    # (the cores, by default), and comparing one thread with one proves nothing.
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 numba threads; NUMBA_NUM_THREADS is 1 (set it to 2 to run this)")
    one = run(schedule, 3, 1)
    two = run(schedule, 3, 2)
    again = run(schedule, 3, 1)
    for key in one:
        np.testing.assert_array_equal(one[key], two[key])
        np.testing.assert_array_equal(one[key], again[key])


@pytest.mark.parametrize("schedule", ["random-sequential", "synchronous"])
def test_another_seed_gives_another_history(schedule):
    assert not np.array_equal(run(schedule, 3, 1)["active"], run(schedule, 4, 1)["active"])


def map_run(threads: int):
    from uprising.model import Model

    numba.set_num_threads(threads)
    try:
        model = Model(load_scenario("peru-2022", ["world.population_scale=1000"]), seed=5)
        model.sim.choose_threads = False  # every tick on `threads`, not on the quicker of 1 and all
        return model.run().daily
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)


def test_a_map_run_is_the_same_on_one_thread_and_two():
    # One thread lists the actives and the citizens away from home as the citizens decide, and
    # the crisis visits those lists; more threads pass over every citizen after the decisions.
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 numba threads; NUMBA_NUM_THREADS is 1 (set it to 2 to run this)")
    one, two = map_run(1), map_run(2)
    assert one["active"].sum() > 0
    assert one.equals(two)

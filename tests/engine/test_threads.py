"""Threads on a busy machine: work taken from a queue, and a thread count chosen by measure."""

from __future__ import annotations

import os
import subprocess
import sys

import numba
import numpy as np
import pytest
from numba import njit, prange

from uprising.engine import sites
from uprising.engine.threads import ONE_RECHECK_SECONDS, RECHECK_TICKS, SLOW_TICKS, TRIAL_TICKS, ThreadChoice
from uprising.engine.work_queue import new_queue, take
from uprising.engine_params import build_simulation
from uprising.scenario import load_scenario

two_threads = pytest.mark.skipif(
    numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 numba threads (NUMBA_NUM_THREADS=2)"
)


@njit(parallel=True)
def _take_all(items, hold):
    """Which thread took each item; the thread that takes item 0 spins `hold` rounds on it."""
    taker = np.full(items, -1, dtype=np.int64)
    spin = np.zeros(1, dtype=np.float64)
    queue = new_queue()
    for _ in prange(items):
        while True:
            item = take(queue)
            if item >= items:
                break
            if item == 0:
                for k in range(hold):
                    spin[0] += np.sqrt(float(k))
            taker[item] = numba.get_thread_id()
    return taker


def test_every_item_of_the_queue_is_taken_once():
    taker = _take_all(1000, 0)
    assert (taker >= 0).all()


@two_threads
def test_a_thread_held_up_on_one_item_leaves_the_rest_to_the_other():
    numba.set_num_threads(2)
    try:
        taker = _take_all(64, 50_000_000)
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    held = taker[0]
    # A fixed even split would leave items 1-31 to the held-up thread.
    assert np.count_nonzero(taker == held) < 32


def test_bands_are_several_per_thread_and_never_thinner_than_four_reaches():
    bounds = sites.bands_of(1000, 2, 7)
    assert bounds[0] == 0 and bounds[-1] == 1000
    assert bounds.shape[0] - 1 >= 8
    assert np.diff(bounds).min() >= 28


def choice_after(times: dict[int, float], ticks: int) -> list[int]:
    """The threads a ThreadChoice gives over `ticks` ticks when a tick on t threads takes times[t]."""
    choice, used = ThreadChoice(), []
    for _ in range(ticks):
        threads = choice.threads(2)
        choice.timed(threads, times[threads])
        used.append(threads)
    return used


def test_the_choice_keeps_one_thread_when_its_ticks_are_quicker():
    used = choice_after({1: 0.010, 2: 0.030}, 2 * TRIAL_TICKS + 50)
    assert used[: 2 * TRIAL_TICKS] == [2, 1] * TRIAL_TICKS
    assert set(used[2 * TRIAL_TICKS :]) == {1}


def test_the_choice_keeps_both_threads_when_theirs_are_quicker_and_tries_again_later():
    used = choice_after({1: 0.020, 2: 0.012}, 2 * TRIAL_TICKS + RECHECK_TICKS + 2)
    assert set(used[2 * TRIAL_TICKS : 2 * TRIAL_TICKS + RECHECK_TICKS]) == {2}
    assert used[-2:] == [2, 1]  # a new trial


def test_ticks_slower_than_the_trial_found_start_a_new_one():
    choice = ThreadChoice()
    for _ in range(TRIAL_TICKS):
        choice.timed(choice.threads(2), 0.010)
        choice.timed(choice.threads(2), 0.020)
    assert choice.threads(2) == 2
    for _ in range(SLOW_TICKS):
        choice.timed(2, 0.050)  # another program took a core
        choice.threads(2)
    assert choice.choice is None


def test_slow_ticks_on_one_thread_keep_the_choice_of_one():
    choice = ThreadChoice()
    for _ in range(TRIAL_TICKS):
        choice.timed(choice.threads(2), 0.030)
        choice.timed(choice.threads(2), 0.010)
    for _ in range(SLOW_TICKS + 2):
        assert choice.threads(2) == 1
        choice.timed(1, 0.050)  # a busier machine favours one thread all the more


def test_the_choice_never_passes_the_threads_allowed():
    choice = ThreadChoice()
    assert choice.threads(1) == 1


def test_a_run_choosing_its_threads_ends_as_one_on_fixed_threads_and_leaves_numba_as_it_was():
    sc = load_scenario(
        "epstein-2002",
        ["run.schedule=synchronous", "world.width=80", "world.height=80", "citizens.legitimacy=0.7"],
    )
    chosen, fixed = build_simulation(sc), build_simulation(sc)
    fixed.choose_threads = False
    before = numba.get_num_threads()
    for _ in range(2 * TRIAL_TICKS + 4):
        chosen.step()
        fixed.step()
        assert numba.get_num_threads() == before
    np.testing.assert_array_equal(chosen.state, fixed.state)
    np.testing.assert_array_equal(chosen.cit_cell, fixed.cit_cell)
    np.testing.assert_array_equal(chosen.cop_cell, fixed.cop_cell)


@pytest.mark.parametrize(("given", "expected"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_openmp_threads_wait_passively_unless_the_environment_says_otherwise(given, expected):
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given is not None:
        env["OMP_WAIT_POLICY"] = given
    code = "import os, uprising.engine; print(os.environ['OMP_WAIT_POLICY'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expected


def test_a_choice_of_one_thread_is_tried_again_after_a_second_and_then_less_often():
    # One thread wins while the machine is busy: its ticks (1/64 s, exact in binary) are held
    # for 1 s, then 2 s, then 4 s, which 200 ticks cut short.
    tick = 1 / 64
    choice, held, run = ThreadChoice(), [], 0
    for _ in range(2 * TRIAL_TICKS + 64 + 128 + 200 + 4 * 2 * TRIAL_TICKS):
        threads = choice.threads(2)
        if choice.choice is not None:  # a tick held on the choice
            run += 1
        elif run:  # the first tick of a trial
            held, run = [*held, run], 0
        choice.timed(threads, {1: tick, 2: 3 * tick}[threads])
    assert held[:3] == [int(ONE_RECHECK_SECONDS / tick), int(2 * ONE_RECHECK_SECONDS / tick), RECHECK_TICKS]


def test_a_machine_freed_while_one_thread_was_held_gets_both_back_within_a_second():
    choice, busy, used = ThreadChoice(), True, []
    for tick in range(2 * TRIAL_TICKS + 300):
        if tick == 2 * TRIAL_TICKS + 20:
            busy = False  # the other program ends
        times = {1: 0.010, 2: 0.030} if busy else {1: 0.010, 2: 0.005}
        threads = choice.threads(2)
        choice.timed(threads, times[threads])
        used.append(threads)
    freed = 2 * TRIAL_TICKS + 20
    back = next(i for i in range(freed, len(used)) if used[i : i + 5] == [2] * 5)
    assert back - freed <= int(ONE_RECHECK_SECONDS / 0.010) + 2 * TRIAL_TICKS
    assert set(used[back:]) == {2}

"""Threads on a shared machine: how they wait, and how many a run's ticks use.

A thread of numba's OpenMP layer that reaches the end of a parallel loop, or waits for the
next one, spins on its core for a while (GNU OpenMP's default) before it sleeps. Beside
another program's threads that spinning takes the core the thread it waits for needs, and
every loop of the tick waits for it: on a busy 2-core machine 2 spinning threads took several
times as long as 1 (`benchmarks/bench_load.py`; figures in docs/performance.md). So
the engine asks OpenMP to wait passively (`OMP_WAIT_POLICY`, unless the environment sets it)
before numba first starts its threads: importing `uprising.engine` does it, and it has no
effect where OpenMP was loaded before.

How many threads: all a run is allowed, or one, whichever measures quicker.

On a machine shared with other programs, a tick's parallel loops wait at their ends for every
thread; when the machine has no core to spare for one of them, one thread alone finishes the
tick sooner. Small lattices, whose loops last microseconds, lose most: waking the other thread
costs more than the work it takes. So the run times its ticks both ways for a few ticks, keeps
the quicker, and measures again every so often, or as soon as ticks on many threads turn
markedly slower than the trial found them (the load grew). A choice of one thread is also
tried again after a second of ticks on it, timing only ticks on all threads (its last ticks
held are the trial's ticks on one): a load that ends shows no sign on one thread (its ticks
barely quicken), and a run that kept one thread for `RECHECK_TICKS` after it ended took twice
the time it needed (`benchmarks/bench_load.py`, the ticks with no engine beside that follow
those beside one). Where all threads were markedly slower, the wait doubles (up to
`ONE_RECHECK_MAX_SECONDS`), so that trying them costs little on a machine that stays busy.
A tick gives the same result on any number of threads, so the choice changes only the time a
run takes.
"""

from __future__ import annotations

import os
import statistics
from collections import deque

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

TRIAL_TICKS = 3  # ticks timed each way per trial
RECHECK_TICKS = 200  # ticks run on the choice before the next trial
SLOWER = 1.5  # a tick this many times the trial's time on the choice counts as slow
SLOW_TICKS = 3  # slow ticks in a row that start a new trial
ONE_RECHECK_SECONDS = 1.0  # seconds of ticks on a choice of one thread before the next trial
ONE_RECHECK_MAX_SECONDS = 32.0  # ... doubled each time one thread wins again, up to this


class ThreadChoice:
    """The thread count for each tick of one run, from the times of the ticks before it."""

    def __init__(self) -> None:
        self.choice: int | None = None  # None: trying both ways
        self.held = 0  # ticks run on the choice since the last trial
        self.trial: list[tuple[int, float]] = []
        self.expected = 0.0  # the trial's median time on the choice
        self.slow = 0  # slow ticks in a row on the choice
        self.spent = 0.0  # seconds of ticks on the choice since the last trial
        self.one_wait = ONE_RECHECK_SECONDS  # seconds a choice of one thread is held
        self.recent: deque[float] = deque(maxlen=TRIAL_TICKS)  # the last ticks held on one thread
        self.probing = False  # the trial started from a choice of one thread

    def threads(self, most: int) -> int:
        """The threads for the next tick, given the most allowed: in a trial all of them and
        one in turn (a trial from a choice of one thread times all of them alone: the last
        ticks held on one are its ticks on one), else the choice (never more than `most`)."""
        if most <= 1:
            return 1
        waited = self.choice == 1 and self.spent >= self.one_wait
        if self.choice is not None and self.held < RECHECK_TICKS and self.slow < SLOW_TICKS and not waited:
            self.held += 1
            return min(self.choice, most)
        if self.choice is not None:  # time for a new trial
            self.probing = self.choice == 1 and len(self.recent) == TRIAL_TICKS
            self.trial = [(1, s) for s in self.recent] if self.probing else []
            self.choice, self.slow = None, 0
        many = sum(t > 1 for t, _ in self.trial)
        return most if many <= len(self.trial) - many else 1

    def timed(self, threads: int, seconds: float) -> None:
        """A tick's wall time on `threads` threads; ends the trial once it holds enough."""
        if self.choice is not None:
            self.spent += seconds
            if threads == 1:
                self.recent.append(seconds)
            # Only a choice of many threads is tried again for slow ticks: when one thread's
            # ticks slow down, the machine has less to spare, which favours one thread more.
            slow = threads > 1 and seconds > SLOWER * self.expected
            self.slow = self.slow + 1 if slow else 0
            return
        self.trial.append((threads, seconds))
        if (
            sum(t == 1 for t, _ in self.trial) < TRIAL_TICKS
            or sum(t > 1 for t, _ in self.trial) < TRIAL_TICKS
        ):
            return
        many = statistics.median(s for t, s in self.trial if t > 1)
        one = statistics.median(s for t, s in self.trial if t == 1)
        self.choice = 1 if one < many else max(t for t, _ in self.trial)
        self.expected = min(one, many)
        self.held, self.spent = 0, 0.0
        self.recent.clear()
        # Trying many threads again costs their ticks: where a try from one thread found them
        # markedly slower, wait twice as long before the next; else try again after a second.
        clearly = self.probing and many > SLOWER * one
        self.one_wait = min(2 * self.one_wait, ONE_RECHECK_MAX_SECONDS) if clearly else ONE_RECHECK_SECONDS


__all__ = [
    "ONE_RECHECK_MAX_SECONDS",
    "ONE_RECHECK_SECONDS",
    "RECHECK_TICKS",
    "SLOW_TICKS",
    "SLOWER",
    "TRIAL_TICKS",
    "ThreadChoice",
]

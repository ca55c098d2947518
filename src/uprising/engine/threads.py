"""How many threads a run's ticks use: all it is allowed, or one, whichever measures quicker.

On a machine shared with other programs, a tick's parallel loops wait at their ends for every
thread; when the machine has no core to spare for one of them, one thread alone finishes the
tick sooner. Small lattices, whose loops last microseconds, lose most: waking the other thread
costs more than the work it takes. So the run times its ticks both ways for a few ticks, keeps
the quicker, and measures again every so often, or as soon as ticks on its choice turn
markedly slower than the trial found them (the load changed). A tick gives the same
result on any number of threads, so the choice changes only the time a run takes.
"""

from __future__ import annotations

import statistics

TRIAL_TICKS = 3  # ticks timed each way per trial
RECHECK_TICKS = 200  # ticks run on the choice before the next trial
SLOWER = 1.5  # a tick this many times the trial's time on the choice counts as slow
SLOW_TICKS = 3  # slow ticks in a row that start a new trial


class ThreadChoice:
    """The thread count for each tick of one run, from the times of the ticks before it."""

    def __init__(self) -> None:
        self.choice: int | None = None  # None: trying both ways
        self.held = 0  # ticks run on the choice since the last trial
        self.trial: list[tuple[int, float]] = []
        self.expected = 0.0  # the trial's median time on the choice
        self.slow = 0  # slow ticks in a row on the choice

    def threads(self, most: int) -> int:
        """The threads for the next tick, given the most allowed: in a trial all of them and
        one in turn, else the choice (never more than `most`)."""
        if most <= 1:
            return 1
        if self.choice is not None and self.held < RECHECK_TICKS and self.slow < SLOW_TICKS:
            self.held += 1
            return min(self.choice, most)
        if self.choice is not None:  # time for a new trial
            self.choice, self.trial, self.slow = None, [], 0
        return most if len(self.trial) % 2 == 0 else 1

    def timed(self, threads: int, seconds: float) -> None:
        """A tick's wall time on `threads` threads; ends the trial once it holds enough."""
        if self.choice is not None:
            self.slow = self.slow + 1 if seconds > SLOWER * self.expected else 0
            return
        self.trial.append((threads, seconds))
        if len(self.trial) < 2 * TRIAL_TICKS:
            return
        many = statistics.median(s for t, s in self.trial if t > 1)
        one = statistics.median(s for t, s in self.trial if t == 1)
        self.choice = 1 if one < many else max(t for t, _ in self.trial)
        self.expected = min(one, many)
        self.held = 0


__all__ = ["RECHECK_TICKS", "SLOW_TICKS", "SLOWER", "TRIAL_TICKS", "ThreadChoice"]

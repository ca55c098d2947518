"""Roll per-tick, per-department counts up into the daily table of `RunOutput`."""

from __future__ import annotations

import numpy as np
import polars as pl

from uprising.recorder.output import DAILY_COLUMNS, DAILY_SCHEMA


class Recorder:
    """Collects one record per tick and rolls them into days.

    Agent counts (quiescent, active, jailed, arrests, forces) are multiplied by the population
    scale; `killed` and `participants` (real people) and `blockades` (road points) are recorded
    as they are.
    Tick 0 is the initial state and belongs to day 0; tick t >= 1 belongs to day
    (t - 1) // ticks_per_day.
    """

    def __init__(self, departments: list[str], ticks_per_day: int, population_scale: float):
        self.departments = list(departments)
        self.ticks_per_day = int(ticks_per_day)
        self.scale = float(population_scale)
        self._days: list[np.ndarray] = []  # one int64[n_dept, 8] per day
        self._current: np.ndarray | None = None
        self._day = -1

    def day_of(self, tick: int) -> int:
        return 0 if tick <= 0 else (tick - 1) // self.ticks_per_day

    def record(
        self,
        tick: int,
        states: np.ndarray,  # int64[n_dept, 3]: quiescent, active, jailed agents
        arrests: np.ndarray,  # int64[n_dept] agents arrested this tick
        killed: np.ndarray,  # int64[n_dept] people killed this tick
        blockades: np.ndarray,  # int64[n_dept] road points held now
        forces: np.ndarray,  # int64[n_dept] force agents now
        participants: np.ndarray | None = None,  # int64[n_dept] people in the street now; None: actives
    ) -> None:
        day = self.day_of(tick)
        if day != self._day:
            if self._current is not None:
                self._days.append(self._current)
            self._current = np.zeros((len(self.departments), 8), dtype=np.int64)
            self._day = day
        cur = self._current
        assert cur is not None
        cur[:, 0] = states[:, 0]
        cur[:, 1] = np.maximum(cur[:, 1], states[:, 1])
        cur[:, 2] = states[:, 2]
        cur[:, 3] += killed
        cur[:, 4] += arrests
        cur[:, 5] = np.maximum(cur[:, 5], blockades)
        cur[:, 6] = forces
        if participants is None:
            participants = np.rint(states[:, 1] * self.scale).astype(np.int64)
        cur[:, 7] = np.maximum(cur[:, 7], participants)

    def daily(self) -> pl.DataFrame:
        """The daily table (DAILY_COLUMNS), agent counts scaled to real people."""
        days = self._days + ([self._current] if self._current is not None else [])
        n_dept = len(self.departments)
        if not days:
            return pl.DataFrame(schema=DAILY_SCHEMA)
        block = np.stack(days)  # [day, dept, 8]
        scaled = block.astype(np.float64)
        for j in (0, 1, 2, 4, 6):
            scaled[:, :, j] *= self.scale
        values = np.rint(scaled).astype(np.int64)
        n_days = block.shape[0]
        data = {
            "day": np.repeat(np.arange(n_days, dtype=np.int32), n_dept),
            "department": self.departments * n_days,
        }
        for j, name in enumerate(DAILY_COLUMNS[2:]):
            data[name] = values[:, :, j].reshape(-1)
        return pl.DataFrame(data, schema=DAILY_SCHEMA)

"""A run as it runs: the frames the dashboard draws between ticks.

`LiveRecorder` is the `watch` of a web run (`uprising.web.runs`): after every tick it notes the
national counts, and every `interval_s` seconds (and at the first and last tick) it hands the
page a `LiveFrame`: the counts so far, the torus's sites or the map's active people per
department. It keeps the torus's sites of every `stride`-th tick (at most `MAX_KEPT_BYTES` in
all) so that the grid can be replayed tick by tick once the run has ended.

`FrameDrawer` puts the page's redraw on its own thread and rests between redraws as long as
each took, up to a second: redrawing a 400 x 400 torus took 2 to 16 s on a loaded 2-core
machine, and while the run drew every frame itself, 0.25 s apart, it ran a tick or so a redraw.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from uprising.model import Model
from uprising.scenario.model import TorusWorld

MAX_KEPT_BYTES = 32 * 2**20
MAX_REST_S = 1.0  # the longest the drawer rests after a draw, so a slow page is not left still longer
MAX_GRID_SITES = 250_000  # a larger torus is shown by its counts only


@dataclass(frozen=True)
class LiveFrame:
    """What one run looks like after `tick` of `steps`, in people (agents x population scale)."""

    label: str  # the run and seed, e.g. "epstein-2002, seed 3 (2 of 4)"
    tick: int
    steps: int
    ticks: np.ndarray  # int64[t], the ticks counted so far
    counts: dict[str, np.ndarray]  # quiescent, active, jailed -> float64[t], people
    grid: np.ndarray | None  # uint8[height, width] of `Model.site_states` on the torus
    departments: tuple[str, ...]
    active: np.ndarray | None  # float64[departments], people active now (a map)
    per_1000: np.ndarray | None  # float64[departments], active per 1,000 inhabitants now
    vmax: float  # top of the map's colour scale so far


class LiveRecorder:
    """The `watch(model)` of a web run: counts every tick, a frame to `publish` now and then."""

    def __init__(self, publish: Callable[[LiveFrame], None], label: str, interval_s: float = 0.25) -> None:
        self.publish = publish
        self.interval_s = interval_s
        self.start(label)

    def start(self, label: str) -> None:
        """Forget what was recorded: the next call is the first tick of a new run, named `label`."""
        self.label = label
        self.ticks: list[int] = []
        self.counts: dict[str, list[int]] = {"quiescent": [], "active": [], "jailed": []}
        self.kept: list[tuple[int, np.ndarray]] = []  # (tick, sites) for the replay
        self.stride = 1
        self._last = -math.inf
        self._population: np.ndarray | None = None
        self._vmax = 1.0

    def __call__(self, model: Model) -> None:
        tick, steps = model.tick, model.steps
        self.ticks.append(tick)
        for state, n in model.counts().items():
            self.counts[state].append(n)
        torus = isinstance(model.scenario.world, TorusWorld)
        grid = None
        if torus and model.scenario.world.width * model.scenario.world.height <= MAX_GRID_SITES:
            if tick == 0:
                sites = model.scenario.world.width * model.scenario.world.height
                self.stride = max(1, math.ceil(sites * (steps + 1) / MAX_KEPT_BYTES))
            if tick % self.stride == 0 or tick == steps:
                grid = model.site_states()
                self.kept.append((tick, grid))
        if tick not in (0, steps) and time.monotonic() - self._last < self.interval_s:
            return
        scale = float(getattr(model.scenario.world, "population_scale", 1))
        self.publish(self._frame(model, tick, steps, grid if torus else None, torus, scale))
        self._last = time.monotonic()

    def _frame(
        self, model: Model, tick: int, steps: int, grid: np.ndarray | None, torus: bool, scale: float
    ) -> LiveFrame:
        active = per_1000 = None
        if not torus:
            by_department = model.counts_by_department()
            if self._population is None:
                self._population = (
                    by_department["quiescent"] + by_department["active"] + by_department["jailed"]
                ).to_numpy()
            active = by_department["active"].to_numpy() * scale
            per_1000 = 1000.0 * by_department["active"].to_numpy() / np.maximum(self._population, 1)
            self._vmax = max(self._vmax, float(per_1000.max()))
        if torus and grid is None and self.kept:
            grid = self.kept[-1][1]
        return LiveFrame(
            label=self.label,
            tick=tick,
            steps=steps,
            ticks=np.asarray(self.ticks),
            counts={k: np.asarray(v, dtype=np.float64) * scale for k, v in self.counts.items()},
            grid=grid,
            departments=tuple(model.departments),
            active=active,
            per_1000=per_1000,
            vmax=self._vmax,
        )


class FrameDrawer:
    """Draws the frames handed to it with `draw` on a thread of its own, the newest first.

    After a draw that took d seconds the drawer rests d seconds (at most `MAX_REST_S`) while the
    run goes on: a frame put then replaces the one waiting (each frame holds the whole run so far, so only
    in-between pictures are skipped). A frame put while a draw is in progress waits for its end:
    the engine's kernels hold Python's lock through a tick, so a draw beside a running run got
    a few milliseconds a tick and took tens of seconds. `close()` draws the last frame put,
    stops the thread and raises what `draw` raised, if anything.
    """

    def __init__(self, draw: Callable[[LiveFrame], None]) -> None:
        self._draw = draw
        self._waiting: LiveFrame | None = None
        self._drawing = False
        self._closing = False
        self._error: BaseException | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="frame-drawer", daemon=True)
        self._thread.start()

    def put(self, frame: LiveFrame) -> None:
        with self._changed:
            while self._drawing:
                self._changed.wait()
            self._waiting = frame
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _loop(self) -> None:
        rest_until = 0.0
        while True:
            with self._changed:
                while not self._closing and (self._waiting is None or time.monotonic() < rest_until):
                    self._changed.wait(None if self._waiting is None else rest_until - time.monotonic())
                frame, self._waiting = self._waiting, None
                if frame is None or self._error is not None:
                    return
                self._drawing = True
            started = time.monotonic()
            try:
                self._draw(frame)
            except BaseException as err:  # handed to close(), in the run's own thread
                self._error = err
            finally:
                with self._changed:
                    self._drawing = False
                    self._changed.notify_all()
            rest_until = time.monotonic() + min(time.monotonic() - started, MAX_REST_S)

"""A kernel called by its compiled function while the same arrays come back, and through numba's
dispatcher whenever they do not."""

from __future__ import annotations

import numpy as np
from numba import njit

from uprising.engine.dispatch import DirectCall
from uprising.engine_params import build_simulation
from uprising.scenario import load_scenario


@njit(cache=True)
def _add(values, scale, out):
    for i in range(values.shape[0]):
        out[i] += values[i] * scale
    return out.sum()


SMALL = ["world.width=30", "world.height=30", "run.schedule=random-sequential"]


class CountingDispatcher:
    """A dispatcher that counts the calls it takes (the compiled function bypasses it)."""

    def __init__(self, kernel):
        self.kernel, self.calls = kernel, 0

    def __call__(self, *args):
        self.calls += 1
        return self.kernel(*args)

    def compile(self, sig):
        return self.kernel.compile(sig)

    def typeof_pyval(self, value):
        return self.kernel.typeof_pyval(value)


def test_the_same_objects_skip_the_dispatcher_and_new_ones_go_through_it():
    values, out = np.arange(4.0), np.zeros(4)
    kernel = CountingDispatcher(_add)
    call = DirectCall(kernel)
    assert call((values, out, float), values, 2.0, out) == 12.0
    assert call((values, out, float), values, 0.5, out) == 15.0  # a scalar's value may change
    assert kernel.calls == 1
    as_ints = np.arange(4, dtype=np.int64)
    assert call((as_ints, out, float), as_ints, 1.0, out) == 21.0  # another array: typed again
    assert call((as_ints, out, int), as_ints, 1, out) == 27.0  # another scalar type: typed again
    assert kernel.calls == 3
    np.testing.assert_array_equal(out, [0.0, 4.5, 9.0, 13.5])


def test_a_sequential_run_whose_cops_and_states_are_replaced_between_ticks_runs_as_without_it():
    """Ticks with the compiled function, then new arrays put in by a hook (fewer cops, a copied
    state): the same states as the dispatcher's on every tick."""

    def states(direct: bool) -> list[np.ndarray]:
        sim = build_simulation(load_scenario("epstein-2002", SMALL))
        if not direct:
            sim.stepper.tick_call = lambda key, *args: sim.stepper.kernels.sequential_tick(*args)
        seen = []
        for tick in range(12):
            if tick == 4:
                sim.state = sim.state.copy()
            if tick == 8:
                sim.set_parameter("cop_density", 0.03)  # fewer cops: a new cop array
                sim.set_parameter("legitimacy", 0.7)
            sim.step()
            seen.append(sim.state.copy())
        return seen

    for a, b in zip(states(True), states(False), strict=True):
        np.testing.assert_array_equal(a, b)

"""Throughput of Mesa's own Epstein civil-violence example, the peer we benchmark against.

Mesa is an optional dependency (the ``peer`` extra) and is imported only when a benchmark
runs. The model is Mesa's example itself, imported from the installed package and run at its
default parameters; only the grid size changes.
"""

from __future__ import annotations

import numbers
import time
from typing import Any

from uprising.errors import UprisingError
from uprising.extras import missing_extra


def _load_mesa() -> tuple[Any, Any, Any, Any]:
    """Import Mesa lazily: (mesa module, model class, Citizen class, Cop class)."""
    try:
        import mesa
        from mesa.examples.advanced.epstein_civil_violence.agents import Citizen, Cop
        from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence
    except ImportError:
        raise missing_extra("peer", "the benchmark against Mesa") from None
    return mesa, EpsteinCivilViolence, Citizen, Cop


def mesa_citizen_updates_per_second(width: int, height: int, steps: int, seed: int = 1) -> dict[str, Any]:
    """Time ``steps`` calls of ``model.step()`` of Mesa's example on a width x height torus.

    Construction is excluded from the timing. One citizen update is one citizen's turn in
    one step (jailed citizens included, as they still take their turn), so the rate is
    citizens * steps / seconds.
    """
    for name, value in (("width", width), ("height", height), ("steps", steps)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise UprisingError(f"{name} must be a positive integer, got {value!r}")
    width, height, steps = int(width), int(height), int(steps)
    mesa, model_class, citizen_class, cop_class = _load_mesa()

    model = model_class(width=width, height=height, seed=seed)
    citizens = sum(isinstance(agent, citizen_class) for agent in model.agents)
    cops = sum(isinstance(agent, cop_class) for agent in model.agents)

    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    seconds = time.perf_counter() - start

    return {
        "peer": "mesa",
        "version": mesa.__version__,
        "width": width,
        "height": height,
        "citizens": citizens,
        "cops": cops,
        "steps": steps,
        "seconds": seconds,
        "citizen_updates_per_s": citizens * steps / seconds if seconds > 0 else float("inf"),
    }

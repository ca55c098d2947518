"""Counterfactual roll calls. Each pair shares its seed, so the random numbers are common."""

from __future__ import annotations

from uprising.institutions.config import InstitutionsConfig
from uprising.institutions.congress import RollCalls, simulate_roll_calls
from uprising.institutions.context import context_on
from uprising.institutions.motions import ROLL_CALLS

# (protest intensity, deaths before the vote). "observed" is what context_on gives for 20 Dec
# 2022; "low" and "high" are hypothetical levels, not sourced.
PROTEST_LEVELS: dict[str, tuple[float, int]] = {
    "none": (0.0, 0),
    "low": (0.1, 0),
    "observed": (0.52, 27),
    "high": (0.9, 60),
}


def vacancy_without_self_coup(
    config: InstitutionsConfig | None = None, runs: int = 1000, seed: int = 1
) -> tuple[RollCalls, RollCalls]:
    """The 7 Dec 2022 vacancy vote as it happened, and had the self-coup attempt not happened."""
    motion = ROLL_CALLS["vacancy-2022-12-07"]
    assert motion.date is not None
    factual = simulate_roll_calls(motion, config, runs=runs, seed=seed)
    context = context_on(motion.date, self_coup=False)
    counterfactual = simulate_roll_calls(motion, config, context=context, runs=runs, seed=seed)
    return factual, counterfactual


def early_elections_under_protest(
    config: InstitutionsConfig | None = None,
    levels: dict[str, tuple[float, int]] | None = None,
    runs: int = 1000,
    seed: int = 1,
) -> dict[str, RollCalls]:
    """The 20 Dec 2022 early-elections vote at several levels of protest and deaths."""
    motion = ROLL_CALLS["early-elections-2022-12-20"]
    assert motion.date is not None
    out = {}
    for name, (intensity, deaths) in (levels or PROTEST_LEVELS).items():
        context = context_on(motion.date, protest_intensity=intensity, deaths=deaths)
        out[name] = simulate_roll_calls(motion, config, context=context, runs=runs, seed=seed)
    return out

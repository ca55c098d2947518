"""Epstein's citizen rule as small pure functions shared by both schedules."""

from __future__ import annotations

import math

from numba import njit

QUIET = 0
ACTIVE = 1
JAILED = 2

ROUND_LITERAL = 0
ROUND_FLOOR = 1
ROUND_HALF_EVEN = 2
ROUNDING_CODES = {"literal": ROUND_LITERAL, "floor": ROUND_FLOOR, "round": ROUND_HALF_EVEN}

JAIL_FOREVER = 2**31 - 1  # a jail term that is never counted down (J_max infinite)


@njit(inline="always", cache=True)
def arrest_probability(cops, actives, k, rounding):
    """Estimated arrest probability P = 1 - exp(-k * f(C/A)), f by the rounding switch.

    `actives` counts the citizen itself, so it is at least 1. Mesa rounds half to even
    (Python's `round`), as `np.rint` does. With no cop in sight P is 0.0 exactly (k is finite,
    so exp(-k * 0) is 1): returned without the exponential, as on most cells of a map.
    """
    if cops == 0:
        return 0.0
    ratio = cops / actives
    if rounding == ROUND_FLOOR:
        ratio = math.floor(ratio)
    elif rounding == ROUND_HALF_EVEN:
        ratio = float(round(ratio))  # numba's round() on floats is half-to-even, like Python's
    return 1.0 - math.exp(-k * ratio)


@njit(inline="always", cache=True)
def wants_active(hardship, legitimacy, risk_aversion, p_arrest, threshold):
    """Active when grievance minus net risk exceeds the threshold: H(1-L) - R P > T."""
    return hardship * (1.0 - legitimacy) - risk_aversion * p_arrest > threshold


@njit(inline="always", cache=True)
def jail_term(u, max_jail_term, inclusive):
    """A jail term from a uniform u in [0, 1): 0..J_max (inclusive) or 0..J_max-1."""
    if max_jail_term < 0:
        return JAIL_FOREVER
    n = max_jail_term + 1 if inclusive else max_jail_term
    if n <= 0:
        return 0
    return int(u * n)

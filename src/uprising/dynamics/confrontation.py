"""Lethal force as events: confrontations where forces defend or clear a point against a crowd.

A confrontation occurs in a tick at a cell with a probability that grows with the forces there
(soldiers more than police), the crowd of participants, a strategic site and an emergency in
force; its toll is zero-inflated and heavy-tailed (most kill nobody, a few kill 5-20), as the
Ombudsman's register of December 2022 shows (18 clashes, one with 10 dead). With
`periphery` on, the share of confrontations that kill anyone falls near the seat of government
(the essay's "deep Peru"). See `config.Lethality` for the formulas.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from uprising.dynamics.config import Lethality
from uprising.engine.lattice import Lattice


def confrontation_rate(
    cfg: Lethality,
    police: np.ndarray,
    military: np.ndarray,
    crowd: np.ndarray,
    site: np.ndarray,
    emergency: np.ndarray,
) -> np.ndarray:
    """Expected confrontations per day at each cell (forces and crowd in people)."""
    force = (cfg.police_rate * police + cfg.military_rate * military) / 1000.0
    if cfg.force_exponent != 1.0:  # the forces' mix per person, times (forces / 1000) ** exponent
        total = np.maximum(police + military, 1e-9) / 1000.0
        force = force * total ** (cfg.force_exponent - 1.0)
    rate = force * (crowd / cfg.crowd_min_people) ** cfg.crowd_exponent
    rate = rate * np.where(site, cfg.site_multiplier, 1.0)
    return rate * np.where(emergency, cfg.emergency_multiplier, 1.0)


def restraint_factor(cfg: Lethality, days_since: float | None) -> float:
    """What is left of the lethal share `days_since` days after the last mass-casualty event
    (None: none yet): 1 - restraint_depth * 0.5 ** (days_since / restraint_half_life_days)."""
    if days_since is None:
        return 1.0
    return 1.0 - cfg.restraint_depth * 0.5 ** (days_since / cfg.restraint_half_life_days)


def distance_km(lattice: Lattice, cell: int) -> np.ndarray:
    """Straight-line distance of every cell of a map lattice from `cell`, km."""
    row, col = divmod(int(cell), lattice.width)
    rows, cols = np.divmod(np.arange(lattice.cells), lattice.width)
    return np.hypot(rows - row, cols - col) * float(lattice.cell_km or 0.0)


def periphery_factor(cfg: Lethality, distance_km: np.ndarray) -> np.ndarray:
    """What is left of the lethal share at `distance_km` from the seat of government:
    1 - periphery * 0.5 ** (distance_km / periphery_half_km) (1 everywhere with periphery 0)."""
    distance_km = np.asarray(distance_km, dtype=np.float64)
    if cfg.periphery == 0.0:
        return np.ones_like(distance_km)
    return 1.0 - cfg.periphery * 0.5 ** (distance_km / cfg.periphery_half_km)


PERIPHERIES_KEPT = 4  # lattices and seats whose periphery factors are kept (0.9 MB each at 1:1000)
_peripheries: OrderedDict[tuple, np.ndarray] = OrderedDict()


def periphery_on_lattice(cfg: Lethality, lattice: Lattice, seat: int) -> np.ndarray:
    """`periphery_factor` of every cell of `lattice` at its distance from cell `seat`, computed
    once per process for each lattice shape, seat and periphery (read-only: a calibration's
    runs share it)."""
    key = (lattice.height, lattice.width, lattice.cell_km, int(seat), cfg.periphery, cfg.periphery_half_km)
    factor = _peripheries.get(key)
    if factor is None:
        factor = periphery_factor(cfg, distance_km(lattice, seat))
        factor.flags.writeable = False
        _peripheries[key] = factor
        while len(_peripheries) > PERIPHERIES_KEPT:
            _peripheries.popitem(last=False)
    return factor


def confrontation_tolls(
    rng: np.random.Generator, cfg: Lethality, military: np.ndarray, restraint: float | np.ndarray = 1.0
) -> np.ndarray:
    """People killed in each of len(military) confrontations (military: soldiers there, bool);
    `restraint` (one value, or one per confrontation) multiplies the share of them that kill
    anyone (the draws stay the same)."""
    n = military.shape[0]
    tolls = np.zeros(n, dtype=np.int64)
    deadly = rng.random(n) < cfg.lethal_share * restraint
    k = int(deadly.sum())
    if k:
        mean = (cfg.toll_mean - 1.0) * np.where(military[deadly], cfg.military_toll_multiplier, 1.0)
        mean = np.maximum(mean, 1e-9)
        r = cfg.toll_dispersion
        extra = rng.negative_binomial(r, r / (r + mean))
        tolls[deadly] = np.minimum(1 + extra, cfg.toll_max)
    return tolls

"""The classic Epstein world: a torus of sites, citizens and cops placed at random."""

from __future__ import annotations

import numpy as np
from numba import njit, prange, uint64

from uprising.scenario.model import Scenario, TorusWorld
from uprising.world.lattice import FORCE_POLICE, Lattice, World

_GOLDEN = uint64(0x9E3779B97F4A7C15)
_M1 = uint64(0xBF58476D1CE4E5B9)
_M2 = uint64(0x94D049BB133111EB)
_TRAITS = uint64(0x5851F42D4C957F2D)  # keys the traits apart from every per-tick draw
_INV24 = np.float32(1.0 / 16777216.0)  # 2**-24


@njit(inline="always", cache=True)
def _mix(x):
    """SplitMix64's finaliser (the engine's counter generator uses the same bijection)."""
    z = x + _GOLDEN
    z = (z ^ (z >> uint64(30))) * _M1
    z = (z ^ (z >> uint64(27))) * _M2
    return z ^ (z >> uint64(31))


@njit(inline="always", cache=True)
def traits_key(seed):
    """The key of a run's citizen traits, from its seed as uint64."""
    return _mix(_mix(uint64(seed)) ^ _TRAITS)


@njit(inline="always", cache=True)
def citizen_traits(key, agent):
    """(hardship, risk aversion) of a citizen: two float32 ~ U(0, 1) on the 2**-24 grid (as
    numpy's float32 draws), a pure function of (seed, agent), so a run may recompute them
    instead of storing them."""
    bits = _mix(uint64(key) ^ (uint64(agent) * _GOLDEN))
    hardship = np.float32(bits >> uint64(40)) * _INV24
    risk = np.float32((bits >> uint64(8)) & uint64(0xFFFFFF)) * _INV24
    return hardship, risk


@njit(parallel=True, cache=True)
def _fill_traits(seed, hardship, risk):
    key = traits_key(seed)
    for i in prange(hardship.shape[0]):
        hardship[i], risk[i] = citizen_traits(key, i)


def torus_traits(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hardship and risk aversion of citizens 0..n-1 of a synchronous run, as arrays."""
    hardship = np.empty(n, dtype=np.float32)
    risk = np.empty(n, dtype=np.float32)
    _fill_traits(np.uint64(seed % 2**64), hardship, risk)
    return hardship, risk


def build_torus_world(scenario: Scenario, store_traits: bool = True) -> World:
    """Place citizens and cops on the torus and draw H, R ~ U(0, 1), from the scenario's seed.

    `bernoulli` placement follows Mesa (each site is a citizen, a cop or empty by one draw);
    `exact` places exactly round(density * sites) of each on random sites (NetLogo). Under the
    synchronous schedule H and R come from `citizen_traits` (keyed by seed and citizen); with
    `store_traits` false the world then holds empty trait arrays and the engine recomputes them.
    The lattice's department map (one department) is a single stored zero seen at every cell.
    """
    cfg = scenario.world
    assert isinstance(cfg, TorusWorld)
    cells = cfg.height * cfg.width
    department = np.lib.stride_tricks.as_strided(
        np.zeros(1, dtype=np.int16), shape=(cells,), strides=(0,), writeable=False
    )
    lattice = Lattice(cfg.height, cfg.width, True, 1, department, ["all"])
    rng = np.random.Generator(np.random.Philox(key=scenario.run.seed))
    sites = lattice.cells
    if cfg.placement == "bernoulli":
        u = rng.random(sites)
        citizen_cell = np.flatnonzero(u < cfg.citizen_density).astype(np.int32)
        cop_cell = np.flatnonzero(
            (u >= cfg.citizen_density) & (u < cfg.citizen_density + cfg.cop_density)
        ).astype(np.int32)
        del u
    else:
        n_cit = round(cfg.citizen_density * sites)
        n_cop = min(round(cfg.cop_density * sites), sites - n_cit)
        perm = rng.permutation(sites).astype(np.int32)
        citizen_cell = np.sort(perm[:n_cit])
        cop_cell = np.sort(perm[n_cit : n_cit + n_cop])
    n = citizen_cell.shape[0]
    if scenario.run.schedule != "synchronous":
        hardship = rng.random(n, dtype=np.float32)
        risk = rng.random(n, dtype=np.float32)
    elif store_traits:
        hardship, risk = torus_traits(scenario.run.seed, n)
    else:
        hardship = risk = np.empty(0, dtype=np.float32)
    return World(
        lattice=lattice,
        citizen_cell=citizen_cell,
        hardship=hardship,
        risk_aversion=risk,
        cop_cell=cop_cell,
        cop_kind=np.full(cop_cell.shape[0], FORCE_POLICE, dtype=np.int8),
        legitimacy_multiplier=np.ones(1),
        population_scale=1.0,
    )

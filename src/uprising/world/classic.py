"""The classic Epstein world: a torus of sites, citizens and cops placed at random."""

from __future__ import annotations

import numpy as np

from uprising.engine.lattice import FORCE_POLICE, Lattice, World
from uprising.engine.traits import torus_traits
from uprising.scenario.model import Scenario, TorusWorld


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

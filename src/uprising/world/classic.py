"""The classic Epstein world: a torus of sites, citizens and cops placed at random."""

from __future__ import annotations

import numpy as np

from uprising.scenario.model import Scenario, TorusWorld
from uprising.world.lattice import FORCE_POLICE, Lattice, World


def build_torus_world(scenario: Scenario) -> World:
    """Place citizens and cops on the torus and draw H, R ~ U(0, 1), from the scenario's seed.

    `bernoulli` placement follows Mesa (each site is a citizen, a cop or empty by one draw);
    `exact` places exactly round(density * sites) of each on random sites (NetLogo).
    """
    cfg = scenario.world
    assert isinstance(cfg, TorusWorld)
    lattice = Lattice.torus_grid(cfg.height, cfg.width)
    rng = np.random.Generator(np.random.Philox(key=scenario.run.seed))
    sites = lattice.cells
    if cfg.placement == "bernoulli":
        u = rng.random(sites)
        citizen_cell = np.flatnonzero(u < cfg.citizen_density).astype(np.int32)
        cop_cell = np.flatnonzero(
            (u >= cfg.citizen_density) & (u < cfg.citizen_density + cfg.cop_density)
        ).astype(np.int32)
    else:
        n_cit = round(cfg.citizen_density * sites)
        n_cop = min(round(cfg.cop_density * sites), sites - n_cit)
        perm = rng.permutation(sites).astype(np.int32)
        citizen_cell = np.sort(perm[:n_cit])
        cop_cell = np.sort(perm[n_cit : n_cit + n_cop])
    n = citizen_cell.shape[0]
    hardship = rng.random(n, dtype=np.float32)
    risk = rng.random(n, dtype=np.float32)
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

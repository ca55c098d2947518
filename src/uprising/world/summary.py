"""What a built world holds, per department: the numbers `uprising world` prints."""

from __future__ import annotations

from typing import Any

import numpy as np

from uprising.engine.lattice import FORCE_MILITARY, FORCE_POLICE, World
from uprising.world.peru import PeruBuild

_CHUNK = 1 << 22


def department_hardship(world: World) -> tuple[np.ndarray, np.ndarray]:
    """(citizens, mean hardship) per department, computed in chunks to bound memory."""
    k = world.lattice.departments
    count = np.zeros(k, np.int64)
    total = np.zeros(k)
    for a in range(0, world.citizens, _CHUNK):
        dept = world.lattice.department[world.citizen_cell[a : a + _CHUNK]].astype(np.int64)
        inside = dept >= 0
        count += np.bincount(dept[inside], minlength=k)
        total += np.bincount(dept[inside], weights=world.hardship[a : a + _CHUNK][inside], minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return count, mean


def department_legitimacy(world: World) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, min, max) legitimacy multiplier of each department's citizens: the department's
    own on every one of them, or, with legitimacy per cell, over their home cells."""
    lattice = world.lattice
    k = lattice.departments
    dept_m = np.asarray(world.legitimacy_multiplier, float)
    cell_m = world.cell_legitimacy_multiplier
    if cell_m is None:
        return dept_m, dept_m, dept_m
    people = np.bincount(world.citizen_cell, minlength=lattice.cells)
    dept = lattice.department.astype(np.int64)
    lived = np.flatnonzero((people > 0) & (dept >= 0))
    count = np.bincount(dept[lived], weights=people[lived], minlength=k)
    total = np.bincount(dept[lived], weights=people[lived] * cell_m[lived], minlength=k)
    populated = count > 0
    low = np.where(populated, np.inf, dept_m)
    high = np.where(populated, -np.inf, dept_m)
    np.minimum.at(low, dept[lived], cell_m[lived])
    np.maximum.at(high, dept[lived], cell_m[lived])
    mean = np.where(populated, total / np.maximum(count, 1), dept_m)
    return mean, low, high


def world_bytes(world: World) -> int:
    """Bytes of every array of the world: per-agent arrays, the lattice and the department and
    cell tables."""
    cell_tables = (world.cell_legitimacy_multiplier, world.cell_alignment)
    return (
        world.agent_bytes()
        + world.lattice.department.nbytes
        + np.asarray(world.legitimacy_multiplier).nbytes
        + sum(a.nbytes for a in cell_tables if a is not None)
    )


def summarise(
    world: World,
    details: PeruBuild | None,
    seconds: float,
    scenario_name: str = "",
    seed: int | None = None,
) -> dict[str, Any]:
    """A plain dict (JSON-ready) describing the world, one entry per department."""
    lattice = world.lattice
    k = lattice.departments
    cells = np.bincount(lattice.department[lattice.department >= 0], minlength=k)
    citizens, mean_h = department_hardship(world)
    legit_mean, legit_min, legit_max = department_legitimacy(world)
    cop_dept = lattice.department[world.cop_cell].astype(np.int64)
    police = np.bincount(cop_dept[world.cop_kind == FORCE_POLICE], minlength=k)
    military = np.bincount(cop_dept[world.cop_kind == FORCE_MILITARY], minlength=k)
    agents = world.citizens + world.cops
    cell_area = lattice.cell_km**2 if lattice.cell_km else None
    scale = world.population_scale
    rows = []
    for d in range(k):
        row: dict[str, Any] = {
            "name": lattice.department_names[d],
            "cells": int(cells[d]),
            "area_km2": round(float(cells[d] * cell_area), 1) if cell_area else None,
            "citizens": int(citizens[d]),
            "people": round(float(citizens[d] * scale)),
            "police": int(police[d]),
            "military": int(military[d]),
            "mean_hardship": None if np.isnan(mean_h[d]) else round(float(mean_h[d]), 4),
            "legitimacy_multiplier": round(float(legit_mean[d]), 4),
            "legitimacy_multiplier_range": [round(float(legit_min[d]), 4), round(float(legit_max[d]), 4)],
        }
        if details is not None:
            data = details.data
            row = {"ubigeo": data.ubigeo[d], **row}
            row["population_source"] = int(data.population[d])
            row["hardship_model_mean"] = round(float(details.hardship_mu[d]), 4)
            row["discrimination_term"] = (
                None if details.discrimination_missing[d] else round(float(details.discrimination[d]), 4)
            )
        rows.append(row)
    out: dict[str, Any] = {
        "scenario": scenario_name,
        "world": "torus" if lattice.torus else "peru" if details is not None else "map",
        "seed": seed,
        "resolution_km": lattice.cell_km,
        "population_scale": scale,
        "grid": {
            "height": lattice.height,
            "width": lattice.width,
            "cells": lattice.cells,
            "cells_in_departments": int(cells.sum()),
        },
        "citizens": world.citizens,
        "police": int(police.sum()),
        "military": int(military.sum()),
        "agent_bytes": world.agent_bytes(),
        "bytes_per_agent": round(world.agent_bytes() / agents, 3) if agents else None,
        "world_bytes_per_agent": round(world_bytes(world) / agents, 3) if agents else None,
        "build_seconds": round(seconds, 3),
        "departments": rows,
        "notes": list(details.notes) if details is not None else [],
    }
    if details is not None:
        out["population_source"] = int(details.data.population.sum())
        out["districts_snapped"] = details.snapped_districts
    return out


def format_summary(summary: dict[str, Any], place: str = "department") -> str:
    """The summary as a text table, one line per department (`place`: a map world's word for
    its regions)."""
    grid = summary["grid"]
    scale = summary["population_scale"]
    res = summary["resolution_km"]
    head = f"world {summary['world']} of scenario {summary['scenario']}"
    if res:
        head += f": {res:g} km cells, 1:{scale:g} (one agent per {scale:g} people)"
        head += f", seed {summary['seed']}"
    lines = [
        head,
        f"lattice {grid['height']} x {grid['width']} = {grid['cells']:,} cells, "
        f"{grid['cells_in_departments']:,} in a {place}",
        "",
    ]
    has_source = summary["departments"] and "population_source" in summary["departments"][0]
    cols = f"{place:<15} {'cells':>7} {'agents':>10} {'people':>11} "
    if has_source:
        cols += f"{'source':>11} "
    cols += f"{'police':>7} {'military':>8} {'hardship':>8} {'legit.x':>7} {'range':>11}"
    lines.append(cols)
    lines.append("-" * len(cols))
    for r in summary["departments"]:
        line = f"{r['name']:<15} {r['cells']:>7,} {r['citizens']:>10,} {r['people']:>11,} "
        if has_source:
            line += f"{r['population_source']:>11,} "
        h = "-" if r["mean_hardship"] is None else f"{r['mean_hardship']:.3f}"
        low, high = r["legitimacy_multiplier_range"]
        line += f"{r['police']:>7,} {r['military']:>8,} {h:>8} {r['legitimacy_multiplier']:>7.3f}"
        line += f" {low:>5.3f}-{high:<5.3f}"
        lines.append(line)
    lines.append("-" * len(cols))
    total = f"{'total':<15} {grid['cells_in_departments']:>7,} {summary['citizens']:>10,} "
    total += f"{round(summary['citizens'] * scale):>11,} "
    if has_source:
        total += f"{summary['population_source']:>11,} "
    total += f"{summary['police']:>7,} {summary['military']:>8,}"
    lines.append(total)
    lines.append("")
    lines.append(
        f"{summary['bytes_per_agent']} bytes per agent ({summary['agent_bytes']:,} bytes of "
        f"agent arrays; {summary['world_bytes_per_agent']} with the lattice); "
        f"built in {summary['build_seconds']:.2f} s"
    )
    if has_source:
        lines.append(
            "people = agents x scale; source = INEI 2017 population (regions.csv); "
            "hardship = mean H of the department's citizens; legit.x = their mean legitimacy "
            "multiplier, range = its lowest and highest on their home cells"
        )
    lines.extend(f"note: {n}" for n in summary["notes"])
    return "\n".join(lines)

"""What a built world holds, per department: the numbers `uprising world` prints."""

from __future__ import annotations

from typing import Any

import numpy as np

from uprising.world.lattice import FORCE_MILITARY, FORCE_POLICE, World
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
        total += np.bincount(
            dept[inside], weights=world.hardship[a : a + _CHUNK][inside], minlength=k
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return count, mean


def world_bytes(world: World) -> int:
    """Bytes of every array of the world: per-agent arrays, the lattice and department tables."""
    return (
        world.agent_bytes()
        + world.lattice.department.nbytes
        + np.asarray(world.legitimacy_multiplier).nbytes
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
            "legitimacy_multiplier": round(float(np.asarray(world.legitimacy_multiplier)[d]), 4),
        }
        if details is not None:
            data = details.data
            row = {"ubigeo": data.ubigeo[d], **row}
            row["population_source"] = int(data.population[d])
            row["hardship_model_mean"] = round(float(details.hardship_mu[d]), 4)
            row["discrimination_term"] = (
                None
                if details.discrimination_missing[d]
                else round(float(details.discrimination[d]), 4)
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


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as a text table, one line per department."""
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
        f"{grid['cells_in_departments']:,} in a department",
        "",
    ]
    has_source = summary["departments"] and "population_source" in summary["departments"][0]
    cols = f"{'department':<15} {'cells':>7} {'agents':>10} {'people':>11} "
    if has_source:
        cols += f"{'source':>11} "
    cols += f"{'police':>7} {'military':>8} {'hardship':>8} {'legit.x':>7}"
    lines.append(cols)
    lines.append("-" * len(cols))
    for r in summary["departments"]:
        line = f"{r['name']:<15} {r['cells']:>7,} {r['citizens']:>10,} {r['people']:>11,} "
        if has_source:
            line += f"{r['population_source']:>11,} "
        h = "-" if r["mean_hardship"] is None else f"{r['mean_hardship']:.3f}"
        line += f"{r['police']:>7,} {r['military']:>8,} {h:>8} {r['legitimacy_multiplier']:>7.3f}"
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
            "hardship = mean H of the department's citizens; legit.x = legitimacy multiplier"
        )
    lines.extend(f"note: {n}" for n in summary["notes"])
    return "\n".join(lines)

"""The parts of the Peru world that no seed changes, built once per process and reused.

Reading the data, rasterising the departments and placing the people (`load_peru_data`,
`peru_lattice`, `place_population`, `cell_counts`) depend only on the data files and on the
world fields in `LAYOUT_FIELDS`; a calibration or an ensemble builds the same layout for every
run, and only the agents' traits and the police draws differ with the seed. The layouts are
kept in a small LRU keyed by those fields' JSON and the data folder (with the size and
modification time of each of its files, so an edited file is read again).

Shared arrays are made read-only; each build gets its own copy of the lattice, which its
world owns.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from uprising.data import DATA_DIR
from uprising.engine.lattice import Lattice
from uprising.scenario.world import PeruWorld

if TYPE_CHECKING:
    from uprising.data.peru_data import PeruData
    from uprising.world.peru import Placement

# The world fields that the seed-free steps read (a test checks `place_population` reads no
# other): two configs that agree on these share a layout.
LAYOUT_FIELDS = ("resolution_km", "population_scale", "seat_share", "spread", "sigma_min_km", "sigma_max_km")
LAYOUTS_KEPT = 8  # layouts kept (one is about 2 MB at 5 km cells)
DATA_KEPT = 2  # data folders kept

_lock = threading.Lock()
_layouts: OrderedDict[tuple, PeruLayout] = OrderedDict()
_data: OrderedDict[tuple, PeruData] = OrderedDict()
_maps: OrderedDict[tuple, Any] = OrderedDict()  # map worlds' layouts (uprising.world.map_world)


@dataclass(frozen=True)
class PeruLayout:
    """The seed-free parts of a Peru world (see `uprising.world.peru` for each step)."""

    data: PeruData
    department_lattice: Lattice  # shared: take `lattice()` for a world
    forced: tuple[tuple[int, int], ...]
    placement: Placement
    targets: np.ndarray  # int64[d] agents per department
    counts: np.ndarray  # int64[cells] agents per cell
    homes: np.ndarray  # int32[agents] each agent's cell, by department, then cell: take a copy

    def lattice(self) -> Lattice:
        """A lattice of the layout for one world to own."""
        shared = self.department_lattice
        return replace(
            shared, department=shared.department.copy(), department_names=list(shared.department_names)
        )


def _data_key(root: Path | None) -> tuple:
    """The data folder and (name, size, mtime) of each file of its `peru/` folder."""
    from uprising.data.peru_data import PERU_DATA

    return folder_key((Path(root) if root is not None else DATA_DIR).resolve() / PERU_DATA)


def folder_key(folder: Path) -> tuple:
    """A folder and (name, size, mtime) of each of its files: the key of what was read there."""
    folder = Path(folder).resolve()
    try:
        stamps = tuple(
            sorted(
                (p.name, s.st_size, s.st_mtime_ns)
                for p in folder.iterdir()
                if p.is_file()
                for s in [p.stat()]
            )
        )
    except OSError:
        stamps = ()  # missing or unreadable: the loader names the file
    return (str(folder), stamps)


def _remember(table: OrderedDict, key: tuple, build: Callable[[], Any], kept: int) -> Any:
    with _lock:
        if key in table:
            table.move_to_end(key)
            return table[key]
    value = build()  # outside the lock; a failure is raised and never kept
    with _lock:
        table[key] = value
        table.move_to_end(key)
        while len(table) > kept:
            table.popitem(last=False)
    return value


def _read_only(obj: Any) -> None:
    for f in fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray):
            value.flags.writeable = False


def peru_data(root: Path | None = None) -> PeruData:
    """`load_peru_data(root)`, read once per data folder and state of its files."""
    from uprising.data.peru_data import load_peru_data

    def load() -> PeruData:
        data = load_peru_data(root)
        _read_only(data)
        return data

    return _remember(_data, _data_key(root), load, DATA_KEPT)


def peru_layout(cfg: PeruWorld, root: Path | None = None) -> PeruLayout:
    """The lattice, placement and agents per cell of `cfg` on the data in `root`, built once."""
    from uprising.world.peru import cell_counts, department_targets, peru_lattice, place_population

    def build() -> PeruLayout:
        data = peru_data(root)
        lattice, forced = peru_lattice(data, cfg.resolution_km)
        placement = place_population(data, lattice, cfg)
        targets = department_targets(data, cfg.population_scale)
        counts = cell_counts(placement.expected, lattice.department, targets)
        order = np.argsort(lattice.department, kind="stable")
        order = order[lattice.department[order] >= 0].astype(np.int32)
        homes = np.repeat(order, counts[order])
        for array in (lattice.department, targets, counts, homes):
            array.flags.writeable = False
        _read_only(placement)
        return PeruLayout(data, lattice, tuple(forced), placement, targets, counts, homes)

    config = json.dumps(cfg.model_dump(mode="json", include=set(LAYOUT_FIELDS)), sort_keys=True)
    return _remember(_layouts, (_data_key(root), config), build, LAYOUTS_KEPT)


def remember_map(key: tuple, build: Callable[[], Any]) -> Any:
    """The map layout under `key` (see `folder_key`), built by `build` the first time."""
    return _remember(_maps, key, build, LAYOUTS_KEPT)


def clear() -> None:
    """Forget every layout and data folder read so far."""
    with _lock:
        _layouts.clear()
        _data.clear()
        _maps.clear()

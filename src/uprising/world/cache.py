"""The parts of a map world that no seed changes, built once per process and reused.

Reading the data, rasterising the regions and placing the people (`uprising.world.map_world`)
depend only on the data files and on the world fields of `map_world.LAYOUT_FIELDS`; a
calibration or an ensemble builds the same layout for every run, and only the agents' traits
and the forces' draws differ with the seed. Layouts are kept in a small LRU keyed by those
fields' JSON and the data folder (with the size and modification time of each of its files, so
an edited file is read again); Peru's checked data (`peru_data`), read by the alias
`world.kind: peru`, likewise.

Shared arrays are made read-only; each build gets its own copy of the lattice, which its
world owns.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from uprising.data import DATA_DIR

if TYPE_CHECKING:
    from uprising.data.peru_data import PeruData

LAYOUTS_KEPT = 8  # layouts kept (one is about 2 MB at 5 km cells)
DATA_KEPT = 2  # data folders kept

_lock = threading.Lock()
_data: OrderedDict[tuple, PeruData] = OrderedDict()
_maps: OrderedDict[tuple, Any] = OrderedDict()  # map worlds' layouts (uprising.world.map_world)


def peru_data_key(root: Path | None) -> tuple:
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

    return _remember(_data, peru_data_key(root), load, DATA_KEPT)


def remember_map(key: tuple, build: Callable[[], Any]) -> Any:
    """The map layout under `key` (see `folder_key`), built by `build` the first time."""
    return _remember(_maps, key, build, LAYOUTS_KEPT)


def clear() -> None:
    """Forget every layout and data folder read so far."""
    with _lock:
        _data.clear()
        _maps.clear()

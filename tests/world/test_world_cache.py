"""The seed-free parts of the Peru world (a map world's layout) are built once and reused, never
shared for writing."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tests.world.conftest import peru_layout
from uprising.data import DATA_DIR
from uprising.scenario.world import PeruWorld
from uprising.world import cache, map_world, peru

COARSE = {"resolution_km": 20.0, "population_scale": 1000.0}


def world_arrays(build: peru.PeruBuild) -> dict[str, np.ndarray]:
    w = build.world
    return {
        "department": w.lattice.department,
        "citizen_cell": w.citizen_cell,
        "hardship": w.hardship,
        "risk_aversion": w.risk_aversion,
        "cop_cell": w.cop_cell,
        "cop_kind": w.cop_kind,
        "legitimacy_multiplier": w.legitimacy_multiplier,
    }


def assert_same_world(a: peru.PeruBuild, b: peru.PeruBuild) -> None:
    for (name, x), y in zip(world_arrays(a).items(), world_arrays(b).values(), strict=True):
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    assert a.forced_cells == b.forced_cells and a.snapped_districts == b.snapped_districts


def test_a_remembered_layout_builds_the_same_world_as_a_fresh_one():
    cfg = PeruWorld(**COARSE)
    cache.clear()
    fresh = peru.build_peru_world(cfg, seed=3)
    again = peru.build_peru_world(cfg, seed=3)
    assert_same_world(fresh, again)
    other = peru.build_peru_world(cfg, seed=4)  # same layout, other traits
    assert np.array_equal(other.world.citizen_cell, fresh.world.citizen_cell)
    assert not np.array_equal(other.world.hardship, fresh.world.hardship)


def test_configs_that_differ_only_in_traits_share_one_layout():
    base = peru_layout(PeruWorld(**COARSE))
    assert peru_layout(PeruWorld(**COARSE, hardship_poverty_weight=0.9, police_per_100k=100)) is base
    assert peru_layout(PeruWorld(**COARSE, seat_share=0.5)) is not base
    assert peru_layout(PeruWorld(resolution_km=15.0, population_scale=1000.0)) is not base


def test_each_world_owns_its_lattice_and_the_shared_arrays_are_read_only():
    cfg = PeruWorld(**COARSE)
    first = peru.build_peru_world(cfg, seed=1)
    first.world.lattice.department[:] = 0  # a world may change its own lattice
    second = peru.build_peru_world(cfg, seed=1)
    assert (second.world.lattice.department == -1).any()
    layout = peru_layout(cfg)
    for array in (
        layout.counts,
        layout.seat_share,
        layout.data.seat_population,
        layout.homes,
        layout.targets,
    ):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1


def test_an_edited_data_file_is_read_again(tmp_path):
    shutil.copytree(DATA_DIR / "peru", tmp_path / "peru", ignore=shutil.ignore_patterns("observed"))
    cfg = PeruWorld(**COARSE)
    before = peru.build_peru_world(cfg, seed=1, data_root=tmp_path)
    regions = tmp_path / "peru" / "regions.csv"
    lines = regions.read_text("utf-8").splitlines(keepends=True)
    header = lines[0].strip().split(",")
    row = lines[1].split(",")
    column = header.index("population")
    row[column] = str(int(row[column]) + 500_000)
    regions.write_text(lines[0] + ",".join(row) + "".join(lines[2:]), "utf-8")
    after = peru.build_peru_world(cfg, seed=1, data_root=tmp_path)
    assert after.world.citizens == before.world.citizens + 500


class _Recorder:
    """A config that notes which of its fields are read."""

    def __init__(self, cfg) -> None:
        self._cfg, self.read = cfg, set()

    def __getattr__(self, name: str):
        self.read.add(name)
        return getattr(self._cfg, name)


def test_the_layout_key_holds_every_field_the_placement_reads():
    layout = peru_layout(PeruWorld(**COARSE))
    seats = (layout.lattice, layout.seat_cell, layout.data.seat_region)
    people = layout.data.seat_population.astype(float)
    cfg = _Recorder(peru.peru_map_world(PeruWorld(**COARSE)))
    map_world.place_by_territory(*seats, layout.seat_xy, people, cfg)  # type: ignore[arg-type]
    map_world.place_seats(*seats, people, cfg)  # type: ignore[arg-type]
    assert cfg.read <= set(map_world.LAYOUT_FIELDS)

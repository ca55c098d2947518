"""The world of Peru: one instance of the map world (`uprising.world.map_world`).

`world.kind: peru` is an alias. Its section (`PeruWorld`) keeps Peru's parameters with their
sources; `peru_map_world` turns it into the `MapWorld` it stands for, and Peru's packaged files
(`uprising/data/peru/`, see SOURCES.md there) are read as a map world's data by
`uprising.data.peru_data.peru_map_data`:

- the projection is equirectangular (`projection: equirectangular`), 5 km cells by default;
- departments are the regions, in the order of regions.csv; districts are the seats, each
  spreading its people by the territory kernel (`seat_kernel: territory`); department totals
  are INEI's 2017 population with its estimated omission (`population_column: population`),
  districts.csv shaping only where they live; a department too small to own a cell centre is
  given the cell of its capital (regions.csv capital_lon, capital_lat);
- hardship moves with informal employment and poverty against the national rates of the
  scenario, and with the optional discrimination share (per 100 points, reference 0);
- legitimacy follows Castillo's 2021 runoff share against the national share summed from the
  department vote counts, by district carried to cells (`legitimacy_alignment: district`, the
  map world's `alignment.by: cell`), by department, or by voter;
- military at the start by department; the crisis's neighbours are adjacency.csv's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from uprising.data import DATA_DIR
from uprising.data.peru_data import (
    ALIGNMENT_COLUMN,
    DISCRIMINATION_COLUMNS,
    INFORMALITY_COLUMN,
    PERU_DATA,
    POPULATION_COLUMN,
    POVERTY_COLUMN,
    PeruData,
    peru_map_data,
)
from uprising.engine.lattice import World
from uprising.scenario.world import AlignmentColumn, HardshipColumn, MapWorld, PeruWorld
from uprising.world.cache import peru_data, peru_data_key
from uprising.world.map_world import DataSource, MapBuild, build_map_world

ALIGNMENT_BY = {"district": "cell", "department": "region", "voter": "voter"}


def peru_source(root: Path | None = None) -> DataSource:
    """Peru's packaged files (or those of `root/peru/`) as a map world's data source."""
    return (("peru", peru_data_key(root)), lambda: peru_map_data(peru_data(root), root))


def _weighted(column: str, weight: float, reference: float, per: float = 10.0) -> HardshipColumn:
    direction = "raises" if weight >= 0 else "lowers"
    return HardshipColumn(
        column=column, direction=direction, weight=abs(weight), reference=reference, per=per
    )


def peru_map_world(cfg: PeruWorld, root: Path | None = None) -> MapWorld:
    """The map world a `PeruWorld` section stands for (see the module docstring)."""
    data = peru_data(root)
    hardship = [
        _weighted(INFORMALITY_COLUMN, cfg.hardship_informality_weight, cfg.national_informality_pct),
        _weighted(POVERTY_COLUMN, cfg.hardship_poverty_weight, cfg.national_poverty_pct),
    ]
    if cfg.discrimination_source != "none":
        column = DISCRIMINATION_COLUMNS[cfg.discrimination_source]
        hardship.append(_weighted(column, cfg.discrimination_weight, 0.0, per=100.0))
    return MapWorld(
        data=str((Path(root) if root is not None else DATA_DIR) / PERU_DATA),
        code_property="ubigeo",
        projection="equirectangular",
        resolution_km=cfg.resolution_km,
        population_scale=cfg.population_scale,
        population_column=POPULATION_COLUMN,
        seat_share=cfg.seat_share,
        seat_kernel="territory",
        spread=cfg.spread,
        sigma_min_km=cfg.sigma_min_km,
        sigma_max_km=cfg.sigma_max_km,
        hardship_national_mean=cfg.hardship_national_mean,
        hardship_concentration=cfg.hardship_concentration,
        hardship=hardship,
        alignment=AlignmentColumn(
            column=ALIGNMENT_COLUMN,
            direction="against",
            strength=cfg.legitimacy_strength,
            reference=data.national_castillo_pct,
            seat_column=ALIGNMENT_COLUMN,
            by=ALIGNMENT_BY[cfg.legitimacy_alignment],
        ),
        police_per_100k=cfg.police_per_100k,
        military_at_start=dict(cfg.military_at_start),
    )


@dataclass
class PeruBuild:
    """A built world of Peru and what the summary, the plot and the tests need to know about it."""

    world: World
    config: PeruWorld
    seed: int
    data: PeruData
    build: MapBuild
    district_total_gap: np.ndarray  # int64[d]: districts.csv sum - regions.csv population
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def hardship_mu(self) -> np.ndarray:
        return self.build.hardship_mu

    @property
    def citizen_offsets(self) -> np.ndarray:
        return self.build.citizen_offsets

    @property
    def forced_cells(self) -> list[tuple[int, int]]:
        return list(self.build.layout.forced)

    @property
    def snapped_districts(self) -> int:
        return self.build.layout.snapped

    @property
    def discrimination_missing(self) -> np.ndarray:
        """bool[d]: the discrimination source has no figure there (all, without a source)."""
        if self.config.discrimination_source == "none":
            return np.ones(self.data.departments, bool)
        column = DISCRIMINATION_COLUMNS[self.config.discrimination_source]
        return ~np.isfinite(self.build.layout.data.indicators[column])

    @property
    def discrimination(self) -> np.ndarray:
        """float64[d]: the discrimination term added to the log-odds of mean hardship."""
        if self.config.discrimination_source == "none":
            return np.zeros(self.data.departments)
        share = self.build.layout.data.indicators[DISCRIMINATION_COLUMNS[self.config.discrimination_source]]
        return np.where(self.discrimination_missing, 0.0, self.config.discrimination_weight * share / 100.0)


def build_peru_world(cfg: PeruWorld, seed: int = 1, data_root: Path | None = None) -> PeruBuild:
    """Build the world of Peru from a `PeruWorld` section and a seed, through the map world."""
    built = build_map_world(peru_map_world(cfg, data_root), seed, source=peru_source(data_root))
    data = peru_data(data_root)
    gap = (
        np.bincount(
            data.district_department, weights=data.district_population, minlength=data.departments
        ).astype(np.int64)
        - data.population
    )
    notes = list(built.notes)
    if cfg.discrimination_source != "none":
        column = DISCRIMINATION_COLUMNS[cfg.discrimination_source]
        notes = [n for n in notes if column not in n]
        missing = int((~np.isfinite(built.layout.data.indicators[column])).sum())
        if missing:
            file = (
                "regions.csv" if cfg.discrimination_source == "quechua_aymara" else "regions_provenance.csv"
            )
            notes.insert(
                0,
                f"discrimination: {file} {column} has no figure for {missing} of {data.departments} "
                "departments; the term is 0 there",
            )
    if gap.any():
        notes.append(
            f"districts.csv totals differ from regions.csv in {int(np.count_nonzero(gap))} departments; "
            "regions.csv totals are used"
        )
    return PeruBuild(built.world, cfg, seed, data, built, gap, built.seconds, notes)

"""The `world:` section of a scenario: the classic torus (`TorusWorld`), the map of Peru
(`PeruWorld`) or a map of any country from a data folder (`MapWorld`), built by
`uprising.world`.

Every parameter of the Peru world sits here, typed, range-checked and documented. Each
description starts with where the value comes from:

- ``sourced:`` the default is a published figure (the citation follows);
- ``assumed:`` a modelling choice with no figure behind it;
- ``calibrated:`` a free parameter, to be tuned against the observed crisis by the dynamics.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from uprising.scenario.section import Section


class TorusWorld(Section):
    """The classic Epstein lattice: a torus of sites holding at most one agent each."""

    kind: Literal["torus"] = "torus"
    width: int = Field(40, ge=1, le=20_000, description="sites across")
    height: int = Field(40, ge=1, le=20_000, description="sites down")
    citizen_density: float = Field(0.7, ge=0.0, le=1.0, description="share of sites with a citizen")
    cop_density: float = Field(0.074, ge=0.0, le=1.0, description="share of sites with a cop")
    placement: Literal["bernoulli", "exact"] = Field(
        "bernoulli",
        description="bernoulli: each site draws citizen/cop/empty (Mesa); "
        "exact: exactly round(density * sites) of each, on random sites (NetLogo)",
    )

    @model_validator(mode="after")
    def _densities_fit(self) -> TorusWorld:
        total = self.citizen_density + self.cop_density
        if total > 1.0 + 1e-12:
            raise ValueError(f"citizen_density + cop_density = {total:g}: must be in [0, 1]")
        return self


class PeruWorld(Section):
    """Peru's 25 departments rasterised to square cells, with its 2017 population placed on them.

    Build it with `uprising.world.peru.build_peru_world`; `uprising world` prints a summary.
    """

    kind: Literal["peru"] = "peru"

    # --- the lattice -----------------------------------------------------------------------
    resolution_km: float = Field(
        5.0,
        ge=1.0,
        le=20.0,
        description="assumed: side of a square cell, in km. The lattice is a local "
        "equirectangular projection centred on Peru's middle latitude (see uprising.world.peru)",
    )
    population_scale: float = Field(
        100.0,
        ge=1.0,
        le=1000.0,
        description="assumed: real people per agent. 1 = one agent per person (31,237,385 "
        "citizens); 100 = 1:100. Department totals are INEI's 2017 population (regions.csv)",
    )

    # --- placing each district's people on cells ------------------------------------------
    seat_share: float = Field(
        0.25,
        ge=0.0,
        le=1.0,
        description="assumed: share of a district's people put on the cell of its capital town; "
        "the rest is spread by a Gaussian kernel around it (cities dense, the puna sparse)",
    )
    spread: float = Field(
        0.3,
        ge=0.0,
        le=5.0,
        description="assumed: kernel width sigma = spread * sqrt(territory), territory being the "
        "area (km^2) of the cells of the district's department nearer to its capital than to "
        "any other capital of that department",
    )
    sigma_min_km: float = Field(
        2.0, ge=0.1, le=100.0, description="assumed: smallest kernel width sigma, in km"
    )
    sigma_max_km: float = Field(
        25.0, ge=0.1, le=200.0, description="assumed: largest kernel width sigma, in km"
    )

    # --- hardship: Beta(mu * c, (1 - mu) * c) per department ------------------------------
    hardship_national_mean: float = Field(
        0.5,
        gt=0.0,
        lt=1.0,
        description="calibrated: mean hardship of a department at the national informality and "
        "poverty rates; 0.5 with concentration 2 gives Epstein's U(0, 1)",
    )
    hardship_informality_weight: float = Field(
        0.3,
        ge=-10.0,
        le=10.0,
        description="calibrated: change of the log-odds of mean hardship per 10 percentage "
        "points of informal employment above the national rate",
    )
    hardship_poverty_weight: float = Field(
        0.3,
        ge=-10.0,
        le=10.0,
        description="calibrated: change of the log-odds of mean hardship per 10 percentage "
        "points of monetary poverty above the national rate",
    )
    hardship_concentration: float = Field(
        2.0,
        gt=0.0,
        le=1000.0,
        description="calibrated: Beta concentration c = alpha + beta; 2 at mean 0.5 is U(0, 1), "
        "larger values give less spread within a department",
    )
    national_informality_pct: float = Field(
        74.0,
        ge=0.0,
        le=100.0,
        description="sourced: national informal employment rate 2022, % (INEI EPEN, same table "
        "as regions.csv informal_employment_pct)",
    )
    national_poverty_pct: float = Field(
        27.5,
        ge=0.0,
        le=100.0,
        description="sourced: national monetary poverty rate 2022, % (INEI, as cited in "
        "SOURCES.md for regions.csv poverty_pct)",
    )

    # --- discrimination: an optional term added to the log-odds of mean hardship ----------
    discrimination_source: Literal["none", "quechua_aymara", "indigenous_partial"] = Field(
        "quechua_aymara",
        description="sourced where present: the department share that drives the discrimination "
        "term. quechua_aymara: regions.csv quechua_aymara_pct (empty in the data: the term is 0 "
        "everywhere and the summary says so); indigenous_partial: regions_provenance.csv "
        "indigenous_mother_tongue_pct_2017_partial (5 departments; 0 elsewhere); none: off",
    )
    discrimination_weight: float = Field(
        0.5,
        ge=0.0,
        le=10.0,
        description="calibrated: change of the log-odds of mean hardship when the share goes "
        "from 0 to 100%; 0 where the source has no figure",
    )

    # --- legitimacy --------------------------------------------------------------------------
    legitimacy_strength: float = Field(
        1.0,
        ge=0.0,
        le=5.0,
        description="calibrated: regional legitimacy multiplier = 1 - strength * (Castillo's "
        "2021 runoff share - national share) / 100, clipped to [0, 2]. The national share is "
        "summed from the department vote counts in regions_provenance.csv (votes cast in Peru, "
        "50.44%; 50.13% with the votes cast abroad, which belong to no department)",
    )
    legitimacy_alignment: Literal["district", "department", "voter"] = Field(
        "district",
        description="sourced: whose runoff share sets a citizen's legitimacy multiplier and how "
        "deep a legitimacy shock goes for it. district: its home cell's share, the "
        "population-weighted mean over the districts whose people were placed on that cell "
        "(runoff_2021_by_district.csv, ONPE); department: its department's share for everyone "
        "in it (regions.csv castillo_runoff_pct); voter: its own vote, each citizen a Castillo "
        "voter with its home cell's share as probability (drawn from the world's seed), the "
        "multiplier of a share of 100% or 0%, and a shock's depth on a cell carried by its "
        "voters alone (the cell's mean drop unchanged)",
    )

    # --- security forces ---------------------------------------------------------------------
    police_per_100k: float = Field(
        390.0,
        ge=0.0,
        le=10_000.0,
        description="sourced: police officers per 100,000 people. UNODC gives 390.01 for Peru "
        "in 2023 (quoted by El Comercio, 2026-01-28); PNP human resources gave 387 (132,788 "
        "officers, Aug 2025) and 394 (135,318, Jan 2026). No 2022 figure was found; 390 applied "
        "to the 2017 population gives about 122,000 officers. Placed in proportion to population",
    )
    military_at_start: dict[str, Annotated[int, Field(ge=0, le=10_000_000)]] = Field(
        default_factory=dict,
        description="assumed: soldiers per department (name or 2-digit ubigeo) deployed at tick "
        "0, scaled by population_scale like everyone else; empty = none. Scheduled events "
        "deploy more with uprising.world.map_world.deploy_military",
    )

    # --- roads: where blockade points sit ------------------------------------------------------
    roads_geojson: str | None = Field(
        None,
        min_length=1,
        max_length=1000,
        exclude_if=lambda v: v is None,  # left out of the dump (and the hash) when unset
        description="sourced where given: a GeoJSON FeatureCollection of road lines (LineString "
        "or MultiLineString, lon/lat degrees; a relative path is taken from the current folder) "
        "whose cells are the road points of blockades, e.g. an extract of the Red Vial Nacional; "
        "null: the straight lines between the capitals of neighbouring departments (the package "
        "ships no road network: no extract with a licence could be had, see data/peru/SOURCES.md)",
    )


class HardshipColumn(Section):
    """One column of `indicators.csv` that moves the log-odds of a region's mean hardship."""

    column: str = Field(min_length=1, max_length=100, description="column of indicators.csv")
    direction: Literal["raises", "lowers"] = Field(
        "raises", description="raises: more of the column, more hardship; lowers: less"
    )
    weight: float = Field(
        0.3,
        ge=0.0,
        le=10.0,
        description="calibrated: change of the log-odds of mean hardship per 10 units of the "
        "column away from the reference",
    )
    reference: float | None = Field(
        None,
        ge=-1e9,
        le=1e9,
        description="sourced: the column's national value; null = the regions' mean weighted by "
        "their population",
    )
    per: float = Field(
        10.0,
        gt=0.0,
        le=1e9,
        description="assumed: the units of the column over which the log-odds move by weight "
        "(10: per 10 points of a rate in %; 100: from 0 to 100%)",
    )


class AlignmentColumn(Section):
    """The column of `indicators.csv`, a share in %, that sets each region's legitimacy."""

    column: str = Field(min_length=1, max_length=100, description="column of indicators.csv, in %")
    direction: Literal["against", "for"] = Field(
        "against",
        description="against: the column measures support for the side the government's "
        "legitimacy is lost to (more of it, less legitimacy); for: the reverse",
    )
    strength: float = Field(
        1.0,
        ge=0.0,
        le=5.0,
        description="calibrated: legitimacy multiplier = 1 - sign * strength * (share - "
        "reference) / 100, clipped to [0, 2]",
    )
    reference: float | None = Field(
        None,
        ge=0.0,
        le=100.0,
        description="sourced: the national share, %; null = the regions' mean weighted by their population",
    )
    seat_column: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        exclude_if=lambda v: v is None,
        description="column of population.csv, in %: each seat's own share, carried with its "
        "people to the cells they are placed on (needed by `by: cell` and `by: voter`)",
    )
    by: Literal["region", "cell", "voter"] = Field(
        "region",
        description="region: every citizen weighs its region's multiplier; cell: its home cell's, "
        "from the population-weighted mean of the seat shares placed there (a cell with nobody "
        "placed takes its region's), and a legitimacy shock goes deeper where that share over the "
        "reference is higher; voter: the cell tables, and each citizen on the side the column "
        "counts with its cell's share as probability (drawn from the world's seed), weighing the "
        "multiplier of a share of 100% or 0%",
    )

    @model_validator(mode="after")
    def _seat_column_for_cells(self) -> AlignmentColumn:
        if self.by != "region" and self.seat_column is None:
            raise ValueError(f"by {self.by}: needs seat_column, a column of population.csv")
        return self


class MapWorld(Section):
    """Any country from a data folder: regions, population, indicators, sites, roads.

    The folder's format is in docs/own_crisis.md; `uprising world --check` validates one.
    Build it with `uprising.world.map_world.build_map_world`.
    """

    kind: Literal["map"] = "map"
    data: str = Field(
        min_length=1,
        max_length=1000,
        description="the data folder; a relative path is taken from the scenario file's folder",
    )
    code_property: str = Field(
        "code", min_length=1, max_length=100, description="property of a region's code in regions.geojson"
    )
    name_property: str = Field(
        "name", min_length=1, max_length=100, description="property of a region's name in regions.geojson"
    )
    resolution_km: float = Field(
        5.0, ge=0.1, le=50.0, description="assumed: side of a square cell, in km (equal-area projection)"
    )
    population_scale: float = Field(
        100.0, ge=1.0, le=1_000_000.0, description="assumed: real people per agent"
    )
    seat_share: float = Field(
        0.25,
        ge=0.0,
        le=1.0,
        description="assumed: share of a sub-region's people put on the cell of its seat; the rest "
        "is spread by a Gaussian kernel of width spread_km around it, within its region",
    )
    projection: Literal["laea", "equirectangular"] = Field(
        "laea",
        description="laea: Lambert azimuthal equal-area centred on the regions' bounding box (cells "
        "of equal area everywhere); equirectangular: x = longitude x 111.320 cos(lat0) km, y = "
        "latitude x 110.574 km, lat0 the latitude of the lattice's middle row (cells square, cell "
        "to degrees linear; areas off by the cosine ratio away from lat0)",
    )
    population_column: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        exclude_if=lambda v: v is None,
        description="column of indicators.csv with each region's people (a whole number for every "
        "region, e.g. a census total with its estimated omission); population.csv then only "
        "shapes where they live within the region. null: the sum of its rows of population.csv",
    )
    seat_kernel: Literal["fixed", "territory"] = Field(
        "fixed",
        description="fixed: every seat spreads its people with one kernel width spread_km, "
        "centred on the seat's cell; territory: a width sigma = clip(spread * sqrt(territory), "
        "sigma_min_km, sigma_max_km), the territory being the area (km^2) of the region's cells "
        "nearer to this seat than to any other of the region, centred on the seat itself (dense "
        "city seats narrow, rural ones wide)",
    )
    spread_km: float = Field(10.0, ge=0.1, le=500.0, description="assumed: kernel width sigma, in km")
    spread: float = Field(
        0.3, ge=0.0, le=5.0, description="assumed: seat_kernel territory: sigma = spread * sqrt(territory)"
    )
    sigma_min_km: float = Field(
        2.0, ge=0.1, le=100.0, description="assumed: seat_kernel territory: smallest sigma, in km"
    )
    sigma_max_km: float = Field(
        25.0, ge=0.1, le=200.0, description="assumed: seat_kernel territory: largest sigma, in km"
    )
    hardship_national_mean: float = Field(
        0.5, gt=0.0, lt=1.0, description="calibrated: mean hardship of a region at every reference"
    )
    hardship_concentration: float = Field(
        2.0, gt=0.0, le=1000.0, description="calibrated: Beta concentration c = alpha + beta"
    )
    hardship: list[HardshipColumn] = Field(
        default_factory=list, max_length=50, description="columns that move mean hardship"
    )
    alignment: AlignmentColumn | None = Field(
        None, description="the share that sets legitimacy by region; null = multiplier 1 everywhere"
    )
    police_per_100k: float = Field(
        300.0,
        ge=0.0,
        le=10_000.0,
        description="sourced: police officers per 100,000 people, placed in proportion to population",
    )
    military_at_start: dict[str, Annotated[int, Field(ge=0, le=10_000_000)]] = Field(
        default_factory=dict,
        description="assumed: soldiers per region (code or name) deployed at tick 0, on its cells "
        "in proportion to their citizens and scaled by population_scale, after those of the "
        "folder's forces.csv; empty = none",
    )

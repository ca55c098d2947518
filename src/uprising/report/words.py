"""What a report calls the places of its runs' world and the sources of its observed series:
Peru's departments (deaths from the Defensoría, blockades from Sutran), a map world's regions
in its folder's own word (both series from its folder's observed.csv)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from uprising.recorder.output import RunOutput


@dataclass(frozen=True)
class Places:
    """The word for one place and for several, and where the observed deaths and blockades come from."""

    one: str
    many: str
    deaths_source: str
    blockades_source: str


DEPARTMENTS = Places("department", "departments", "Defensoría", "Sutran")
REGIONS = Places("region", "regions", "observed.csv", "observed.csv")


def places_of_parameters(parameters: Mapping[str, Any]) -> Places:
    """The places of a run's world, from its parameters (its scenario dump): a map world's in
    its data folder's own word (metadata.json: Ecuador's provinces), else regions."""
    world = parameters.get("world") or {}
    kind = world.get("kind") if isinstance(world, Mapping) else None
    if kind != "map":
        return DEPARTMENTS
    from uprising.data.map_data import place_words  # (shapely: only for a map world)

    one, many = place_words(str(world.get("data", "")))
    return replace(REGIONS, one=one, many=many)


def places_of(outputs: Sequence[RunOutput]) -> Places:
    """The places of the runs' world (they share one world)."""
    return places_of_parameters(outputs[0].parameters) if outputs else DEPARTMENTS

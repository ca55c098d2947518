"""docs/model.md documents every scenario parameter, and names no parameter the code lacks."""

from __future__ import annotations

import re
import typing

from pydantic import BaseModel

from tests.docs.conftest import DOCS
from uprising.dynamics.config import Dynamics
from uprising.institutions.config import InstitutionsConfig
from uprising.scenario.model import Scenario
from uprising.scenario.world import PeruWorld

MODEL_MD = DOCS / "model.md"
SECTIONS = ("world", "citizens", "cops", "rules", "run", "changes", "dynamics", "calibrated", "institutions")
PARAMETER_LIKE = re.compile(r"`((?:" + "|".join(SECTIONS) + r")(?:\[\])?(?:\.(?:\w+|\*)(?:\[\])?)+)`")


def _leaf_names(model: type[BaseModel]) -> set[str]:
    """Names of every field of a model and of the models nested in it, walked independently."""
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(name)
        for arg in _nested(info.annotation):
            names |= _leaf_names(arg)
    return names


def _nested(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) or () if a is not annotation for m in _nested(a)]


def test_the_committed_tables_are_those_the_models_generate(parameter_tables):
    text = MODEL_MD.read_text("utf-8")
    assert parameter_tables.updated(text) == text, (
        "docs/model.md is stale: run python docs/parameter_tables.py"
    )


def test_every_parameter_of_every_section_appears_in_model_md(parameter_tables):
    text = MODEL_MD.read_text("utf-8")
    missing = sorted(p for p in parameter_tables.parameter_paths() if f"`{p}`" not in text)
    assert not missing, f"parameters missing from docs/model.md: {missing}"


def test_the_documented_paths_cover_every_field_of_the_models(parameter_tables):
    """Walking the models independently of the generator finds no field it left out."""
    documented = {p.rsplit(".", 1)[-1] for p in parameter_tables.parameter_paths()}
    for model in (Scenario, PeruWorld, Dynamics, InstitutionsConfig):
        fields = _leaf_names(model)
        sections = {n for n in fields if _nested(_annotation_of(model, n))}
        assert fields - sections <= documented, sorted(fields - sections - documented)


def _annotation_of(model: type[BaseModel], name: str) -> object:
    for m in [model, *_all_nested(model)]:
        if name in m.model_fields:
            return m.model_fields[name].annotation
    raise KeyError(name)


def _all_nested(model: type[BaseModel]) -> list[type[BaseModel]]:
    out = []
    for info in model.model_fields.values():
        for sub in _nested(info.annotation):
            out += [sub, *_all_nested(sub)]
    return out


def test_every_parameter_named_anywhere_in_model_md_exists(parameter_tables):
    """Backquoted dotted names in a section's namespace are parameters or sections of the models."""
    leaves = parameter_tables.parameter_paths()
    sections = {p.rsplit(".", k)[0].removesuffix("[]") for p in leaves for k in range(1, p.count(".") + 1)}
    known = leaves | sections
    named = set(PARAMETER_LIKE.findall(MODEL_MD.read_text("utf-8")))
    unknown = sorted(n for n in named if n not in known)
    assert not unknown, f"docs/model.md names parameters the models do not have: {unknown}"


def test_the_cross_check_catches_a_renamed_parameter(parameter_tables):
    text = MODEL_MD.read_text("utf-8").replace(
        "`dynamics.lethality.police_rate`", "`dynamics.lethality.police_rat`"
    )
    assert (
        "dynamics.lethality.police_rat"
        in set(PARAMETER_LIKE.findall(text)) - parameter_tables.parameter_paths()
    )
    assert parameter_tables.updated(text) != text


def test_ranges_and_defaults_come_from_the_fields(parameter_tables):
    text = MODEL_MD.read_text("utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `dynamics.lethality.police_rate` |"))
    cells = [c.strip() for c in row.split("|")[1:-1]]
    assert cells[2] == "deaths per day per 1,000 police"
    assert cells[3] == "[0, 100]"
    assert cells[4] == "`0.02`"
    row = next(line for line in text.splitlines() if line.startswith("| `world.hardship_national_mean` |"))
    assert "| (0, 1) |" in row

"""Load scenarios from YAML (built-in names or files), apply `--set key=value` overrides.

YAML is read as plain data within fixed bounds (see `bounded_yaml`): a scenario file is data,
never code, and a hostile one is refused in one line before it can exhaust memory or time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import typing
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Tag, ValidationError
from pydantic.fields import FieldInfo

from uprising.dynamics.config import Dynamics
from uprising.errors import ScenarioError
from uprising.institutions.config import InstitutionsConfig
from uprising.scenario.bounded_yaml import MAX_BYTES, load_bounded, shown_name
from uprising.scenario.model import Scenario
from uprising.scenario.paths import dotted_paths, value_at

BUILTIN_PACKAGE = "uprising.scenario.builtin"


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with the package, sorted."""
    folder = resources.files(BUILTIN_PACKAGE)
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _read_text(path: Path, label: str) -> str:
    """The text of a scenario file, reading at most MAX_BYTES + 1 bytes (so /dev/zero stops)."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(f"scenario file {label}: not found") from None
    except OSError as err:
        raise ScenarioError(f"scenario file {label}: unreadable ({err.strerror})") from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(f"scenario file {label}: larger than {MAX_BYTES:,} bytes (the limit)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError(f"scenario file {label}: not UTF-8 text (byte {err.start})") from None


def read_scenario_yaml(name_or_path: str) -> tuple[str, dict[str, Any]]:
    """The label and the raw mapping of a built-in scenario (by name) or a YAML file (by path)."""
    path = Path(name_or_path)
    if name_or_path in builtin_names():
        text = resources.files(BUILTIN_PACKAGE).joinpath(f"{name_or_path}.yaml").read_text("utf-8")
        label = name_or_path
        path = Path(str(resources.files(BUILTIN_PACKAGE))) / f"{name_or_path}.yaml"
    elif path.suffix in (".yaml", ".yml") or path.exists():
        label = str(path)
        text = _read_text(path, label)
    else:
        raise ScenarioError(
            f"scenario {name_or_path[:60]!r}: unknown; built-in scenarios are "
            f"{', '.join(builtin_names())} (or give a path to a .yaml file)"
        )
    data = load_bounded(text, f"scenario {label}")
    if not isinstance(data, dict):
        raise ScenarioError(f"scenario {label}: expected a mapping of sections at the top level")
    world = data.get("world")
    if isinstance(world, dict) and world.get("kind") == "map" and isinstance(world.get("data"), str):
        # A map world's data folder is named relative to the scenario file that names it.
        world["data"] = str((path.parent / world["data"]).resolve())
    return label, data


def _models_in(annotation: Any) -> list[tuple[type[BaseModel], str | None]]:
    """The pydantic models an annotation may hold (`Model`, `Model | None`, a tagged union),
    each with its union tag if it has one; list and dict items are not looked into."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [(annotation, None)]
    if typing.get_origin(annotation) in (list, dict):
        return []
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *meta = typing.get_args(annotation)
        tags = [m.tag for m in meta if isinstance(m, Tag)]
        return [(model, tags[0] if tags else tag) for model, tag in _models_in(inner)]
    return [found for arg in typing.get_args(annotation) for found in _models_in(arg)]


def _item_type(annotation: Any) -> Any:
    """The type of the items of the list or dict in an annotation (`list[X] | None` gives X)."""
    origin = typing.get_origin(annotation)
    if origin in (list, dict):
        return typing.get_args(annotation)[-1]
    for arg in typing.get_args(annotation):
        found = _item_type(arg)
        if found is not None:
            return found
    return None


def field_at(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[list[str], FieldInfo | None]:
    """The `--set` key path of a pydantic error location and the field it ends on.

    A location also holds the tags of unions (`world.torus.width`, `changes.0.SetValue.tick`),
    which a user never writes; they are left out of the path.
    """
    path, field, _ = _walk(model, loc)
    return path, field


def _walk(
    model: type[BaseModel], loc: tuple[Any, ...]
) -> tuple[list[str], FieldInfo | None, list[tuple[tuple[Any, ...], Any]]]:
    """`field_at`, with the union members the location went through: (location before, tag)."""
    path: list[str] = []
    field: FieldInfo | None = None
    annotation: Any = model
    tags: list[tuple[tuple[Any, ...], Any]] = []
    for i, part in enumerate(loc):
        models = _models_in(annotation)
        named = [m for m, _ in models if isinstance(part, str) and part in m.model_fields]
        if named:
            field = named[0].model_fields[part]
            annotation = field.annotation
            path.append(part)
            continue
        tagged = [m for m, tag in models if part in (tag, m.__name__)]
        if tagged:
            annotation = tagged[0]
            tags.append((tuple(loc[:i]), part))
            continue
        # A list index, a dict key, or a field that does not exist.
        path.append(str(part) if isinstance(part, int) else shown_name(part))
        field, annotation = None, _item_type(annotation)
    return path, field, tags


def _bounds(field: FieldInfo | None) -> tuple[Any, Any, bool, bool]:
    """Lower and upper bounds of a field, and whether each is open (`gt`/`lt`)."""
    lo = hi = None
    lo_open = hi_open = False
    for meta in field.metadata if field is not None else ():
        if getattr(meta, "ge", None) is not None:
            lo, lo_open = meta.ge, False
        if getattr(meta, "gt", None) is not None:
            lo, lo_open = meta.gt, True
        if getattr(meta, "le", None) is not None:
            hi, hi_open = meta.le, False
        if getattr(meta, "lt", None) is not None:
            hi, hi_open = meta.lt, True
    return lo, hi, lo_open, hi_open


def _field_range(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> str:
    """The allowed range of the field at `loc`, read from its `ge`/`gt`/`le`/`lt` constraints."""
    if model is None:
        return ""
    lo, hi, lo_open, hi_open = _bounds(field_at(model, loc)[1])
    if lo is None and hi is None:
        return ""
    left = "(-inf" if lo is None else f"{'(' if lo_open else '['}{lo}"
    right = "inf)" if hi is None else f"{hi}{')' if hi_open else ']'}"
    return f" (allowed range {left}, {right})"


_RULES = {"greater_than_equal": ">=", "less_than_equal": "<=", "greater_than": ">", "less_than": "<"}


def _shown_value(value: Any) -> str:
    """` = value` for a value a message may quote: a number, a boolean, a short name or date."""
    if isinstance(value, bool) or value is None:
        return f" = {value}"
    if isinstance(value, int) and value.bit_length() <= 64 or isinstance(value, float):
        return f" = {value!r}"
    if isinstance(value, str) and shown_name(value, 41) == value and len(value) <= 40:
        return f" = {value!r}"
    return ""


_PLAIN = {
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of names to values",
    "model_type": "must be a section of named fields",
    "missing": "is required",
    "date_from_datetime_parsing": "must be a date, YYYY-MM-DD",
    "date_parsing": "must be a date, YYYY-MM-DD",
    "date_type": "must be a date, YYYY-MM-DD",
}
"""Pydantic's error types in plain words (its own messages name its internals)."""


def _problem(label: str, error: Any, model: type[BaseModel]) -> str:
    """One validation problem: the `--set` key, its value, what it must be and the allowed range."""
    parts, _ = field_at(model, tuple(error["loc"]))
    path = ".".join(parts) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"scenario {label}: unknown field {path}"
    rule = _RULES.get(error["type"])
    if rule is not None:
        limit = next(iter(error.get("ctx", {}).values()), "")
        msg = f"must be {rule} {limit}"
    elif error["type"] in _PLAIN:
        msg = _PLAIN[error["type"]]
    else:
        msg = error["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
    shown = _shown_value(error.get("input"))
    return f"scenario {label}: {path}{shown}: {msg}{_field_range(model, tuple(error['loc']))}"


MAX_PROBLEMS = 20
"""Problems listed one per line at most; a file with more gets a last line counting the rest."""


def format_validation_error(label: str, err: ValidationError, model: type[BaseModel]) -> str:
    """Every failing field, one line each, named by its `--set` key, with its value and range.

    Field names and values are quoted only where they look like names or numbers: the input
    may be any file, whose lines must never be echoed.
    """
    chosen: dict[tuple[Any, ...], Any] = {}  # a union: only the problems of its first member tried
    errors = []
    for error in err.errors():
        tags = _walk(model, tuple(error["loc"]))[2]
        if all(chosen.setdefault(where, tag) == tag for where, tag in tags):
            errors.append(error)
    lines = list(dict.fromkeys(_problem(label, error, model) for error in errors))
    if len(lines) > MAX_PROBLEMS:
        lines = [
            *lines[:MAX_PROBLEMS],
            f"scenario {label}: {len(lines) - MAX_PROBLEMS} more problems not listed",
        ]
    return "\n".join(lines)


@functools.cache
def _declared_fields(model: type[BaseModel]) -> frozenset[str]:
    """Every field name declared by `model` and the models inside it (unions, list and dict
    items too)."""
    names = set(model.model_fields)
    for field in model.model_fields.values():
        inner = [*_models_in(field.annotation), *_models_in(_item_type(field.annotation))]
        for sub, _ in inner:
            if sub is not model:
                names |= _declared_fields(sub)
    return frozenset(names)


def _field_of_a_section(data: dict[str, Any], key: str) -> bool:
    """Whether `key` is a declared field under a section the data has, such as a field its dump
    leaves out at the default (dynamics.forces.guards_hold_sites); the section's model, which
    forbids unknown fields, then judges where it stands."""
    parent, _, leaf = key.rpartition(".")
    if not parent or leaf not in _declared_fields(Scenario):
        return False
    found, node = value_at(data, parent)
    return found and isinstance(node, dict)


def apply_overrides(data: dict[str, Any], overrides: list[str], label: str) -> dict[str, Any]:
    """Apply `key=value` overrides; a key is a dotted path or a unique field name."""
    data = json.loads(json.dumps(data, default=str))  # deep copy of plain data (dates as ISO text)
    # Optional sections count with their defaults, so their fields can be set too.
    defaults = Scenario(name="_", institutions=InstitutionsConfig(), dynamics=Dynamics()).model_dump(
        mode="json"
    )
    default_paths = dotted_paths(defaults)
    for item in overrides:
        if "=" not in item:
            raise ScenarioError(f"--set {item!r}: expected key=value")
        key, raw = (s.strip() for s in item.split("=", 1))
        known = default_paths + dotted_paths(data)
        if key not in known and not _field_of_a_section(data, key):
            matches = sorted({p for p in known if p.split(".")[-1] == key})
            if len(matches) != 1:
                hint = f"; did you mean one of {', '.join(matches)}" if matches else ""
                raise ScenarioError(f"--set {key}: unknown parameter of scenario {label}{hint}")
            key = matches[0]
        value = load_bounded(raw, f"--set {key}") if raw else None
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            if isinstance(node, list):  # a list item by index (dynamics.timeline.0.size)
                node = node[int(part)]
                continue
            node = node.setdefault(part, {})
            if not isinstance(node, dict | list):
                raise ScenarioError(f"--set {key}: {part} is not a section")
        node[parts[-1]] = value
    return data


def load_scenario(name_or_path: str, overrides: list[str] | None = None) -> Scenario:
    """A validated scenario from a built-in name or a YAML path, with overrides applied."""
    label, data = read_scenario_yaml(name_or_path)
    data = apply_overrides(data, overrides or [], label)
    data.setdefault("name", Path(label).stem)
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(label, err, Scenario)) from None


def scenario_hash(scenario: Scenario) -> str:
    """A stable short hash of every parameter of a scenario (seed included)."""
    blob = json.dumps(scenario.model_dump(mode="json"), sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]

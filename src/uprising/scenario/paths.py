"""Dotted parameter paths of a scenario (`citizens.legitimacy`, `dynamics.timeline.0.size`):
listing them, reading the value at one, and resolving a field name to its unique path.
Used by `--set` overrides, calibration, sensitivity and sweeps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, get_args

from uprising.errors import UprisingError

if TYPE_CHECKING:
    from uprising.scenario.model import Scenario


def dotted_paths(data: dict[str, Any], prefix: str = "") -> list[str]:
    """Every dotted path in scenario data, sections and fields alike (items of lists of
    sections by index: dynamics.timeline.0.size)."""
    out = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        out.append(path)
        if isinstance(value, dict):
            out.extend(dotted_paths(value, path + "."))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    out.extend(dotted_paths(item, f"{path}.{i}."))
    return out


def value_at(data: dict[str, Any], path: str) -> tuple[bool, Any]:
    """Whether `path` (dotted; list items by index, as in dynamics.timeline.0.size) is in `data`,
    and its value."""
    node: Any = data
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False, None
    return True, node


def resolve_parameter(scenario: Scenario, key: str, option: str) -> tuple[str, bool]:
    """The full dotted path of a numeric parameter (a path or a unique field name) and whether
    it holds integers; one error line naming `option` otherwise."""
    data = scenario.model_dump(mode="json")
    found, value = value_at(data, key)
    if value is None:  # null now, or left out of dumps at its default: its field says which
        in_model, value, field = _model_field(scenario, key)
        if in_model:
            integer = _numeric_kind(field)
            if integer is None or isinstance(value, bool) or not isinstance(value, int | float | None):
                raise UprisingError(f"{option} {key}: not a numeric parameter (it holds {value!r})")
            return key, integer
    if not found:
        matches = sorted(p for p in dotted_paths(data) if p.split(".")[-1] == key and _is_leaf(data, p))
        if len(matches) != 1:
            hint = f"; did you mean one of {', '.join(matches)}" if matches else ""
            raise UprisingError(f"{option} {key}: unknown parameter of scenario {scenario.name}{hint}")
        key = matches[0]
        _, value = value_at(data, key)
    if isinstance(value, bool) or not isinstance(value, int | float | None):
        raise UprisingError(f"{option} {key}: not a numeric parameter (it holds {value!r})")
    return key, isinstance(value, int)


def _is_leaf(data: dict[str, Any], path: str) -> bool:
    """Whether `path` reaches a value that is not a section or a list (a key holding a dot,
    as in `calibrated`, does not reach one)."""
    found, value = value_at(data, path)
    return found and not isinstance(value, dict | list)


def _model_field(scenario: Scenario, path: str) -> tuple[bool, Any, Any]:
    """Whether the dotted `path` names a field of the scenario's sections (whether a dump shows
    it or not: a null field, or one at a default left out of dumps so that scenarios written
    before it keep their hash), its value and its pydantic field."""
    node: Any = scenario
    field = None
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node, field = node[int(part)], None
        elif part in getattr(type(node), "model_fields", {}):
            field = type(node).model_fields[part]
            node = getattr(node, part)
        else:
            return False, None, None
    return field is not None, node, field


def _numeric_kind(field: Any) -> bool | None:
    """Whether a numeric field holds integers (None: not a numeric field)."""
    kinds = set(get_args(field.annotation)) or {field.annotation}
    if not kinds & {int, float}:
        return None
    return int in kinds and float not in kinds

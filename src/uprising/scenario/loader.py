"""Load scenarios from YAML (built-in names or files), apply `--set key=value` overrides.

YAML is read with `yaml.safe_load`: a scenario file is data, never code.
"""

from __future__ import annotations

import hashlib
import json
import typing
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from uprising.dynamics.config import Dynamics
from uprising.errors import ScenarioError
from uprising.institutions.config import InstitutionsConfig
from uprising.scenario.model import Scenario

BUILTIN_PACKAGE = "uprising.scenario.builtin"


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with the package, sorted."""
    folder = resources.files(BUILTIN_PACKAGE)
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _read_yaml(name_or_path: str) -> tuple[str, dict[str, Any]]:
    path = Path(name_or_path)
    if name_or_path in builtin_names():
        text = resources.files(BUILTIN_PACKAGE).joinpath(f"{name_or_path}.yaml").read_text("utf-8")
        label = name_or_path
    elif path.suffix in (".yaml", ".yml") or path.exists():
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            raise ScenarioError(f"scenario file {name_or_path}: not found") from None
        except (OSError, UnicodeDecodeError) as err:
            raise ScenarioError(f"scenario file {name_or_path}: unreadable ({err})") from None
        label = str(path)
    else:
        raise ScenarioError(
            f"scenario {name_or_path!r}: unknown; built-in scenarios are {', '.join(builtin_names())}"
            " (or give a path to a .yaml file)"
        )
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise ScenarioError(f"scenario {label}: malformed YAML{line}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"scenario {label}: expected a mapping of sections at the top level")
    return label, data


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside an annotation (`Model`, `Model | None`, a tagged union), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _field_range(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> str:
    """The allowed range of the field at `loc`, read from its `ge`/`le` constraints."""
    current: Any = model
    field = None
    for part in loc:
        if isinstance(part, int) or current is None or not hasattr(current, "model_fields"):
            return ""
        field = current.model_fields.get(part)
        if field is None:
            return ""
        current = _model_in(field.annotation)
    if field is None:
        return ""
    lo = hi = None
    for meta in field.metadata:
        lo = getattr(meta, "ge", lo)
        hi = getattr(meta, "le", hi)
    if lo is None and hi is None:
        return ""
    return f" (allowed range [{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}])"


def format_validation_error(label: str, err: ValidationError, model: type[BaseModel]) -> str:
    """One line naming the first failing field, its value and the allowed range."""
    first = err.errors()[0]
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p in ("SetValue", "Ramp")))
    path = ".".join(str(p) for p in loc) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"scenario {label}: unknown field {path}"
    value = first.get("input")
    shown = "" if isinstance(value, dict | list) else f" = {value!r}"
    msg = first["msg"].removeprefix("Value error, ")
    more = f" (and {len(err.errors()) - 1} more)" if len(err.errors()) > 1 else ""
    return f"scenario {label}: {path}{shown}: {msg}{_field_range(model, loc)}{more}"


def _leaf_paths(data: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        out.append(path)
        if isinstance(value, dict):
            out.extend(_leaf_paths(value, path + "."))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    out.extend(_leaf_paths(item, f"{path}.{i}."))
    return out


def apply_overrides(data: dict[str, Any], overrides: list[str], label: str) -> dict[str, Any]:
    """Apply `key=value` overrides; a key is a dotted path or a unique field name."""
    data = json.loads(json.dumps(data, default=str))  # deep copy of plain data (dates as ISO text)
    # Optional sections count with their defaults, so their fields can be set too.
    defaults = Scenario(
        name="_", institutions=InstitutionsConfig(), dynamics=Dynamics()
    ).model_dump(mode="json")
    default_paths = _leaf_paths(defaults)
    for item in overrides:
        if "=" not in item:
            raise ScenarioError(f"--set {item!r}: expected key=value")
        key, raw = (s.strip() for s in item.split("=", 1))
        known = default_paths + _leaf_paths(data)
        if key not in known:
            matches = sorted({p for p in known if p.split(".")[-1] == key})
            if len(matches) != 1:
                hint = f"; did you mean one of {', '.join(matches)}" if matches else ""
                raise ScenarioError(f"--set {key}: unknown parameter of scenario {label}{hint}")
            key = matches[0]
        value = yaml.safe_load(raw) if raw else None
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
    label, data = _read_yaml(name_or_path)
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

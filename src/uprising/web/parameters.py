"""The parameters the dashboard lets a user change, with meaning and range read from the scenario model.

Each form field is generated from the pydantic field at a dotted path (as for `--set`): its
description (units included), its `ge`/`le` range and its type. Only a curated list of the
useful ones is shown; a path the scenario's model lacks (say, a torus field on the map of
Peru) is left out. The parameters a scenario lists as calibrated are added after them.
"""

from __future__ import annotations

import json
import math
import typing
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from uprising.errors import ScenarioError, UprisingError
from uprising.scenario import load_scenario
from uprising.scenario.loader import format_validation_error
from uprising.scenario.model import Scenario

CURATED = (
    "citizens.legitimacy",
    "citizens.threshold",
    "citizens.vision",
    "citizens.vision_km",
    "citizens.arrest_prob_constant",
    "cops.vision",
    "world.width",
    "world.height",
    "world.citizen_density",
    "world.cop_density",
    "world.population_scale",
    "world.resolution_km",
    "world.police_per_100k",
    "world.legitimacy_strength",
    "run.steps",
    "run.seed",
)


@dataclass(frozen=True)
class ParameterSpec:
    """One editable parameter: where it is, what it means, what values it takes."""

    path: str
    label: str
    description: str
    kind: type  # int or float
    low: int | float | None
    high: int | float | None
    default: float | int

    @property
    def range_text(self) -> str:
        lo = "-inf" if self.low is None else _number(self.low)
        hi = "inf" if self.high is None else _number(self.high)
        return f"[{lo}, {hi}]"

    def parse(self, raw: Any) -> int | float:
        """The value `raw` (a number or its text) as this parameter's type, checked against its range.

        Numbers are read exactly (as decimals, never through a float), so an integer keeps every
        digit or is refused; `true` and `false` are not numbers.
        """
        shown = _shown(raw)
        exact = _exact(raw)
        if exact is None:
            raise UprisingError(f"{self.path} = {shown}: not a number (allowed range {self.range_text})")
        if not exact.is_finite():
            raise UprisingError(
                f"{self.path} = {shown}: not a finite number (allowed range {self.range_text})"
            )
        if self.kind is int:
            if exact != exact.to_integral_value():
                raise UprisingError(f"{self.path} = {shown}: must be a whole number in {self.range_text}")
            low = INT64_MIN if self.low is None else self.low
            high = INT64_MAX if self.high is None else self.high
            if not low <= exact <= high:
                raise UprisingError(f"{self.path} = {shown}: out of range, allowed range {self.range_text}")
            return int(exact)
        value = float(exact)
        if not math.isfinite(value):
            raise UprisingError(
                f"{self.path} = {shown}: not a finite number (allowed range {self.range_text})"
            )
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise UprisingError(f"{self.path} = {shown}: out of range, allowed range {self.range_text}")
        return value


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
SHOWN_CHARS = 40


def _exact(raw: Any) -> Decimal | None:
    """`raw` (a JSON number read as Decimal, an int, a float or text) exactly; None if not a number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, Decimal | int | float):
        return Decimal(raw)
    if isinstance(raw, str):
        try:
            return Decimal(raw.strip())
        except InvalidOperation:
            return None
    return None


def _shown(raw: Any) -> str:
    """The value as the user gave it, cut short when long (a 5000-digit number is not echoed)."""
    if isinstance(raw, bool):
        text = "true" if raw else "false"
    elif isinstance(raw, int) and raw.bit_length() > 4 * SHOWN_CHARS:
        return f"an integer of {raw.bit_length()} bits"
    elif isinstance(raw, str):
        text = raw.strip() if _exact(raw) is not None else repr(raw.strip())
    elif isinstance(raw, dict | list) or raw is None:
        text = json.dumps(raw, default=str)
    else:
        text = str(raw)
    if len(text) > SHOWN_CHARS:
        return f"{text[: SHOWN_CHARS // 2]}... ({len(text)} characters)"
    return text


def _number(x: int | float) -> str:
    if isinstance(x, int):
        if x >= 2**53 and (x + 1).bit_count() == 1:  # 2^63 - 1 reads as a cap, not a quantity
            return f"2^{(x + 1).bit_length() - 1} - 1"
        return str(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else f"{x:g}"


def _bounds(info: FieldInfo) -> tuple[int | float | None, int | float | None]:
    low = high = None
    for meta in info.metadata:
        for name in ("ge", "gt"):
            if getattr(meta, name, None) is not None:
                low = getattr(meta, name)
        for name in ("le", "lt"):
            if getattr(meta, name, None) is not None:
                high = getattr(meta, name)
    return low, high


def _numeric_type(annotation: Any) -> type | None:
    if annotation in (int, float):
        return annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if len(args) == 1 and args[0] in (int, float) else None


def parameter_spec(scenario: Scenario, path: str) -> ParameterSpec | None:
    """The spec of the numeric field at dotted `path` of `scenario`, or None where it has none."""
    *sections, name = path.split(".")
    model: Any = scenario
    for section in sections:
        model = getattr(model, section, None)
        if not isinstance(model, BaseModel):
            return None
    info = type(model).model_fields.get(name)
    if info is None:
        return None
    kind = _numeric_type(info.annotation)
    current = getattr(model, name)
    if kind is None or isinstance(current, bool) or not isinstance(current, int | float):
        return None
    low, high = _bounds(info)
    return ParameterSpec(
        path=path,
        label=name.replace("_", " "),
        description=(info.description or "").split(". ")[0],
        kind=kind,
        low=low,
        high=high,
        default=current,
    )


@dataclass(frozen=True)
class SwitchSpec:
    """One mechanism that can be turned off (`dynamics.*.enabled`, `dynamics.legitimacy.feedback`)."""

    path: str
    description: str
    default: bool

    def parse(self, raw: Any) -> bool:
        """`raw` (a bool, or the text true or false) as a bool."""
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text not in ("true", "false"):
            raise UprisingError(f"{self.path} = {_shown(raw)}: must be true or false")
        return text == "true"


SWITCH_NAMES = ("enabled", "feedback")


def mechanism_switches(scenario: Scenario) -> list[SwitchSpec]:
    """Every on/off switch of the scenario's crisis mechanisms, in the order of its model."""
    found: list[SwitchSpec] = []

    def walk(model: BaseModel, prefix: str) -> None:
        for name, info in type(model).model_fields.items():
            value = getattr(model, name)
            if isinstance(value, BaseModel):
                walk(value, f"{prefix}.{name}")
            elif name in SWITCH_NAMES and isinstance(value, bool):
                about = info.description or (type(model).__doc__ or "").strip().splitlines()[0]
                found.append(SwitchSpec(f"{prefix}.{name}", about.split(". ")[0], value))

    if scenario.dynamics is not None:
        walk(scenario.dynamics, "dynamics")
    return found


def capped(specs: list[ParameterSpec], max_ticks: int) -> list[ParameterSpec]:
    """The specs with run.steps bounded by the server's cap on ticks, as the form shows them."""
    return [
        replace(s, high=min(s.high, max_ticks) if s.high is not None else max_ticks)
        if s.path == "run.steps"
        else s
        for s in specs
    ]


def override_strings(values: dict[str, Any]) -> list[str]:
    """Checked values as `--set` overrides (`citizens.legitimacy=0.7`), as `uprising run` takes them."""
    return [f"{path}={json.dumps(value)}" for path, value in values.items()]


def editable_parameters(scenario: Scenario) -> list[ParameterSpec]:
    """The curated parameters present in `scenario`, then those it calibrates, with its values as defaults."""
    paths = list(dict.fromkeys([*CURATED, *scenario.calibrated]))
    specs = (parameter_spec(scenario, path) for path in paths)
    return [s for s in specs if s is not None]


def parse_values(
    specs: list[ParameterSpec] | list[ParameterSpec | SwitchSpec], raw: dict[str, Any]
) -> dict[str, int | float | bool]:
    """Check every raw value against its spec; raise UprisingError naming the first bad one."""
    by_path = {s.path: s for s in specs}
    values: dict[str, int | float | bool] = {}
    for path, value in raw.items():
        spec = by_path.get(path)
        if spec is None:
            allowed = ", ".join(by_path)
            raise UprisingError(f"parameter {path!r}: not editable here; editable parameters are {allowed}")
        values[path] = spec.parse(value)
    return values


def checked_values(name: str, values: dict[str, Any]) -> dict[str, int | float | bool]:
    """`values` of the built-in scenario `name` checked against its numbers' ranges and switches."""
    from uprising.scenario import builtin_names

    if name not in builtin_names():
        raise UprisingError(
            f"scenario {name!r}: unknown; built-in scenarios are {', '.join(builtin_names())}"
        )
    base = load_scenario(name)
    return parse_values([*editable_parameters(base), *mechanism_switches(base)], values)


def build_scenario(name: str, values: dict[str, Any]) -> Scenario:
    """The built-in scenario `name` with the checked `values` applied (as `--set` overrides)."""
    values = checked_values(name, values)
    data = load_scenario(name).model_dump(mode="json")
    for path, value in values.items():
        *sections, field = path.split(".")
        node = data
        for section in sections:
            node = node[section]
        node[field] = value
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(name, err, Scenario)) from None

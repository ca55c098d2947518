"""Reading a JSON request body within bounds: its size, its nesting, exact numbers, no repeated keys.

Python's `json` reads integers into ints of any length (one of 5000 digits is refused with a
ValueError), floats through `float` (so 9007199254740993.0 becomes ...992) and recurses once
per level (10,000 levels raise RecursionError). Here the nesting is counted before parsing and
every number is read as an exact `Decimal`, which the parameter specs then check and convert.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from uprising.errors import UprisingError

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 8  # a run request is two levels deep: {"parameters": {"run.steps": 50}}


class BadBody(UprisingError):
    """A request body the API cannot read (the API answers it with `status`)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def too_deep(text: str, limit: int) -> str | None:
    """Where `text` (JSON) nests deeper than `limit` levels: the top-level key it happens under,
    "" outside any key; None when it does not."""
    depth = 0
    in_string = escaped = False
    key_start = 0
    key = ""
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
                if depth == 1:
                    key = text[key_start:i]
        elif ch == '"':
            in_string = True
            key_start = i + 1
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return key
        elif ch in "]}":
            depth -= 1
    return None


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise BadBody(f"field {key!r}: given twice; give each field once")
        data[key] = value
    return data


def _exact_number(text: str) -> Decimal | str:
    """A JSON number as an exact Decimal; its text when its exponent is past what Decimal holds
    (1e99999999999999999999), for the parameter it is given to to refuse as not a number."""
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def parse_body(body: bytes) -> Any:
    """The JSON value of `body`, numbers as Decimal; BadBody naming what is wrong otherwise."""
    if len(body) > MAX_BODY_BYTES:
        raise BadBody(f"request body: larger than {MAX_BODY_BYTES} bytes", 413)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody("request body: not UTF-8 text; expected a JSON object") from None
    where = too_deep(text, MAX_DEPTH)
    if where is not None:
        place = f"field {where!r}" if where else "request body"
        raise BadBody(f"{place}: JSON nested deeper than {MAX_DEPTH} levels; a run request has 2")
    try:
        return json.loads(
            text,
            parse_float=_exact_number,
            parse_int=_exact_number,
            parse_constant=str,  # NaN, Infinity: kept as text, refused as not finite numbers
            object_pairs_hook=_no_repeats,
        )
    except json.JSONDecodeError:
        raise BadBody(
            "request body: not valid JSON; expected an object like "
            '{"scenario": "epstein-2002", "parameters": {"run.steps": 50}}'
        ) from None

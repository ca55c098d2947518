"""Read untrusted YAML (scenario files, `--set` values) as plain data, within fixed bounds.

The text is composed into nodes by PyYAML's safe loader, then checked before any Python
object is built: nesting depth, the size it expands to once aliases are followed (an alias
bomb of a few hundred bytes would otherwise expand to gigabytes), duplicate keys and tags
other than the plain ones. Every refusal is a `ScenarioError` of one line that names the
limit or the key path, never the text itself.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from uprising.errors import ScenarioError

MAX_BYTES = 256 << 10
"""A scenario file larger than this (256 KiB; the largest shipped one is under 9 KB) is refused.
PyYAML reads about 70 KB of dense YAML a second, so no accepted file takes long to read."""
MAX_DEPTH = 32
"""Sections and lists nest at most this deep (the shipped scenarios nest 5 deep)."""
MAX_VALUES = 20_000
"""Keys, values and list items at most, counted with every alias expanded (the shipped
scenarios have under 500)."""
MAX_CHARS = 4 << 20
"""Characters of text at most, counted with every alias expanded."""

_YAML = "tag:yaml.org,2002:"
PLAIN_TAGS = frozenset(
    _YAML + name for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map", "merge")
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


def shown_name(key: object, limit: int = 40) -> str:
    """A key as an error message may quote it: an identifier-like name, cut to `limit`, or a
    placeholder (a message never repeats arbitrary text from the input)."""
    text = str(key) if isinstance(key, str | int) and not isinstance(key, bool) else ""
    if not _NAME.fullmatch(text):
        return "<key not shown>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tag_name(tag: str) -> str:
    if tag.startswith(_YAML) and _NAME.fullmatch(tag[len(_YAML) :]):
        return "!!" + tag[len(_YAML) :]
    return "a non-standard tag"


class _Composer(yaml.SafeLoader):
    """The safe loader, refusing to compose nodes nested deeper than MAX_DEPTH, or more than
    MAX_VALUES of them (a refusal as soon as the limit is passed, not after the whole file).

    PyYAML composes recursively: without this, 10,000 nested brackets raise RecursionError.
    """

    def __init__(self, stream: str, where: str) -> None:
        super().__init__(stream)
        self.where = where
        self.depth = 0
        self.nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        self.nodes += 1
        try:
            if self.nodes > MAX_VALUES:
                raise ScenarioError(f"{self.where}: more than {MAX_VALUES:,} values (the limit)")
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise ScenarioError(
                    f"{self.where}: nested more than {MAX_DEPTH} levels deep at line {mark.line + 1}"
                    f" (the limit)"
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Budget:
    """Walks a composed document once per distinct node, as it would be expanded."""

    def __init__(self, where: str, resolve: Any) -> None:
        self.where = where
        self.resolve = resolve  # the tag YAML gives a plain scalar by its text
        self.sizes: dict[int, tuple[int, int, int]] = {}  # id(node) -> values, chars, depth
        self.open: set[int] = set()

    def refuse(self, what: str) -> None:
        raise ScenarioError(f"{self.where}: {what}")

    def measure(self, node: yaml.Node, path: str) -> tuple[int, int, int]:
        """(values, characters, depth) of `node` expanded; refuses anything past the limits."""
        known = self.sizes.get(id(node))
        if known is not None:
            return known
        at = f"{path}: " if path else ""
        if id(node) in self.open:
            self.refuse(f"{at}an alias refers to its own section (recursive)")
        if node.tag not in PLAIN_TAGS:
            self.refuse(f"{at}{_tag_name(node.tag)} is not allowed (plain values only)")
        self.open.add(id(node))
        values, chars, depth = 1, 0, 1
        if isinstance(node, yaml.ScalarNode):
            chars = len(node.value)
            # An explicit tag that the text does not match (`!!int abc`) would crash PyYAML.
            if node.tag != _YAML + "str" and node.tag != self.resolve(
                yaml.ScalarNode, node.value, (True, False)
            ):
                self.refuse(f"{at}the value does not match its tag {_tag_name(node.tag)}")
        else:
            for key, value in self._children(node, path):
                sub = f"{path}.{key}" if path and key else (key or path)
                v, c, d = self.measure(value, sub)
                values, chars, depth = values + v, chars + c, max(depth, d + 1)
                if depth > MAX_DEPTH:
                    self.refuse(f"{at}nested more than {MAX_DEPTH} levels deep once aliases are expanded")
                if values > MAX_VALUES:
                    self.refuse(f"more than {MAX_VALUES:,} values once aliases are expanded (the limit)")
                if chars > MAX_CHARS:
                    self.refuse(f"more than {MAX_CHARS:,} characters once aliases are expanded (the limit)")
        self.open.discard(id(node))
        self.sizes[id(node)] = (values, chars, depth)
        return values, chars, depth

    def _children(self, node: yaml.Node, path: str) -> list[tuple[str, yaml.Node]]:
        if isinstance(node, yaml.SequenceNode):
            return [(str(i), item) for i, item in enumerate(node.value)]
        seen: set[str] = set()
        out = []
        for key, value in node.value:
            if key.tag == _YAML + "merge":
                out.append(("", value))
                continue
            if not isinstance(key, yaml.ScalarNode) or key.tag != _YAML + "str":
                self.refuse(f"{f'{path}: ' if path else ''}every key must be a name (text)")
            name = shown_name(key.value)
            if key.value in seen:
                self.refuse(f"duplicate key {f'{path}.{name}' if path else name}")
            seen.add(key.value)
            out.append((name, value))
        return out


def load_bounded(text: str, where: str) -> Any:
    """Plain data (dicts, lists, str, int, float, bool, None, dates) from YAML text.

    `where` starts every error message ("scenario x.yaml", "--set key").
    """
    if len(text) > MAX_BYTES:
        raise ScenarioError(f"{where}: larger than {MAX_BYTES:,} bytes (the limit)")
    loader = None
    try:
        loader = _Composer(text, where)  # reads the text: a control character is refused here
        node = loader.get_single_node()
        if node is None:
            return None
        _Budget(where, loader.resolve).measure(node, "")
        return loader.construct_document(node)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        if isinstance(err, yaml.reader.ReaderError):
            line = f" (a control character at character {err.position})"
        raise ScenarioError(f"{where}: malformed YAML{line}") from None
    except (ValueError, OverflowError, LookupError, AttributeError, TypeError):
        # A date like 2022-13-45, an integer past 4300 digits: PyYAML's own checks, not YAMLError.
        raise ScenarioError(f"{where}: a date or number that cannot be read") from None
    finally:
        if loader is not None:
            loader.dispose()

"""YAML parsing that remembers where every mapping, list and value came from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Problem

Position = tuple[int, int]

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LocatedMap(dict):  # type: ignore[type-arg]
    """A YAML mapping with the line and column of itself, its keys and its values."""

    line: int = 0
    column: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.key_pos: dict[Any, Position] = {}
        self.value_pos: dict[Any, Position] = {}
        self.duplicates: list[tuple[Any, Position]] = []


class LocatedList(list):  # type: ignore[type-arg]
    """A YAML sequence with the line and column of itself and each item."""

    line: int = 0
    column: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.item_pos: list[Position] = []


class _FactsLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader whose maps and lists know their positions, and which keeps dates as text.

    Dates stay strings because YAML's timestamp type would reject 1937-02-30 with a crash
    instead of a located error, and would turn '1937-06' into nonsense.
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }


_SCALARS = yaml.constructor.SafeConstructor()
_TAG = "tag:yaml.org,2002:"
_STR, _INT, _BOOL, _NULL, _FLOAT = (_TAG + name for name in ("str", "int", "bool", "null", "float"))
_ScalarNode, _SequenceNode = yaml.ScalarNode, yaml.SequenceNode
# The implicit resolvers by first character, with the wildcard ones appended (as PyYAML does).
_RESOLVERS = {first: tuple(resolvers + _FactsLoader.yaml_implicit_resolvers.get(None, []))
              for first, resolvers in _FactsLoader.yaml_implicit_resolvers.items()
              if first is not None}
_WILDCARD = tuple(_FactsLoader.yaml_implicit_resolvers.get(None, []))


def _resolve(kind: type, value: str | None, implicit: Any) -> str:
    """PyYAML's Resolver.resolve for a loader without path resolvers, with less overhead."""
    if kind is _ScalarNode:
        if implicit[0]:
            for tag, regexp in _RESOLVERS.get(value[0] if value else "", _WILDCARD):
                if regexp.match(value):
                    return tag
        return _STR
    return _FactsLoader.DEFAULT_SEQUENCE_TAG if kind is _SequenceNode \
        else _FactsLoader.DEFAULT_MAPPING_TAG


def _compose(text: str) -> yaml.Node | None:
    """yaml.compose with the _FactsLoader, calling cheaper resolver hooks for every node."""
    loader = _FactsLoader(text)
    # The hooks serve path resolvers, which this loader has none of: builtins that do nothing
    # spare a Python call per node (a third of the composing time).
    loader.descend_resolver = {}.get
    loader.ascend_resolver = int
    loader.resolve = _resolve
    try:
        return loader.get_single_node()  # type: ignore[no-any-return]
    finally:
        loader.dispose()


def _scalar(node: yaml.ScalarNode) -> Any:
    """A scalar as PyYAML's safe loader would give it (dates stay text: see _FactsLoader)."""
    tag = node.tag
    if tag == _STR:
        return node.value
    if tag == _INT:
        return _SCALARS.construct_yaml_int(node)
    if tag == _BOOL:
        return _SCALARS.construct_yaml_bool(node)
    if tag == _NULL:
        return None
    if tag == _FLOAT:
        return _SCALARS.construct_yaml_float(node)
    return node.value


def _convert(node: yaml.Node) -> Any:
    """Plain data from a composed node, with positions.

    Walking the composed nodes directly is about twice as fast as PyYAML's generic
    constructors, which matters at a million triples.
    """
    cls = node.__class__
    if cls is _ScalarNode:
        return node.value if node.tag == _STR else _scalar(node)  # type: ignore[arg-type]
    mark = node.start_mark
    if cls is _SequenceNode:
        items = LocatedList()
        items.line, items.column = mark.line + 1, mark.column + 1
        item_pos = items.item_pos
        for item in node.value:
            items.append(_convert(item))
            mark = item.start_mark
            item_pos.append((mark.line + 1, mark.column + 1))
        return items
    data = LocatedMap()
    data.line, data.column = mark.line + 1, mark.column + 1
    key_pos, value_pos = data.key_pos, data.value_pos
    for key_node, value_node in node.value:
        key = _convert(key_node)
        if key in data:
            mark = key_node.start_mark
            data.duplicates.append((key, (mark.line + 1, mark.column + 1)))
        data[key] = _convert(value_node)
        mark = key_node.start_mark
        key_pos[key] = (mark.line + 1, mark.column + 1)
        mark = value_node.start_mark
        value_pos[key] = (mark.line + 1, mark.column + 1)
    return data


def read_yaml(path: Path, display: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML file; a syntax error becomes a located problem, not an exception."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [unreadable(display, exc)]
    return parse_yaml(raw, display)


def unreadable(display: str, exc: Exception) -> Problem:
    """The problem of a file that cannot be read, or is not UTF-8."""
    return Problem(display, None, None, f"cannot read the file: {exc}",
                   "check that the file exists and is UTF-8 text")


def parse_yaml(raw: bytes, display: str) -> tuple[Any, list[Problem]]:
    """Parse the bytes of a YAML file, read as Path.read_text would (UTF-8, universal
    newlines); an encoding or syntax error becomes a located problem, not an exception."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [unreadable(display, exc)]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        node = _compose(text)
        return (None if node is None else _convert(node)), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        lines = text.splitlines()
        excerpt = lines[line - 1].strip() if line and line <= len(lines) else ""
        message = f"YAML syntax error: {exc.problem or exc.context}"
        hint = "check indentation, and quote values that contain ': ' or start with a symbol"
        return None, [Problem(display, line, column, message, hint, excerpt)]

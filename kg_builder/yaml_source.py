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


def _pos(node: yaml.Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


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


def _scalar(node: yaml.ScalarNode) -> Any:
    """A scalar as PyYAML's safe loader would give it (dates stay text: see _FactsLoader)."""
    tag = node.tag
    if tag == _TAG + "str":
        return node.value
    if tag == _TAG + "int":
        return _SCALARS.construct_yaml_int(node)
    if tag == _TAG + "bool":
        return _SCALARS.construct_yaml_bool(node)
    if tag == _TAG + "null":
        return None
    if tag == _TAG + "float":
        return _SCALARS.construct_yaml_float(node)
    return node.value


def _convert(node: yaml.Node) -> Any:
    """Plain data from a composed node, with positions.

    Walking the composed nodes directly is about twice as fast as PyYAML's generic
    constructors, which matters at a million triples.
    """
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        items = LocatedList()
        items.line, items.column = _pos(node)
        for item in node.value:
            items.append(_convert(item))
            items.item_pos.append(_pos(item))
        return items
    data = LocatedMap()
    data.line, data.column = _pos(node)
    for key_node, value_node in node.value:
        key = _convert(key_node)
        if key in data:
            data.duplicates.append((key, _pos(key_node)))
        data[key] = _convert(value_node)
        data.key_pos[key] = _pos(key_node)
        data.value_pos[key] = _pos(value_node)
    return data


def read_yaml(path: Path, display: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML file; a syntax error becomes a located problem, not an exception."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(display, None, None, f"cannot read the file: {exc}",
                              "check that the file exists and is UTF-8 text")]
    try:
        node = yaml.compose(text, Loader=_FactsLoader)
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

"""The canned query library: grlc-style headers, BASIL-style parameters, safe binding."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .errors import BadInputError, Problem, UsageError
from .namespaces import XSD
from .terms import Literal, Term, nt_term

# BASIL/grlc parameter variables: ?_name, ?_name_iri, ?_name_integer, ?_name_date, ?_name_boolean.
_PARAM = re.compile(r"[?$]_([A-Za-z][A-Za-z0-9]*?)(?:_(iri|integer|date|boolean))?\b")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


@dataclass(frozen=True)
class Parameter:
    """A query parameter: its name, the SPARQL variable it binds and the term type."""

    name: str
    variable: str
    kind: str  # string, iri, integer, date or boolean


@dataclass
class CannedQuery:
    """A query file of the library, with its header metadata."""

    name: str
    path: Path
    text: str
    summary: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    defaults: dict[str, str] = field(default_factory=dict)
    enumerate: list[str] = field(default_factory=list)
    parameters: list[Parameter] = field(default_factory=list)


def _header(path: Path, text: str) -> dict[str, Any]:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#+"):
            break
        lines.append(line[2:].removeprefix(" "))
    try:
        data = yaml.safe_load("\n".join(lines)) or {}
    except yaml.YAMLError as exc:
        raise BadInputError([Problem(str(path), None, None, f"bad '#+' header: {exc}",
                                     "the '#+' lines must be YAML, e.g. '#+ summary: ...'")]
                            ) from exc
    if not isinstance(data, dict):
        raise BadInputError([Problem(str(path), 1, 1, "the '#+' header must be a mapping",
                                     "write '#+ summary: ...' and '#+ tags:' lines")])
    return data


def _defaults(raw: Any) -> dict[str, str]:
    # grlc writes defaults as a list of one-key mappings.
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    return {str(k): str(v) for item in items for k, v in item.items()}


def parse_query(path: Path) -> CannedQuery:
    """Read one .rq file and its grlc header."""
    text = path.read_text(encoding="utf-8")
    head = _header(path, text)
    params: dict[str, Parameter] = {}
    for match in _PARAM.finditer(text):
        var = match.group(0)[1:]
        params.setdefault(var, Parameter(match.group(1), var, match.group(2) or "string"))
    return CannedQuery(
        name=path.stem, path=path, text=text, summary=str(head.get("summary", "")),
        description=str(head.get("description", "")), tags=[str(t) for t in head.get("tags", [])],
        defaults=_defaults(head.get("defaults")), enumerate=list(head.get("enumerate", []) or []),
        parameters=sorted(params.values(), key=lambda p: p.variable))


def load_queries(folder: Path) -> dict[str, CannedQuery]:
    """Every canned query of a folder, by name."""
    return {p.stem: parse_query(p) for p in sorted(Path(folder).glob("*.rq"))}


def to_term(param: Parameter, value: str, resolve_iri: Any) -> Term:
    """Turn a parameter's text into a typed RDF term; never into query text."""
    if param.kind == "iri":
        return resolve_iri(value)
    if param.kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", value.strip()):
            raise UsageError(f"parameter '{param.name}' takes a whole number, not '{value}'")
        return Literal(value.strip(), XSD + "integer")
    if param.kind == "date":
        try:
            date.fromisoformat(value.strip())
        except ValueError as exc:
            raise UsageError(f"parameter '{param.name}' takes a date YYYY-MM-DD, not '{value}'"
                             ) from exc
        return Literal(value.strip(), XSD + "date")
    if param.kind == "boolean":
        if value not in ("true", "false"):
            raise UsageError(f"parameter '{param.name}' takes true or false, not '{value}'")
        return Literal(value, XSD + "boolean")
    return Literal(value)


def bind(query: CannedQuery, values: dict[str, str], resolve_iri: Any) -> str:
    """The query text with every parameter bound by a VALUES block of escaped RDF terms.

    The values enter the query only as serialised RDF terms, so a value such as
    '" } ; DROP ALL' stays one harmless literal.
    """
    known = {p.name for p in query.parameters}
    unknown = sorted(set(values) - known)
    if unknown:
        raise UsageError(f"query '{query.name}' has no parameter '{unknown[0]}'; "
                         f"its parameters: {', '.join(sorted(known)) or 'none'}")
    bound = []
    for param in query.parameters:
        value = values.get(param.name, query.defaults.get(param.name))
        if value is None:
            raise UsageError(f"query '{query.name}' needs --param {param.name}=VALUE")
        bound.append((param.variable, nt_term(to_term(param, value, resolve_iri))))
    if not bound:
        return query.text
    block = "VALUES (" + " ".join(f"?{v}" for v, _ in bound) + ") { (" + \
        " ".join(t for _, t in bound) + ") }"
    match = _WHERE.search(query.text)
    if match is None:
        raise BadInputError([Problem(str(query.path), None, None,
                                     "a parameterised query needs a WHERE { ... } clause",
                                     "write the WHERE keyword before the first group")])
    return query.text[:match.end()] + "\n  " + block + "\n" + query.text[match.end():]

"""The graph as plain data: IRIs are str, literals are Literal, a triple is a 3-tuple.

Keeping terms engine-free lets the mapping run without rdflib or pyoxigraph and lets the
writers produce byte-identical, sorted output by construction.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Union

from .namespaces import XSD


class Literal(NamedTuple):
    """An RDF literal: lexical form, datatype IRI (None for xsd:string) and language tag."""

    value: str
    datatype: str | None = None
    lang: str | None = None


Term = Union[str, Literal]
Triple = tuple[str, str, Term]

_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# One translation table, and a test that skips it for the common text that needs none: the
# writers escape every literal, and a loop over characters was the build's largest cost.
_TABLE = {code: f"\\u{code:04X}" for code in [*range(0x20), 0x7F]}
_TABLE.update({ord(char): escaped for char, escaped in _ESCAPES.items()})
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f\x7f"\\]')


def escape_string(text: str) -> str:
    """Escape a string for an N-Triples or Turtle "..." literal."""
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    return text.translate(_TABLE)


def nt_term(term: Term) -> str:
    """The N-Triples form of a term."""
    if isinstance(term, Literal):
        text = f'"{escape_string(term.value)}"'
        if term.lang:
            return f"{text}@{term.lang}"
        if term.datatype and term.datatype != XSD + "string":
            return f"{text}^^<{term.datatype}>"
        return text
    return f"<{term}>"


def nt_line(triple: Triple) -> str:
    """One N-Triples statement, without the newline."""
    s, p, o = triple
    return f"<{s}> <{p}> {nt_term(o)} ."


def typed(value: object, datatype: str) -> Literal:
    """A literal of an XSD datatype, e.g. typed(1937, 'integer')."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return Literal(str(value), XSD + datatype)

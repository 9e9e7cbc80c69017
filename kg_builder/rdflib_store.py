"""rdflib's SPARQL engine, the alternative to the embedded default (store.py).

It is here to compare engines (`kg-builder query --engine rdflib`, bench/engines.py): rdflib
picks poor join orders on multi-join queries (../shared/BENCHMARKS.md), so pyoxigraph stays the
default. It has the same interface as store.EmbeddedStore and returns the same engine-free terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .errors import BadInputError, Problem, UsageError
from .namespaces import XSD
from .store import QueryResult
from .terms import Literal, Term

_FORMATS = {".nt": "nt", ".ttl": "turtle", ".nq": "nquads", ".trig": "trig",
            ".jsonld": "json-ld", ".rdf": "xml", ".owl": "xml"}


class RdflibStore:
    """An in-memory rdflib graph queried with rdflib's SPARQL engine."""

    def __init__(self) -> None:
        import rdflib

        self._graph = rdflib.Graph()

    def load_file(self, path: Path) -> None:
        """Load one RDF file, its format taken from the extension."""
        fmt = _FORMATS.get(path.suffix)
        if fmt is None:
            raise BadInputError([Problem(str(path), None, None, "unknown RDF file extension",
                                         f"use one of {', '.join(sorted(_FORMATS))}")])
        try:
            self._graph.parse(path, format=fmt)
        except Exception as exc:  # rdflib's parsers raise many unrelated exception types
            raise BadInputError([Problem(str(path), None, None, f"cannot load the RDF: {exc}",
                                         "fix the syntax, or rebuild with 'kg-builder build'")]
                                ) from exc

    def select(self, query: str) -> QueryResult:
        """Run a SELECT query and convert its solutions to engine-free terms."""
        from pyparsing import ParseException
        from rdflib.plugins.sparql.sparql import SPARQLError

        try:
            result = self._graph.query(query)
            variables = [str(v) for v in result.vars or []]
            # A SELECT result iterates as ResultRows: tuples in the order of its variables.
            rows = [dict(zip(variables, map(_term, row), strict=True))  # type: ignore[arg-type]
                    for row in result]
        except ParseException as exc:
            raise BadInputError([Problem("<query>", None, None, f"SPARQL syntax error: {exc}",
                                         "fix the query text")]) from exc
        except SPARQLError as exc:  # e.g. DISTINCT aggregates over unbound values
            raise UsageError(f"rdflib's engine cannot run this query: {exc}; use --engine "
                             "oxigraph") from exc
        return QueryResult(variables, rows)

    def __len__(self) -> int:
        return len(self._graph)


def _term(term: object) -> Term | None:
    import rdflib

    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        return str(term)
    if isinstance(term, rdflib.Literal):
        datatype = str(term.datatype) if term.datatype else None
        if term.language or datatype == XSD + "string":
            datatype = None
        return Literal(str(term), datatype, term.language)
    return "_:" + str(term)


def store_from(files: Iterable[Path] = ()) -> RdflibStore:
    """An rdflib store holding the given RDF files."""
    store = RdflibStore()
    for file in files:
        store.load_file(file)
    return store

"""The embedded SPARQL engine: pyoxigraph sits behind this module alone.

Chosen over rdflib's engine by measurement (../shared/BENCHMARKS.md): rdflib picks poor join
orders and stalls on multi-join queries, pyoxigraph answers the same queries in milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import repeat
from dataclasses import dataclass
from pathlib import Path

from .errors import BadInputError, Problem
from .namespaces import XSD
from .terms import Literal, Term, Triple

_FORMATS = {".nt": "N_TRIPLES", ".ttl": "TURTLE", ".nq": "N_QUADS", ".trig": "TRIG",
            ".jsonld": "JSON_LD", ".rdf": "RDF_XML", ".owl": "RDF_XML"}
RDF_SUFFIXES = frozenset(_FORMATS)


@dataclass
class QueryResult:
    """The rows of a SELECT query: variable names, and one dict per solution."""

    variables: list[str]
    rows: list[dict[str, Term | None]]


class EmbeddedStore:
    """A pyoxigraph store: in memory, or on disk in `folder` for graphs too big for memory."""

    def __init__(self, folder: Path | None = None) -> None:
        import pyoxigraph

        self._ox = pyoxigraph
        self._store = pyoxigraph.Store(str(folder)) if folder else pyoxigraph.Store()
        # On disk, the bulk loader writes sorted files directly: 5x faster than a transaction,
        # which would also hold the whole load in memory. In memory, load is the faster one.
        self._load = self._store.bulk_load if folder else self._store.load

    def load_file(self, path: Path,
                  hint: str = "fix the syntax, or rebuild with 'kg-builder build'") -> None:
        """Load one RDF file, its format taken from the extension."""
        fmt = _FORMATS.get(path.suffix)
        if fmt is None:
            raise BadInputError([Problem(str(path), None, None, "unknown RDF file extension",
                                         f"use one of {', '.join(sorted(_FORMATS))}")])
        try:
            self._load(path=str(path), format=getattr(self._ox.RdfFormat, fmt))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise BadInputError([Problem(str(path), None, None, f"cannot read the file: {reason}",
                                         "check the path")]) from exc
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            raise BadInputError([Problem(str(path), line, None, f"cannot parse the RDF: {exc}",
                                         hint)]) from exc

    def load_ntriples(self, text: str, trusted: bool = False) -> None:
        """Load N-Triples text (bulk: no transaction, the store is not shared yet).

        `trusted`: text that kg-builder mapped itself, whose IRIs are the checked base IRI plus
        fixed paths and slugs; the parser then skips checking each IRI (about a quarter
        faster). Never for text from elsewhere, which may hold IRIs a parser must refuse.
        """
        self._store.bulk_load(text.encode("utf-8"), format=self._ox.RdfFormat.N_TRIPLES,
                              lenient=trusted)

    def select(self, query: str) -> QueryResult:
        """Run a SELECT query and convert its solutions to engine-free terms."""
        try:
            solutions = self._store.query(query)
        except SyntaxError as exc:
            raise BadInputError([Problem("<query>", None, None, f"SPARQL syntax error: {exc}",
                                         "fix the query text")]) from exc
        if not isinstance(solutions, self._ox.QuerySolutions):
            raise BadInputError([Problem("<query>", None, None,
                                         "a canned query must be a SELECT query",
                                         "rewrite it as SELECT; ASK and CONSTRUCT are not tables")])
        # The engine writes the solutions as TSV in one call: turning each term into a Python
        # object first cost more than the query itself for results of thousands of rows.
        text = (solutions.serialize(format=self._ox.QueryResultsFormat.TSV) or b"").decode()
        try:
            return _from_tsv(text)
        except _UnknownCell:
            return self._one_by_one(query)

    def _one_by_one(self, query: str) -> QueryResult:
        """The rows read one solution at a time, for terms that TSV cells do not hold."""
        solutions = self._store.query(query)
        assert isinstance(solutions, self._ox.QuerySolutions)
        variables = solutions.variables
        return QueryResult([v.value for v in variables],
                           [{v.value: _term(solution[v]) for v in variables}
                            for solution in solutions])

    def __len__(self) -> int:
        return len(self._store)

    def dump_ntriples(self) -> str:
        """Every triple of the store as N-Triples text (unsorted)."""
        data = self._store.dump(format=self._ox.RdfFormat.N_TRIPLES,
                                from_graph=self._ox.DefaultGraph())
        return data.decode("utf-8") if data else ""


class _UnknownCell(ValueError):
    """A TSV cell that is not an IRI, literal or blank node (e.g. an RDF 1.2 triple term)."""


_XSD_STRING = XSD + "string"
_BARE = [(re.compile(r"[+-]?[0-9]+"), XSD + "integer"),
         (re.compile(r"[+-]?[0-9]*\.[0-9]+"), XSD + "decimal"),
         (re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+"), XSD + "double"),
         (re.compile(r"true|false"), XSD + "boolean")]
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ESCAPED = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'",
            "\\": "\\"}


def _unescape(match: re.Match[str]) -> str:
    if match.group(3) is not None:
        return _ESCAPED.get(match.group(3), match.group(0))
    return chr(int(match.group(1) or match.group(2), 16))


def _tsv_term(cell: str) -> Term | None:
    """One cell of SPARQL TSV results (N-Triples/Turtle term syntax) as an engine-free term."""
    if not cell:
        return None
    if cell[0] == "<" and not cell.startswith("<<"):
        return cell[1:-1]
    if cell[0] == '"':
        end = cell.rindex('"')  # only @lang or ^^<iri> follow, and neither holds a quote
        value = cell[1:end]
        if "\\" in value:
            value = _ESCAPE.sub(_unescape, value)
        suffix = cell[end + 1:]
        if not suffix:
            return Literal(value)
        if suffix[0] == "@":
            return Literal(value, None, suffix[1:])
        datatype = suffix[3:-1]
        return Literal(value, None if datatype == _XSD_STRING else datatype)
    if cell.startswith("_:"):
        return cell
    for pattern, datatype in _BARE:
        if pattern.fullmatch(cell):
            return Literal(cell, datatype)
    raise _UnknownCell(cell)


def _from_tsv(text: str) -> QueryResult:
    """The rows of SPARQL TSV results; each distinct cell is converted once."""
    lines = text.split("\n")  # a newline in a literal is escaped; split("\n") keeps U+2028
    variables = [name[1:] for name in lines[0].split("\t")] if lines[0] else []
    body = lines[1:-1]
    if not variables or not body:
        return QueryResult(variables, [{} for _ in body])
    # No cell holds a raw tab (TSV escapes it), so every row is split in one call and the rows
    # are cut from one list of terms: per-cell Python work was most of the time on large results.
    cells = "\t".join(body).split("\t")
    width = len(variables)
    if len(cells) != width * len(body):
        raise _UnknownCell(f"{len(cells)} cells for {len(body)} rows of {width}")
    terms = _terms(set(cells))
    rows = zip(*[iter(map(terms.__getitem__, cells))] * width, strict=True)  # runs of `width`
    return QueryResult(variables, list(map(dict, map(zip, repeat(variables), rows))))


_new_tuple = tuple.__new__  # Literal(...) runs NamedTuple's __new__ in Python; this does not


def _terms(cells: set[str]) -> dict[str, Term | None]:
    """Each cell's term: IRIs and plain strings, the commonest cells, by a short path."""
    terms: dict[str, Term | None] = {}
    for cell in cells:
        first = cell[:1]
        if first == '"' and cell[-1:] == '"' and "\\" not in cell:
            terms[cell] = _new_tuple(Literal, (cell[1:-1], None, None))
        elif first == "<" and cell[1:2] != "<":
            terms[cell] = cell[1:-1]
        else:
            terms[cell] = _tsv_term(cell)
    return terms


def _term(term: object) -> Term | None:
    if term is None:
        return None
    cls = type(term).__name__
    if cls == "NamedNode":
        return str(term.value)  # type: ignore[attr-defined]
    if cls == "Literal":
        lang = term.language  # type: ignore[attr-defined]
        datatype = term.datatype.value  # type: ignore[attr-defined]
        if lang or datatype == XSD + "string":
            datatype = None
        return Literal(term.value, datatype, lang)  # type: ignore[attr-defined]
    return "_:" + str(term.value)  # type: ignore[attr-defined]


def read_triples(path: Path) -> list[Triple]:
    """Every triple of an RDF file (any format by extension, gzipped or not; quads lose their
    graph). Blank nodes become '_:id' strings, with ids that differ from one parse to the next.
    """
    import gzip

    import pyoxigraph

    inner = Path(path.name[:-3]) if path.suffix == ".gz" else path
    fmt = _FORMATS.get(inner.suffix)
    if fmt is None:
        raise BadInputError([Problem(str(path), None, None, "unknown RDF file extension",
                                     f"use one of {', '.join(sorted(_FORMATS))} (or .gz)")])
    try:
        data = path.read_bytes()
        data = gzip.decompress(data) if path.suffix == ".gz" else data
        quads = pyoxigraph.parse(data, format=getattr(pyoxigraph.RdfFormat, fmt))
        return [(str(_term(q.subject)), str(_term(q.predicate)), _term(q.object))  # type: ignore[misc]
                for q in quads]
    except (SyntaxError, ValueError, OSError) as exc:
        raise BadInputError([Problem(str(path), getattr(exc, "lineno", None), None,
                                     f"cannot read the RDF: {exc}", "fix the file, or rebuild it")]
                            ) from exc


def store_from(triples: Iterable[Triple] = (), files: Iterable[Path] = ()) -> EmbeddedStore:
    """A store holding the given triples and RDF files."""
    from .serialisation import to_ntriples

    store = EmbeddedStore()
    text = to_ntriples(triples)
    if text:
        store.load_ntriples(text)
    for file in files:
        store.load_file(file)
    return store

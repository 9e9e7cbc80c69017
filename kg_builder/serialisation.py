"""Writing the graph: sorted N-Triples, N-Quads, JSON-LD and pretty Turtle with fixed prefixes.

Every writer streams from the sorted N-Triples lines (`sorted_lines`), so their output depends
only on the set of triples: byte-identical across runs, machines and PYTHONHASHSEED values. A
subject's lines are contiguous in that order, so the Turtle and JSON-LD writers group by subject
while reading and hold one subject at a time, never the whole graph.
"""

from __future__ import annotations

import bisect

import io
import json
import re
import struct
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import Protocol, TypeVar

from isal import isal_zlib

from .memory import collector_paused
from .namespaces import RDF, XSD
from .terms import Term, Triple, nt_term

_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
# What json.dumps(ensure_ascii=False) escapes in a string.
_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f]')
_TYPE = f"<{RDF}type>"
_INTEGER_TYPE = f"<{XSD}integer>"
_BOOLEAN_TYPE = f"<{XSD}boolean>"
# Lines (or blocks) joined into one write: large enough to amortise the calls, small enough
# that a stream of any size stays in a few MiB.
_CHUNK = 8192
_BYTES_CHUNK = 1 << 20  # bytes handed to the dump writer at once, so that it can overlap
# Rendered terms kept for reuse; cleared when full so memory stays bounded at any scale.
_CACHE_LIMIT = 1 << 14
_V = TypeVar("_V")


class BinarySink(Protocol):
    """Where the writers put their bytes: a binary file, a BytesIO, a GzipWriter."""

    def write(self, data: bytes, /) -> object:
        """Take the next bytes."""


@collector_paused()
def sorted_lines(triples: Iterable[Triple]) -> list[str]:
    """The triples as N-Triples lines (each ending in a newline), sorted."""
    rendered: dict[object, str] = {}
    get = rendered.get

    def literal(term: Term) -> str:
        text = rendered[term] = nt_term(term)
        return text

    # IRIs are formatted in place; literals, which repeat, are rendered once.
    lines = [f"<{s}> <{p}> <{o}> .\n" if o.__class__ is str
             else f"<{s}> <{p}> {get(o) or literal(o)} .\n" for s, p, o in triples]
    lines.sort()
    return lines


def _write_text(parts: Iterable[str], out: BinarySink) -> None:
    """Write strings as UTF-8, joined into large chunks."""
    parts = iter(parts)
    while chunk := list(islice(parts, _CHUNK)):
        out.write("".join(chunk).encode("utf-8"))


@collector_paused()
def write_ntriples(lines: Iterable[str], out: BinarySink) -> None:
    """Write sorted N-Triples lines (from `sorted_lines` or a merge of its runs) as UTF-8."""
    _write_text(lines, out)


def to_ntriples(triples: Iterable[Triple]) -> str:
    """Sorted N-Triples, one statement a line."""
    return "".join(sorted_lines(triples))


class _Names:
    """Shortens IRIs to prefixed names where Turtle's grammar allows it."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        # Longest namespace first, so 'person:' wins over a shorter prefix of it.
        self.spaces = sorted(prefixes.items(), key=lambda item: (-len(item[1]), item[0]))
        self.cache: dict[str, str] = {}
        # Namespaces that end in '/' or '#' are found by cutting the IRI there; any other
        # namespace makes every IRI try them all, in order.
        self.by_space = {space: prefix for prefix, space in reversed(self.spaces)}
        self.cut_only = all(space[-1:] in ("/", "#") for _, space in self.spaces)

    def iri(self, iri: str) -> str:
        cached = self.cache.get(iri)
        if cached is None:
            cached = _cached(self.cache, iri, self._shorten(iri))
        return cached

    def _shorten(self, iri: str) -> str:
        for prefix, space in self._candidates(iri):
            if iri.startswith(space):
                local = iri[len(space):]
                if self._allows(local):
                    return f"{prefix}:{local}"
        return self._unshortened(iri)

    def _candidates(self, iri: str) -> Iterable[tuple[str, str]]:
        """The namespaces that may begin `iri`, longest first. A local name holds no '/' or
        '#', so only the namespace ending at the last of them can fit."""
        if not self.cut_only:
            return self.spaces
        space = iri[:max(iri.rfind("/"), iri.rfind("#")) + 1]
        prefix = self.by_space.get(space)
        return () if prefix is None else ((prefix, space),)

    def _allows(self, local: str) -> bool:
        return local == "" or _LOCAL.match(local) is not None

    def _unshortened(self, iri: str) -> str:
        return f"<{iri}>"


def prefixed_name(iri: str, prefixes: dict[str, str]) -> str:
    """An IRI as Turtle writes it: a prefixed name where one fits, else <iri>."""
    return _Names(prefixes).iri(iri)


class _TurtleTerms:
    """Turtle forms of N-Triples terms: prefixed names, bare integers and booleans."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.names = _Names(prefixes)
        self.cache: dict[str, str] = {}

    def term(self, text: str) -> str:
        """The Turtle form of an N-Triples term, or of one followed by " .\n" (a line's end)."""
        cached = self.cache.get(text)
        if cached is None:
            cached = _cached(self.cache, text, self._convert(text.removesuffix(" .\n")))
        return cached

    def _convert(self, text: str) -> str:
        if text[0] == "<":
            return self.names.iri(text[1:-1])
        end = text.rindex('"')
        datatype = text[end + 1:]
        if not datatype.startswith("^^"):
            return text
        value = text[1:end]
        if datatype == "^^" + _INTEGER_TYPE and _INTEGER.match(value):
            return value
        if datatype == "^^" + _BOOLEAN_TYPE and value in ("true", "false"):
            return value
        return f"{text[:end + 1]}^^{self.names.iri(datatype[3:-1])}"


def _turtle_parts(lines: Iterable[str], prefixes: dict[str, str]) -> Iterator[str]:
    """The prefixes, then one block a subject, "a" and its classes first.

    Each line is compared with the previous one to extend an object list, start a predicate
    or start a subject; a last, empty line closes the last subject.
    """
    yield "".join(f"@prefix {prefix}: <{iri}> .\n" for prefix, iri in sorted(prefixes.items()))
    terms = _TurtleTerms(prefixes)
    term, get, iri = terms.term, terms.cache.get, terms.names.iri
    verbs: dict[str, str] = {}
    subject: str | None = None
    predicate: str | None = None
    head = ""
    types: list[str] = []
    pieces: list[str] = []
    for line in chain(lines, ("  ",)):
        s, p, o = line.split(" ", 2)
        if s != subject:
            if subject is not None:
                yield _turtle_block(head, types, pieces)
            if not s:
                return
            subject, predicate, head, types, pieces = s, None, iri(s[1:-1]), [], []
        text = get(o)
        if text is None:
            # Plain literals are written as they are; caching them would only cost.
            text = o[:-3] if o[-4] == '"' else term(o)
        if p == predicate:
            pieces += (", ", text)
        elif p == _TYPE:
            types.append(text)
        else:
            predicate = p
            verb = verbs.get(p)
            if verb is None:
                verb = verbs[p] = f" ;\n    {iri(p[1:-1])} "
            pieces += (verb, text)


def _turtle_block(head: str, types: list[str], pieces: list[str]) -> str:
    """A subject's block; `pieces` are its other predicates, each after " ;\n    "."""
    if types:
        return f"\n{head} a " + ", ".join(types) + "".join(pieces) + " .\n"
    pieces[0] = pieces[0][6:]
    return f"\n{head}" + "".join(pieces) + " .\n"


@collector_paused()
def write_turtle(lines: Iterable[str], out: BinarySink, prefixes: dict[str, str]) -> None:
    """Turtle from sorted N-Triples lines: one block a subject, rdf:type first, then the
    predicates and objects in line order."""
    _write_text(_turtle_parts(lines, prefixes), out)


@collector_paused()
def to_turtle(triples: Iterable[Triple], prefixes: dict[str, str]) -> str:
    """Turtle grouped by subject, in sorted N-Triples order (see `write_turtle`)."""
    return "".join(_turtle_parts(sorted_lines(triples), prefixes))


# -- JSON-LD, N-Quads, gzip and checksums -----------------------------------------------------


def jsonld_context(prefixes: dict[str, str]) -> dict[str, str]:
    """The published JSON-LD context: the fixed prefixes, nothing else, so it never surprises."""
    return dict(sorted(prefixes.items()))


class _JsonLdNames(_Names):
    """Compact IRIs for JSON-LD, where any suffix not starting with '//' is allowed."""

    def _candidates(self, iri: str) -> Iterable[tuple[str, str]]:
        # Any local name goes, but the namespace ending at the last '/' or '#', if any, is
        # the longest that can begin `iri`; failing it, every namespace is tried.
        found = super()._candidates(iri)
        return found or self.spaces

    def _allows(self, local: str) -> bool:
        return not local.startswith("//")

    def _unshortened(self, iri: str) -> str:
        return iri


def _cached(cache: dict[str, _V], key: str, value: _V) -> _V:
    """Store `value` under `key`, emptying the cache first when it is full."""
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def _json_string(text: str) -> str:
    if _JSON_ESCAPED.search(text) is None:
        return f'"{text}"'
    return json.dumps(text, ensure_ascii=False)


class _JsonLdTerms:
    """JSON texts of N-Triples terms, as `json.dumps(..., ensure_ascii=False)` writes them."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.names = _JsonLdNames(prefixes)
        self.iris: dict[str, str] = {}
        self.values: dict[str, str] = {}
        self.keys: dict[str, tuple[str, str]] = {}
        self.type_entries: dict[str, tuple[str, str]] = {}

    def key(self, token: str) -> tuple[str, str]:
        """A predicate's <iri> token as a node key: the compact IRI, and '"key": ['."""
        found = self.keys.get(token)
        if found is None:
            name = self.names.iri(token[1:-1])
            found = self.keys[token] = (name, f"{_json_string(name)}: [")
        return found

    def types(self, ends: list[str]) -> tuple[str, str]:
        """A node's rdf:type objects (as line ends) as its key and entry: "@type" for classes.

        Few sets of classes recur, so each is rendered once.
        """
        joined = "".join(ends)
        found = self.type_entries.get(joined)
        if found is None:
            if all(end[0] == "<" for end in ends):
                entry = ("@type", '"@type": [' + ", ".join(self.iri(e[:-3]) for e in ends) + "]")
            else:
                name, opening = self.key(_TYPE)
                entry = (name, opening + ", ".join(map(self.value, ends)) + "]")
            found = _cached(self.type_entries, joined, entry)
        return found

    def iri(self, token: str) -> str:
        """The compact IRI of an <iri> token as a JSON string."""
        cached = self.iris.get(token)
        if cached is None:
            cached = _cached(self.iris, token, _json_string(self.names.iri(token[1:-1])))
        return cached

    def value(self, end: str) -> str:
        """An object, given as its line's end (term + " .\n"), as JSON: {"@id": ...}, a string,
        or a @language or @type value."""
        text = end[:-3]
        # An N-Triples string without escapes is already its JSON string.
        if text[-1] == '"' and "\\" not in text:
            return text
        return _cached(self.values, end, self._convert(text))

    def _convert(self, text: str) -> str:
        if text[0] == "<":
            return f'{{"@id": {self.iri(text)}}}'
        end = text.rindex('"')
        quoted, suffix = text[:end + 1], text[end + 1:]
        if "\\" in quoted:
            quoted = _json_string(json.loads(quoted))
        if suffix.startswith("@"):
            return f'{{"@language": {_json_string(suffix[1:])}, "@value": {quoted}}}'
        if suffix and suffix != f"^^<{XSD}string>":
            return f'{{"@type": {self.iri(suffix[2:])}, "@value": {quoted}}}'
        return quoted


def _jsonld_parts(lines: Iterable[str], prefixes: dict[str, str]) -> Iterator[str]:
    """The context, then one node a subject, as `_turtle_parts` reads the lines."""
    context = json.dumps(jsonld_context(prefixes), indent=1, sort_keys=True).replace("\n", "\n ")
    yield f'{{\n "@context": {context},\n "@graph": [\n  '
    terms = _JsonLdTerms(prefixes)
    value, get, key, key_of = terms.value, terms.values.get, terms.key, terms.keys.get
    subject: str | None = None
    predicate: str | None = None
    separator = ""
    entries: list[tuple[str, str, list[str]]] = []
    types: list[str] = []
    objects: list[str] = []
    for line in chain(lines, ("  ",)):
        s, p, o = line.split(" ", 2)
        if s != subject:
            if subject is not None:
                yield separator + _jsonld_node(terms, subject, entries, types)
                separator = ",\n  "
            if not s:
                break
            subject, predicate, entries, types = s, None, [], []
        if p == _TYPE:
            types.append(o)
            continue
        text = get(o)
        if text is None:
            # An N-Triples string without escapes is already its JSON string.
            text = o[:-3] if o[-4] == '"' and "\\" not in o else value(o)
        if p == predicate:
            objects.append(text)
        else:
            predicate, objects = p, [text]
            entries.append((*(key_of(p) or key(p)), objects))
    yield "\n ]\n}\n"


def _jsonld_node(terms: _JsonLdTerms, subject: str, entries: list[tuple[str, str, list[str]]],
                 types: list[str]) -> str:
    """One node on one line, keys sorted, as json.dumps(sort_keys=True) would write it.

    `entries` are (key, '"key": [', the objects' JSON texts); `types` the rdf:type objects
    as line ends.
    """
    rendered = [(name, f"{opening}{', '.join(values)}]") for name, opening, values in entries]
    rendered.append(("@id", '"@id": ' + terms.iri(subject)))
    if types:
        rendered.append(terms.types(types))
    rendered.sort()
    return "{" + ", ".join(text for _, text in rendered) + "}"


@collector_paused()
def write_jsonld(lines: Iterable[str], out: BinarySink, prefixes: dict[str, str]) -> None:
    """Self-contained JSON-LD from sorted N-Triples lines: the context inlined, one node a
    line in line order, keys sorted."""
    _write_text(_jsonld_parts(lines, prefixes), out)


@collector_paused()
def to_jsonld(triples: Iterable[Triple], prefixes: dict[str, str]) -> str:
    """Self-contained JSON-LD (see `write_jsonld`)."""
    return "".join(_jsonld_parts(sorted_lines(triples), prefixes))


def _nquads_lines(lines: Iterable[str], graph_of: Callable[[str], str | None],
                  named: str = "") -> Iterator[str]:
    """The lines with each one's graph inserted, a chunk of lines at a time.

    `named`, if given, is an IRI prefix that every subject in a named graph starts with: the
    sorted lines of other subjects are then passed on whole, without looking at each one.
    """
    head = "\0"
    ending: str | None = None
    lines = iter(lines)
    while batch := list(islice(lines, _CHUNK)):
        start, stop = _named_range(batch, named) if named else (0, len(batch))
        out = [*batch[:start]]
        for line in batch[start:stop]:
            if not line.startswith(head):
                head = line[:line.index(" ") + 1]
                graph = graph_of(head[1:-2])
                ending = None if graph is None else f"<{graph}> .\n"
            out.append(line if ending is None else line[:-2] + ending)
        out += batch[stop:]
        yield "".join(out)


def _named_range(batch: list[str], prefix: str) -> tuple[int, int]:
    """Where the sorted lines whose subject starts with `prefix` are in a batch."""
    start = "<" + prefix
    return (bisect.bisect_left(batch, start),
            bisect.bisect_left(batch, start[:-1] + chr(ord(start[-1]) + 1)))


@collector_paused()
def write_nquads(lines: Iterable[str], out: BinarySink,
                 graph_of: Callable[[str], str | None], named: str = "") -> None:
    """N-Quads from sorted N-Triples lines, each triple in the graph `graph_of(subject)` (None
    for the default graph). The graph depends on the subject only, so the quads are sorted too.
    `named`: a prefix of every subject in a named graph, if there is one (the others are then
    copied through)."""
    for chunk in _nquads_lines(lines, graph_of, named):
        out.write(chunk.encode("utf-8"))


@collector_paused()
def write_nquads_bytes(data: bytes, out: BinarySink, graph_of: Callable[[str], str | None],
                       named: str) -> None:
    """N-Quads from a whole sorted N-Triples file's bytes (see `write_nquads`), where every
    subject in a named graph starts with the IRI prefix `named`. Those lines are one run in
    sorted order: only they are decoded and given their graph; the bytes before and after them
    are copied as they are."""
    start, stop = _named_bytes(data, ("<" + named).encode("utf-8"))
    for begin in range(0, start, _BYTES_CHUNK):
        out.write(data[begin:min(begin + _BYTES_CHUNK, start)])
    if stop > start:
        lines = data[start:stop].decode("utf-8").split("\n")
        lines.pop()  # the run ends with a newline
        for chunk in _nquads_lines((line + "\n" for line in lines), graph_of):
            out.write(chunk.encode("utf-8"))
    for begin in range(stop, len(data), _BYTES_CHUNK):
        out.write(data[begin:min(begin + _BYTES_CHUNK, len(data))])


def _named_bytes(data: bytes, marker: bytes) -> tuple[int, int]:
    """Where the lines starting with `marker` are, as a byte range of sorted lines."""
    first = 0 if data.startswith(marker) else data.find(b"\n" + marker) + 1
    if first == 0 and not data.startswith(marker):
        return 0, 0
    last = max(first, data.rfind(b"\n" + marker) + 1)
    end = data.find(b"\n", last)
    return first, (len(data) if end < 0 else end + 1)


@collector_paused()
def to_nquads(triples: Iterable[Triple], graph_of: Callable[[str], str | None]) -> str:
    """Sorted N-Quads (see `write_nquads`)."""
    return "".join(_nquads_lines(sorted_lines(triples), graph_of))


_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# ISA-L's level 2 compresses about 15 times faster than zlib's default level 6 (1.7 GB/s against
# 0.13 GB/s on a 1M-triple kg.nt), for files about a third larger; the build was spending more
# time compressing its four dumps than validating them.
_GZIP_LEVEL = 2
_GZIP_BLOCK = 1 << 18


class GzipWriter:
    """Writes one gzip member to `out` as data arrives, with the fixed header of `gzip_bytes`.

    Written by hand because gzip.GzipFile sets the OS byte differently across Python versions.
    ISA-L's output depends on how its input is cut, so the data goes to it in blocks of a fixed
    size: the bytes written depend on the data alone, however the writes split it.
    """

    def __init__(self, out: BinarySink) -> None:
        self.out = out
        self.compressor = isal_zlib.compressobj(_GZIP_LEVEL, isal_zlib.DEFLATED,
                                                -isal_zlib.MAX_WBITS)
        self.crc = 0
        self.size = 0
        self.pending = bytearray()
        out.write(_GZIP_HEADER)

    def write(self, data: bytes) -> int:
        """Compress and write `data`; returns its length, like a file's write."""
        self.crc = isal_zlib.crc32(data, self.crc)
        self.size += len(data)
        self.pending += data
        if len(self.pending) >= _GZIP_BLOCK:
            whole = len(self.pending) - len(self.pending) % _GZIP_BLOCK
            view = memoryview(self.pending)
            for start in range(0, whole, _GZIP_BLOCK):
                self.out.write(self.compressor.compress(view[start:start + _GZIP_BLOCK]))
            view.release()
            del self.pending[:whole]
        return len(data)

    def close(self) -> None:
        """Finish the member: the rest of the deflate stream, then CRC-32 and size."""
        self.out.write(self.compressor.compress(bytes(self.pending)) + self.compressor.flush())
        self.pending.clear()
        self.out.write(struct.pack("<II", self.crc, self.size & 0xFFFFFFFF))


def gzip_bytes(data: bytes) -> bytes:
    """A gzip member with a fixed header (mtime 0, no file name, OS 'unknown'): reproducible."""
    buffer = io.BytesIO()
    writer = GzipWriter(buffer)
    writer.write(data)
    writer.close()
    return buffer.getvalue()


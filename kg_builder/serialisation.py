"""Writing the graph: sorted N-Triples, N-Quads, JSON-LD and pretty Turtle with fixed prefixes.

Every writer streams from the sorted N-Triples lines (`sorted_lines`), so their output depends
only on the set of triples: byte-identical across runs, machines and PYTHONHASHSEED values. A
subject's lines are contiguous in that order, so the Turtle and JSON-LD writers group by subject
while reading and hold one subject at a time, never the whole graph.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from .memory import collector_paused
from .namespaces import RDF, XSD
from .terms import Triple, nt_term

_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_TYPE = f"<{RDF}type>"
_INTEGER_TYPE = f"<{XSD}integer>"
_BOOLEAN_TYPE = f"<{XSD}boolean>"
# Lines (or blocks) joined into one write: large enough to amortise the calls, small enough
# that a stream of any size stays in a few MiB.
_CHUNK = 8192
# Rendered terms kept for reuse; cleared when full so memory stays bounded at any scale.
_CACHE_LIMIT = 1 << 20


@collector_paused()
def sorted_lines(triples: Iterable[Triple]) -> list[str]:
    """The triples as N-Triples lines (each ending in a newline), sorted."""
    rendered: dict[object, str] = {}
    lines: list[str] = []
    append = lines.append
    for s, p, o in triples:
        text = rendered.get(o)
        if text is None:
            text = rendered[o] = nt_term(o)
        append(f"<{s}> <{p}> {text} .\n")
    lines.sort()
    return lines


def _write_text(parts: Iterable[str], out: BinaryIO) -> None:
    """Write strings as UTF-8, joined into large chunks."""
    parts = iter(parts)
    while chunk := list(islice(parts, _CHUNK)):
        out.write("".join(chunk).encode("utf-8"))


@collector_paused()
def write_ntriples(lines: Iterable[str], out: BinaryIO) -> None:
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

    def iri(self, iri: str) -> str:
        cached = self.cache.get(iri)
        if cached is None:
            cached = _cached(self.cache, iri, self._shorten(iri))
        return cached

    def _shorten(self, iri: str) -> str:
        for prefix, space in self.spaces:
            if iri.startswith(space):
                local = iri[len(space):]
                if local == "" or _LOCAL.match(local):
                    return f"{prefix}:{local}"
        return f"<{iri}>"


def prefixed_name(iri: str, prefixes: dict[str, str]) -> str:
    """An IRI as Turtle writes it: a prefixed name where one fits, else <iri>."""
    return _Names(prefixes).iri(iri)


def _subjects(lines: Iterable[str]) -> Iterator[tuple[str, list[tuple[str, list[str]]]]]:
    """Each subject's token with its predicates' tokens and objects, from sorted lines.

    A subject's lines are contiguous in sorted order, and so are a predicate's within them.
    """
    subject = predicate = ""
    predicates: list[tuple[str, list[str]]] = []
    objects: list[str] = []
    for line in lines:
        s, p, o = line.split(" ", 2)
        if p != predicate or s != subject:
            if s != subject:
                if predicates:
                    yield subject, predicates
                subject, predicates = s, []
            predicate, objects = p, []
            predicates.append((p, objects))
        objects.append(o[:-3])
    if predicates:
        yield subject, predicates


class _TurtleTerms:
    """Turtle forms of N-Triples terms: prefixed names, bare integers and booleans."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.names = _Names(prefixes)
        self.cache: dict[str, str] = {}

    def term(self, text: str) -> str:
        if text[-1] == '"':
            return text
        cached = self.cache.get(text)
        if cached is None:
            cached = _cached(self.cache, text, self._convert(text))
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
    yield "".join(f"@prefix {prefix}: <{iri}> .\n" for prefix, iri in sorted(prefixes.items()))
    term = _TurtleTerms(prefixes).term
    for subject, predicates in _subjects(lines):
        parts: list[str] = []
        for predicate, objects in predicates:
            listed = ", ".join(map(term, objects))
            if predicate == _TYPE:
                parts.insert(0, "a " + listed)
            else:
                parts.append(f"{term(predicate)} {listed}")
        yield f"\n{term(subject)} " + " ;\n    ".join(parts) + " .\n"


@collector_paused()
def write_turtle(lines: Iterable[str], out: BinaryIO, prefixes: dict[str, str]) -> None:
    """Turtle from sorted N-Triples lines: one block a subject, rdf:type first, then the
    predicates and objects in line order."""
    _write_text(_turtle_parts(lines, prefixes), out)


@collector_paused()
def to_turtle(triples: Iterable[Triple], prefixes: dict[str, str]) -> str:
    """Turtle grouped by subject, in sorted N-Triples order (see `write_turtle`)."""
    return "".join(_turtle_parts(sorted_lines(triples), prefixes))


def write_build(build_dir: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every output, or none: all files are staged first, then renamed into place.

    Files already in `build_dir` that this build does not produce are left alone, so nothing a
    user put there is lost.
    """
    build_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{build_dir.name}.staging-", dir=build_dir.parent))
    try:
        for name, data in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
        build_dir.mkdir(exist_ok=True)
        written = []
        for name in sorted(files):
            target = build_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# -- JSON-LD, N-Quads, gzip and checksums -----------------------------------------------------


def jsonld_context(prefixes: dict[str, str]) -> dict[str, str]:
    """The published JSON-LD context: the fixed prefixes, nothing else, so it never surprises."""
    return dict(sorted(prefixes.items()))


class _JsonLdNames(_Names):
    """Compact IRIs for JSON-LD, where any suffix not starting with '//' is allowed."""

    def _shorten(self, iri: str) -> str:
        for prefix, space in self.spaces:
            if iri.startswith(space) and not iri[len(space):].startswith("//"):
                return f"{prefix}:{iri[len(space):]}"
        return iri


def _cached(cache: dict[str, str], key: str, value: str) -> str:
    """Store `value` under `key`, emptying the cache first when it is full."""
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def _json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


class _JsonLdTerms:
    """JSON texts of N-Triples terms, as `json.dumps(..., ensure_ascii=False)` writes them."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.names = _JsonLdNames(prefixes)
        self.iris: dict[str, str] = {}
        self.values: dict[str, str] = {}

    def key(self, token: str) -> str:
        """The compact IRI of an <iri> token, unquoted."""
        return self.names.iri(token[1:-1])

    def iri(self, token: str) -> str:
        """The compact IRI of an <iri> token as a JSON string."""
        cached = self.iris.get(token)
        if cached is None:
            cached = _cached(self.iris, token, _json_string(self.key(token)))
        return cached

    def value(self, text: str) -> str:
        """An object as JSON: {"@id": ...}, a plain string, or a @language / @type value."""
        # An N-Triples string without escapes is already its JSON string.
        if text[-1] == '"' and "\\" not in text:
            return text
        cached = self.values.get(text)
        if cached is None:
            cached = _cached(self.values, text, self._convert(text))
        return cached

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
    context = json.dumps(jsonld_context(prefixes), indent=1, sort_keys=True).replace("\n", "\n ")
    yield f'{{\n "@context": {context},\n "@graph": [\n  '
    terms = _JsonLdTerms(prefixes)
    separator = ""
    for subject, predicates in _subjects(lines):
        yield separator + _jsonld_node(terms, subject, predicates)
        separator = ",\n  "
    yield "\n ]\n}\n"


def _jsonld_node(terms: _JsonLdTerms, subject: str,
                 predicates: list[tuple[str, list[str]]]) -> str:
    """One node on one line, keys sorted, as json.dumps(sort_keys=True) would write it."""
    entries = [("@id", f'"@id": {terms.iri(subject)}')]
    for predicate, objects in predicates:
        if predicate == _TYPE and all(o[0] == "<" for o in objects):
            listed = ", ".join(map(terms.iri, objects))
            entries.append(("@type", f'"@type": [{listed}]'))
        else:
            listed = ", ".join(map(terms.value, objects))
            entries.append((terms.key(predicate), f"{terms.iri(predicate)}: [{listed}]"))
    entries.sort()
    return "{" + ", ".join(entry for _, entry in entries) + "}"


@collector_paused()
def write_jsonld(lines: Iterable[str], out: BinaryIO, prefixes: dict[str, str]) -> None:
    """Self-contained JSON-LD from sorted N-Triples lines: the context inlined, one node a
    line in line order, keys sorted."""
    _write_text(_jsonld_parts(lines, prefixes), out)


@collector_paused()
def to_jsonld(triples: Iterable[Triple], prefixes: dict[str, str]) -> str:
    """Self-contained JSON-LD (see `write_jsonld`)."""
    return "".join(_jsonld_parts(sorted_lines(triples), prefixes))


def _nquads_lines(lines: Iterable[str], graph_of: Callable[[str], str | None]) -> Iterator[str]:
    subject = ""
    ending: str | None = None
    for line in lines:
        s = line[:line.index(" ")]
        if s != subject:
            subject, graph = s, graph_of(s[1:-1])
            ending = None if graph is None else f"<{graph}> .\n"
        yield line if ending is None else line[:-2] + ending


@collector_paused()
def write_nquads(lines: Iterable[str], out: BinaryIO,
                 graph_of: Callable[[str], str | None]) -> None:
    """N-Quads from sorted N-Triples lines, each triple in the graph `graph_of(subject)` (None
    for the default graph). The graph depends on the subject only, so the quads are sorted too."""
    _write_text(_nquads_lines(lines, graph_of), out)


@collector_paused()
def to_nquads(triples: Iterable[Triple], graph_of: Callable[[str], str | None]) -> str:
    """Sorted N-Quads (see `write_nquads`)."""
    return "".join(_nquads_lines(sorted_lines(triples), graph_of))


_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


class GzipWriter:
    """Writes one gzip member to `out` as data arrives, with the fixed header of `gzip_bytes`.

    Written by hand because gzip.GzipFile sets the OS byte differently across Python versions.
    """

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        # Level 6 (zlib's default) is about twice as fast as 9 for a few per cent of size.
        self.compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        self.crc = 0
        self.size = 0
        out.write(_GZIP_HEADER)

    def write(self, data: bytes) -> int:
        """Compress and write `data`; returns its length, like a file's write."""
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self.out.write(self.compressor.compress(data))
        return len(data)

    def close(self) -> None:
        """Finish the member: the rest of the deflate stream, then CRC-32 and size."""
        self.out.write(self.compressor.flush())
        self.out.write(struct.pack("<II", self.crc, self.size & 0xFFFFFFFF))


def gzip_bytes(data: bytes) -> bytes:
    """A gzip member with a fixed header (mtime 0, no file name, OS 'unknown'): reproducible."""
    buffer = io.BytesIO()
    writer = GzipWriter(buffer)
    writer.write(data)
    writer.close()
    return buffer.getvalue()


def sha256sums(files: dict[str, bytes]) -> str:
    """`sha256sum` output for the files, sorted by name (check with `sha256sum -c SHA256SUMS`)."""
    return "".join(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n"
                   for name in sorted(files))

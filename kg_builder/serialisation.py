"""Writing the graph: sorted N-Triples, N-Quads, JSON-LD and pretty Turtle with fixed prefixes.

Every writer work on the engine-free triples, so their output depends only on the set of
triples: byte-identical across runs, machines and PYTHONHASHSEED values.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import tempfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from .memory import collector_paused
from .namespaces import RDF, XSD
from .terms import Literal, Term, Triple, escape_string, nt_line, nt_term

_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
_INTEGER = re.compile(r"^[+-]?\d+$")


@collector_paused()
def to_ntriples(triples: Iterable[Triple]) -> str:
    """Sorted N-Triples, one statement a line."""
    return "".join(line + "\n" for line in sorted(nt_line(t) for t in triples))


class _Names:
    """Shortens IRIs to prefixed names where Turtle's grammar allows it."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        # Longest namespace first, so 'person:' wins over a shorter prefix of it.
        self.spaces = sorted(prefixes.items(), key=lambda item: (-len(item[1]), item[0]))
        self.cache: dict[str, str] = {}

    def iri(self, iri: str) -> str:
        cached = self.cache.get(iri)
        if cached is None:
            cached = self.cache[iri] = self._shorten(iri)
        return cached

    def _shorten(self, iri: str) -> str:
        for prefix, space in self.spaces:
            if iri.startswith(space):
                local = iri[len(space):]
                if local == "" or _LOCAL.match(local):
                    return f"{prefix}:{local}"
        return f"<{iri}>"

    def term(self, term: Term) -> str:
        if not isinstance(term, Literal):
            return self.iri(term)
        if term.datatype == XSD + "integer" and _INTEGER.match(term.value):
            return term.value
        if term.datatype == XSD + "boolean" and term.value in ("true", "false"):
            return term.value
        if term.datatype and term.datatype != XSD + "string" and not term.lang:
            return f'"{escape_string(term.value)}"^^{self.iri(term.datatype)}'
        return nt_term(term)


def prefixed_name(iri: str, prefixes: dict[str, str]) -> str:
    """An IRI as Turtle writes it: a prefixed name where one fits, else <iri>."""
    return _Names(prefixes).iri(iri)


@collector_paused()
def to_turtle(triples: Iterable[Triple], prefixes: dict[str, str]) -> str:
    """Turtle grouped by subject; subjects, predicates (rdf:type first) and objects sorted."""
    names = _Names(prefixes)
    by_subject: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in triples:
        by_subject[s][p].append(o)
    out = [f"@prefix {prefix}: <{iri}> .\n" for prefix, iri in sorted(prefixes.items())]
    for subject in sorted(by_subject):
        out.append("\n" + _subject_block(names, subject, by_subject[subject]))
    return "".join(out)


def _subject_block(names: _Names, subject: str, predicates: dict[str, list[Term]]) -> str:
    order = sorted(predicates, key=lambda p: (p != RDF + "type", p))
    parts = []
    for predicate in order:
        objects = sorted(predicates[predicate], key=nt_term)
        verb = "a" if predicate == RDF + "type" else names.iri(predicate)
        parts.append(f"{verb} " + ", ".join(names.term(o) for o in objects))
    return names.iri(subject) + " " + " ;\n    ".join(parts) + " .\n"


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


@collector_paused()
def to_jsonld(triples: Iterable[Triple], prefixes: dict[str, str]) -> str:
    """Self-contained JSON-LD: the context inlined, nodes sorted by IRI, keys sorted."""
    names = _JsonLdNames(prefixes)
    by_subject: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in triples:
        by_subject[s][p].append(o)
    # One node a line: diffs stay readable, and the C encoder (no indent) stays fast.
    nodes = ",\n  ".join(json.dumps(_jsonld_node(names, s, by_subject[s]), sort_keys=True,
                                    ensure_ascii=False) for s in sorted(by_subject))
    context = json.dumps(jsonld_context(prefixes), indent=1, sort_keys=True).replace("\n", "\n ")
    return f'{{\n "@context": {context},\n "@graph": [\n  {nodes}\n ]\n}}\n'


def _jsonld_node(names: _JsonLdNames, subject: str,
                 predicates: dict[str, list[Term]]) -> dict[str, object]:
    node: dict[str, object] = {"@id": names.iri(subject)}
    for predicate, objects in predicates.items():
        objects = sorted(objects, key=nt_term)
        if predicate == RDF + "type" and not any(isinstance(o, Literal) for o in objects):
            node["@type"] = [names.iri(str(o)) for o in objects]
        else:
            node[names.iri(predicate)] = [_jsonld_value(names, o) for o in objects]
    return node


def _jsonld_value(names: _JsonLdNames, term: Term) -> object:
    if not isinstance(term, Literal):
        return {"@id": names.iri(term)}
    if term.lang:
        return {"@language": term.lang, "@value": term.value}
    if term.datatype and term.datatype != XSD + "string":
        return {"@type": names.iri(term.datatype), "@value": term.value}
    return term.value


@collector_paused()
def to_nquads(triples: Iterable[Triple], graph_of: Callable[[str], str | None]) -> str:
    """Sorted N-Quads: the default graph first, then each named graph (`graph_of(subject)`)."""
    keyed = []
    for triple in triples:
        graph = graph_of(triple[0])
        line = nt_line(triple)
        keyed.append((graph or "", line if graph is None else f"{line[:-2]} <{graph}> ."))
    return "".join(line + "\n" for _, line in sorted(keyed))


def gzip_bytes(data: bytes) -> bytes:
    """A gzip member with a fixed header (mtime 0, no file name, OS 'unknown'): reproducible.

    Written by hand because gzip.compress sets the OS byte differently across Python versions.
    """
    # Level 6 (zlib's default) is about twice as fast as 9 for a few per cent of size.
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = compressor.compress(data) + compressor.flush()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + body + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def sha256sums(files: dict[str, bytes]) -> str:
    """`sha256sum` output for the files, sorted by name (check with `sha256sum -c SHA256SUMS`)."""
    return "".join(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n"
                   for name in sorted(files))

"""Writing the graph: sorted N-Triples and sorted, pretty Turtle with fixed prefixes.

Both writers work on the engine-free triples, so their output depends only on the set of
triples: byte-identical across runs, machines and PYTHONHASHSEED values.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from .namespaces import RDF, XSD
from .terms import Literal, Term, Triple, escape_string, nt_line, nt_term

_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
_INTEGER = re.compile(r"^[+-]?\d+$")


def to_ntriples(triples: Iterable[Triple]) -> str:
    """Sorted N-Triples, one statement a line."""
    return "".join(line + "\n" for line in sorted(nt_line(t) for t in triples))


class _Names:
    """Shortens IRIs to prefixed names where Turtle's grammar allows it."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        # Longest namespace first, so 'person:' wins over a shorter prefix of it.
        self.spaces = sorted(prefixes.items(), key=lambda item: (-len(item[1]), item[0]))

    def iri(self, iri: str) -> str:
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

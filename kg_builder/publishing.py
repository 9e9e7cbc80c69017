"""Publishing a graph: dumps in four formats, gzip copies, dataset description, docs, checksums.

Everything here is a pure function of the triples, the ontology and shapes files and the
Edition (version, date, URLs), so a rebuild gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from .metadata import (Edition, citation_cff, describe_catalogue, describe_dataset,
                       describe_distributions)
from .namespaces import KIND_PATHS, metadata_prefixes, prefixes
from .ontology_docs import ontology_html
from .serialisation import (gzip_bytes, jsonld_context, sha256sums, to_jsonld, to_nquads,
                            to_ntriples, to_turtle)
from .terms import Triple

DUMP_TURTLE = "kg.ttl"
DUMP_NTRIPLES = "kg.nt"
DUMP_JSONLD = "kg.jsonld"
DUMP_NQUADS = "kg.nq"
DUMPS = (DUMP_TURTLE, DUMP_NTRIPLES, DUMP_JSONLD, DUMP_NQUADS)
CONTEXT = "context.jsonld"
DESCRIPTION = "void.ttl"
CITATION = "CITATION.cff"
ONTOLOGY_DOCS = "ontology.html"
SUMS = "SHA256SUMS"


def claim_graph(base_iri: str) -> Callable[[str], str | None]:
    """The named graph of a subject: `<base>claim/<id>` for a claim and its nested nodes."""
    claims = base_iri + KIND_PATHS["claim"]

    def graph_of(subject: str) -> str | None:
        if not subject.startswith(claims):
            return None
        return claims + subject[len(claims):].split("/", 1)[0]

    return graph_of


def dump_files(triples: Iterable[Triple], base_iri: str,
               done: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """The four dumps and the JSON-LD context; dumps already in `done` are reused."""
    triples = list(triples)
    names = prefixes(base_iri)
    writers: dict[str, Callable[[], str]] = {
        DUMP_TURTLE: lambda: to_turtle(triples, names),
        DUMP_NTRIPLES: lambda: to_ntriples(triples),
        DUMP_JSONLD: lambda: to_jsonld(triples, names),
        DUMP_NQUADS: lambda: to_nquads(triples, claim_graph(base_iri)),
    }
    done = done or {}
    files = {name: done.get(name) or write().encode("utf-8") for name, write in writers.items()}
    context = {"@context": jsonld_context(names)}
    files[CONTEXT] = (json.dumps(context, indent=1, sort_keys=True) + "\n").encode("utf-8")
    return files


def publication_files(triples: Iterable[Triple], base_iri: str, edition: Edition,
                      ontology: list[Path], shapes: list[Path],
                      done: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """Dumps, their gzip copies, VoID + DCAT, CITATION.cff and the ontology's HTML docs."""
    triples = list(triples)
    files = dump_files(triples, base_iri, done)
    dumps = {name: files[name] for name in DUMPS}
    dumps |= {name + ".gz": gzip_bytes(data) for name, data in dumps.items()}
    files |= dumps
    description = (describe_dataset(triples, base_iri)
                   | describe_catalogue(triples, base_iri, edition)
                   | describe_distributions(base_iri, dumps, edition))
    files[DESCRIPTION] = to_turtle(description, metadata_prefixes(base_iri)).encode("utf-8")
    files[CITATION] = citation_cff(base_iri, edition).encode("utf-8")
    files[ONTOLOGY_DOCS] = ontology_html(ontology, shapes).encode("utf-8")
    return files


def with_checksums(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files plus SHA256SUMS over all of them."""
    return {**files, SUMS: sha256sums(files).encode("utf-8")}

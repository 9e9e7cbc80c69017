"""Dataset metadata: VoID, DCAT and CITATION.cff computed from the graph and the dumps.

No wall-clock time: the issued date comes from a release or from SOURCE_DATE_EPOCH, or is left out.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from .errors import UsageError
from .namespaces import (CC_BY_4, DCAT, DCTERMS, FOAF, IANA_MEDIA_TYPES, KGO, OWL, PROJECT_IRI,
                         ONTOLOGY_IRI, RDF, SPDX, VOID)
from .terms import Literal, Term, Triple, typed

if TYPE_CHECKING:
    from .store import QueryResult

TITLE = "The Red Army purge of 1937-38: a curated knowledge graph"
DESCRIPTION = ("People, organisations, events, sources and attributed claims about the purge of "
               "the Red Army in 1937-38, curated with word-for-word evidence from Peter James "
               "Whitewood's thesis 'The Red Army and the Terror' (Leeds, 2012) and a journal "
               "article by the same author.")


@dataclass
class GraphStatistics:
    """What VoID, DCAT and the regression guards say about a graph."""

    example: str = ""
    triples: int = 0
    subjects: int = 0
    entities: int = 0
    has_example: bool = False
    classes: Counter[str] = field(default_factory=Counter)
    properties: Counter[str] = field(default_factory=Counter)
    start: str | None = None  # the earliest date of any event
    end: str | None = None  # the latest date of any event


_ENTITY_CLASSES = {KGO + c for c in ("Person", "Organisation", "Event", "Source", "Claim")}
_STATISTICS = {
    "properties": "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p",
    "classes": f"SELECT ?c (COUNT(*) AS ?n) WHERE {{ ?s <{RDF}type> ?c FILTER(isIRI(?c)) }} "
               "GROUP BY ?c",
    "subjects": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }",
    "entities": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { VALUES ?c { "
                + " ".join(f"<{c}>" for c in sorted(_ENTITY_CLASSES))
                + f" }} ?s <{RDF}type> ?c }}",
    # Lexical minimum and maximum, as the dates are compared as text everywhere else.
    "start": f"SELECT (MIN(STR(?d)) AS ?n) WHERE {{ ?x a <{KGO}Event> ; <{KGO}earliest> ?d "
             "FILTER(isLiteral(?d)) }",
    "end": f"SELECT (MAX(STR(?d)) AS ?n) WHERE {{ ?x a <{KGO}Event> ; <{KGO}latest> ?d "
           "FILTER(isLiteral(?d)) }",
    "example": "SELECT ?p WHERE {{ <{example}> ?p ?o }} LIMIT 1",
}


def graph_statistics(select: Callable[[str], QueryResult], example: str) -> GraphStatistics:
    """The statistics of the graph in a store, counted by its SPARQL engine (`select` runs a
    SELECT query): a few aggregate queries instead of a pass over every triple in Python."""
    stats = GraphStatistics(example)
    stats.properties = Counter({str(row["p"]): _count(row) for row in
                                select(_STATISTICS["properties"]).rows})
    stats.classes = Counter({str(row["c"]): _count(row) for row in
                             select(_STATISTICS["classes"]).rows})
    stats.triples = sum(stats.properties.values())
    stats.subjects = _count(select(_STATISTICS["subjects"]).rows[0])
    stats.entities = _count(select(_STATISTICS["entities"]).rows[0])
    stats.start = _text(select(_STATISTICS["start"]).rows[0].get("n"))
    stats.end = _text(select(_STATISTICS["end"]).rows[0].get("n"))
    stats.has_example = bool(select(_STATISTICS["example"].format(example=example)).rows)
    return stats


def _count(row: dict[str, Term | None]) -> int:
    value = row["n"]
    return int(value.value) if isinstance(value, Literal) else 0


def _text(value: Term | None) -> str | None:
    return value.value if isinstance(value, Literal) else None


def describe_dataset(stats: GraphStatistics, base_iri: str) -> set[Triple]:
    """VoID triples: size, entities, class and property partitions, vocabulary, source."""
    dataset = base_iri + "dataset"
    out: set[Triple] = {
        (dataset, RDF + "type", VOID + "Dataset"),
        (dataset, DCTERMS + "title", Literal(TITLE)),
        (dataset, DCTERMS + "description", Literal(DESCRIPTION)),
        (dataset, DCTERMS + "source", base_iri + "source/whitewood-2012-red"),
        (dataset, VOID + "vocabulary", KGO),
        (dataset, VOID + "uriSpace", Literal(base_iri)),
        (dataset, VOID + "triples", typed(stats.triples, "integer")),
        (dataset, VOID + "distinctSubjects", typed(stats.subjects, "integer")),
        (dataset, VOID + "entities", typed(stats.entities, "integer")),
    }
    for cls, count in stats.classes.items():
        part = f"{dataset}/class/{cls.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}"
        out |= {(dataset, VOID + "classPartition", part), (part, VOID + "class", cls),
                (part, VOID + "entities", typed(count, "integer"))}
    for prop, count in stats.properties.items():
        part = f"{dataset}/property/{_slug(prop)}"
        out |= {(dataset, VOID + "propertyPartition", part), (part, VOID + "property", prop),
                (part, VOID + "triples", typed(count, "integer"))}
    if stats.has_example:
        out.add((dataset, VOID + "exampleResource", stats.example))
    return out


def example_resource(base_iri: str) -> str:
    """The IRI VoID names as an example resource, when the graph has it."""
    return base_iri + "event/trial-military-1937-06-11"


def _slug(iri: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in iri.split("//", 1)[-1]).strip("-")


# -- Publishing: DCAT distributions, dumps, versions and citation -----------------------------

CREATOR_NAME = "kg-builder contributors"
KEYWORDS = ("Red Army", "Great Terror", "Soviet Union", "military purge", "1937-1938",
            "prosopography", "historiography", "linked data")
THESIS_CITATION = ("Whitewood, Peter James. The Red Army and the Terror. PhD thesis, "
                   "The University of Leeds, School of History, "
                   "2012.")
THESIS_REFERENCE = {"title": "The Red Army and the Terror", "family": "Whitewood",
                    "given": "Peter James", "institution": "University of Leeds", "year": 2012}
MEDIA_TYPES = {".ttl": "text/turtle", ".nt": "application/n-triples",
               ".jsonld": "application/ld+json", ".nq": "application/n-quads"}
GZIP = "application/gzip"


@dataclass(frozen=True)
class Edition:
    """What sets one publication apart: its version, issue date, dump URLs and endpoint."""

    download_base: str
    version: str | None = None
    issued: date | None = None
    sparql_endpoint: str | None = None


def source_date() -> date | None:
    """The date of SOURCE_DATE_EPOCH (UTC), or None: never the wall clock."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=timezone.utc).date()
    except (ValueError, OverflowError, OSError) as exc:
        raise UsageError(f"SOURCE_DATE_EPOCH='{value}' is not a Unix time in seconds; "
                         "unset it or give e.g. SOURCE_DATE_EPOCH=1700000000") from exc


def describe_distributions(base_iri: str, dumps: dict[str, tuple[int, str]],
                           edition: Edition) -> set[Triple]:
    """DCAT and VoID for the dumps (name -> size and SHA-256): one dcat:Distribution each."""
    dataset = base_iri + "dataset"
    out: set[Triple] = set()
    for name, (size, digest) in dumps.items():
        url = edition.download_base + name
        node = f"{dataset}/distribution/{name}"
        checksum = node + "/sha256"
        inner = name[:-3] if name.endswith(".gz") else name
        media = MEDIA_TYPES[inner[inner.rfind("."):]]
        out |= {
            (dataset, DCAT + "distribution", node), (dataset, VOID + "dataDump", url),
            (node, RDF + "type", DCAT + "Distribution"),
            (node, DCTERMS + "title", Literal(name)),
            (node, DCAT + "downloadURL", url), (node, DCAT + "accessURL", url),
            (node, DCAT + "mediaType", IANA_MEDIA_TYPES + media),
            (node, DCAT + "byteSize", typed(size, "nonNegativeInteger")),
            (node, SPDX + "checksum", checksum),
            (checksum, RDF + "type", SPDX + "Checksum"),
            (checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256"),
            (checksum, SPDX + "checksumValue",
             typed(digest, "hexBinary")),
        }
        if name.endswith(".gz"):
            out.add((node, DCAT + "compressFormat", IANA_MEDIA_TYPES + GZIP))
    return out


def describe_catalogue(stats: GraphStatistics, base_iri: str,
                       edition: Edition) -> set[Triple]:
    """DCAT for the dataset: title, licence, creator, source, keywords, period, version."""
    dataset = base_iri + "dataset"
    out: set[Triple] = {
        (dataset, RDF + "type", DCAT + "Dataset"),
        (dataset, DCTERMS + "license", CC_BY_4),
        (dataset, DCTERMS + "creator", PROJECT_IRI), (dataset, DCTERMS + "publisher", PROJECT_IRI),
        (PROJECT_IRI, RDF + "type", FOAF + "Organization"),
        (PROJECT_IRI, FOAF + "name", Literal(CREATOR_NAME)),
        (dataset, DCTERMS + "bibliographicCitation", Literal(THESIS_CITATION)),
        (dataset, DCTERMS + "conformsTo", ONTOLOGY_IRI),
        *((dataset, DCAT + "keyword", Literal(k)) for k in KEYWORDS),
    }
    out |= _temporal_coverage(stats, dataset)
    if edition.version:
        out |= {(dataset, DCAT + "version", Literal(edition.version)),
                (dataset, OWL + "versionInfo", Literal(edition.version))}
    if edition.issued:
        out.add((dataset, DCTERMS + "issued", typed(edition.issued.isoformat(), "date")))
    if edition.sparql_endpoint:
        out.add((dataset, VOID + "sparqlEndpoint", edition.sparql_endpoint))
    return out


def _temporal_coverage(stats: GraphStatistics, dataset: str) -> set[Triple]:
    """The span of the events' dates, from the data itself."""
    if stats.start is None or stats.end is None:
        return set()
    period = dataset + "/temporal"
    return {(dataset, DCTERMS + "temporal", period),
            (period, RDF + "type", DCTERMS + "PeriodOfTime"),
            (period, DCAT + "startDate", typed(stats.start, "date")),
            (period, DCAT + "endDate", typed(stats.end, "date"))}


def citation_cff(base_iri: str, edition: Edition) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for the dataset; strings quoted as JSON."""
    q = json.dumps
    lines = [
        "cff-version: 1.2.0",
        f"message: {q('If you use this dataset, please cite it as below, and cite the thesis it is curated from.')}",
        "type: dataset",
        f"title: {q(TITLE)}",
        f"abstract: {q(DESCRIPTION)}",
        "authors:",
        f"  - name: {q(CREATOR_NAME)}",
        "license: CC-BY-4.0",
        f"url: {q(base_iri)}",
    ]
    if edition.version:
        lines.append(f"version: {q(edition.version)}")
    if edition.issued:
        lines.append(f"date-released: {q(edition.issued.isoformat())}")
    lines.append("keywords:")
    lines += [f"  - {q(k)}" for k in KEYWORDS]
    ref = THESIS_REFERENCE
    lines += ["references:", "  - type: thesis", f"    title: {q(ref['title'])}",
              "    authors:", f"      - family-names: {q(ref['family'])}",
              f"        given-names: {q(ref['given'])}", "    institution:",
              f"      name: {q(ref['institution'])}", f"    year: {ref['year']}"]
    return "\n".join(lines) + "\n"

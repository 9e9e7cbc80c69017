"""Dataset metadata: a VoID description computed from the graph itself (no wall-clock time)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .namespaces import DCTERMS, KGO, RDF, VOID
from .terms import Literal, Triple, typed

TITLE = "The Red Army purge of 1937-38: a curated knowledge graph"
DESCRIPTION = ("People, organisations, events, sources and attributed claims about the purge of "
               "the Red Army in 1937-38, curated with word-for-word evidence from Peter James "
               "Whitewood's thesis 'The Red Army and the Terror' (Leeds, 2012) and a journal "
               "article by the same author.")


def describe_dataset(triples: Iterable[Triple], base_iri: str) -> set[Triple]:
    """VoID triples: size, entities, class and property partitions, vocabulary, source."""
    triples = list(triples)
    dataset = base_iri + "dataset"
    out: set[Triple] = {
        (dataset, RDF + "type", VOID + "Dataset"),
        (dataset, DCTERMS + "title", Literal(TITLE)),
        (dataset, DCTERMS + "description", Literal(DESCRIPTION)),
        (dataset, DCTERMS + "source", base_iri + "source/whitewood-2012-red"),
        (dataset, VOID + "vocabulary", KGO),
        (dataset, VOID + "uriSpace", Literal(base_iri)),
        (dataset, VOID + "triples", typed(len(triples), "integer")),
        (dataset, VOID + "distinctSubjects", typed(len({s for s, _, _ in triples}), "integer")),
    }
    classes = Counter(o for _, p, o in triples if p == RDF + "type" and isinstance(o, str))
    entities = {s for s, p, o in triples if p == RDF + "type" and o in _ENTITY_CLASSES}
    out.add((dataset, VOID + "entities", typed(len(entities), "integer")))
    for cls, count in classes.items():
        part = f"{dataset}/class/{cls.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}"
        out |= {(dataset, VOID + "classPartition", part), (part, VOID + "class", cls),
                (part, VOID + "entities", typed(count, "integer"))}
    for prop, count in Counter(p for _, p, _ in triples).items():
        part = f"{dataset}/property/{_slug(prop)}"
        out |= {(dataset, VOID + "propertyPartition", part), (part, VOID + "property", prop),
                (part, VOID + "triples", typed(count, "integer"))}
    example = base_iri + "event/trial-military-1937-06-11"
    if any(s == example for s, _, _ in triples):
        out.add((dataset, VOID + "exampleResource", example))
    return out


_ENTITY_CLASSES = {KGO + c for c in ("Person", "Organisation", "Event", "Source", "Claim")}


def _slug(iri: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in iri.split("//", 1)[-1]).strip("-")

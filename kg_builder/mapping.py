"""Mapping checked records to RDF triples with deterministic IRIs under a configurable base."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .dates import parse_edtf
from .evidence import thesis_part
from .loading import FactBase, Record
from .memory import collector_paused
from .namespaces import (DCTERMS, DEFAULT_BASE_IRI, EDTF_DATATYPE, KGO, KIND_PATHS, OWL, RDF, RDFS,
                         SCHEMES)
from .schema import SEED_SOURCES
from .terms import Literal, Term, Triple, typed

A = RDF + "type"
LABEL = RDFS + "label"
_CITATION, _SEED, _LINE, _CHAPTER, _FOOTNOTE, _QUOTE = (
    KGO + name for name in ("Citation", "seed", "line", "chapter", "footnote", "quote"))

SOURCE_CLASSES = {
    "archival-unit": "ArchivalUnit", "book": "Book", "article": "Article", "chapter": "Chapter",
    "collection": "DocumentCollection", "newspaper": "Newspaper", "thesis": "Thesis",
    "document": "Document", "website": "Website",
}


@dataclass(frozen=True)
class Origin:
    """Where the record behind an IRI was curated."""

    path: str
    line: int
    record_id: str


@dataclass
class MappedGraph:
    """The triples of the graph, and the facts-file origin of every IRI minted."""

    triples: set[Triple] = field(default_factory=set)
    origins: dict[str, Origin] = field(default_factory=dict)
    # The kind of every record id the mapping looked up: all it read beyond its own records.
    kinds: dict[str, str] = field(default_factory=dict)


def _digest(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:12]


def _text(value: Any) -> Literal:
    return Literal(str(value))


class _Mapper:
    """Turns records into triples; one method per record kind."""

    def __init__(self, facts: FactBase, base_iri: str) -> None:
        self.facts = facts
        self.base = base_iri
        self.graph = MappedGraph()
        self.record: Record | None = None
        self.owner = ""
        self._put = self.graph.triples.add
        self._iris: dict[str, str] = {}

    def iri(self, record_id: str) -> str:
        iri = self._iris.get(record_id)
        if iri is None:
            kind = self.graph.kinds[record_id] = self.facts.by_id[record_id].kind
            iri = self._iris[record_id] = self.base + KIND_PATHS[kind] + record_id
        return iri

    def add(self, s: str, p: str, o: Term | None) -> None:
        if o is not None and o != "":
            self._put((s, p, o))

    def mint(self, iri: str) -> str:
        record = self.record
        if record is not None and iri not in self.graph.origins:
            self.graph.origins[iri] = Origin(record.path, record.line, self.owner)
        return iri

    def concept(self, scheme: str, value: str) -> str:
        return SCHEMES[scheme] + value

    def dates(self, s: str, edtf: Any, prop: str = "date") -> None:
        if edtf is None:
            return
        bounds = parse_edtf(str(edtf))
        self.add(s, KGO + prop, Literal(bounds.edtf, EDTF_DATATYPE))
        if bounds.earliest:
            self.add(s, KGO + "earliest", typed(bounds.earliest.isoformat(), "date"))
        if bounds.latest:
            self.add(s, KGO + "latest", typed(bounds.latest.isoformat(), "date"))

    def evidence(self, s: str, entries: Iterable[Any]) -> None:
        for entry in entries or []:
            node = self.mint(f"{s}/evidence/{_digest(entry['seed'], entry['line'], entry['quote'])}")
            self.add(s, KGO + "hasEvidence", node)
            self.citation_body(node, entry)

    def citation_body(self, node: str, entry: Any) -> None:
        # The graph's most frequent node: its always-present triples skip add()'s test.
        put, seed, line = self._put, entry["seed"], entry["line"]
        put((node, A, _CITATION))
        put((node, _SEED, self.iri(SEED_SOURCES[seed])))
        put((node, _LINE, typed(line, "integer")))
        chapter = entry.get("chapter")
        if chapter is None and seed == "thesis":
            chapter = thesis_part(line)
        if chapter:
            put((node, _CHAPTER, _text(chapter)))
        if entry.get("footnote") is not None:
            put((node, _FOOTNOTE, typed(entry["footnote"], "integer")))
        put((node, _QUOTE, _text(entry["quote"])))
        self.reference_fields(node, entry)
        if entry.get("citation"):
            self.add(node, KGO + "footnoteCitation", self.iri(entry["citation"]))

    def reference_fields(self, node: str, entry: Any) -> None:
        if entry.get("source"):
            self.add(node, KGO + "citesSource", self.iri(entry["source"]))
        for name in ("folio", "page", "volume"):
            if entry.get(name):
                self.add(node, KGO + name, _text(entry[name]))

    def label(self, s: str, text: Any) -> None:
        self.add(s, LABEL, _text(" ".join(str(text).split())))

    # -- record kinds -------------------------------------------------------------------------

    def map_person(self, s: str, d: Any) -> None:
        self.add(s, A, KGO + "Agent")
        self.add(s, A, KGO + "Person")
        self.add(s, A, KGO + ("Historian" if d.get("role") == "historian" else "HistoricalActor"))
        self.label(s, d["name"])
        self.add(s, KGO + "name", _text(d["name"]))
        for variant in d.get("variants", []):
            self.add(s, KGO + "nameVariant", _text(variant))
        self.add(s, KGO + "description", _text(d["description"]) if d.get("description") else None)
        for position in d.get("positions", []):
            self.position(s, position)
        self.evidence(s, d["evidence"])

    def position(self, person: str, d: Any) -> None:
        parts = [d["title"], d.get("kind"), d.get("organisation"), d.get("start"), d.get("end")]
        # 'at' joins the hash only when present, so that older position IRIs stay the same.
        key = _digest(*parts, *([d["at"]] if d.get("at") is not None else []))
        s = self.mint(f"{person}/position/{key}")
        self.add(person, KGO + "heldPosition", s)
        self.add(s, A, KGO + "Position")
        self.add(s, A, KGO + ("Rank" if d.get("kind") == "rank" else "Post"))
        self.add(s, KGO + "holder", person)
        self.add(s, KGO + "title", _text(d["title"]))
        self.label(s, d["title"])
        if d.get("organisation"):
            self.add(s, KGO + "inOrganisation", self.iri(d["organisation"]))
        self.position_dates(s, d.get("start"), d.get("end"), d.get("at"))
        self.evidence(s, d["evidence"])

    def position_dates(self, s: str, start: Any, end: Any, at: Any) -> None:
        if at is not None:
            bounds = parse_edtf(str(at))
            self.add(s, KGO + "attestedDate", Literal(bounds.edtf, EDTF_DATATYPE))
            if start is None and bounds.earliest:
                self.add(s, KGO + "earliest", typed(bounds.earliest.isoformat(), "date"))
            if end is None and bounds.latest:
                self.add(s, KGO + "latest", typed(bounds.latest.isoformat(), "date"))
        if start is not None:
            bounds = parse_edtf(str(start))
            self.add(s, KGO + "startDate", Literal(bounds.edtf, EDTF_DATATYPE))
            if bounds.earliest:
                self.add(s, KGO + "earliest", typed(bounds.earliest.isoformat(), "date"))
        if end is not None:
            bounds = parse_edtf(str(end))
            self.add(s, KGO + "endDate", Literal(bounds.edtf, EDTF_DATATYPE))
            if bounds.latest:
                self.add(s, KGO + "latest", typed(bounds.latest.isoformat(), "date"))

    def map_organisation(self, s: str, d: Any) -> None:
        self.add(s, A, KGO + "Agent")
        self.add(s, A, KGO + "Organisation")
        if d.get("type") == "archive":
            self.add(s, A, KGO + "Archive")
        self.label(s, d["name"])
        self.add(s, KGO + "name", _text(d["name"]))
        for abbreviation in d.get("abbreviations", []):
            self.add(s, KGO + "abbreviation", _text(abbreviation))
        self.add(s, KGO + "organisationType", _text(d["type"]) if d.get("type") else None)
        if d.get("part_of"):
            self.add(s, KGO + "partOf", self.iri(d["part_of"]))
        self.evidence(s, d["evidence"])

    def map_event(self, s: str, d: Any) -> None:
        self.add(s, A, KGO + "Event")
        self.add(s, KGO + "eventType", self.concept("event-type", d["type"]))
        self.label(s, d["label"])
        self.dates(s, d["date"])
        if d.get("date_inferred"):
            self.add(s, KGO + "dateInferred", typed(True, "boolean"))
        self.add(s, KGO + "place", _text(d["place"]) if d.get("place") else None)
        self.add(s, KGO + "description", _text(d["description"]) if d.get("description") else None)
        if d.get("part_of"):
            self.add(s, KGO + "partOf", self.iri(d["part_of"]))
        if d.get("documented_in"):
            self.add(s, KGO + "documentedIn", self.iri(d["documented_in"]))
        for participant in d.get("participants", []):
            self.participation(s, participant)
        self.evidence(s, d["evidence"])

    def participation(self, event: str, d: Any) -> None:
        node = self.mint(f"{event}/participation/{d['agent']}-{d['role']}")
        agent = self.iri(d["agent"])
        self.add(event, KGO + "hasParticipation", node)
        self.add(event, KGO + "participant", agent)
        self.add(node, A, KGO + "Participation")
        self.add(node, KGO + "agent", agent)
        self.add(node, KGO + "role", self.concept("role", d["role"]))

    def map_source(self, s: str, d: Any) -> None:
        self.add(s, A, KGO + "Source")
        self.add(s, A, KGO + SOURCE_CLASSES[d["type"]])
        if d["type"] == "archival-unit":
            self.archival_unit(s, d)
        else:
            self.add(s, A, KGO + "Publication")
            self.label(s, d.get("title") or d.get("entry") or d["id"])
        for name, prop in (("title", "title"), ("container_title", "containerTitle"),
                           ("volume", "volume"), ("issue", "issue"), ("edition", "edition"),
                           ("place", "placeOfPublication"), ("publisher", "publisherName"),
                           ("year", "year"), ("pages", "pages"), ("entry", "bibliographicEntry")):
            if d.get(name):
                self.add(s, KGO + prop, _text(d[name]))
        for person in d.get("authors", []):
            self.add(s, KGO + "author", self.iri(person))
        for person in d.get("editors", []):
            self.add(s, KGO + "editor", self.iri(person))
        if d.get("container"):
            self.add(s, KGO + "container", self.iri(d["container"]))
        in_bibliography = d.get("in_bibliography", not d.get("seed_file"))
        self.add(s, KGO + "inBibliography", typed(in_bibliography, "boolean"))
        if d.get("seed_file"):
            self.add(s, A, KGO + "SeedText")
        for number, heading in enumerate(d.get("headings", []), start=1):
            # The position keeps the order, so the literal says where the section stands.
            self.add(s, KGO + "sectionHeading", _text(f"{number}. {heading}"))
        self.evidence(s, d.get("evidence"))

    def archival_unit(self, s: str, d: Any) -> None:
        archive = self.iri(d["archive"])
        abbreviation = str(d["archive"]).upper()
        fond_id = f"{d['archive']}-f{_slug(d['fond'])}"
        fond = self.mint(self.base + KIND_PATHS["source"] + fond_id)
        opis = self.mint(f"{fond}-op{_slug(d['opis'])}")
        fond_label = f"{abbreviation}, f. {d['fond']}"
        opis_label = f"{fond_label}, op. {d['opis']}"
        delo_label = f"{opis_label}, d. {d['delo']}"
        if d["opis"] == "-":  # a series without opis, such as the UK National Archives' KV 2
            fond_label = opis_label = f"{abbreviation} {d['fond']}"
            delo_label = f"{abbreviation} {d['fond']}/{d['delo']}"
        self.add(fond, A, KGO + "Fond")
        self.add(fond, KGO + "heldBy", archive)
        self.add(fond, KGO + "fondNumber", _text(d["fond"]))
        self.label(fond, fond_label)
        self.add(opis, A, KGO + "Opis")
        self.add(opis, KGO + "partOf", fond)
        self.add(opis, KGO + "opisNumber", _text(d["opis"]))
        self.label(opis, opis_label)
        self.add(s, KGO + "partOf", opis)
        self.add(s, KGO + "archive", archive)
        self.add(s, KGO + "deloNumber", _text(d["delo"]))
        self.label(s, delo_label)

    def map_claim(self, s: str, d: Any) -> None:
        self.add(s, A, KGO + "Claim")
        if d["type"] == "judgement":
            self.add(s, A, KGO + "Judgement")
        self.add(s, KGO + "claimType", self.concept("claim-type", d["type"]))
        claimants = d["claimant"] if isinstance(d["claimant"], list) else [d["claimant"]]
        for claimant in claimants:
            self.add(s, KGO + "claimant", self.iri(claimant))
        self.add(s, KGO + "statement", _text(d["statement"]))
        self.label(s, d["statement"])
        for target in d.get("about", []):
            self.add(s, KGO + "about", self.iri(target))
        self.dates(s, d.get("date"))
        if d.get("made_in"):
            self.add(s, KGO + "madeIn", self.iri(d["made_in"]))
        if d.get("stated_in"):
            self.add(s, KGO + "statedIn", self.iri(d["stated_in"]))
        if d.get("assesses"):
            self.add(s, KGO + "assesses", self.iri(d["assesses"]))
        if d.get("finding"):
            self.add(s, KGO + "verdict", self.concept("verdict", d["finding"]))
        if d.get("figure"):
            self.figure(s, d["figure"])
        if d.get("verdict"):
            self.verdict(s, d["verdict"], d["statement"])
        self.evidence(s, d["evidence"])

    def figure(self, claim: str, d: Any) -> None:
        node = self.mint(f"{claim}/figure")
        self.add(claim, KGO + "hasFigure", node)
        self.add(node, A, KGO + "Figure")
        value = d["value"]
        self.add(node, KGO + "value", typed(value, "integer" if isinstance(value, int) else "decimal"))
        if d.get("max") is not None:
            maximum = d["max"]
            self.add(node, KGO + "maxValue",
                     typed(maximum, "integer" if isinstance(maximum, int) else "decimal"))
        self.add(node, KGO + "qualifier", _text(d["qualifier"]) if d.get("qualifier") else None)
        self.add(node, KGO + "measure", _text(d["measure"]))
        for name in ("unit", "category"):
            if d.get(name):
                self.add(node, KGO + name, _text(d[name]))
        self.dates(node, d.get("period"), prop="period")

    def verdict(self, claim: str, d: Any, statement: str) -> None:
        node = self.mint(f"{claim}/verdict")
        self.add(node, A, KGO + "Claim")
        self.add(node, A, KGO + "Judgement")
        self.add(node, KGO + "claimType", self.concept("claim-type", "judgement"))
        self.add(node, KGO + "claimant", self.iri(d.get("by", "whitewood")))
        self.add(node, KGO + "assesses", claim)
        self.add(node, KGO + "verdict", self.concept("verdict", d["value"]))
        self.add(node, KGO + "statement", _text(f"{d['value']}: {statement}"))
        self.label(node, f"Judgement ({d['value']}): {statement}")
        seeds = sorted({SEED_SOURCES[e["seed"]] for e in d["evidence"]})
        for seed in seeds:
            self.add(node, KGO + "statedIn", self.iri(seed))
        self.evidence(node, d["evidence"])

    def map_citation(self, s: str, d: Any) -> None:
        self.add(s, A, KGO + "FootnoteCitation")
        self.citation_body(s, d)
        self.label(s, _citation_label(d))
        self.add(s, KGO + "note", _text(d["note"]) if d.get("note") else None)
        for cited in d.get("cites", []):
            node = self.mint(f"{s}/ref/{_digest(cited['source'], cited.get('folio'), cited.get('page'), cited.get('volume'))}")
            self.add(s, KGO + "hasReference", node)
            self.add(s, KGO + "citesSource", self.iri(cited["source"]))
            self.add(node, A, KGO + "Reference")
            self.reference_fields(node, cited)

    def map_position(self, d: Any) -> None:
        self.position(self.iri(d["person"]), d)

    def map_name(self, d: Any) -> None:
        person = self.iri(d["person"])
        self.add(person, KGO + "nameVariant", _text(d["name"]))
        self.evidence(person, d["evidence"])

    def map_evidence(self, d: Any) -> None:
        self.evidence(self.iri(d["record"]), [d])

    def map_deprecation(self, d: Any) -> None:
        old = self.mint(self.base + KIND_PATHS[d["kind"]] + d["id"])
        self.add(old, OWL + "deprecated", typed(True, "boolean"))
        replacements = d.get("replaced_by") or []
        for new in [replacements] if isinstance(replacements, str) else replacements:
            self.add(old, DCTERMS + "isReplacedBy", self.iri(new))
        self.add(old, RDFS + "comment", _text(d["reason"]))

    def run(self) -> MappedGraph:
        for record in self.facts.records:
            self.record = record
            data = record.data
            self.owner = record.id or str(data.get("person") or data.get("record") or "")
            if record.kind in KIND_PATHS:
                subject = self.mint(self.iri(record.id))
                getattr(self, "map_" + record.kind)(subject, record.data)
            else:
                getattr(self, "map_" + record.kind)(record.data)
        return self.graph


def _citation_label(d: Any) -> str:
    """'thesis 3, n. 12' (chapter, or the thesis part its line is in), 'article, n. 4'."""
    part = d.get("chapter") or (thesis_part(d["line"]) if d["seed"] == "thesis" else None)
    return f"{d['seed']} {part}, n. {d['footnote']}" if part else f"{d['seed']}, n. {d['footnote']}"


def _slug(value: Any) -> str:
    return "".join(ch for ch in str(value).lower().replace(" ", "-") if ch.isalnum() or ch == "-")


@collector_paused()
def map_to_graph(facts: FactBase, base_iri: str = DEFAULT_BASE_IRI) -> MappedGraph:
    """Map every record to triples; IRIs are `<base><kind>/<id>` plus stable nested paths."""
    return _Mapper(facts, base_iri).run()

"""The facts schema: record kinds, their fields and the controlled vocabularies.

docs/facts-format.md documents every field; keep the two in step (a test compares them).
"""

from __future__ import annotations

from dataclasses import dataclass

EVENT_TYPES = (
    "arrest execution trial sentence appointment dismissal resignation transfer promotion demotion expulsion "
    "discharge reinstatement rehabilitation letter report meeting order directive operation "
    "uprising mutiny congress plenum military-soviet interrogation testimony denunciation speech "
    "publication treaty war battle murder suicide death birth award visit investigation exile "
    "release other"
).split()

ROLES = (
    "defendant judge prosecutor accused arrested executed sentenced interrogator interrogated "
    "witness author recipient signatory speaker chair attendee member appointee appointer "
    "dismissed subject target victim perpetrator organiser participant commander informant"
).split()

CLAIM_TYPES = (
    "accusation confession denunciation testimony intelligence-report rumour estimate statistic "
    "interpretation judgement assertion"
).split()

VERDICTS = (
    "fabricated exaggerated disputed unverifiable doubtful false retracted plausible accepted"
).split()

SOURCE_TYPES = (
    "archival-unit book article chapter collection newspaper thesis document website"
).split()

ORGANISATION_TYPES = (
    "military military-district political-police party government court archive emigre foreign "
    "opposition other"
).split()

ENUMS: dict[str, list[str]] = {
    "event-type": EVENT_TYPES,
    "role": ROLES,
    "claim-type": CLAIM_TYPES,
    "verdict": VERDICTS,
    "source-type": SOURCE_TYPES,
    "organisation-type": ORGANISATION_TYPES,
    "person-role": ["actor", "historian"],
    "position-kind": ["post", "rank"],
    "seed": ["thesis", "article"],
    "qualifier": ["exact", "about", "over", "at-least", "almost", "under", "up-to"],
    "chapter": ["intro", "1", "2", "3", "4", "5", "conclusion"],
    "record-kind": ["person", "organisation", "event", "source", "claim", "citation"],
}

SEED_SOURCES = {"thesis": "whitewood-2012-red", "article": "whitewood-article"}

AGENT = ("person", "organisation")


@dataclass(frozen=True)
class Field:
    """One field of a record: its value type and whether it must be present.

    `type` is one of: slug, str, text, int, bool, edtf, strs, enum:<name>, ref:<kinds>,
    refs:<kinds>, ref-or-refs:<kinds>, nested:<schema>, nested-list:<schema>; kinds are separated by '|'.
    """

    type: str
    required: bool = False


def _f(spec: str) -> Field:
    required = spec.endswith("*")
    return Field(spec.rstrip("*"), required)


def _schema(**fields: str) -> dict[str, Field]:
    return {name: _f(spec) for name, spec in fields.items()}


EVIDENCE = _schema(
    seed="enum:seed*", line="int*", chapter="enum:chapter", footnote="int",
    source="ref:source", folio="str", page="str", volume="str", quote="text*",
    citation="ref:citation",
)
PARTICIPANT = _schema(agent="ref:person|organisation*", role="enum:role*")
POSITION = _schema(
    title="text*", kind="enum:position-kind", organisation="ref:organisation",
    start="edtf", end="edtf", at="edtf", evidence="nested-list:evidence*",
)
FIGURE = _schema(value="number*", max="number", qualifier="enum:qualifier", measure="text*",
                 unit="str", period="edtf", category="str")
VERDICT = _schema(value="enum:verdict*", by="ref:person|organisation", evidence="nested-list:evidence*")
CITED = _schema(source="ref:source*", folio="str", page="str", volume="str")

NESTED: dict[str, dict[str, Field]] = {
    "evidence": EVIDENCE,
    "participant": PARTICIPANT,
    "position": POSITION,
    "figure": FIGURE,
    "verdict": VERDICT,
    "cited": CITED,
}

RECORDS: dict[str, dict[str, Field]] = {
    "person": _schema(
        id="slug*", name="text*", variants="strs", role="enum:person-role", description="text",
        positions="nested-list:position", evidence="nested-list:evidence*",
    ),
    "organisation": _schema(
        id="slug*", name="text*", abbreviations="strs", type="enum:organisation-type",
        part_of="ref:organisation", evidence="nested-list:evidence*",
    ),
    "event": _schema(
        id="slug*", type="enum:event-type*", label="text*", date="edtf*", date_inferred="bool",
        place="text", participants="nested-list:participant", part_of="ref:event",
        documented_in="ref:source", description="text", evidence="nested-list:evidence*",
    ),
    "source": _schema(
        id="slug*", type="enum:source-type*", archive="ref:organisation", fond="str", opis="str",
        delo="str", title="text", authors="refs:person", editors="refs:person",
        container="ref:source", container_title="text", volume="str", issue="str",
        edition="str", place="text", publisher="text", year="str", pages="str",
        in_bibliography="bool", entry="text", seed_file="text", headings="strs",
        evidence="nested-list:evidence",
    ),
    "claim": _schema(
        id="slug*", type="enum:claim-type*", claimant="ref-or-refs:person|organisation*",
        statement="text*", about="refs:person|organisation|event|claim|source", date="edtf",
        made_in="ref:event", stated_in="ref:source", figure="nested:figure",
        verdict="nested:verdict", assesses="ref:claim", finding="enum:verdict",
        evidence="nested-list:evidence*",
    ),
    "citation": _schema(
        id="slug*", seed="enum:seed*", line="int*", chapter="enum:chapter", footnote="int*",
        cites="nested-list:cited", note="text", quote="text*",
    ),
    "position": {"person": Field("ref:person", True), **POSITION},
    "name": _schema(person="ref:person*", name="text*", evidence="nested-list:evidence*"),
    "evidence": {"record": Field("ref:" + "|".join(
        ("person", "organisation", "event", "source", "claim")), True), **EVIDENCE},
    "deprecation": _schema(
        id="slug*", kind="enum:record-kind*",
        replaced_by="ref-or-refs:person|organisation|event|source|claim|citation", reason="text*",
    ),
}

# The top-level keys of a facts file, and the record kind each holds.
SECTIONS: dict[str, str] = {
    "people": "person",
    "organisations": "organisation",
    "events": "event",
    "sources": "source",
    "claims": "claim",
    "citations": "citation",
    "positions": "position",
    "names": "name",
    "evidence": "evidence",
    "deprecations": "deprecation",
}

# Kinds whose records carry an id and can be referred to.
IDENTIFIED = ("person", "organisation", "event", "source", "claim", "citation")

"""Release notes: what changed between two graphs, entity by entity and class by class.

Our graphs have no blank nodes, so plain set difference finds every change; no isomorphism
is needed. An entity is a subject typed with one of ENTITY_CLASSES whose IRI does not lie under
another entity's IRI; nested nodes (evidence, participations, positions, figures, verdicts)
belong to the entity whose IRI is their longest prefix.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .namespaces import KGO, RDF, RDFS
from .serialisation import prefixed_name
from .terms import Literal, Term, Triple

ENTITY_CLASSES = ("Person", "Organisation", "Event", "Claim", "Source", "Fond", "Opis",
                  "FootnoteCitation")
OTHER = "(other)"


@dataclass
class _Index:
    """Both graphs, with every subject attributed to its entity and every entity to its class."""

    old: set[Triple]
    new: set[Triple]
    classes: dict[str, str] = field(default_factory=dict)
    owners: dict[str, str | None] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def owner(self, subject: str) -> str | None:
        if subject not in self.owners:
            cut = len(subject)
            found = None
            while cut > 0 and found is None:
                if subject[:cut] in self.classes:
                    found = subject[:cut]
                cut = subject.rfind("/", 0, cut)
            self.owners[subject] = found
        return self.owners[subject]

    def cls(self, triple: Triple) -> str:
        entity = self.owner(triple[0])
        return self.classes[entity] if entity else OTHER


def _index(old: set[Triple], new: set[Triple]) -> _Index:
    index = _Index(old, new)
    candidates: dict[str, str] = {}
    rank = {KGO + name: i for i, name in enumerate(ENTITY_CLASSES)}
    for s, p, o in sorted(old | new, key=lambda t: t[0]):
        if p == RDF + "type" and o in rank:
            known = candidates.get(s)
            if known is None or rank[str(o)] < rank[KGO + known]:
                candidates[s] = str(o)[len(KGO):]
    index.classes = candidates
    nested = {s for s in candidates if index.owner(s[:s.rfind("/")] if "/" in s else "")}
    index.classes = {s: c for s, c in candidates.items() if s not in nested}
    index.owners = {}
    for triples in (old, new):  # new labels win
        index.labels |= {s: o.value for s, p, o in triples
                         if p == RDFS + "label" and isinstance(o, Literal)}
    return index


def release_notes(old: Iterable[Triple], new: Iterable[Triple], old_name: str, new_name: str,
                  prefixes: dict[str, str]) -> str:
    """Markdown release notes: entities added, removed and changed per class, then counts."""
    index = _index(set(old), set(new))
    added, removed = index.new - index.old, index.old - index.new
    delta = len(index.new) - len(index.old)
    lines = [f"# Changes from {old_name} to {new_name}", "",
             f"{len(index.old)} -> {len(index.new)} triples ({_signed(delta)}): "
             f"{len(added)} added, {len(removed)} removed.", ""]
    lines += _entity_changes(index, added | removed, prefixes)
    lines += _class_counts(index)
    return "\n".join(lines) + "\n"


def _entity_changes(index: _Index, changed: set[Triple], prefixes: dict[str, str]) -> list[str]:
    touched = {index.owner(t[0]) for t in changed} - {None}
    by_class: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    old_subjects = {t[0] for t in index.old}
    new_subjects = {t[0] for t in index.new}
    for entity in sorted(touched, key=lambda e: (index.labels.get(e, e).casefold(), e)):  # type: ignore[arg-type, union-attr]
        assert entity is not None
        heading = f"{index.labels.get(entity, entity)} (`{prefixed_name(entity, prefixes)}`)"
        status = ("Added" if entity not in old_subjects else
                  "Removed" if entity not in new_subjects else "Changed")
        entry = [f"- {heading}"]
        if status == "Changed":
            entry += _details(index, entity, prefixes)
        by_class[index.classes[entity]][status] += entry
    lines: list[str] = []
    for cls in ENTITY_CLASSES:
        if cls not in by_class:
            continue
        lines += [f"## {cls}", ""]
        for status in ("Added", "Removed", "Changed"):
            entries = by_class[cls].get(status)
            if entries:
                count = sum(1 for e in entries if e.startswith("- "))
                lines += [f"{status} ({count}):", "", *entries, ""]
    return lines or ["No entity was added, removed or changed.", ""]


def _details(index: _Index, entity: str, prefixes: dict[str, str]) -> list[str]:
    """Changed predicates of the entity itself; changed nested nodes counted by kind."""
    own_old: dict[str, set[Term]] = defaultdict(set)
    own_new: dict[str, set[Term]] = defaultdict(set)
    nested: dict[str, dict[str, set[Triple]]] = defaultdict(lambda: defaultdict(set))
    for side, own, triples in (("old", own_old, index.old), ("new", own_new, index.new)):
        for t in triples:
            if t[0] == entity:
                own[t[1]].add(t[2])
            elif index.owner(t[0]) == entity:
                nested[t[0]][side].add(t)
    lines = []
    for predicate in sorted(set(own_old) | set(own_new)):
        before, after = own_old.get(predicate, set()), own_new.get(predicate, set())
        if before != after:
            lines.append(f"  - `{prefixed_name(predicate, prefixes)}`: "
                         f"{_values(index, before, prefixes)} -> {_values(index, after, prefixes)}")
    lines += _nested_summary(entity, nested)
    return lines


def _nested_summary(entity: str, nested: dict[str, dict[str, set[Triple]]]) -> list[str]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for subject, sides in nested.items():
        kind = subject[len(entity) + 1:].split("/", 1)[0] or "node"
        old, new = sides.get("old", set()), sides.get("new", set())
        status = "added" if not old else "removed" if not new else \
            "changed" if old != new else None
        if status:
            counts[kind][status] += 1
    return [f"  - {kind}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts[kind].items()))
            for kind in sorted(counts)]


def _values(index: _Index, terms: set[Term], prefixes: dict[str, str]) -> str:
    if not terms:
        return "(none)"
    shown = sorted(t.value if isinstance(t, Literal) else
                   index.labels.get(t, prefixed_name(t, prefixes)) for t in terms)
    return ", ".join(shown)


def _class_counts(index: _Index) -> list[str]:
    old: dict[str, int] = defaultdict(int)
    new: dict[str, int] = defaultdict(int)
    for counts, triples in ((old, index.old), (new, index.new)):
        for t in triples:
            counts[index.cls(t)] += 1
    lines = ["## Triples per class", "", "| class | old | new | delta |",
             "| --- | ---: | ---: | ---: |"]
    for cls in (*ENTITY_CLASSES, OTHER):
        if old[cls] or new[cls]:
            lines.append(f"| {cls} | {old[cls]} | {new[cls]} | {_signed(new[cls] - old[cls])} |")
    total_old, total_new = len(index.old), len(index.new)
    lines.append(f"| total | {total_old} | {total_new} | {_signed(total_new - total_old)} |")
    return lines


def _signed(number: int) -> str:
    return f"{number:+d}" if number else "0"

"""A generated graph for the shapes in shapes/: conforming records plus known violations of
every constraint kind the shapes use, so the two validation engines can be compared.

    graph_with_violations(copies=1) -> N-Triples text

`copies` repeats the whole pattern with fresh IRIs, for a bigger graph.
"""

from __future__ import annotations

from kg_builder.namespaces import EDTF_DATATYPE, KGO, RDF, RDFS, VOCAB, XSD
from kg_builder.terms import Literal, Triple, nt_line

BASE = "https://example.org/gen/"
A = RDF + "type"


def _date(text: str) -> Literal:
    return Literal(text, XSD + "date")


def _int(text: str) -> Literal:
    return Literal(text, XSD + "integer")


class _Graph:
    def __init__(self, n: int) -> None:
        self.n = n
        self.triples: list[Triple] = []
        self.seed = self.iri("seed")
        self.add(self.seed, A, KGO + "SeedText")

    def iri(self, name: str) -> str:
        return f"{BASE}{self.n}/{name}"

    def add(self, s: str, p: str, o: object) -> None:
        self.triples.append((s, p, o))  # type: ignore[arg-type]

    def citation(self, name: str, **broken: object) -> str:
        """A citation, conforming unless `broken` overrides a property (None drops it)."""
        node = self.iri(f"citation/{name}")
        props: dict[str, object] = {"seed": self.seed, "line": _int("12"),
                                    "quote": Literal("a quote long enough to pass"),
                                    "chapter": Literal("3"), "footnote": _int("4")}
        props.update(broken)
        self.add(node, A, KGO + "Citation")
        for prop, value in props.items():
            for one in value if isinstance(value, list) else [value]:
                if one is not None:
                    self.add(node, KGO + prop, one)
        return node

    def person(self, name: str, kinds: tuple[str, ...] = ("HistoricalActor",),
               labels: int = 1, evidence: bool = True) -> str:
        node = self.iri(f"person/{name}")
        for kind in ("Person", "Agent", *kinds):
            self.add(node, A, KGO + kind)
        self.add(node, KGO + "name", Literal(name.title()))
        for i in range(labels):
            self.add(node, RDFS + "label", Literal(f"{name} {i}"))
        if evidence:
            self.add(node, KGO + "hasEvidence", self.citation(f"for-{name}"))
        return node

    def event(self, name: str, earliest: object = None, latest: object = None,
              etype: str = "arrest", participant: str | None = None) -> str:
        node = self.iri(f"event/{name}")
        self.add(node, A, KGO + "Event")
        self.add(node, KGO + "eventType", VOCAB + "event-type/" + etype)
        self.add(node, RDFS + "label", Literal(name))
        self.add(node, KGO + "date", Literal("1937", EDTF_DATATYPE))
        for prop, value in (("earliest", earliest), ("latest", latest)):
            if value is not None:
                self.add(node, KGO + prop, value)
        self.add(node, KGO + "hasEvidence", self.citation(f"for-{name}"))
        if participant:
            self.add(node, KGO + "participant", participant)
        return node


def _people_and_events(g: _Graph) -> None:
    actor = g.person("actor")
    g.person("two-labels", labels=2)                                    # maxCount
    g.person("no-label", labels=0, evidence=False)                     # minCount x2
    g.person("both-kinds", kinds=("HistoricalActor", "Historian"))     # xone: both
    g.person("no-kind", kinds=())                                      # xone: neither
    historian = g.person("historian", kinds=("Historian",))
    g.add(g.iri("person/actor"), KGO + "nameVariant", _int("7"))       # datatype xsd:string
    g.add(g.iri("person/actor"), KGO + "heldPosition", g.iri("nowhere"))  # class
    g.add(g.iri("agent/ghost"), A, KGO + "Agent")                      # or: neither kind
    g.event("fine", _date("1937-05-01"), _date("1937-05-02"), participant=actor)
    g.event("reversed", _date("1937-06-02"), _date("1937-06-01"))      # lessThanOrEquals
    g.event("string-bound", _date("1937-06-02"), Literal("1937-06-03"))  # incomparable
    g.event("no-bounds", etype="not-a-type")                           # in, minCount warning
    g.event("two-earliest", [_date("1937-01-01"), _date("1937-01-02")][0])
    g.add(g.iri("event/two-earliest"), KGO + "earliest", _date("1937-01-03"))  # maxCount
    g.event("bad-date", Literal("1937-02-30", XSD + "date"))          # ill-typed xsd:date
    g.event("historian-takes-part", participant=historian)             # inverse path
    g.add(g.iri("event/fine"), KGO + "dateInferred", Literal("yes"))  # datatype boolean
    g.add(g.iri("event/fine"), KGO + "partOf", g.iri("person/actor"))  # class Event


def _sources_and_claims(g: _Graph) -> None:
    book = g.iri("source/book")
    g.add(book, A, KGO + "Book")
    g.add(g.iri("class/Book"), RDFS + "subClassOf", KGO + "Source")   # subclass in the data
    g.add(book, A, g.iri("class/Book"))
    g.add(book, RDFS + "label", Literal("A book"))
    g.add(book, KGO + "inBibliography", _int("1"))                      # datatype boolean
    g.add(book, KGO + "author", Literal("Someone"))                    # class on a literal
    special = g.iri("class/SpecialSource")
    g.add(special, RDFS + "subClassOf", g.iri("class/Book"))
    g.add(special, RDFS + "subClassOf", KGO + "Source")
    typed_only = g.iri("source/special")
    g.add(typed_only, A, special)                                      # target via subclass
    claim = g.iri("claim/accusation")
    g.add(claim, A, KGO + "Claim")
    g.add(claim, KGO + "claimType", VOCAB + "claim-type/accusation")   # or / not / hasValue
    g.add(claim, KGO + "claimant", g.iri("person/actor"))
    g.add(claim, KGO + "statement", Literal("He plotted."))
    g.add(claim, RDFS + "label", Literal("accusation"))
    g.add(claim, KGO + "hasEvidence", g.iri("citation/for-actor"))
    g.add(claim, KGO + "statedIn", typed_only)
    g.add(claim, KGO + "hasFigure", g.iri("figure/one"))
    g.add(claim, KGO + "hasFigure", g.iri("figure/two"))               # maxCount
    g.add(claim, KGO + "madeIn", g.iri("event/fine"))
    for name, value, maximum, qualifier in (("one", _int("5"), _int("3"), "about"),
                                            ("two", Literal("many"), Literal("7.5", XSD + "decimal"),
                                             "roughly")):
        figure = g.iri(f"figure/{name}")
        g.add(figure, A, KGO + "Figure")
        g.add(figure, KGO + "value", value)                            # sh:or of datatypes
        g.add(figure, KGO + "maxValue", maximum)                       # lessThanOrEquals
        g.add(figure, KGO + "qualifier", Literal(qualifier))           # in (literals)
        g.add(figure, KGO + "measure", Literal("arrested"))


def _citations(g: _Graph) -> None:
    g.citation("short-quote", quote=Literal("too short"))              # minLength
    g.citation("long-quote", quote=Literal("x" * 601))                 # maxLength
    g.citation("line-zero", line=_int("0"))                            # minInclusive
    g.citation("footnote-text", footnote=Literal("four"))              # datatype, minInclusive
    g.citation("no-seed", seed=None, chapter=Literal("6"))             # minCount, in
    g.citation("two-seeds", seed=[g.seed, g.iri("other-seed")])        # maxCount, class
    g.citation("lang-quote", quote=Literal("a quote long enough to pass", lang="en"))


def graph_with_violations(copies: int = 1) -> str:
    """N-Triples text of `copies` copies of the pattern, sorted."""
    lines: set[str] = set()
    for n in range(copies):
        g = _Graph(n)
        _people_and_events(g)
        _sources_and_claims(g)
        _citations(g)
        lines.update(nt_line(t) for t in g.triples)
    return "".join(line + "\n" for line in sorted(lines))

"""HTML documentation of the ontology, the vocabularies and the shapes (shapes in prose).

A small generator instead of pyLODE: pyLODE 3.4.1 fails on import when installed from PyPI,
3.2.1 works but pulls in httpx, dominate and html5lib, adds JavaScript, and does not describe
SHACL shapes. This one is deterministic (sorted, no dates) and needs no JavaScript.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from html import escape
from pathlib import Path

from .namespaces import DCTERMS, KGO, OWL, RDF, RDFS, SH, SHAPES, SKOS, prefixes
from .serialisation import prefixed_name
from .store import read_triples
from .terms import Literal, Term, Triple

_STYLE = ("body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em;line-height:1.4}"
          "code{background:#f4f4f4;padding:0 .2em}section{border-top:1px solid #ddd}"
          "dt{font-weight:bold}.Violation{color:#a00}.Warning{color:#a60}.Info{color:#06a}")
_KINDS = (("classes", "Classes", OWL + "Class"),
          ("object-properties", "Object properties", OWL + "ObjectProperty"),
          ("datatype-properties", "Datatype properties", OWL + "DatatypeProperty"))
_RELATIONS = (("Subclass of", RDFS + "subClassOf"), ("Equivalent to", OWL + "equivalentClass"),
              ("Disjoint with", OWL + "disjointWith"), ("Subproperty of", RDFS + "subPropertyOf"),
              ("Domain", RDFS + "domain"), ("Range", RDFS + "range"),
              ("Inverse of", OWL + "inverseOf"))


class _Graph:
    """Just enough of a graph to look values up, with blank nodes as '_:' strings."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self.values: dict[tuple[str, str], list[Term]] = defaultdict(list)
        self.subjects: dict[tuple[str, Term], list[str]] = defaultdict(list)
        for s, p, o in triples:
            self.values[(s, p)].append(o)
            self.subjects[(p, o)].append(s)
        self.names = {**prefixes(), "kgs": SHAPES}

    def objects(self, s: str, p: str) -> list[Term]:
        return sorted(self.values.get((s, p), []), key=str)

    def one(self, s: str, p: str) -> str:
        values = self.objects(s, p)
        english = [v for v in values if isinstance(v, Literal) and v.lang in (None, "en")]
        chosen = english or values
        return chosen[0].value if chosen and isinstance(chosen[0], Literal) else (
            str(chosen[0]) if chosen else "")

    def of_type(self, cls: str) -> list[str]:
        return sorted(s for s in self.subjects.get((RDF + "type", cls), [])
                      if not s.startswith("_:"))

    def members(self, node: Term) -> list[Term]:
        """The members of an RDF list."""
        out: list[Term] = []
        while isinstance(node, str) and node != RDF + "nil":
            out += self.objects(node, RDF + "first")
            rest = self.objects(node, RDF + "rest")
            node = rest[0] if rest else RDF + "nil"
        return out

    def name(self, iri: str) -> str:
        return prefixed_name(iri, self.names).strip("<>")

    def label(self, iri: str) -> str:
        return self.one(iri, RDFS + "label") or self.one(iri, SKOS + "prefLabel") or self.name(iri)

    def link(self, term: Term) -> str:
        if isinstance(term, Literal):
            return escape(term.value)
        if term.startswith("_:"):
            parts = self.members(self.objects(term, OWL + "unionOf")[0]) if self.objects(
                term, OWL + "unionOf") else []
            return " or ".join(self.link(p) for p in parts) or "(anonymous)"
        if term.startswith(KGO):
            return f'<a href="#{escape(term[len(KGO):])}"><code>{escape(self.name(term))}</code></a>'
        return f'<a href="{escape(term)}"><code>{escape(self.name(term))}</code></a>'


def ontology_html(ontology_files: list[Path], shapes_files: list[Path]) -> str:
    """One self-contained HTML page: ontology header, terms, vocabularies and shapes."""
    graph = _Graph(t for f in [*ontology_files, *shapes_files] for t in read_triples(f))
    ontologies = [o for o in graph.of_type(OWL + "Ontology") if o.startswith(KGO.rstrip("#"))]
    main = ontologies[0] if ontologies else KGO
    title = graph.one(main, DCTERMS + "title") or graph.label(main)
    body = [f"<h1>{escape(title)}</h1>", _header(graph, main), _contents()]
    for anchor, heading, cls in _KINDS:
        body.append(f'<h2 id="{anchor}">{heading}</h2>')
        body += [_term_section(graph, term) for term in graph.of_type(cls) if term.startswith(KGO)]
    body.append('<h2 id="vocabularies">Vocabularies</h2>')
    body += [_scheme_section(graph, scheme) for scheme in graph.of_type(SKOS + "ConceptScheme")]
    body.append('<h2 id="shapes">Shapes</h2>')
    body.append("<p>What the SHACL shapes require, in prose, with each rule's severity and "
                "message. Violations fail the build; warnings are for curators to look at.</p>")
    shapes = sorted(graph.of_type(SH + "NodeShape"), key=lambda s: graph.name(s))
    body += [_shape_section(graph, shape) for shape in shapes]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def _header(graph: _Graph, main: str) -> str:
    rows = [("IRI", graph.link(main))]
    for label, prop in (("Version", OWL + "versionInfo"), ("Version IRI", OWL + "versionIRI"),
                        ("Prior version", OWL + "priorVersion"), ("Licence", DCTERMS + "license")):
        rows += [(label, graph.link(v)) for v in graph.objects(main, prop)]
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return f"<dl>{items}</dl>\n<p>{escape(graph.one(main, RDFS + 'comment'))}</p>"


def _contents() -> str:
    links = [*((a, h) for a, h, _ in _KINDS), ("vocabularies", "Vocabularies"),
             ("shapes", "Shapes")]
    return "<nav><ul>" + "".join(f'<li><a href="#{a}">{h}</a></li>' for a, h in links) + \
        "</ul></nav>"


def _term_section(graph: _Graph, term: str) -> str:
    rows = []
    for heading, prop in _RELATIONS:
        values = graph.objects(term, prop)
        if values:
            rows.append(f"<dt>{heading}</dt><dd>{', '.join(graph.link(v) for v in values)}</dd>")
    subs = sorted(graph.subjects.get((RDFS + "subClassOf", term), []))
    if subs:
        rows.append(f"<dt>Superclass of</dt><dd>{', '.join(graph.link(s) for s in subs)}</dd>")
    return (f'<section id="{escape(term[len(KGO):])}">\n<h3>{escape(graph.label(term))} '
            f"<code>{escape(graph.name(term))}</code></h3>\n"
            f"<p>{escape(graph.one(term, RDFS + 'comment'))}</p>\n<dl>{''.join(rows)}</dl>\n"
            "</section>")


def _scheme_section(graph: _Graph, scheme: str) -> str:
    concepts = sorted(graph.subjects.get((SKOS + "inScheme", scheme), []))
    items = "".join(f"<dt><code>{escape(graph.name(c))}</code> {escape(graph.label(c))}</dt>"
                    f"<dd>{escape(graph.one(c, SKOS + 'definition'))}</dd>" for c in concepts)
    return (f"<section>\n<h3>{escape(graph.label(scheme))} <code>{escape(scheme)}</code></h3>\n"
            f"<p>{escape(graph.one(scheme, RDFS + 'comment'))}</p>\n<dl>{items}</dl>\n</section>")


def _shape_section(graph: _Graph, shape: str) -> str:
    targets = graph.objects(shape, SH + "targetClass")
    target = escape(graph.label(str(targets[0])) if targets else graph.name(shape))
    rules = [_node_rule(graph, shape, target)] if graph.objects(shape, SH + "message") else []
    rules += sorted(_property_rule(graph, str(ps), target)
                    for ps in graph.objects(shape, SH + "property"))
    head = ", ".join(graph.link(t) for t in targets)
    items = "".join(f"<li>{r}</li>" for r in rules if r)
    return (f"<section>\n<h3>{escape(graph.name(shape))} (targets {head})</h3>\n"
            f"<p>{escape(graph.one(shape, RDFS + 'comment'))}</p>\n<ul>{items}</ul>\n</section>")


def _node_rule(graph: _Graph, shape: str, target: str) -> str:
    options = []
    for prop, words in ((SH + "or", "at least one of"), (SH + "xone", "exactly one of")):
        for node in graph.objects(shape, prop):
            classes = [graph.label(str(c)) for m in graph.members(node)
                       for c in graph.objects(str(m), SH + "class")]
            if classes:  # other combinations are described by their message alone
                options.append(f"{words}: {', '.join(classes)}")
    sentence = f"{_article(target)} {target} must be {'; '.join(options)}" if options else ""
    return _with_severity(graph, shape, sentence)


def _property_rule(graph: _Graph, ps: str, target: str) -> str:
    path = graph.objects(ps, SH + "path")[0]
    inverse = graph.objects(str(path), SH + "inversePath") if str(path).startswith("_:") else []
    what = escape(f"incoming {graph.label(str(inverse[0]))}" if inverse else graph.label(str(path)))
    lowest = int(graph.one(ps, SH + "minCount") or 0)
    highest = graph.one(ps, SH + "maxCount")
    strict = graph.one(ps, SH + "severity") == SH + "Violation"
    values = _value_constraints(graph, ps)
    if lowest or highest:
        verb = ("needs" if strict else "should have") if lowest else (
            "must have" if strict else "should have")
        sentence = f"{_article(target)} {target} {verb} {_cardinality(lowest, highest)} {what}"
        sentence += f", {values}" if values else ""
    else:
        sentence = f"Every {what} of {_article(target).lower()} {target} " + \
            f"{'must' if strict else 'should'} be {values or 'anything'}"
    return _with_severity(graph, ps, sentence)


def _value_constraints(graph: _Graph, ps: str) -> str:
    parts = [f"a {graph.link(c)}" for c in graph.objects(ps, SH + "class")]
    parts += [f"of type {graph.link(d)}" for d in graph.objects(ps, SH + "datatype")]
    for node in graph.objects(ps, SH + "or"):
        alternatives = [graph.link(v) for m in graph.members(node) for p in
                        (SH + "class", SH + "datatype") for v in graph.objects(str(m), p)]
        parts.append("either " + " or ".join(alternatives))
    for node in graph.objects(ps, SH + "in"):
        parts.append("one of " + ", ".join(graph.link(v) for v in graph.members(node)))
    for prop, words in ((SH + "minLength", "at least {} characters long"),
                        (SH + "maxLength", "at most {} characters long"),
                        (SH + "minInclusive", "at least {}"), (SH + "pattern", "matching {}")):
        parts += [words.format(escape(str(getattr(v, "value", v))))
                  for v in graph.objects(ps, prop)]
    parts += [f"not after its {graph.link(v)}" for v in graph.objects(ps, SH + "lessThanOrEquals")]
    return ", ".join(parts)


def _cardinality(lowest: int, highest: str) -> str:
    words = {0: "no", 1: "one"}
    if highest and int(highest) == lowest:
        return "no" if lowest == 0 else f"exactly {words.get(lowest, str(lowest))}"
    if highest and lowest:
        return f"{lowest} to {highest}"
    if highest:
        return f"at most {words.get(int(highest), highest)}" if int(highest) else "no"
    return f"at least {words.get(lowest, str(lowest))}"


def _article(noun: str) -> str:
    return "An" if noun[:1].lower() in "aeiou" else "A"


def _with_severity(graph: _Graph, node: str, sentence: str) -> str:
    severity = graph.name(graph.one(node, SH + "severity") or SH + "Violation").split(":")[-1]
    message = graph.one(node, SH + "message")
    text = f"{sentence} " if sentence else ""
    return (f'{text}<span class="{escape(severity)}">({escape(severity)})</span>'
            + (f" <q>{escape(message)}</q>" if message else ""))

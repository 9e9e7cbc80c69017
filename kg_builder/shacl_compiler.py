"""SHACL Core shapes compiled to SPARQL SELECT queries, run on the embedded store.

pySHACL walks every focus node in Python; a query per constraint lets Oxigraph do the same work
in bulk, ten times faster (../shared/BENCHMARKS.md). The results are meant to be the very rows
pySHACL gives (focus, path, value, severity, message, constraint component, source shape), and
tests/test_fast_validation.py holds the two engines to that.

A top-level shape that uses anything this compiler does not know (sh:closed, qualified value
shapes, sh:sparql, blank nodes in sh:in ...) is not compiled: `compile_shapes` lists it in
`CompiledShapes.fallback`, and validation.py hands just those shapes to pySHACL.

Known differences, all outside the project's shapes: Oxigraph stores numbers and booleans in
canonical form, so a value "01"^^xsd:integer is reported as "1"; a shape without sh:message gets
a generic message worded differently from pySHACL's.
"""

from __future__ import annotations

import itertools
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .namespaces import RDF, RDFS, SH, XSD
from .store import EmbeddedStore
from .terms import Literal, Term, nt_term

FocusPattern = Callable[[str], str]
Row = tuple[Term, Term | None]  # (focus node, value node)

_TARGETS = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")
# Shape predicates that carry no constraint of their own.
_INERT = {"path", "message", "severity", "deactivated", "name", "description", "order", "group",
          "defaultValue", *_TARGETS, "property", "node", "or", "and", "xone", "not", "flags",
          "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint"}
_SIMPLE = {"minCount", "maxCount", "datatype", "class", "in", "hasValue", "lessThan",
           "lessThanOrEquals", "equals", "disjoint", "minLength", "maxLength", "minInclusive",
           "maxInclusive", "minExclusive", "maxExclusive", "nodeKind", "pattern"}
_COMPONENT = {"minCount": "MinCount", "maxCount": "MaxCount", "datatype": "Datatype",
              "class": "Class", "in": "In", "hasValue": "HasValue", "lessThan": "LessThan",
              "lessThanOrEquals": "LessThanOrEquals", "equals": "Equals", "disjoint": "Disjoint",
              "minLength": "MinLength", "maxLength": "MaxLength", "minInclusive": "MinInclusive",
              "maxInclusive": "MaxInclusive", "minExclusive": "MinExclusive",
              "maxExclusive": "MaxExclusive", "nodeKind": "NodeKind", "pattern": "Pattern",
              "node": "Node", "or": "Or", "and": "And", "xone": "Xone", "not": "Not"}
# Constraints that test each value node on its own: one query can check them all together.
_PER_VALUE = {"datatype", "class", "in", "minLength", "maxLength", "minInclusive",
              "maxInclusive", "minExclusive", "maxExclusive", "nodeKind", "pattern"}
# Datatypes whose lexical form pySHACL checks (via rdflib's Python values): checked here by a cast.
_CHECKED_DATATYPES = {XSD + name for name in ("integer", "decimal", "float", "boolean", "date",
                                              "time", "dateTime")}
_NODE_KINDS = {
    "IRI": "isIRI(?value)", "BlankNode": "isBlank(?value)", "Literal": "isLiteral(?value)",
    "BlankNodeOrIRI": "(isBlank(?value) || isIRI(?value))",
    "BlankNodeOrLiteral": "(isBlank(?value) || isLiteral(?value))",
    "IRIOrLiteral": "(isIRI(?value) || isLiteral(?value))",
}
_TRUE = Literal("true", XSD + "boolean")
_ONE = Literal("1", XSD + "integer")
_STRINGLIKE = ("(isIRI({0}) || (isLiteral({0}) && (lang({0}) != \"\" || "
               "datatype({0}) = <" + XSD + "string>)))")


class Unsupported(Exception):
    """A shape uses a feature the compiler does not translate; pySHACL must check it."""


class ShapesGraph:
    """The shapes as a subject -> predicate -> objects index of engine-free terms."""

    def __init__(self, triples: Iterable[tuple[Term, Term, Term]]) -> None:
        self.index: dict[Term, dict[Term, list[Term]]] = defaultdict(lambda: defaultdict(list))
        for s, p, o in triples:
            self.index[s][p].append(o)

    def objects(self, node: Term, predicate: str) -> list[Term]:
        """Every object of (node, predicate)."""
        return self.index.get(node, {}).get(predicate, [])

    def value(self, node: Term, predicate: str) -> Term | None:
        """One object of (node, predicate), or None; several are a shape error we reject."""
        values = self.objects(node, predicate)
        if len(values) > 1:
            raise Unsupported(f"several values of {predicate}")
        return values[0] if values else None

    def items(self, head: Term) -> list[Term]:
        """The members of an RDF list."""
        out = []
        while head != RDF + "nil":
            first = self.objects(head, RDF + "first")
            if len(first) != 1:
                raise Unsupported("a malformed RDF list")
            out.append(first[0])
            [head] = self.objects(head, RDF + "rest") or [RDF + "nil"]
        return out

    def top_level_shapes(self) -> list[Term]:
        """Shapes with a target (explicit, or implicit: the shape is also a class)."""
        found = [s for s, preds in self.index.items()
                 if any(SH + t in preds for t in _TARGETS) or self._is_class(s)]
        return sorted(found, key=str)

    def _is_class(self, node: Term) -> bool:
        types = set(self.objects(node, RDF + "type"))
        is_shape = bool(types & {SH + "NodeShape", SH + "PropertyShape"})
        class_types = {RDFS + "Class"} | {s for s, preds in self.index.items()
                                          if RDFS + "Class" in preds.get(RDFS + "subClassOf", [])}
        return is_shape and bool(types & class_types)


@dataclass
class CompiledShapes:
    """Which top-level shapes the compiler checks, and which it leaves to pySHACL."""

    graph: ShapesGraph
    compiled: list[Term] = field(default_factory=list)
    fallback: dict[Term, str] = field(default_factory=dict)  # shape -> why


def compile_shapes(triples: Iterable[tuple[Term, Term, Term]]) -> CompiledShapes:
    """Sort the top-level shapes into those compiled to SPARQL and those pySHACL must check."""
    graph = ShapesGraph(triples)
    out = CompiledShapes(graph)
    for shape in graph.top_level_shapes():
        try:
            _check_supported(graph, shape, set())
            out.compiled.append(shape)
        except Unsupported as exc:
            out.fallback[shape] = str(exc)
    return out


def _check_supported(graph: ShapesGraph, shape: Term, seen: set[Term]) -> None:
    """Raise Unsupported if the shape, or a shape it refers to, uses an unknown feature."""
    if shape in seen:
        raise Unsupported("a recursive shape")
    seen = seen | {shape}
    for predicate in graph.index.get(shape, {}):
        name = str(predicate).removeprefix(SH)
        if not str(predicate).startswith(SH) or name in _INERT or name in _SIMPLE:
            continue
        raise Unsupported(f"sh:{name}")
    for name in ("in", "hasValue"):
        for head in graph.objects(shape, SH + name):
            members = graph.items(head) if name == "in" else [head]
            if any(isinstance(m, str) and m.startswith("_:") for m in members):
                raise Unsupported(f"a blank node in sh:{name}")
    path = graph.value(shape, SH + "path")
    if path is not None:
        sparql_path(graph, path)
    for nested in _nested_shapes(graph, shape):
        _check_supported(graph, nested, seen)


def _nested_shapes(graph: ShapesGraph, shape: Term) -> list[Term]:
    nested = list(graph.objects(shape, SH + "property")) + list(graph.objects(shape, SH + "node"))
    nested += graph.objects(shape, SH + "not")
    for name in ("or", "and", "xone"):
        for head in graph.objects(shape, SH + name):
            nested += graph.items(head)
    return nested


def sparql_path(graph: ShapesGraph, path: Term) -> str:
    """A SHACL property path as a SPARQL property path."""
    if isinstance(path, Literal):
        raise Unsupported("a literal as sh:path")
    if not path.startswith("_:"):
        return f"<{path}>"
    if graph.objects(path, RDF + "first"):
        return "(" + "/".join(sparql_path(graph, p) for p in graph.items(path)) + ")"
    for name, template in (("inversePath", "^{}"), ("zeroOrMorePath", "{}*"),
                           ("oneOrMorePath", "{}+"), ("zeroOrOnePath", "{}?")):
        inner = graph.value(path, SH + name)
        if inner is not None:
            return "(" + template.format(sparql_path(graph, inner)) + ")"
    alternatives = graph.value(path, SH + "alternativePath")
    if alternatives is not None:
        return "(" + "|".join(sparql_path(graph, p) for p in graph.items(alternatives)) + ")"
    raise Unsupported("an unknown property path")


def _sparql_term(term: Term) -> str:
    if isinstance(term, Literal):
        return nt_term(term)
    if term.startswith("_:"):
        raise Unsupported("a blank node as a constant")
    return f"<{term}>"


@dataclass
class RawResult:
    """One result in engine-free terms, before validation.py adds the facts origin."""

    shape: Term
    constraint: str
    focus: Term
    value: Term | None


class Evaluator:
    """Runs compiled shapes on one store; each query result set is a list of rows."""

    def __init__(self, graph: ShapesGraph, store: EmbeddedStore, allow_warnings: bool = True,
                 subclasses: dict[str, list[Term]] | None = None) -> None:
        self.graph = graph
        self.allow_warnings = allow_warnings
        self.store = store
        self.queries = 0
        self._fresh = itertools.count()
        # Shared by the evaluators of one validation run: the data graph's subclass closures.
        self._subclasses = {} if subclasses is None else subclasses

    def rows(self, query: str) -> list[Row]:
        """The (?this, ?value) rows of a SELECT."""
        self.queries += 1
        return [(r["this"], r.get("value")) for r in self.store.select(query).rows
                if r["this"] is not None]

    # -- focus nodes -------------------------------------------------------------------------
    def target_pattern(self, shape: Term) -> FocusPattern:
        """A group pattern binding ?var to each target of a top-level shape, once."""
        parts = []
        classes = [*self.graph.objects(shape, SH + "targetClass")]
        if self.graph._is_class(shape):
            classes.append(shape)
        for cls in classes:
            closure = " ".join(_sparql_term(c) for c in self.subclasses(cls))
            parts.append(f"?{{v}} <{RDF}type> ?_t . VALUES ?_t {{ {closure} }}")
        for node in self.graph.objects(shape, SH + "targetNode"):
            parts.append(f"VALUES ?{{v}} {{ {_sparql_term(node)} }}")
        for prop in self.graph.objects(shape, SH + "targetSubjectsOf"):
            parts.append(f"?{{v}} {_sparql_term(prop)} ?_o .")
        for prop in self.graph.objects(shape, SH + "targetObjectsOf"):
            parts.append(f"?_s {_sparql_term(prop)} ?{{v}} .")
        if len(parts) == 1 and len(classes) == 1 and len(self.subclasses(classes[0])) == 1:
            # One class without subclasses: each triple binds a distinct node, and a plain
            # triple pattern lets Oxigraph join it far faster than a DISTINCT subquery.
            single = f"?{{v}} <{RDF}type> {_sparql_term(classes[0])} ."
            return lambda var: single.replace("{v}", var)
        union = " UNION ".join("{ " + p + " }" for p in parts)
        return lambda var: ("{ SELECT DISTINCT ?" + var + " WHERE { "
                            + union.replace("{v}", var) + " } }")

    def subclasses(self, cls: Term) -> list[Term]:
        """The class and its subclasses in the data graph (SHACL instance semantics)."""
        key = _sparql_term(cls)
        if key not in self._subclasses:
            rows = self.store.select(f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS}subClassOf>+ {key} }}")
            found = {r["c"] for r in rows.rows if r["c"] is not None}
            named = sorted((c for c in found if isinstance(c, str) and not c.startswith("_:")),
                           key=str)
            self._subclasses[key] = [cls, *(c for c in named if c != cls)]
        return self._subclasses[key]

    def value_pattern(self, shape: Term, focus: FocusPattern) -> FocusPattern:
        """A pattern binding ?var to each value node of the shape, for those focus nodes."""
        path = self.graph.value(shape, SH + "path")
        if path is None:
            return focus
        inner = f"_f{next(self._fresh)}"
        step = sparql_path(self.graph, path)
        return lambda var: (f"{{ SELECT DISTINCT ?{var} WHERE {{ {focus(inner)} "
                            f"?{inner} {step} ?{var} . }} }}")

    def values_of(self, shape: Term) -> str:
        """The triple pattern (or BIND) giving ?value for ?this."""
        path = self.graph.value(shape, SH + "path")
        if path is None:
            return "BIND(?this AS ?value)"
        return f"?this {sparql_path(self.graph, path)} ?value ."

    # -- shapes ------------------------------------------------------------------------------
    def validate(self, shape: Term, focus: FocusPattern) -> list[RawResult]:
        """Every result of one shape for the focus nodes the pattern binds."""
        if self._inactive(shape):
            return []
        results = [RawResult(shape, _COMPONENT[name], f, v)
                   for name, rows in self.simple_results(shape, focus) for f, v in rows]
        values = self.value_pattern(shape, focus)
        for nested in self.graph.objects(shape, SH + "property"):
            results += self.validate(nested, values)
        for name in ("node", "or", "and", "xone", "not"):
            for param in self.graph.objects(shape, SH + name):
                failing = self.logical_failures(name, param, values)
                if failing:
                    results += [RawResult(shape, _COMPONENT[name], f, v)
                                for f, v in self.pairs(shape, focus, failing) if v in failing]
        return results

    def failing(self, shape: Term, focus: FocusPattern) -> set[Term]:
        """The focus nodes that do not conform to a shape used inside another one.

        With allow_warnings (as validation.py runs pySHACL), pySHACL lets a shape whose
        severity is sh:Warning or sh:Info conform whatever its values, and so do we.
        """
        if self._inactive(shape):
            return set()
        severity = self.graph.value(shape, SH + "severity") or SH + "Violation"
        if self.allow_warnings and severity in (SH + "Warning", SH + "Info"):
            return set()
        out = {f for _, rows in self.simple_results(shape, focus) for f, _ in rows}
        values = self.value_pattern(shape, focus)
        bad: set[Term] = set()
        for nested in self.graph.objects(shape, SH + "property"):
            bad |= self.failing(nested, values)
        for name in ("node", "or", "and", "xone", "not"):
            for param in self.graph.objects(shape, SH + name):
                bad |= self.logical_failures(name, param, values)
        if bad:
            out |= {f for f, v in self.pairs(shape, focus, bad) if v in bad}
        return out

    def simple_results(self, shape: Term, focus: FocusPattern) -> list[tuple[str, list[Row]]]:
        """The rows of each constraint of the shape that needs no nested shape, in the order
        of their names; the per-value ones share one query when there are several."""
        constraints = [(name, param) for name in sorted(_SIMPLE)
                       for param in self.graph.objects(shape, SH + name)]
        per_value = [i for i, (name, _) in enumerate(constraints) if name in _PER_VALUE]
        counts = [i for i, (name, _) in enumerate(constraints) if name in ("minCount", "maxCount")]
        path = self.graph.value(shape, SH + "path")
        shared = self.screened_results(shape, constraints, per_value, counts, focus)
        if shared is not None:
            return [(name, shared[i] if i in shared
                     else self.rows(self.simple_query(shape, name, param, focus)))
                    for i, (name, param) in enumerate(constraints)]
        shared = {}
        if len(per_value) > 1:
            rows = self.per_value_rows(shape, [constraints[i] for i in per_value], focus)
            shared = dict(zip(per_value, rows, strict=True))
        if [constraints[i][0] for i in counts] == ["maxCount", "minCount"] and path is not None:
            most, least = counts
            high, low = _integer(constraints[most][1]), _integer(constraints[least][1])
            if low >= 1 and high >= 0:
                step = sparql_path(self.graph, path)
                shared[least], shared[most] = self.count_rows(step, low, high, focus)
        return [(name, shared[i] if i in shared
                 else self.rows(self.simple_query(shape, name, param, focus)))
                for i, (name, param) in enumerate(constraints)]

    def screened_results(self, shape: Term, constraints: list[tuple[str, Term]],
                         per_value: list[int], counts: list[int],
                         focus: FocusPattern) -> dict[int, list[Row]] | None:
        """The rows of a property shape's count and per-value constraints, from one query that
        counts each focus node's values and notes whether any fails a per-value test; the
        failing values are then looked for only if there are any (on a conforming graph, never).
        None if the shape has not both kinds of constraint on a path, or an unusual count."""
        path = self.graph.value(shape, SH + "path")
        if path is None or not per_value or not counts or len(counts) > 2:
            return None
        bounds = {constraints[i][0]: _integer(constraints[i][1]) for i in counts}
        if len(bounds) != len(counts) or bounds.get("minCount", 1) < 1 \
                or bounds.get("maxCount", 0) < 0:
            return None
        tests = " && ".join(f"COALESCE({self._value_test(shape, *constraints[i])}, false)"
                            for i in per_value)
        failing = f"MAX(IF(BOUND(?value) && !({tests}), 1, 0))"
        count = "COUNT(DISTINCT ?value)"
        having = [f"{failing} > 0"]
        if "minCount" in bounds:
            having.append(f"{count} < {bounds['minCount']}")
        if "maxCount" in bounds:
            having.append(f"{count} > {bounds['maxCount']}")
        step = sparql_path(self.graph, path)
        values = f"?this {step} ?value ."
        # Without sh:minCount, a focus node with no value can fail nothing here.
        values = f"OPTIONAL {{ {values} }}" if "minCount" in bounds else values
        query = (f"SELECT ?this ({count} AS ?_n) ({failing} AS ?_bad) WHERE {{ "
                 f"{focus('this')} {values} }} GROUP BY ?this HAVING ({' || '.join(having)})")
        self.queries += 1
        found = [(r["this"], int(r["_n"].value), r["_bad"] == _ONE)  # type: ignore[union-attr]
                 for r in self.store.select(query).rows if r["this"] is not None]
        shared: dict[int, list[Row]] = {}
        for i in counts:
            name = constraints[i][0]
            bound = bounds[name]
            shared[i] = [(f, None) for f, n, _ in found
                         if (n < bound if name == "minCount" else n > bound)]
        if any(bad for _, _, bad in found):
            if len(per_value) > 1:
                rows = self.per_value_rows(shape, [constraints[i] for i in per_value], focus)
                shared |= dict(zip(per_value, rows, strict=True))
        else:
            shared |= {i: [] for i in per_value}
        return shared

    def count_rows(self, step: str, low: int, high: int,
                   focus: FocusPattern) -> tuple[list[Row], list[Row]]:
        """The focus nodes failing sh:minCount `low` and those failing sh:maxCount `high` on
        the path `step`, from one query counting the values of every focus node."""
        count = "COUNT(DISTINCT ?value)"
        query = (f"SELECT ?this ({count} AS ?_n) WHERE {{ {focus('this')} OPTIONAL {{ "
                 f"?this {step} ?value . }} }} GROUP BY ?this "
                 f"HAVING ({count} < {low} || {count} > {high})")
        self.queries += 1
        rows = [(r["this"], int(r["_n"].value)) for r in self.store.select(query).rows  # type: ignore[union-attr]
                if r["this"] is not None]
        return ([(f, None) for f, n in rows if n < low], [(f, None) for f, n in rows if n > high])

    def per_value_rows(self, shape: Term, constraints: list[tuple[str, Term]],
                       focus: FocusPattern) -> list[list[Row]]:
        """The failing (focus, value) rows of each of several per-value constraints, from one
        query that tests every value once and flags which constraints it fails."""
        flags = [f"_ok{i}" for i in range(len(constraints))]
        binds = " ".join(f"BIND(COALESCE({self._value_test(shape, name, param)}, false) AS ?{flag})"
                         for flag, (name, param) in zip(flags, constraints, strict=True))
        query = (f"SELECT DISTINCT ?this ?value {' '.join('?' + f for f in flags)} WHERE {{ "
                 f"{focus('this')} {self.values_of(shape)} {binds} "
                 f"FILTER({' || '.join('!?' + flag for flag in flags)}) }}")
        self.queries += 1
        failing: list[list[Row]] = [[] for _ in constraints]
        for row in self.store.select(query).rows:
            if row["this"] is not None:
                for rows, flag in zip(failing, flags, strict=True):
                    if row[flag] != _TRUE:
                        rows.append((row["this"], row.get("value")))
        return failing

    def _value_test(self, shape: Term, name: str, param: Term) -> str:
        """The condition a conforming ?value meets, for a per-value constraint."""
        if name == "class":
            closure = " ".join(_sparql_term(c) for c in self.subclasses(param))
            return f"EXISTS {{ ?value <{RDF}type> ?_type . VALUES ?_type {{ {closure} }} }}"
        if name == "in":
            members = [f"sameTerm(?value, {_sparql_term(m)})" for m in self.graph.items(param)]
            return "(" + (" || ".join(members) or "false") + ")"
        return self._condition(shape, name, param)

    def _inactive(self, shape: Term) -> bool:
        return self.graph.value(shape, SH + "deactivated") == Literal("true", XSD + "boolean")

    def all_nodes(self, focus: FocusPattern) -> set[Term]:
        """Every node the focus pattern binds."""
        return {f for f, _ in self.rows(f"SELECT ?this WHERE {{ {focus('this')} }}")}

    def logical_failures(self, name: str, param: Term, values: FocusPattern) -> set[Term]:
        """Value nodes that fail sh:node, sh:or, sh:and, sh:xone or sh:not."""
        if name == "node":
            return self.failing(param, values)
        if name == "not":
            return self.all_nodes(values) - self.failing(param, values)
        members = [self.failing(m, values) for m in self.graph.items(param)]
        if name == "or":
            return set.intersection(*members) if members else self.all_nodes(values)
        if name == "and":
            return set().union(*members)
        nodes = self.all_nodes(values)
        return {n for n in nodes if sum(n not in m for m in members) != 1}

    def pairs(self, shape: Term, focus: FocusPattern, values: set[Term]) -> list[Row]:
        """The (focus, value node) pairs of the shape, at least those whose value is given."""
        if self.graph.value(shape, SH + "path") is None:
            return [(v, v) for v in sorted(values, key=str)]
        return self.rows(f"SELECT DISTINCT ?this ?value WHERE {{ {focus('this')} "
                         f"{self.values_of(shape)} }}")

    # -- one constraint ----------------------------------------------------------------------
    def simple_query(self, shape: Term, name: str, param: Term, focus: FocusPattern) -> str:
        """The SELECT ?this ?value giving one row per result of one constraint."""
        this, values = focus("this"), self.values_of(shape)
        path = self.graph.value(shape, SH + "path")
        step = sparql_path(self.graph, path) if path is not None else None
        if name in ("minCount", "maxCount", "hasValue") and step is None and name != "hasValue":
            raise Unsupported(f"sh:{name} on a node shape")
        if name == "minCount":
            return self._min_count(this, step or "", _integer(param))
        if name == "maxCount" and _integer(param) <= 1:
            # A self-join finds a second value faster than grouping every focus node.
            second = ("?this " + (step or "") + " ?_w . FILTER(!sameTerm(?value, ?_w))"
                      if _integer(param) == 1 else "")
            return (f"SELECT DISTINCT ?this WHERE {{ {this} ?this {step} ?value . {second} }}")
        if name == "maxCount":
            return (f"SELECT ?this WHERE {{ {this} ?this {step} ?value . }} GROUP BY ?this "
                    f"HAVING (COUNT(DISTINCT ?value) > {_integer(param)})")
        if name == "hasValue":
            if step is None:
                return (f"SELECT ?this WHERE {{ {this} "
                        f"FILTER(!sameTerm(?this, {_sparql_term(param)})) }}")
            return (f"SELECT DISTINCT ?this WHERE {{ {this} "
                    f"MINUS {{ ?this {step} {_sparql_term(param)} . }} }}")
        if name in ("lessThan", "lessThanOrEquals"):
            return self._pair_comparison(this, values, param, "<" if name == "lessThan" else "<=")
        if name == "equals":
            other = _sparql_term(param)
            return (f"SELECT DISTINCT ?this ?value WHERE {{ {{ {this} {values} MINUS {{ ?this "
                    f"{other} ?value . }} }} UNION {{ {this} ?this {other} ?value . MINUS {{ "
                    f"{{ SELECT ?this ?value WHERE {{ {this} {values} }} }} }} }} }}")
        if name == "disjoint":
            return (f"SELECT DISTINCT ?this ?value WHERE {{ {this} {values} "
                    f"?this {_sparql_term(param)} ?value . }}")
        if name == "class":
            closure = " ".join(_sparql_term(c) for c in self.subclasses(param))
            return (f"SELECT DISTINCT ?this ?value WHERE {{ {this} {values} MINUS {{ "
                    f"?value <{RDF}type> ?_t . VALUES ?_t {{ {closure} }} }} }}")
        if name == "in":
            members = " ".join(_sparql_term(m) for m in self.graph.items(param))
            return (f"SELECT DISTINCT ?this ?value WHERE {{ {this} {values} "
                    f"MINUS {{ VALUES ?value {{ {members} }} }} }}")
        return (f"SELECT DISTINCT ?this ?value WHERE {{ {this} {values} "
                f"FILTER(!COALESCE({self._condition(shape, name, param)}, false)) }}")

    @staticmethod
    def _min_count(this: str, step: str, count: int) -> str:
        if count <= 0:
            return "SELECT ?this WHERE { FILTER(false) }"
        if count == 1:
            return f"SELECT DISTINCT ?this WHERE {{ {this} MINUS {{ ?this {step} ?value . }} }}"
        return (f"SELECT ?this WHERE {{ {this} OPTIONAL {{ ?this {step} ?value . }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {count})")

    @staticmethod
    def _pair_comparison(this: str, values: str, other: Term, op: str) -> str:
        # pySHACL compares strings (and IRIs) with strings only, everything else by value;
        # a pair that cannot be compared is a result, so an error counts as false.
        v, w = _STRINGLIKE.format("?value"), _STRINGLIKE.format("?_w")
        test = (f"IF({v}, {w} && STR(?value) {op} STR(?_w), !{w} && ?value {op} ?_w)")
        return (f"SELECT ?this ?value WHERE {{ {{ SELECT DISTINCT ?this ?value WHERE {{ {this} "
                f"{values} }} }} ?this {_sparql_term(other)} ?_w . "
                f"FILTER(!COALESCE({test}, false)) }}")

    def _condition(self, shape: Term, name: str, param: Term) -> str:
        """The FILTER condition a conforming ?value meets."""
        if name == "datatype":
            return _datatype_condition(param)
        if name in ("minLength", "maxLength"):
            op = ">=" if name == "minLength" else "<="
            return f"(!isBlank(?value) && STRLEN(STR(?value)) {op} {_integer(param)})"
        if name == "nodeKind":
            kind = str(param).removeprefix(SH)
            if kind not in _NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {param}")
            return _NODE_KINDS[kind]
        if name == "pattern":
            flags = self.graph.value(shape, SH + "flags")
            flag_text = nt_term(Literal(flags.value)) if isinstance(flags, Literal) else '""'
            pattern = param.value if isinstance(param, Literal) else str(param)
            return (f"(!isBlank(?value) && REGEX(STR(?value), {nt_term(Literal(pattern))}, "
                    f"{flag_text}))")
        return _range_condition(name, param)


def _integer(param: Term) -> int:
    if not isinstance(param, Literal):
        raise Unsupported("a count that is not a literal")
    return int(param.value)


def _datatype_condition(datatype: Term) -> str:
    if datatype == RDFS + "Literal":
        return "isLiteral(?value)"
    if datatype == RDF + "langString":
        return 'isLiteral(?value) && lang(?value) != ""'
    if datatype == RDFS + "Datatype" or not isinstance(datatype, str) or datatype.startswith("_:"):
        raise Unsupported(f"sh:datatype {datatype}")
    test = f"isLiteral(?value) && datatype(?value) = <{datatype}>"
    if datatype in _CHECKED_DATATYPES:
        # An ill-typed literal ("abc"^^xsd:integer) keeps its datatype but fails the cast.
        test += f" && COALESCE(isLiteral(<{datatype}>(STR(?value))), false)"
    return test


def _range_condition(name: str, bound: Term) -> str:
    if not isinstance(bound, Literal):
        raise Unsupported(f"sh:{name} of a non-literal")
    op = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">",
          "maxExclusive": "<"}[name]
    stringlike = bound.lang is not None or bound.datatype is None
    kind = _STRINGLIKE.format("?value")
    if stringlike:
        return f"(isLiteral(?value) && {kind} && STR(?value) {op} {nt_term(Literal(bound.value))})"
    return f"(isLiteral(?value) && !{kind} && ?value {op} {nt_term(bound)})"


def run_compiled(compiled: CompiledShapes, store: EmbeddedStore,
                 allow_warnings: bool = True) -> tuple[list[RawResult], int]:
    """Every result of the compiled shapes, and how many queries that took.

    allow_warnings=False gives the SHACL specification's semantics, where a result of any
    severity makes a nested shape fail (the W3C test suite expects that).
    """
    subclasses: dict[str, list[Term]] = {}

    def check(shape: Term) -> tuple[list[RawResult], int]:
        evaluator = Evaluator(compiled.graph, store, allow_warnings, subclasses)
        return evaluator.validate(shape, evaluator.target_pattern(shape)), evaluator.queries

    # Oxigraph evaluates a query without holding the GIL, so shapes run in parallel threads;
    # the results are joined in the shapes' order, as one thread would give them.
    workers = min(len(compiled.compiled), os.cpu_count() or 1)
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            done = list(pool.map(check, compiled.compiled))
    else:
        done = [check(shape) for shape in compiled.compiled]
    return [r for results, _ in done for r in results], sum(n for _, n in done)


def shape_details(graph: ShapesGraph, shape: Term) -> tuple[str, str | None, list[str]]:
    """Severity name, result path and messages of a shape, as pySHACL reports them."""
    severity = graph.value(shape, SH + "severity")
    path = graph.value(shape, SH + "path")
    path_text = None if path is None else (
        "(complex path)" if isinstance(path, Literal) or path.startswith("_:") else str(path))
    messages = [m.value if isinstance(m, Literal) else str(m)
                for m in graph.objects(shape, SH + "message")]
    return (str(severity or SH + "Violation").removeprefix(SH), path_text, messages)

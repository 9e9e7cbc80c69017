"""Validation against the SHACL shapes; pySHACL sits behind this module alone.

Two engines give the same results: pySHACL, the reference, and the shapes compiled to SPARQL
on the embedded store (shacl_compiler.py), about ten times faster. `engine="auto"` compiles
every shape it can and hands the rest to pySHACL; the report says which engine checked what.

Results are data: a ValidationReport, never an exception, so that a violation can always be
told apart from a crash.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BadInputError, Problem, UsageError
from .mapping import Origin
from .namespaces import SH
from .terms import Triple

SEVERITIES = ("Violation", "Warning", "Info")
ENGINES = ("auto", "sparql", "pyshacl")


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, traced back to the facts file and line where it can be."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str | None
    constraint: str | None
    origin: Origin | None = None
    engine: str = "pyshacl"

    def sort_key(self) -> tuple[str, int, str, str, str]:
        """Order by facts file and line, so a curator can fix top to bottom."""
        origin = self.origin
        return (origin.path if origin else "~", origin.line if origin else 0, self.focus,
                self.path or "", self.message)


@dataclass
class ValidationReport:
    """The outcome of validating one graph: conformance and every result."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    engine: str = "pyshacl"
    # Top-level shapes the SPARQL engine left to pySHACL, with the feature that made it.
    fallback: dict[str, str] = field(default_factory=dict)

    def count(self, severity: str) -> int:
        """How many results have the given severity."""
        return sum(1 for r in self.results if r.severity == severity)

    def fails(self, fail_on: str = "Violation") -> bool:
        """True when a result is at least as severe as `fail_on`."""
        limit = SEVERITIES.index(fail_on)
        return any(SEVERITIES.index(r.severity) <= limit for r in self.results)


def _read_turtle_files(files: Iterable[Path]):  # type: ignore[no-untyped-def]
    import rdflib

    graph = rdflib.Graph()
    for file in files:
        try:
            graph.parse(file, format="turtle")
        except Exception as exc:  # rdflib raises many parser exception types
            raise BadInputError([Problem(str(file), _parser_line(exc), None,
                                         f"cannot parse the Turtle: {exc}",
                                         "fix the syntax at that line")]) from exc
    return graph


def _parser_line(exc: Exception) -> int | None:
    line = getattr(exc, "line", None)
    return line if isinstance(line, int) else None


def graph_from_triples(triples: Iterable[Triple]):  # type: ignore[no-untyped-def]
    """An rdflib Graph holding the triples (pySHACL's native input)."""
    import rdflib

    from .serialisation import to_ntriples

    graph = rdflib.Graph()
    graph.parse(data=to_ntriples(triples), format="nt")
    return graph


def validate_graph(data_graph, shapes_files: list[Path],  # type: ignore[no-untyped-def]
                   origins: dict[str, Origin] | None = None) -> ValidationReport:
    """Validate an rdflib graph against the shapes files with pySHACL."""
    import pyshacl

    shapes = _read_turtle_files(shapes_files)
    conforms, report_graph, _ = pyshacl.validate(data_graph, shacl_graph=shapes,
                                                 advanced=False, inference="none",
                                                 allow_warnings=True)
    results = _results(report_graph, origins or {})
    return ValidationReport(bool(conforms), sorted(results, key=ValidationResult.sort_key))


def check_engine(engine: str) -> None:
    """Reject an unknown engine name with the list of known ones."""
    if engine not in ENGINES:
        raise UsageError(f"unknown validation engine '{engine}'; use one of {', '.join(ENGINES)}")


def validate_ntriples(text: str, shapes_files: list[Path],
                      origins: dict[str, Origin] | None = None,
                      engine: str = "auto") -> ValidationReport:
    """Validate N-Triples text; the fast engines load it straight into the embedded store."""
    check_engine(engine)
    if engine == "pyshacl":
        import rdflib

        graph = rdflib.Graph()
        graph.parse(data=text, format="nt")
        return validate_graph(graph, shapes_files, origins)
    from .store import EmbeddedStore

    store = EmbeddedStore()
    if text:
        store.load_ntriples(text)
    return validate_store(store, shapes_files, origins, engine)


def validate_store(store, shapes_files: list[Path],  # type: ignore[no-untyped-def]
                   origins: dict[str, Origin] | None = None,
                   engine: str = "auto") -> ValidationReport:
    """Validate an EmbeddedStore: compiled SPARQL, and pySHACL for what does not compile."""
    from .shacl_compiler import compile_shapes, run_compiled
    from .store import read_triples

    check_engine(engine)
    origins = origins or {}
    shape_triples = [t for file in shapes_files for t in read_triples(file)]
    if engine == "pyshacl":
        return _pyshacl_on_store(store, shape_triples, set(), origins)
    compiled = compile_shapes(shape_triples)
    if compiled.fallback and engine == "sparql":
        names = ", ".join(f"{s} ({why})" for s, why in sorted(compiled.fallback.items()))
        raise UsageError(f"the sparql engine cannot check {names}; use --engine auto or pyshacl")
    raw, _ = run_compiled(compiled, store)
    results = [_compiled_result(compiled.graph, r, origins) for r in raw]
    report = ValidationReport(all(r.severity != "Violation" for r in results), results, "sparql")
    if compiled.fallback:
        rest = _pyshacl_on_store(store, shape_triples, set(compiled.compiled), origins)
        report = ValidationReport(report.conforms and rest.conforms,
                                  results + rest.results, "sparql+pyshacl",
                                  {str(s): why for s, why in compiled.fallback.items()})
    report.results.sort(key=ValidationResult.sort_key)
    return report


def _compiled_result(graph, raw, origins: dict[str, Origin]) -> ValidationResult:  # type: ignore[no-untyped-def]
    from .shacl_compiler import shape_details

    severity, path, messages = shape_details(graph, raw.shape)
    message = sorted(messages)[0] if messages else f"sh:{raw.constraint} constraint not satisfied"
    focus = _plain_text(raw.focus) or ""
    shape = raw.shape if isinstance(raw.shape, str) and not raw.shape.startswith("_:") else None
    return ValidationResult(severity=severity, focus=focus, path=path,
                            value=_plain_text(raw.value), message=message, shape=shape,
                            constraint=f"{SH}{raw.constraint}ConstraintComponent",
                            origin=_origin(focus, origins), engine="sparql")


def _plain_text(term) -> str | None:  # type: ignore[no-untyped-def]
    """A term as pySHACL's report shows it: the IRI, the lexical form, or the blank node id."""
    if term is None:
        return None
    if isinstance(term, str):
        return term.removeprefix("_:")
    return str(term.value)


def _pyshacl_on_store(store, shape_triples, skip: set, origins: dict[str, Origin]  # type: ignore[no-untyped-def]
                      ) -> ValidationReport:
    """pySHACL on the store's triples, for every top-level shape not in `skip`."""
    import pyshacl
    import rdflib

    from .namespaces import RDF, RDFS
    from .terms import Literal, nt_term

    def nt(term) -> str:  # type: ignore[no-untyped-def]
        if isinstance(term, Literal):
            return nt_term(term)
        return term if term.startswith("_:") else f"<{term}>"

    targets = {SH + t for t in ("targetClass", "targetNode", "targetSubjectsOf",
                                "targetObjectsOf")}
    # A compiled shape loses its targets (and implicit class target), so pySHACL skips it but
    # can still follow references to it from the shapes it does check.
    kept = [t for t in shape_triples if not (t[0] in skip and (
        t[1] in targets or (t[1] == RDF + "type" and t[2] in (RDFS + "Class",))))]
    shapes = rdflib.Graph().parse(data="".join(f"{nt(s)} {nt(p)} {nt(o)} .\n"
                                               for s, p, o in kept), format="nt")
    data = rdflib.Graph().parse(data=store.dump_ntriples(), format="nt")
    conforms, report_graph, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=False,
                                                 inference="none", allow_warnings=True)
    return ValidationReport(bool(conforms), _results(report_graph, origins))


def _results(report_graph, origins: dict[str, Origin]) -> list[ValidationResult]:  # type: ignore[no-untyped-def]
    import rdflib

    sh = rdflib.Namespace(SH)
    out = []
    # Only the report's own results: nested ones under sh:detail explain those, not add to them.
    for node in report_graph.objects(None, sh.result):
        def one(prop, node=node):  # type: ignore[no-untyped-def]
            value = report_graph.value(node, prop)
            return None if value is None else str(value)

        focus = one(sh.focusNode) or ""
        severity = (one(sh.resultSeverity) or SH + "Violation").removeprefix(SH)
        path = report_graph.value(node, sh.resultPath)
        out.append(ValidationResult(
            severity=severity, focus=focus,
            path=str(path) if isinstance(path, rdflib.URIRef) else (
                None if path is None else "(complex path)"),
            value=one(sh.value), message=one(sh.resultMessage) or "",
            shape=one(sh.sourceShape) if isinstance(report_graph.value(node, sh.sourceShape),
                                                    rdflib.URIRef) else None,
            constraint=one(sh.sourceConstraintComponent),
            origin=_origin(focus, origins)))
    return out


def _origin(focus: str, origins: dict[str, Origin]) -> Origin | None:
    """The facts origin of a focus node, or of the nearest enclosing IRI that has one."""
    iri = focus
    while iri:
        if iri in origins:
            return origins[iri]
        if "/" not in iri:
            return None
        iri = iri.rsplit("/", 1)[0]
    return None


def validate_rdf_files(files: list[Path], shapes_files: list[Path],
                       engine: str = "auto") -> ValidationReport:
    """Validate any RDF files (Turtle, N-Triples, ...) against the shapes."""
    from .store import RDF_SUFFIXES, EmbeddedStore

    check_engine(engine)
    if engine == "auto" and any(f.suffix not in RDF_SUFFIXES for f in files):
        engine = "pyshacl"  # rdflib guesses more formats (.n3, .xml...) than the store reads
    if engine != "pyshacl":
        store = EmbeddedStore()
        for file in files:
            store.load_file(file, "fix the syntax, or check the file extension")
        return validate_store(store, shapes_files, None, engine)
    import rdflib

    graph = rdflib.Graph()
    for file in files:
        fmt = rdflib.util.guess_format(str(file)) or "turtle"
        try:
            graph.parse(file, format=fmt)
        except FileNotFoundError as exc:
            raise BadInputError([Problem(str(file), None, None, "no such file",
                                         "check the path")]) from exc
        except Exception as exc:  # rdflib's parsers raise several exception types
            raise BadInputError([Problem(str(file), _parser_line(exc), None,
                                         f"cannot parse the RDF: {exc}",
                                         "fix the syntax, or check the file extension")]) from exc
    return validate_graph(graph, shapes_files)

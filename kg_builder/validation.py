"""Validation against the SHACL shapes; pySHACL sits behind this module alone.

Results are data: a ValidationReport, never an exception, so that a violation can always be
told apart from a crash.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BadInputError, Problem
from .mapping import Origin
from .namespaces import SH
from .terms import Triple

SEVERITIES = ("Violation", "Warning", "Info")


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


def _results(report_graph, origins: dict[str, Origin]) -> list[ValidationResult]:  # type: ignore[no-untyped-def]
    import rdflib

    sh = rdflib.Namespace(SH)
    out = []
    for node in report_graph.subjects(rdflib.RDF.type, sh.ValidationResult):
        def one(prop):  # type: ignore[no-untyped-def]
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


def validate_rdf_files(files: list[Path], shapes_files: list[Path]) -> ValidationReport:
    """Validate any RDF files (Turtle, N-Triples, ...) against the shapes."""
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

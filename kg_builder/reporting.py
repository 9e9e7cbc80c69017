"""Rendering results for people and machines: validation reports and query results."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

from .errors import output_error
from .namespaces import prefixes as fixed_prefixes
from .store import QueryResult
from .terms import Literal, Term
from .validation import ValidationReport, ValidationResult


def shorten(iri: str, prefixes: dict[str, str]) -> str:
    """An IRI as a prefixed name where a fixed prefix covers it."""
    best = max((p for p in prefixes.items() if iri.startswith(p[1])), key=lambda p: len(p[1]),
               default=None)
    return f"{best[0]}:{iri[len(best[1]):]}" if best else iri


def _plain(term: Term | None, prefixes: dict[str, str] | None = None) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal):
        return term.value
    return shorten(term, prefixes) if prefixes else term


def report_text(report: ValidationReport, base_iri: str) -> str:
    """Results grouped by facts file, in line order, then a summary line."""
    prefixes = fixed_prefixes(base_iri)
    lines: list[str] = []
    current = None
    for result in report.results:
        where = result.origin.path if result.origin else "(no facts origin)"
        if where != current:
            lines.append(where)
            current = where
        lines.append("  " + _result_line(result, prefixes))
    counts = ", ".join(f"{report.count(s)} {s.lower()}s" for s in ("Violation", "Warning", "Info"))
    verdict = "conforms" if report.conforms else "does not conform"
    engine = report.engine
    if report.fallback:
        engine += "; pyshacl checked " + ", ".join(shorten(s, prefixes) for s in report.fallback)
    lines.append(f"{verdict}: {counts} (engine: {engine})")
    return "\n".join(lines) + "\n"


def _result_line(result: ValidationResult, prefixes: dict[str, str]) -> str:
    origin = result.origin
    line = f"{origin.line}: " if origin else ""
    record = f"'{origin.record_id}' " if origin and origin.record_id else ""
    path = f" [{shorten(result.path, prefixes)}]" if result.path else ""
    value = f" (value: {shorten(result.value, prefixes)})" if result.value else ""
    return (f"{line}{result.severity}: {record}{shorten(result.focus, prefixes)}{path}: "
            f"{result.message}{value}")


def report_json(report: ValidationReport) -> str:
    """The report as JSON, stable key order."""
    return json.dumps({
        "conforms": report.conforms,
        "engine": report.engine,
        **({"fallback": report.fallback} if report.fallback else {}),
        "counts": {s.lower(): report.count(s) for s in ("Violation", "Warning", "Info")},
        "results": [_result_dict(r) for r in report.results],
    }, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _result_dict(result: ValidationResult) -> dict[str, object]:
    origin = result.origin
    return {
        "file": origin.path if origin else None, "line": origin.line if origin else None,
        "record": origin.record_id if origin else None, "focus": result.focus,
        "path": result.path, "value": result.value, "message": result.message,
        "severity": result.severity, "shape": result.shape, "constraint": result.constraint,
    }


def result_table(result: QueryResult, base_iri: str) -> str:
    """Rows as an aligned text table, IRIs shortened with the fixed prefixes."""
    prefixes = fixed_prefixes(base_iri)
    rows = [[_plain(row[v], prefixes) for v in result.variables] for row in result.rows]
    widths = [max([len(v)] + [len(r[i]) for r in rows]) for i, v in enumerate(result.variables)]

    def fmt(cells: Iterable[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [fmt(result.variables), fmt("-" * w for w in widths)] + [fmt(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def result_csv(result: QueryResult) -> str:
    """Rows as SPARQL 1.1 CSV results (full IRIs, plain literal values)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([_plain(row[v]) for v in result.variables])
    return buffer.getvalue()


def result_json(result: QueryResult) -> str:
    """Rows as SPARQL 1.1 Query Results JSON."""
    def binding(term: Term) -> dict[str, str]:
        if isinstance(term, Literal):
            out = {"type": "literal", "value": term.value}
            if term.lang:
                out["xml:lang"] = term.lang
            elif term.datatype:
                out["datatype"] = term.datatype
            return out
        if term.startswith("_:"):
            return {"type": "bnode", "value": term[2:]}
        return {"type": "uri", "value": term}

    bindings = [{v: binding(t) for v, t in row.items() if t is not None} for row in result.rows]
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}},
                      indent=2, ensure_ascii=False) + "\n"


_COLOURS = {"Violation": "\033[31m", "Warning": "\033[33m", "Info": "\033[36m"}
_RESET = "\033[0m"


def colourise(text: str) -> str:
    """Colour the severity words of a text report (for a terminal only)."""
    for severity, code in _COLOURS.items():
        text = text.replace(f": {severity}: ", f": {code}{severity}{_RESET}: ")
    return text


def _case_name(result: ValidationResult, prefixes: dict[str, str]) -> str:
    # Property shapes are usually blank nodes: name the property they constrain instead.
    if result.shape:
        what = shorten(result.shape, prefixes)
    elif result.path and result.path != "(complex path)":
        what = shorten(result.path, prefixes)
    else:
        what = "shape"
    return f"{what} {shorten(result.focus, prefixes)}"


def report_junit(report: ValidationReport, base_iri: str) -> str:
    """JUnit XML: one test case per shape and focus node, failures for the results.

    Only the attributes of the Ant/Jenkins schema are used, so strict CI parsers accept it;
    the file and line go into the classname and the failure message.
    """
    from xml.sax.saxutils import escape, quoteattr

    prefixes = fixed_prefixes(base_iri)
    cases: dict[tuple[str, str], list[ValidationResult]] = {}
    for result in report.results:
        key = (result.origin.path if result.origin else "rdf", _case_name(result, prefixes))
        cases.setdefault(key, []).append(result)
    failures = sum(1 for results in cases.values()
                   if any(r.severity == "Violation" for r in results))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<testsuites name="kg-builder validate" tests="{max(len(cases), 1)}" '
             f'failures="{failures}" errors="0">',
             f'  <testsuite name="shacl" tests="{max(len(cases), 1)}" failures="{failures}" '
             'errors="0" skipped="0" time="0">']
    if not cases:
        lines.append('    <testcase classname="kg-builder" name="conforms" time="0"/>')
    for (path, name), results in sorted(cases.items()):
        lines.append(f"    <testcase classname={quoteattr(path)} name={quoteattr(name)} time=\"0\">")
        for result in results:
            kind = "failure" if result.severity == "Violation" else "system-out"
            where = f"{path}:{result.origin.line}" if result.origin else path
            text = f"{where}: {result.severity}: {result.message}"
            if kind == "failure":
                lines.append(f"      <failure message={quoteattr(text)} type={quoteattr(result.severity)}>"
                             f"{escape(_detail(result))}</failure>")
            else:
                lines.append(f"      <system-out>{escape(text)}</system-out>")
        lines.append("    </testcase>")
    lines += ["  </testsuite>", "</testsuites>"]
    return "\n".join(lines) + "\n"


def _detail(result: ValidationResult) -> str:
    parts = [f"focus: {result.focus}"]
    for label, value in (("path", result.path), ("value", result.value),
                         ("shape", result.shape), ("constraint", result.constraint)):
        if value:
            parts.append(f"{label}: {value}")
    return "\n".join(parts)


def _gh_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


_GH_LEVEL = {"Violation": "error", "Warning": "warning", "Info": "notice"}


def report_github(report: ValidationReport, base_iri: str) -> str:
    """GitHub Actions workflow commands: one annotation per result, on its file and line."""
    prefixes = fixed_prefixes(base_iri)
    out = []
    for result in report.results:
        props = []
        if result.origin:
            props += [f"file={_gh_escape(result.origin.path, True)}",
                      f"line={result.origin.line}"]
        props.append(f"title={_gh_escape(_case_name(result, prefixes), True)}")
        message = f"{shorten(result.focus, prefixes)}: {result.message}"
        if result.value:
            message += f" (value: {shorten(result.value, prefixes)})"
        out.append(f"::{_GH_LEVEL[result.severity]} {','.join(props)}::{_gh_escape(message)}")
    return "".join(line + "\n" for line in out)


def report_shacl(report: ValidationReport, base_iri: str) -> str:
    """The standard SHACL validation report graph, as deterministic Turtle."""
    import hashlib

    from .namespaces import RDF, SH, XSD
    from .serialisation import to_turtle
    from .terms import Literal as Lit

    root = base_iri + "validation/report"
    triples: set[tuple[str, str, Term]] = {
        (root, RDF + "type", SH + "ValidationReport"),
        (root, SH + "conforms", Lit("true" if report.conforms else "false", XSD + "boolean")),
    }
    for result in report.results:
        digest = hashlib.sha1(repr(_result_dict(result)).encode()).hexdigest()[:12]
        node = f"{base_iri}validation/result/{digest}"
        triples |= {(root, SH + "result", node), (node, RDF + "type", SH + "ValidationResult"),
                    (node, SH + "focusNode", result.focus),
                    (node, SH + "resultSeverity", SH + result.severity),
                    (node, SH + "resultMessage", Lit(result.message))}
        for prop, value in ((SH + "resultPath", result.path), (SH + "sourceShape", result.shape),
                            (SH + "sourceConstraintComponent", result.constraint)):
            if value and value != "(complex path)":
                triples.add((node, prop, value))
        if result.value is not None:
            triples.add((node, SH + "value", result.value if result.value.startswith(
                ("http://", "https://")) else Lit(result.value)))
    return to_turtle(triples, {**fixed_prefixes(base_iri), "sh": SH})


REPORT_FORMATS = {
    "text": lambda report, base: report_text(report, base),
    "json": lambda report, base: report_json(report),
    "junit": report_junit,
    "github": report_github,
    "shacl": report_shacl,
}


def render_report(report: ValidationReport, fmt: str, base_iri: str) -> str:
    """The report in one of REPORT_FORMATS."""
    return REPORT_FORMATS[fmt](report, base_iri)


def write_report_file(path: Path, text: str, option: str = "--output") -> None:
    """Write a report to `path` whole or not at all (through a temporary file beside it, with
    the permissions a new file gets); a write that fails raises OutputError naming where, and
    leaves any earlier file as it was."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("x", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        with suppress(OSError):
            temporary.unlink()
        named = OSError(exc.errno, exc.strerror, str(path)) \
            if exc.filename in (None, str(temporary)) else exc
        raise output_error(named, [path], option) or exc from exc

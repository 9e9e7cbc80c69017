"""Rendering results for people and machines: validation reports and query results."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

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
    lines.append(f"{verdict}: {counts} (engine: {report.engine})")
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
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

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

"""The public library functions; each CLI verb calls exactly one of them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .canned import CannedQuery, bind, load_queries, parse_query
from .errors import BadInputError, Problem, UsageError
from .evidence import check_evidence, load_seeds
from .guards import (COUNTS_FILE, GuardFailure, check_guards, class_counts, read_minimums,
                     read_previous_counts)
from .loading import SLUG, FactBase, load_facts, suggest
from .mapping import MappedGraph, map_to_graph
from .metadata import describe_dataset
from .namespaces import KIND_PATHS, prefixes
from .project import Project
from .reporting import report_json, report_text
from .serialisation import to_ntriples, to_turtle, write_build
from .store import QueryResult, store_from
from .validation import ValidationReport, validate_ntriples, validate_rdf_files

_BAD_IRI = re.compile(r'[\s<>"{}|^`\\]')
DUMP_TURTLE = "kg.ttl"
DUMP_NTRIPLES = "kg.nt"


@dataclass
class BuildResult:
    """What a build did: counts, the validation report, and the files written (if any)."""

    records: int
    triples: int
    report: ValidationReport
    written: list[Path] = field(default_factory=list)
    evidence_checked: bool = False
    guard_failures: list[GuardFailure] = field(default_factory=list)


@dataclass
class CheckedGraph:
    """Facts that loaded, passed the evidence check and were mapped."""

    facts: FactBase
    graph: MappedGraph
    evidence_checked: bool


def check_facts(project: Project) -> CheckedGraph:
    """Load the facts, check every quote against the seeds (when present) and map them."""
    facts = load_facts(project.facts_dir)
    seeds = load_seeds(Path(project.seeds_dir))
    if seeds is not None:
        problems = check_evidence(facts, seeds)
        if problems:
            raise BadInputError(problems)
    return CheckedGraph(facts, map_to_graph(facts, project.base_iri), seeds is not None)


def build(project: Project, fail_on: str = "Violation", engine: str = "auto") -> BuildResult:
    """Load, check, map and validate the facts; write the dumps only if the graph conforms.

    `engine` picks the validator: "auto" (compiled SPARQL, pySHACL for what does not compile),
    "sparql" or "pyshacl" (the reference).
    """
    checked = check_facts(project)
    triples = checked.graph.triples
    ntriples = to_ntriples(triples)
    report = validate_ntriples(ntriples, project.shapes_files(), checked.graph.origins, engine)
    result = BuildResult(len(checked.facts.records), len(triples), report,
                         evidence_checked=checked.evidence_checked)
    counts = class_counts(triples)
    result.guard_failures = check_guards(counts, read_minimums(project.root),
                                         read_previous_counts(project.build_dir))
    if report.fails(fail_on) or result.guard_failures:
        return result
    names = prefixes(project.base_iri)
    files = {
        DUMP_TURTLE: to_turtle(triples, names).encode("utf-8"),
        DUMP_NTRIPLES: ntriples.encode("utf-8"),
        "void.ttl": to_turtle(describe_dataset(triples, project.base_iri), names).encode("utf-8"),
        "validation.txt": report_text(report, project.base_iri).encode("utf-8"),
        "validation.json": report_json(report).encode("utf-8"),
        COUNTS_FILE: (json.dumps(counts, indent=2) + "\n").encode("utf-8"),
    }
    result.written = write_build(project.build_dir, files)
    return result


def validate(project: Project, paths: list[Path] | None = None,
             shapes: list[Path] | None = None, engine: str = "auto") -> ValidationReport:
    """Validate the facts folder (no paths), facts folders, or any RDF files against shapes.

    `engine` is "auto" (compiled SPARQL, pySHACL for what does not compile), "sparql" or
    "pyshacl".
    """
    shapes_files = shapes or project.shapes_files()
    if not paths:
        checked = check_facts(project)
        return validate_ntriples(to_ntriples(checked.graph.triples), shapes_files,
                                 checked.graph.origins, engine)
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise BadInputError([Problem(str(p), None, None, "no such file or folder",
                                     "check the path") for p in missing])
    folders = [p for p in paths if p.is_dir()]
    if folders:
        if len(paths) > 1:
            raise UsageError("validate takes one facts folder, or RDF files; not both")
        return validate(replace(project, facts_dir=folders[0].resolve()), None, shapes, engine)
    return validate_rdf_files(paths, shapes_files, engine)


def queries(project: Project) -> list[CannedQuery]:
    """The canned queries of the project, sorted by name."""
    return list(load_queries(project.queries_dir).values())


def query(project: Project, name: str, params: dict[str, str] | None = None,
          endpoint: str | None = None, data: list[Path] | None = None,
          timeout: float = 30.0) -> QueryResult:
    """Run a canned query on the built graph (or RDF files, or a remote endpoint)."""
    path = project.queries_dir / f"{name}.rq"
    if not path.is_file():
        names = [p.stem for p in project.queries_dir.glob("*.rq")]
        raise UsageError(f"no canned query '{name}'; {suggest(name, names)} "
                         "(list them with 'kg-builder queries')")
    canned = parse_query(path)
    if endpoint:
        from .endpoint import remote_select

        text = bind(canned, params or {}, lambda v: _resolve_iri(project, v, None))
        return remote_select(endpoint, text, timeout=timeout)
    store = store_from(files=_query_inputs(project, data))
    text = bind(canned, params or {}, lambda v: _resolve_iri(project, v, store))
    return store.select(text)


def _query_inputs(project: Project, data: list[Path] | None) -> list[Path]:
    if data:
        return list(data)
    dump = project.build_dir / DUMP_NTRIPLES
    if not dump.exists():
        raise UsageError(f"no built graph at {dump}; run 'kg-builder build' first, "
                         "or pass --data FILE")
    return [dump, *project.ontology_files()]


def _resolve_iri(project: Project, value: str, store) -> str:  # type: ignore[no-untyped-def]
    """A full IRI, a prefixed name (person:tukhachevskii) or a bare record id."""
    names = prefixes(project.base_iri)
    if _BAD_IRI.search(value):
        raise UsageError(f"'{value}' is not an IRI or a record id: it contains a space or one "
                         "of <>\"{}|^`\\")
    if value.startswith(("http://", "https://", "urn:")):
        return value
    prefix, sep, local = value.partition(":")
    if sep and prefix in names:
        return names[prefix] + local
    if store is not None and SLUG.match(value):
        for path in KIND_PATHS.values():
            candidate = project.base_iri + path + value
            ask = f"SELECT ?p WHERE {{ <{candidate}> ?p ?o }} LIMIT 1"
            if store.select(ask).rows:
                return candidate
    raise UsageError(f"'{value}' names no record; give a record id, a prefixed name such as "
                     "person:tukhachevskii, or a full IRI")

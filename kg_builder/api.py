"""The public library functions; each CLI verb calls exactly one of them."""

from __future__ import annotations

import json
import re
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .cache import open_cache
from .canned import CannedQuery, bind, load_queries, parse_query
from .errors import BadInputError, EndpointError, Problem, UsageError
from .evidence import check_evidence, load_seeds
from .guards import (COUNTS_FILE, GuardFailure, check_guards, class_counts, read_minimums,
                     read_previous_counts)
from .loading import SLUG, FactBase, load_facts, suggest
from .mapping import MappedGraph, Origin, map_to_graph
from .metadata import Edition, GraphStatistics, example_resource, graph_statistics, source_date
from .namespaces import KIND_PATHS, prefixes
from .project import Project
from .publishing import DUMP_NTRIPLES, DumpJob, Staging, write_description
from .reporting import report_json, report_text
from .serialisation import write_ntriples
from .store import QueryResult, store_from
from .streaming import StoreFeeder, store_for, stream_facts, validate_dump
from .validation import ValidationReport, check_engine, validate_rdf_files

_BAD_IRI = re.compile(r'[\s<>"{}|^`\\]')


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
    cache = open_cache(project.root)
    facts = load_facts(project.facts_dir, cache)
    seeds = load_seeds(Path(project.seeds_dir))
    if seeds is not None:
        problems = check_evidence(facts, seeds, cache)
        if problems:
            raise BadInputError(problems)
    return CheckedGraph(facts, map_to_graph(facts, project.base_iri), seeds is not None)


@dataclass
class _Validated:
    """A graph checked, mapped, staged as N-Triples, validated and guarded."""

    stats: GraphStatistics
    counts: dict[str, int]
    result: BuildResult

    def fails(self, fail_on: str) -> bool:
        """Whether the report or a regression guard stops publication."""
        return self.result.report.fails(fail_on) or bool(self.result.guard_failures)


@dataclass
class _Streamed:
    """What streaming the facts to N-Triples leaves behind: counts and origins."""

    records: int
    origins: dict[str, Origin]
    evidence_checked: bool


def _stream_ntriples(project: Project, out: BinaryIO, scratch: Path,
                     feeder: StoreFeeder | None = None) -> _Streamed:
    """Check, map and write the facts as sorted N-Triples, one facts file at a time."""
    seeds = load_seeds(Path(project.seeds_dir))
    graph = stream_facts(project.facts_dir, seeds, project.base_iri, scratch,
                         cache=open_cache(project.root), feeder=feeder)
    write_ntriples(graph.lines(), out)
    return _Streamed(graph.records, graph.origins, seeds is not None)


def _check_and_validate(project: Project, engine: str, staging: Staging,
                        fail_on: str) -> _Validated:
    """Stage kg.nt (and its gzip copy), the store loading beside it; then, while the other
    dumps are written from kg.nt by a process forked at the start, count the graph's
    statistics in the store, check the guards and validate. The other dumps are kept only if
    the graph passes."""
    with (tempfile.TemporaryDirectory(prefix="kg-builder-") as scratch,
          DumpJob(staging, project.base_iri, (project.ontology_files(), project.shapes_files())
                  ) as writing, StoreFeeder() as feeder):
        # The other dumps are written from kg.nt: they start once it is written, while its
        # gzip copy is still being compressed.
        with staging.dump(DUMP_NTRIPLES, copy_later=True) as out:
            streamed = _stream_ntriples(project, out, Path(scratch), feeder)
        writing.start()
        dump = staging.path(DUMP_NTRIPLES)
        store = feeder.store() or store_for(dump, Path(scratch))
        stats = graph_statistics(store.select, example_resource(project.base_iri))
        counts = class_counts(stats.classes)
        guard_failures = check_guards(counts, read_minimums(project.root),
                                      read_previous_counts(project.build_dir))
        report = validate_dump(dump, project.shapes_files(), streamed.origins, engine,
                               Path(scratch), store)
        if not (guard_failures or report.fails(fail_on)):
            writing.wait()
    result = BuildResult(streamed.records, stats.triples, report,
                         evidence_checked=streamed.evidence_checked,
                         guard_failures=guard_failures)
    return _Validated(stats, counts, result)


def build(project: Project, fail_on: str = "Violation", engine: str = "auto") -> BuildResult:
    """Load, check, map and validate the facts; write the dumps only if the graph conforms.

    `engine` picks the validator: "auto" (compiled SPARQL, pySHACL for what does not compile),
    "sparql" or "pyshacl" (the reference). Every output is staged as it is produced and moved
    into build/ only when all are written, so a failed build leaves build/ as it was.
    """
    with Staging(project.build_dir) as staging:
        validated = _check_and_validate(project, engine, staging, fail_on)
        result, report = validated.result, validated.result.report
        if validated.fails(fail_on):
            return result
        write_description(staging, validated.stats, project.base_iri, build_edition(project))
        staging.write_bytes("validation.txt", report_text(report, project.base_iri)
                            .encode("utf-8"))
        staging.write_bytes("validation.json", report_json(report).encode("utf-8"))
        staging.write_bytes(COUNTS_FILE, (json.dumps(validated.counts, indent=2) + "\n")
                            .encode("utf-8"))
        staging.write_checksums()
        result.written = staging.commit()
    return result


def validate(project: Project, paths: list[Path] | None = None,
             shapes: list[Path] | None = None, engine: str = "auto") -> ValidationReport:
    """Validate the facts folder (no paths), facts folders, or any RDF files against shapes.

    `engine` is "auto" (compiled SPARQL, pySHACL for what does not compile), "sparql" or
    "pyshacl".
    """
    shapes_files = shapes or project.shapes_files()
    if not paths:
        check_engine(engine)
        with tempfile.TemporaryDirectory(prefix="kg-builder-") as scratch:
            dump = Path(scratch) / DUMP_NTRIPLES
            # pySHACL reads kg.nt itself, so no store is loaded for it.
            feeding = StoreFeeder() if engine != "pyshacl" else nullcontext(None)
            with feeding as feeder:
                with dump.open("wb") as out:
                    streamed = _stream_ntriples(project, out, Path(scratch), feeder)
                store = feeder.store() if feeder is not None else None
            return validate_dump(dump, shapes_files, streamed.origins, engine, Path(scratch),
                                 store)
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
          timeout: float = 30.0, engine: str = "oxigraph",
          graph: str | None = None) -> QueryResult:
    """Run a canned query on the built graph (or RDF files, or a remote endpoint).

    engine picks the embedded engine (oxigraph, the default, or rdflib). graph, with an
    endpoint, makes that named graph the query's default graph (e.g. the one load() wrote).
    """
    path = project.queries_dir / f"{name}.rq"
    if not path.is_file():
        names = [p.stem for p in project.queries_dir.glob("*.rq")]
        raise UsageError(f"no canned query '{name}'; {suggest(name, names)} "
                         "(list them with 'kg-builder queries')")
    canned = parse_query(path)
    if endpoint:
        if engine != "oxigraph":
            raise UsageError("--engine picks the embedded engine; it does not apply to "
                             "--endpoint")
        remote = RemoteStore(endpoint, timeout, _graph_iri(graph) if graph else None)
        text = bind(canned, params or {}, lambda v: _resolve_iri(project, v, remote))
        return remote.select(text)
    if graph:
        raise UsageError("--graph names a graph on an --endpoint; the built graph has one")
    store = _embedded_store(engine, _query_inputs(project, data))
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


# -- Publishing: releases and release notes ---------------------------------------------------


def build_edition(project: Project) -> Edition:
    """The edition of a plain build: dumps under <base>dumps/, dated only by SOURCE_DATE_EPOCH."""
    return Edition(project.base_iri + "dumps/", None, source_date(), project.sparql_endpoint)


@dataclass
class ReleaseResult:
    """What a release did: the build behind it, where it went, and what it follows."""

    version: str
    folder: Path
    build: BuildResult
    previous: str | None = None
    notes: str = ""


def release(project: Project, version: str, date: str | None = None, force: bool = False,
            fail_on: str = "Violation", engine: str = "auto") -> ReleaseResult:
    """Build the graph and write build/releases/VERSION/: dumps, metadata, ontology, notes.

    Refuses to overwrite a release unless `force`, and fails when a record IRI of the previous
    release is gone without a deprecation record.
    """
    from .diffing import release_notes
    from .releases import (NOTES, RELEASES, check_iri_continuity, check_version,
                           continuity_problems, ontology_copies, previous_release,
                           release_date, version_iri_of)
    from .store import read_triples

    folder = project.build_dir / RELEASES / check_version(version)
    issued = release_date(date)
    if folder.exists() and not force:
        raise UsageError(f"release {version} already exists at {folder}; choose a new version, "
                         "or pass --force to overwrite it")
    with Staging(folder, beside=project.build_dir, option=None) as staging:
        validated = _check_and_validate(project, engine, staging, fail_on)
        result = ReleaseResult(version, folder, validated.result)
        if validated.fails(fail_on):
            return result
        triples = read_triples(staging.path(DUMP_NTRIPLES))
        previous = previous_release(project.build_dir / RELEASES, version)
        old = read_triples(previous / DUMP_NTRIPLES) if previous else []
        vanished = check_iri_continuity(old, triples, project.base_iri) if previous else []
        if previous and vanished:
            raise BadInputError(continuity_problems(vanished, previous))
        edition = Edition(f"{project.base_iri}releases/{version}/", version, issued,
                          project.sparql_endpoint)
        write_description(staging, validated.stats, project.base_iri, edition)
        copies = ontology_copies(project.ontology_files(), project.shapes_files(), version,
                                 version_iri_of(previous) if previous else None)
        for name, data in copies.items():
            staging.write_bytes(name, data)
        result.previous = previous.name if previous else None
        result.notes = release_notes(old, triples, result.previous or "nothing", version,
                                     prefixes(project.base_iri))
        staging.write_bytes(NOTES, result.notes.encode("utf-8"))
        staging.write_checksums()
        result.build.written = staging.commit()
    _remove_stale(folder, result.build.written)
    return result


def _remove_stale(folder: Path, written: list[Path]) -> None:
    """After --force, drop files of the old release that the new one does not have."""
    keep = set(written)
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path not in keep:
            path.unlink()


def diff(project: Project, old: Path, new: Path) -> str:
    """Markdown release notes between two builds (folders with kg.nt) or two RDF dump files."""
    from .diffing import release_notes

    return release_notes(_diff_input(old), _diff_input(new), old.name, new.name,
                         prefixes(project.base_iri))


def _diff_input(path: Path) -> list:  # type: ignore[type-arg]
    from .store import read_triples

    file = path / DUMP_NTRIPLES if path.is_dir() else path
    if not file.is_file():
        raise UsageError(f"no graph at {file}: give a build folder holding kg.nt, or an RDF "
                         "dump file (.nt, .nq, .ttl, .trig, .jsonld, .rdf, or gzipped)")
    triples = read_triples(file)
    if any(s.startswith("_:") or (isinstance(o, str) and o.startswith("_:"))
           for s, _, o in triples):
        raise BadInputError([Problem(str(file), None, None, "the graph has blank nodes",
                                     "diff compares blank-node-free graphs (as kg-builder "
                                     "writes them); skolemise the blank nodes first")])
    return triples


# --- engines, endpoints and the server: issue 7 ------------------------------------------------

ENGINES = ("oxigraph", "rdflib")

if TYPE_CHECKING:
    from .rdflib_store import RdflibStore
    from .serving import Server
    from .store import EmbeddedStore


def _embedded_store(engine: str, files: list[Path]) -> EmbeddedStore | RdflibStore:
    """The embedded store of the chosen engine; both have the same select() interface."""
    if engine == "rdflib":
        from .rdflib_store import store_from as rdflib_store_from

        return rdflib_store_from(files)
    if engine != "oxigraph":
        raise UsageError(f"no engine '{engine}'; choose one of {', '.join(ENGINES)}")
    return store_from(files=files)


@dataclass
class RemoteStore:
    """An endpoint behind the embedded stores' select() interface (record ids resolve there)."""

    url: str
    timeout: float = 30.0
    graph: str | None = None

    def select(self, text: str) -> QueryResult:
        """Run a SELECT query on the endpoint (on graph as the default graph, if given)."""
        from .endpoint import remote_select

        return remote_select(self.url, text, timeout=self.timeout, graph=self.graph)


def _graph_iri(graph: str) -> str:
    if _BAD_IRI.search(graph) or not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", graph):
        raise UsageError(f"'{graph}' is not a graph IRI; give a full IRI such as "
                         "https://example.org/graph/redarmy")
    return graph


@dataclass
class LoadResult:
    """What load() put where: the graph, the Graph Store URL and the triples counted there."""

    graph: str
    store_url: str
    triples: int


def _dump_triples(dump: Path) -> tuple[bytes, int]:
    if not dump.exists():
        raise UsageError(f"no built graph at {dump}; run 'kg-builder build' first")
    body = dump.read_bytes()
    lines = sum(1 for line in body.splitlines() if line.strip() and not line.startswith(b"#"))
    return body, lines


def load(project: Project, endpoint: str, graph: str, store_url: str | None = None,
         timeout: float = 60.0) -> LoadResult:
    """Replace a named graph of a triple store with build/kg.nt, then check the triple count.

    One Graph Store Protocol PUT carries the whole dump, so the store swaps the graph at once
    and never holds half of it. The count comes back through the query endpoint and must
    equal the dump's; otherwise load() raises EndpointError.
    """
    from .endpoint import count_graph, graph_store_url, put_graph, target

    iri = _graph_iri(graph)
    body, expected = _dump_triples(project.build_dir / DUMP_NTRIPLES)
    store = store_url or graph_store_url(endpoint)
    put_graph(store, iri, body, timeout=timeout)
    counted = count_graph(endpoint, iri, timeout=timeout)
    if counted != expected:
        raise EndpointError(f"graph <{iri}> at {target(endpoint).url} holds {counted} triples, "
                            f"but {project.build_dir / DUMP_NTRIPLES} has {expected}; check "
                            "that --store-url is the store behind --endpoint, and rebuild a "
                            "dump with repeated lines")
    return LoadResult(iri, target(store).url, counted)


def serve(project: Project, host: str = "127.0.0.1", port: int = 7878,
          timeout: float = 30.0) -> Server:
    """Serve build/kg.nt and the ontology read-only over SPARQL, with a query UI.

    Returns the running serving.Server; the caller waits on it and stops it.
    """
    from .serving import serve_files

    dump = project.build_dir / DUMP_NTRIPLES
    if not dump.exists():
        raise UsageError(f"no built graph at {dump}; run 'kg-builder build' first")
    return serve_files([dump, *project.ontology_files()], host, port, timeout)

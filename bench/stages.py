"""The benchmark workers: kg-builder's own stages, and the same work done with plain rdflib.

Each worker runs in a fresh subprocess (see bench/run.py), so that its peak RSS belongs to one
scale and one engine. It writes its timings as JSON to `--result`.

    /work/venv/bin/python -m bench.stages ours --facts DIR --dumps DIR --result ours.json
    /work/venv/bin/python -m bench.stages peer --dumps DIR --result peer.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kg_builder.canned import CannedQuery, bind, load_queries
from kg_builder.namespaces import DEFAULT_BASE_IRI, SH, prefixes

from .timing import peak_rss_mib, time_stage

ROOT = Path(__file__).resolve().parent.parent
SHAPES = sorted((ROOT / "shapes").glob("*.ttl"))
ONTOLOGY = sorted((ROOT / "ontology").glob("*.ttl"))
QUERIES = ROOT / "queries"
DUMP_STAGES = {"kg.ttl": "write Turtle", "kg.jsonld": "write JSON-LD", "kg.nq": "write N-Quads"}


def resolve_iri(value: str) -> str:
    """A prefixed name (person:tukhachevskii) or a full IRI, as the CLI would resolve it."""
    prefix, sep, local = value.partition(":")
    names = prefixes(DEFAULT_BASE_IRI)
    if sep and prefix in names:
        return names[prefix] + local
    return value


def bound_queries(params: dict[str, dict[str, str]]) -> dict[str, str]:
    """Every canned query's text, bound with its defaults overridden by `params`."""
    queries: dict[str, CannedQuery] = load_queries(QUERIES)
    return {name: bind(query, params.get(name, {}), resolve_iri)
            for name, query in queries.items()}


class Recorder:
    """Collects stage timings under names, in the order they ran."""

    def __init__(self, repeats: int, budget: float, limit: float | None = None) -> None:
        self.repeats = repeats
        self.budget = budget
        self.limit = limit
        self.stages: dict[str, dict[str, Any]] = {}
        self.peak_rss_mib = 0.0

    def run(self, name: str, work: Callable[[], Any], repeats: int | None = None) -> Any:
        """Time one stage, print a progress line to stderr, return its last result."""
        timing, result = time_stage(work, repeats or self.repeats, self.budget, self.limit)
        self.stages[name] = timing.as_dict()
        self.peak_rss_mib = max(self.peak_rss_mib, timing.peak_rss_mib)
        print(f"  {name:<28} {timing.median:9.3f} s   peak {timing.peak_rss_mib:8.1f} MiB",
              file=sys.stderr, flush=True)
        return result


def count_violations(report: Any) -> int:
    """Violation-severity results of a kg-builder ValidationReport."""
    return sum(1 for r in report.results if r.severity == "Violation")


def run_ours(facts: Path, dumps: Path, recorder: Recorder,
             params: dict[str, dict[str, str]]) -> dict[str, Any]:
    """`kg-builder build`'s own pipeline, stage by stage, then the store and every query.

    The same functions as the build: facts checked, then mapped, file by file
    (streaming.check_files, map_files), the sorted runs merged into kg.nt with the dataset
    statistics, validation of the staged kg.nt, each dump written from it, and the
    publication's metadata. Stages that consume their input (the merge) run once.
    """
    import shutil
    import tempfile

    from kg_builder.metadata import Edition, example_resource, graph_statistics
    from kg_builder.publishing import (DUMP_NTRIPLES, Staging, write_context,
                                       write_description, write_docs, write_dump)
    from kg_builder.serialisation import write_ntriples
    from kg_builder.store import EmbeddedStore
    from kg_builder.streaming import (SortedRuns, check_files, map_files, store_for,
                                      validate_dump)

    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp, Staging(dumps) as staging:
        scratch = Path(tmp)
        spill = (scratch / "records.marshal").open("w+b")

        def check() -> Any:
            spill.seek(0)
            spill.truncate()
            return check_files(facts, None, spill)

        index, records = recorder.run("load facts (YAML)", check)

        def map_runs() -> tuple[SortedRuns, Any]:
            runs = SortedRuns(scratch)
            return runs, map_files(spill, index, DEFAULT_BASE_IRI, runs)

        runs, origins = recorder.run("map to triples", map_runs)
        spill.close()

        def merge() -> None:
            with staging.dump(DUMP_NTRIPLES) as out:
                write_ntriples(runs.merged(), out)

        recorder.run("write N-Triples", merge, repeats=1)
        dump = staging.path(DUMP_NTRIPLES)

        validated: dict[str, Any] = {}

        def validate() -> Any:
            shutil.rmtree(scratch / "store", ignore_errors=True)
            validated["store"] = store = store_for(dump, scratch)
            return validate_dump(dump, SHAPES, origins, "auto", scratch, store)

        report = recorder.run("validate (compiled SPARQL)", validate)
        # The build counts in the store it validates in, so this stage does not load one.
        stats = recorder.run("dataset statistics (SPARQL)", lambda: graph_statistics(
            validated["store"].select, example_resource(DEFAULT_BASE_IRI)))
        validated.clear()
        for name, stage in DUMP_STAGES.items():
            recorder.run(stage, lambda name=name: write_dump(staging, name, DEFAULT_BASE_IRI))
        write_context(staging, DEFAULT_BASE_IRI)
        recorder.run("write metadata (VoID, docs)", lambda: (write_description(
            staging, stats, DEFAULT_BASE_IRI, Edition(DEFAULT_BASE_IRI + "dumps/")),
            write_docs(staging, ONTOLOGY, SHAPES)))
        staging.write_checksums()
        staging.commit()

        def load_store() -> EmbeddedStore:
            shutil.rmtree(scratch / "store", ignore_errors=True)
            store = store_for(dumps / DUMP_NTRIPLES, scratch)
            for file in ONTOLOGY:
                store.load_file(file)
            return store

        store = recorder.run("store load (pyoxigraph)", load_store)
        rows = {name: len(recorder.run(f"query {name}", lambda text=text: store.select(text))
                          .rows) for name, text in bound_queries(params).items()}
    return {"records": records, "triples": stats.triples,
            "violations": count_violations(report),
            "warnings": sum(1 for r in report.results if r.severity == "Warning"),
            "rows": rows}


def run_peer(dumps: Path, recorder: Recorder) -> dict[str, Any]:
    """The same parse, write and validation work with plain rdflib and pySHACL."""
    import pyshacl
    import rdflib

    shapes = rdflib.Graph()
    for file in SHAPES:
        shapes.parse(file, format="turtle")
    nt_file = dumps / "kg.nt"
    graph = recorder.run("rdflib parse N-Triples",
                         lambda: rdflib.Graph().parse(nt_file, format="nt"))
    if graph is None:  # stopped at the stage limit: nothing to write or validate
        return {"triples": None, "violations": None}
    recorder.run("rdflib write Turtle", lambda: graph.serialize(format="turtle"))
    recorder.run("rdflib write N-Triples", lambda: graph.serialize(format="nt"))
    outcome = recorder.run("pySHACL validate", lambda: pyshacl.validate(
        graph, shacl_graph=shapes, advanced=False, inference="none", allow_warnings=True))
    if outcome is None:  # stopped at the stage limit
        return {"triples": len(graph), "violations": None}
    report_graph = outcome[1]
    sh = rdflib.Namespace(SH)
    violations = sum(1 for _ in report_graph.subjects(sh.resultSeverity, sh.Violation))
    return {"triples": len(graph), "violations": violations}


def main(argv: list[str] | None = None) -> int:
    """Command line of a worker subprocess."""
    parser = argparse.ArgumentParser(description="one benchmark worker")
    parser.add_argument("engine", choices=("ours", "peer"))
    parser.add_argument("--facts", type=Path)
    parser.add_argument("--dumps", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--budget", type=float, default=120.0,
                        help="run a stage once only when its first run takes longer (s)")
    parser.add_argument("--params", default="{}", help="query parameters as JSON")
    parser.add_argument("--stage-limit", type=float, default=None,
                        help="stop a stage still running after this many seconds (unfinished)")
    args = parser.parse_args(argv)
    recorder = Recorder(args.repeats, args.budget, args.stage_limit)
    if args.engine == "ours":
        args.dumps.mkdir(parents=True, exist_ok=True)
        facts = run_ours(args.facts, args.dumps, recorder, json.loads(args.params))
    else:
        facts = run_peer(args.dumps, recorder)
    peak = max(recorder.peak_rss_mib, peak_rss_mib())
    result = {"stages": recorder.stages, "facts": facts, "peak_rss_mib": round(peak, 1)}
    args.result.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

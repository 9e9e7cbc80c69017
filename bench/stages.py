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

    def __init__(self, repeats: int, budget: float) -> None:
        self.repeats = repeats
        self.budget = budget
        self.stages: dict[str, dict[str, Any]] = {}

    def run(self, name: str, work: Callable[[], Any], repeats: int | None = None) -> Any:
        """Time one stage, print a progress line to stderr, return its last result."""
        timing, result = time_stage(work, repeats or self.repeats, self.budget)
        self.stages[name] = timing.as_dict()
        print(f"  {name:<28} {timing.median:9.3f} s   peak {timing.peak_rss_mib:8.1f} MiB",
              file=sys.stderr, flush=True)
        return result


def count_violations(report: Any) -> int:
    """Violation-severity results of a kg-builder ValidationReport."""
    return sum(1 for r in report.results if r.severity == "Violation")


def run_ours(facts: Path, dumps: Path, recorder: Recorder,
             params: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Load, map, validate, write and query with kg-builder's own modules."""
    from kg_builder.loading import load_facts
    from kg_builder.mapping import map_to_graph
    from kg_builder.serialisation import to_ntriples, to_turtle
    from kg_builder.store import EmbeddedStore
    from kg_builder.validation import validate_ntriples

    loaded = recorder.run("load facts (YAML)", lambda: load_facts(facts))
    mapped = recorder.run("map to triples", lambda: map_to_graph(loaded))
    triples = mapped.triples
    # As in `kg-builder build`: N-Triples once, validated on pyoxigraph (SHACL compiled to SPARQL).
    ntriples = recorder.run("write N-Triples", lambda: to_ntriples(triples))
    report = recorder.run("validate (compiled SPARQL)",
                          lambda: validate_ntriples(ntriples, SHAPES, mapped.origins, "auto"))
    turtle = recorder.run("write Turtle", lambda: to_turtle(triples, prefixes()))
    (dumps / "kg.ttl").write_text(turtle, encoding="utf-8")
    (dumps / "kg.nt").write_text(ntriples, encoding="utf-8")
    del turtle

    def load_store() -> EmbeddedStore:
        store = EmbeddedStore()
        store.load_ntriples(ntriples)
        for file in ONTOLOGY:
            store.load_file(file)
        return store

    store = recorder.run("store load (pyoxigraph)", load_store)
    rows = {name: len(recorder.run(f"query {name}", lambda text=text: store.select(text)).rows)
            for name, text in bound_queries(params).items()}
    return {"records": len(loaded.records), "triples": len(triples),
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
    recorder.run("rdflib write Turtle", lambda: graph.serialize(format="turtle"))
    recorder.run("rdflib write N-Triples", lambda: graph.serialize(format="nt"))
    outcome = recorder.run("pySHACL validate", lambda: pyshacl.validate(
        graph, shacl_graph=shapes, advanced=False, inference="none", allow_warnings=True))
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
    args = parser.parse_args(argv)
    recorder = Recorder(args.repeats, args.budget)
    if args.engine == "ours":
        args.dumps.mkdir(parents=True, exist_ok=True)
        facts = run_ours(args.facts, args.dumps, recorder, json.loads(args.params))
    else:
        facts = run_peer(args.dumps, recorder)
    result = {"stages": recorder.stages, "facts": facts, "peak_rss_mib": round(peak_rss_mib(), 1)}
    args.result.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

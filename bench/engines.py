"""Median milliseconds per canned query on the two embedded engines, pyoxigraph and rdflib.

Loads the build (kg.nt plus the ontology) once per engine, then runs every canned query with
its default parameters REPEAT times and prints a Markdown table: the median time per query for
each engine, the ratio, and whether both engines gave the same rows.

    /work/venv/bin/python bench/engines.py --project . --repeat 5
    /work/venv/bin/python bench/engines.py --project /tmp/kg-100k --limit 60
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from kg_builder.api import _embedded_store, _resolve_iri
from kg_builder.canned import bind, load_queries
from kg_builder.errors import KgBuilderError
from kg_builder.project import open_project
from kg_builder.store import QueryResult


def _timed(run: Callable[[], QueryResult], repeat: int,
           limit: float) -> tuple[float, QueryResult | str]:
    """Median seconds of REPEAT runs (fewer once a run takes LIMIT s), or the engine's error."""
    times: list[float] = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            result = run()
        except KgBuilderError as exc:
            return time.perf_counter() - start, str(exc)
        times.append(time.perf_counter() - start)
        if times[-1] >= limit:
            break
    assert result is not None
    return statistics.median(times), result


def _rows(result: QueryResult | str) -> list[str]:
    if isinstance(result, str):
        return [result]
    return sorted(repr([row[v] for v in result.variables]) for row in result.rows)


def _ms(seconds: float, result: QueryResult | str) -> str:
    return "error" if isinstance(result, str) else f"{seconds * 1000:.1f}"


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 1 if the engines disagree on any query."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=Path("."))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--limit", type=float, default=30.0,
                        help="stop repeating a query once one run takes this many seconds")
    args = parser.parse_args(argv)
    project = open_project(args.project)
    files = [project.build_dir / "kg.nt", *project.ontology_files()]
    stores, load_seconds = {}, {}
    for engine in ("oxigraph", "rdflib"):
        start = time.perf_counter()
        stores[engine] = _embedded_store(engine, files)
        load_seconds[engine] = time.perf_counter() - start
    print(f"{len(stores['oxigraph'])} triples; load: oxigraph {load_seconds['oxigraph']:.2f} s, "
          f"rdflib {load_seconds['rdflib']:.2f} s\n")
    print("| query | rows | oxigraph ms | rdflib ms | rdflib / oxigraph | same rows |")
    print("| --- | --- | --- | --- | --- | --- |")
    disagreements = 0
    for name, canned in load_queries(project.queries_dir).items():
        cells = {}
        for engine, store in stores.items():
            text = bind(canned, {}, lambda v, s=store: _resolve_iri(project, v, s))
            cells[engine] = _timed(lambda t=text, s=store: s.select(t), args.repeat, args.limit)
        (ox_s, ox_rows), (rdf_s, rdf_rows) = cells["oxigraph"], cells["rdflib"]
        same = _rows(ox_rows) == _rows(rdf_rows)
        disagreements += not same
        rows = len(ox_rows.rows) if isinstance(ox_rows, QueryResult) else "error"
        ratio = "–" if isinstance(rdf_rows, str) else f"{rdf_s / max(ox_s, 1e-9):.0f}×"
        print(f"| `{name}` | {rows} | {_ms(ox_s, ox_rows)} | {_ms(rdf_s, rdf_rows)} | {ratio} | "
              f"{'yes' if same else 'NO'} |", flush=True)
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())

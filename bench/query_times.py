"""Time each canned query on a dump, as bench/stages.py does, and keep the rows to compare.

Loads an N-Triples dump plus the ontology into the embedded store, binds every canned query
with its defaults (overridden by --params) and times `select` (median of --repeats runs). The
engine's own share (evaluating the query and writing the TSV that `select` reads, without
converting it to terms) is timed apart. With --rows the rows of every query are written as JSON
(terms in N-Triples form), and with --compare two such files are checked against each other:
same rows, in the same order when the query sorts. Rows that tie on every sort key may come in
any order (SPARQL leaves it open, and another plan picks another one) when the keys are all
projected variables; otherwise the order must be the same.

    /work/venv/bin/python -m bench.query_times --data /tmp/1m/kg.nt --rows before.json
    /work/venv/bin/python -m bench.query_times --compare before.json after.json
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kg_builder.store import EmbeddedStore
from kg_builder.terms import Term, nt_term

from .stages import ONTOLOGY, bound_queries


def load(data: Path) -> EmbeddedStore:
    """The dump and the ontology in one store, loaded as the benchmark loads them."""
    store = EmbeddedStore()
    store.load_ntriples(data.read_text(encoding="utf-8"))
    for file in ONTOLOGY:
        store.load_file(file)
    return store


def median_time(work: Callable[[], Any], repeats: int) -> float:
    """The median wall time of `repeats` runs of work, in seconds."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def _cell(term: Term | None) -> str | None:
    return None if term is None else nt_term(term)


_ORDER = re.compile(r"\bORDER\s+BY\s+([^\n}]*)", re.IGNORECASE)
_KEY = re.compile(r"(?:ASC|DESC)?\(?\s*\?(\w+)\s*\)?", re.IGNORECASE)


def order_keys(text: str, variables: list[str]) -> list[str] | None:
    """The outer ORDER BY's variables, or None when a key is not a projected variable."""
    clauses = _ORDER.findall(text)
    if not clauses:
        return None
    keys = clauses[-1].split()
    names = [m.group(1) if (m := _KEY.fullmatch(key)) else None for key in keys]
    if not names or any(n is None or n not in variables for n in names):
        return None
    return [str(n) for n in names]


def _engine_only(store: EmbeddedStore, text: str) -> bytes:
    """What `select` asks of the engine: the solutions written as TSV, not yet converted."""
    tsv = store._ox.QueryResultsFormat.TSV  # noqa: SLF001 - the engine stays in store.py
    return store._store.query(text).serialize(format=tsv) or b""  # noqa: SLF001


def time_queries(store: EmbeddedStore, texts: dict[str, str], repeats: int
                 ) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """Per query: median select time, engine-only time and row count; and the rows."""
    times: dict[str, dict[str, float]] = {}
    rows: dict[str, Any] = {}
    for name, text in texts.items():
        result = store.select(text)
        rows[name] = {"ordered": "ORDER BY" in text.upper(), "variables": result.variables,
                      "order_by": order_keys(text, result.variables),
                      "rows": [[_cell(r[v]) for v in result.variables] for r in result.rows]}
        times[name] = {"select": median_time(lambda t=text: store.select(t), repeats),
                       "engine": median_time(lambda t=text: _engine_only(store, t), repeats),
                       "rows": len(result.rows)}
        print(f"{name:<40} {times[name]['select'] * 1000:9.1f} ms  engine "
              f"{times[name]['engine'] * 1000:9.1f} ms  {len(result.rows):8d} rows",
              file=sys.stderr, flush=True)
    return times, rows


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The queries whose rows differ between two --rows files (as sets, and in order)."""
    problems = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old is None or new is None:
            problems.append(f"{name}: only in one file")
            continue
        if old["variables"] != new["variables"]:
            problems.append(f"{name}: variables {old['variables']} -> {new['variables']}")
        if sorted(map(json.dumps, old["rows"])) != sorted(map(json.dumps, new["rows"])):
            problems.append(f"{name}: different rows ({len(old['rows'])} -> {len(new['rows'])})")
        elif old["ordered"] and not _same_order(old, new):
            problems.append(f"{name}: same rows, different order")
    return problems


def _same_order(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """The same rows in order, or (with projected sort keys) the same sequence of keys."""
    if old["rows"] == new["rows"]:
        return True
    keys = new.get("order_by") or old.get("order_by")
    if not keys:
        return False
    columns = [new["variables"].index(k) for k in keys]
    return ([[row[c] for c in columns] for row in old["rows"]]
            == [[row[c] for c in columns] for row in new["rows"]])


def main(argv: list[str] | None = None) -> int:
    """Command line: time the queries, or compare two rows files."""
    parser = argparse.ArgumentParser(description="time the canned queries on a dump")
    parser.add_argument("--data", type=Path)
    parser.add_argument("--params", default="{}", help="query parameters as JSON")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated query names")
    parser.add_argument("--rows", type=Path, help="write the rows here (JSON)")
    parser.add_argument("--times", type=Path, help="write the timings here (JSON)")
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.compare:
        problems = compare(*(json.loads(p.read_text(encoding="utf-8")) for p in args.compare))
        print("\n".join(problems) or "same rows")
        return 1 if problems else 0
    texts = bound_queries(json.loads(args.params))
    if args.only:
        texts = {n: texts[n] for n in args.only.split(",")}
    start = time.perf_counter()
    store = load(args.data)
    print(f"loaded {len(store)} triples in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    times, rows = time_queries(store, texts, args.repeats)
    if args.rows:
        args.rows.write_text(json.dumps(rows) + "\n", encoding="utf-8")
    if args.times:
        args.times.write_text(json.dumps(times, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

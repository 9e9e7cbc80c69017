"""How fast could a canned query be on this engine, whatever the data model? A lower bound.

For each query, its own result rows are loaded into a fresh store as one node per row (each
projected variable a property of the row's node: the most denormalised model there is, a
materialised view), and the engine is timed reading them back: the same rows and columns,
sorted by the query's projected sort keys (keys that are not projected are left out, which
only makes the bound lower), and unsorted. No change to the ontology can make the canned query
cheaper than reading its finished rows back, so when the sorted figure is close to the
target, the target is out of reach for that query on this engine. For the six slow queries
it also times their essential joins (CORE_JOINS), and for each query the engine's share (evaluating it
and writing TSV, without converting rows to Python terms).

    /work/venv/bin/python -m bench.query_floor --data /tmp/1M/kg.nt \\
        --only fates,claims-by-claimant,co-defendants,shared-sources,posts-held,events-by-type
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kg_builder.store import EmbeddedStore, QueryResult
from kg_builder.terms import nt_term

from .query_times import _engine_only, load, median_time, order_keys
from .stages import bound_queries

_PREFIXES = """PREFIX kgo: <https://w3id.org/kg-builder/ontology#>
PREFIX etype: <https://w3id.org/kg-builder/vocab/event-type/>
PREFIX role: <https://w3id.org/kg-builder/vocab/role/>
"""
# Each query's essential joins, counted rather than returned: the least any plan on today's
# model must join (no labels, grouping, sorting or rows to convert). Their time plus the floor
# estimates the best plan there could be.
CORE_JOINS = {
    "fates": "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?type { etype:arrest etype:execution "
             "etype:discharge etype:reinstatement etype:rehabilitation etype:suicide "
             "etype:sentence etype:expulsion } ?event kgo:eventType ?type ; "
             "kgo:hasParticipation ?p . ?p kgo:agent ?person . ?person kgo:name ?name }",
    "posts-held": "SELECT (COUNT(*) AS ?n) WHERE { ?person a kgo:HistoricalActor ; "
                  "kgo:name ?name ; kgo:heldPosition ?position . ?position kgo:title ?title }",
    "shared-sources": "SELECT (COUNT(*) AS ?n) WHERE { ?c kgo:seed ?s ; kgo:citesSource ?src }",
    "claims-by-claimant": "SELECT (COUNT(*) AS ?n) WHERE { ?claim kgo:claimType ?t ; "
                          "kgo:claimant ?c ; kgo:statement ?s . ?c kgo:name ?name }",
    "events-by-type": "SELECT (COUNT(*) AS ?n) WHERE { ?e kgo:eventType etype:arrest ; "
                      "kgo:participant ?p . ?p kgo:name ?name }",
    "co-defendants": "SELECT (COUNT(*) AS ?n) WHERE { ?trial kgo:eventType etype:trial ; "
                     "kgo:hasParticipation ?p . ?p kgo:role role:defendant ; kgo:agent ?x }",
}

ROW = "http://example.org/row/"
COLUMN = "http://example.org/column/"
ROW_CLASS = "http://example.org/Row"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def rows_as_nodes(result: QueryResult) -> EmbeddedStore:
    """A store holding each row as a node: <row/i> a <Row>, and <row/i> <column/v> value for
    each bound value."""
    lines = [f"<{ROW}{i}> <{COLUMN}{name}> {nt_term(value)} .\n"
             for i, row in enumerate(result.rows) for name, value in row.items()
             if value is not None]
    lines += [f"<{ROW}{i}> <{RDF_TYPE}> <{ROW_CLASS}> .\n" for i in range(len(result.rows))]
    store = EmbeddedStore()
    store.load_ntriples("".join(lines))
    return store


def reading_back(result: QueryResult, keys: list[str]) -> tuple[str, str]:
    """The queries reading the rows back from `rows_as_nodes`: sorted by keys, and unsorted."""
    columns = " ".join(f"?{v}" for v in result.variables)
    optional = " ".join(f"OPTIONAL {{ ?row <{COLUMN}{v}> ?{v} }}" for v in result.variables)
    body = f"?row a <{ROW_CLASS}> . {optional}"
    unsorted = f"SELECT {columns} WHERE {{ {body} }}"
    order = " ".join(f"?{k}" for k in keys)
    return (f"{unsorted} ORDER BY {order}" if order else unsorted), unsorted


def _projected_keys(text: str, variables: list[str]) -> list[str]:
    """The outer ORDER BY's keys that are projected variables, in order."""
    keys = order_keys(text, variables)
    if keys is not None:
        return keys
    clause = text.upper().rsplit("ORDER BY", 1)
    if len(clause) < 2:
        return []
    tail = text[len(clause[0]) + len("ORDER BY"):].split("\n", 1)[0]
    return [k.lstrip("?") for k in tail.split() if k.lstrip("?") in variables]


def floor(store: EmbeddedStore, text: str, repeats: int) -> dict[str, float]:
    """One query's rows, its median time, and the medians of reading its rows back."""
    result = store.select(text)
    rows = rows_as_nodes(result)
    sorted_text, unsorted_text = reading_back(result, _projected_keys(text, result.variables))
    if len(rows.select(sorted_text).rows) != len(result.rows):
        raise AssertionError("the rows read back are not the query's rows")
    return {"rows": len(result.rows),
            "canned": median_time(lambda: store.select(text), repeats),
            "engine": median_time(lambda: _engine_only(store, text), repeats),
            "sorted": median_time(lambda: rows.select(sorted_text), repeats),
            "unsorted": median_time(lambda: rows.select(unsorted_text), repeats)}


def core_joins(store: EmbeddedStore, name: str, repeats: int) -> float | None:
    """The median time of a query's essential joins (CORE_JOINS), if it has them."""
    text = CORE_JOINS.get(name)
    if text is None:
        return None
    return median_time(lambda: store.select(_PREFIXES + text), repeats)


def _ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    """Command line: the canned query's time against the floor, per query."""
    parser = argparse.ArgumentParser(description="the engine's floor for each canned query")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated query names")
    args = parser.parse_args(argv)
    store = load(args.data)
    texts = bound_queries({})
    names = [n for n in args.only.split(",") if n] or sorted(texts)
    print("| query | rows | canned query | the engine alone | essential joins, counted "
          "| its rows read back, sorted | unsorted | joins + sorted rows |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in names:
        found = floor(store, texts[name], args.repeats)
        joins = core_joins(store, name, args.repeats)
        print(f"| {name} | {found['rows']:.0f} | {_ms(found['canned'])} "
              f"| {_ms(found['engine'])} | {_ms(joins)} | {_ms(found['sorted'])} "
              f"| {_ms(found['unsorted'])} "
              f"| {_ms(None if joins is None else joins + found['sorted'])} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

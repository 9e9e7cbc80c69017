"""bench/query_times.py: how two rows files are compared when a query sorts."""

from __future__ import annotations

from bench.query_times import compare, order_keys


def _rows(rows: list[list[str]], order_by: list[str] | None) -> dict[str, object]:
    return {"q": {"ordered": True, "variables": ["k", "v"], "order_by": order_by, "rows": rows}}


def test_rows_that_tie_on_every_sort_key_may_come_in_any_order():
    assert order_keys("SELECT ?k ?v {}\nORDER BY DESC(?k)\n", ["k", "v"]) == ["k"]
    assert order_keys("SELECT ?v {}\nORDER BY ?k ?v\n", ["v"]) is None
    before = [["a", "1"], ["a", "2"], ["b", "3"]]
    swapped = [["a", "2"], ["a", "1"], ["b", "3"]]
    assert compare(_rows(before, ["k"]), _rows(swapped, ["k"])) == []
    assert compare(_rows(before, None), _rows(swapped, None)) == ["q: same rows, different order"]
    moved = [["b", "3"], ["a", "1"], ["a", "2"]]
    assert compare(_rows(before, ["k"]), _rows(moved, ["k"])) == ["q: same rows, different order"]


def test_the_floor_reads_back_exactly_the_rows_of_the_query():
    from bench.query_floor import _projected_keys, floor, reading_back, rows_as_nodes
    from kg_builder.store import store_from
    from kg_builder.terms import Literal

    ex = "http://example.org/"
    store = store_from([(ex + f"p{i}", ex + "name", Literal(name)) for i, name in
                        enumerate(["Kork", "Feldman", "Yakir", "Kork"])]
                       + [(ex + "p0", ex + "born", Literal("1887"))])
    text = (f"SELECT ?p ?name ?born WHERE {{ ?p <{ex}name> ?name "
            f"OPTIONAL {{ ?p <{ex}born> ?born }} }}\nORDER BY ?name ?p\n")
    result = store.select(text)
    keys = _projected_keys(text, result.variables)
    sorted_text, _ = reading_back(result, keys)
    assert keys == ["name", "p"]
    assert rows_as_nodes(result).select(sorted_text).rows == result.rows  # unbound ?born too
    found = floor(store, text, repeats=1)
    assert found["rows"] == 4 and min(found["canned"], found["engine"], found["sorted"],
                                      found["unsorted"]) > 0


def test_the_essential_joins_count_what_their_query_joins():
    from bench.query_floor import _PREFIXES, CORE_JOINS, core_joins
    from kg_builder.store import EmbeddedStore

    from .conftest import REPO

    # On the committed flagship dump (kg.ttl: kg.nt is not committed), each pattern finds
    # something, and is timed.
    store = EmbeddedStore()
    store.load_file(REPO / "build" / "kg.ttl")
    for name, text in CORE_JOINS.items():
        count = store.select(_PREFIXES + text).rows[0]["n"]
        assert int(count.value) > 0, name  # type: ignore[union-attr]
        assert (core_joins(store, name, repeats=1) or 0) > 0
    assert core_joins(store, "evidence", repeats=1) is None

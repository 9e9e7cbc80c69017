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

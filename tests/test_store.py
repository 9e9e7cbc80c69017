"""The embedded store's select(): rows read from the engine's TSV output are the same terms as
those read one solution at a time, for every kind of term and awkward literal."""

from __future__ import annotations

import pyoxigraph
import pytest

from kg_builder.namespaces import XSD
from kg_builder.store import EmbeddedStore, _term
from kg_builder.terms import Literal

AWKWARD = ["plain", "", " ", "tab\there", "new\nline\r", 'quote " and \\ backslash',
           'a"^^<http://x>', "\\u0041 is not an escape", "control \x01\x08\x0c\x7f\x00 chars",
           "line\u2028separator", "ünïcödé 😀", "semi; colon, comma"]


def _store() -> EmbeddedStore:
    store = EmbeddedStore()
    typed = [("1937-06-11", XSD + "date"), ("1937", XSD + "gYear"), ("12", XSD + "integer"),
             ("-1.50", XSD + "decimal"), ("1e3", XSD + "double"), ("true", XSD + "boolean"),
             ("abc", XSD + "integer"), ("1937", "http://id.loc.gov/datatypes/edtf/EDTF")]
    objects = [pyoxigraph.Literal(value) for value in AWKWARD]
    objects += [pyoxigraph.Literal(v, datatype=pyoxigraph.NamedNode(d)) for v, d in typed]
    objects += [pyoxigraph.Literal("x", language="en-GB"),
                pyoxigraph.NamedNode("http://example.org/é%20x?a=b#f"),
                pyoxigraph.BlankNode("b1")]
    subject = pyoxigraph.NamedNode("http://example.org/s")
    predicate = pyoxigraph.NamedNode("http://example.org/p")
    for obj in objects:
        store._store.add(pyoxigraph.Quad(subject, predicate, obj))
    return store


def _one_by_one(store: EmbeddedStore, query: str) -> list[dict]:
    solutions = store._store.query(query)
    return [{v.value: _term(solution[v]) for v in solutions.variables} for solution in solutions]


@pytest.mark.parametrize("query", [
    "SELECT ?s ?o WHERE { ?s ?p ?o }",
    "SELECT ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?o ?p ?none } }",
    "SELECT ?none ?o ?s ?last WHERE { ?s ?p ?o OPTIONAL { ?o ?p ?none } OPTIONAL { ?o ?p ?z } }",
    "SELECT ?none WHERE { ?s ?p ?o OPTIONAL { ?o ?p ?none } }",
    "SELECT ?n WHERE { VALUES ?n { 1 2.5 -3 true false 0.0 } }",
    "SELECT (COUNT(*) AS ?n) (GROUP_CONCAT(?o; separator='\\t') AS ?all) WHERE { ?s ?p ?o }",
    "SELECT * WHERE { }",
    "SELECT ?x WHERE { FILTER(false) }",
])
def test_select_gives_the_terms_of_each_solution(query):
    store = _store()
    result = store.select(query)
    assert result.rows == _one_by_one(store, query)
    assert result.variables == [v.value for v in store._store.query(query).variables]


def test_awkward_literals_come_back_as_they_went_in():
    rows = _store().select("SELECT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }").rows
    values = {row["o"] for row in rows}
    assert {Literal(v) for v in AWKWARD} <= values
    assert Literal("x", None, "en-gb") in values
    assert Literal("1937-06-11", XSD + "date") in values
    assert Literal("12", XSD + "integer") in values
    assert Literal("true", XSD + "boolean") in values


def test_a_cell_tsv_cannot_hold_as_a_plain_term_is_read_one_by_one(monkeypatch):
    store = _store()
    monkeypatch.setattr("kg_builder.store._tsv_term", _refuse)
    query = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    assert store.select(query).rows == _one_by_one(store, query)


def _refuse(cell: str) -> None:
    from kg_builder.store import _UnknownCell

    raise _UnknownCell(cell)


def test_a_row_of_the_wrong_width_is_refused_so_the_rows_are_read_one_by_one():
    from kg_builder.store import _from_tsv, _UnknownCell

    assert _from_tsv('?a\t?b\n<x>\t"y"\n').rows == [{"a": "x", "b": Literal("y")}]
    with pytest.raises(_UnknownCell):
        _from_tsv("?a\t?b\n<x>\n")


def test_trusted_ntriples_load_as_checked_ones_do():
    text = _store().dump_ntriples()
    checked, trusted = EmbeddedStore(), EmbeddedStore()
    checked.load_ntriples(text)
    trusted.load_ntriples(text, trusted=True)
    # Blank nodes get fresh labels in each load; every other term must be the same.
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(!isBlank(?o)) } ORDER BY ?s ?p ?o"
    assert trusted.select(query) == checked.select(query) and len(trusted) == len(checked) == 23


def test_only_checked_loading_refuses_a_bad_iri():
    bad = "<http://example.org/a b> <http://example.org/p> <http://example.org/o> .\n"
    with pytest.raises(SyntaxError):
        EmbeddedStore().load_ntriples(bad)

"""The streaming writers: one pass over sorted N-Triples lines gives the in-memory dumps."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator

import pyoxigraph
import pytest

from kg_builder.namespaces import RDF, RDFS, XSD, prefixes
from kg_builder.publishing import claim_graph
from kg_builder.serialisation import (GzipWriter, gzip_bytes, sorted_lines, to_jsonld,
                                      to_nquads, to_ntriples, to_turtle, write_jsonld,
                                      write_nquads, write_ntriples, write_turtle)
from kg_builder.terms import Literal, Triple, nt_line

NAMES = prefixes()
BASE = NAMES["person"].removesuffix("person/")
PERSON = NAMES["person"]
KGO = NAMES["kgo"]

TRIPLES: set[Triple] = {
    (PERSON + "x", RDF + "type", KGO + "Person"),
    (PERSON + "x", RDF + "type", KGO + "Agent"),
    (PERSON + "x", RDFS + "label", Literal("Tukhachevskii")),
    (PERSON + "x", RDFS + "label", Literal("Тухачевский", lang="ru")),
    (PERSON + "x", KGO + "born", Literal("1893-02-16", XSD + "date")),
    (PERSON + "x", KGO + "rank", Literal("5", XSD + "integer")),
    (PERSON + "x", KGO + "rank", Literal("05.0", XSD + "decimal")),
    (PERSON + "x", KGO + "alive", Literal("false", XSD + "boolean")),
    (PERSON + "x", KGO + "note", Literal('said "no"\n\tthen\\left\x01\x7f', XSD + "string")),
    (PERSON + "x", KGO + "knows", PERSON + "x/c"),
    (PERSON + "x/c", RDF + "type", Literal("not a class")),
    (PERSON + "x/c", KGO + "odd", "http://example.org/a?b=c#d"),
    (BASE + "claim/c1", RDFS + "label", Literal("c")),
    (BASE + "claim/c1/verdict", RDFS + "label", Literal("v")),
}


def _stream(triples: set[Triple]) -> Iterator[str]:
    """A one-shot generator, as an external merge would give."""
    yield from sorted_lines(triples)


def _written(write, *args) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    write(_stream(TRIPLES), out, *args)
    return out.getvalue()


def test_sorted_lines_are_the_sorted_ntriples_lines():
    lines = sorted_lines(TRIPLES)
    assert lines == sorted(nt_line(t) + "\n" for t in TRIPLES)
    assert "".join(lines) == to_ntriples(TRIPLES)


@pytest.mark.parametrize("write, to, args", [
    (write_ntriples, to_ntriples, ()),
    (write_turtle, to_turtle, (NAMES,)),
    (write_jsonld, to_jsonld, (NAMES,)),
    (write_nquads, to_nquads, (claim_graph(BASE),)),
])
def test_writing_from_a_generator_gives_the_in_memory_dump(write, to, args):
    assert _written(write, *args) == to(TRIPLES, *args).encode("utf-8")


@pytest.mark.parametrize("write, args, fmt", [
    (write_ntriples, (), pyoxigraph.RdfFormat.N_TRIPLES),
    (write_turtle, (NAMES,), pyoxigraph.RdfFormat.TURTLE),
    (write_jsonld, (NAMES,), pyoxigraph.RdfFormat.JSON_LD),
    (write_nquads, (claim_graph(BASE),), pyoxigraph.RdfFormat.N_QUADS),
])
def test_streamed_dumps_parse_back_to_the_triples(write, args, fmt):
    expected = {pyoxigraph.Triple(q.subject, q.predicate, q.object)
                for q in pyoxigraph.parse(to_ntriples(TRIPLES).encode(),
                                          format=pyoxigraph.RdfFormat.N_TRIPLES)}
    parsed = {pyoxigraph.Triple(q.subject, q.predicate, q.object)
              for q in pyoxigraph.parse(_written(write, *args), format=fmt)}
    assert parsed == expected


def test_turtle_puts_types_first_and_shortens_literals():
    text = to_turtle(TRIPLES, NAMES)
    assert "person:x a kgo:Agent, kgo:Person ;\n" in text
    assert "kgo:rank \"05.0\"^^xsd:decimal, 5 .\n" in text and "kgo:alive false ;" in text
    assert text.index(f"\n<{PERSON}x/c> ") < text.index("\nperson:x "), "N-Triples line order"


def test_jsonld_nodes_are_what_json_dumps_gives():
    graph = json.loads(to_jsonld(TRIPLES, NAMES))["@graph"]
    node = next(n for n in graph if n["@id"] == "person:x")
    assert node["@type"] == ["kgo:Agent", "kgo:Person"]
    assert node["kgo:note"] == ['said "no"\n\tthen\\left\x01\x7f']
    assert node["rdfs:label"] == ["Tukhachevskii", {"@language": "ru", "@value": "Тухачевский"}]
    assert node["kgo:rank"] == [{"@type": "xsd:decimal", "@value": "05.0"},
                                {"@type": "xsd:integer", "@value": "5"}]
    lines = to_jsonld(TRIPLES, NAMES).splitlines()
    for line, node in zip(lines[-2 - len(graph):-2], graph, strict=True):
        assert line.strip().rstrip(",") == json.dumps(node, sort_keys=True, ensure_ascii=False)
    other = next(n for n in graph if n["@id"] == "person:x/c")
    assert other["rdf:type"] == ["not a class"] and "@type" not in other


def test_quads_follow_the_line_order_with_claims_in_named_graphs():
    lines = to_nquads(TRIPLES, claim_graph(BASE)).splitlines()
    assert lines == sorted(lines) and len(lines) == len(TRIPLES)
    assert f"<{BASE}claim/c1> <{RDFS}label> \"c\" <{BASE}claim/c1> ." in lines


@pytest.mark.parametrize("chunk", [1, 2, 3, 8192])
def test_quads_copy_the_lines_outside_the_named_graphs_through(chunk: int, monkeypatch):
    # Every batch boundary: the claim lines may start, end or fill a batch.
    monkeypatch.setattr("kg_builder.serialisation._CHUNK", chunk)
    triples = TRIPLES | {(BASE + "claim/c1-b", RDFS + "label", Literal("b")),
                         (BASE + "claimx", RDFS + "label", Literal("not a claim")),
                         (BASE + "claim", RDFS + "label", Literal("not a claim either"))}
    plain = io.BytesIO()
    write_nquads(iter(sorted_lines(triples)), plain, claim_graph(BASE))
    fast = io.BytesIO()
    write_nquads(iter(sorted_lines(triples)), fast, claim_graph(BASE), BASE + "claim/")
    assert fast.getvalue() == plain.getvalue()
    assert f"<{BASE}claimx> <{RDFS}label> \"not a claim\" .\n".encode() in fast.getvalue()
    assert f"\"b\" <{BASE}claim/c1-b> .\n".encode() in fast.getvalue()


@pytest.mark.parametrize("keep", [
    lambda s: True,                                          # claims in the middle
    lambda s: "/claim/" not in s,                            # no claims at all
    lambda s: "/claim/" in s,                                # nothing but claims
    lambda s: "/claim/" in s or s.startswith(PERSON),        # claims first
    lambda s: "/claim/" in s or s == BASE + "aa",            # claims last
    lambda s: s == BASE + "claim/c1",                        # one claim line, alone
])
def test_quads_from_bytes_are_the_quads_from_lines(keep, monkeypatch):
    from kg_builder.serialisation import write_nquads_bytes

    monkeypatch.setattr("kg_builder.serialisation._BYTES_CHUNK", 7)  # many small pieces
    extra = {(BASE + "aa", RDFS + "label", Literal("before")),
             (BASE + "zz", RDFS + "label", Literal("after"))}
    triples = {t for t in TRIPLES | extra if keep(t[0])}
    lines = sorted_lines(triples)
    expected = io.BytesIO()
    write_nquads(iter(lines), expected, claim_graph(BASE))
    got = io.BytesIO()
    write_nquads_bytes("".join(lines).encode("utf-8"), got, claim_graph(BASE), BASE + "claim/")
    assert got.getvalue() == expected.getvalue()


def test_empty_graphs_stream_too():
    assert to_ntriples(set()) == "" and _written_empty(write_nquads, claim_graph(BASE)) == b""
    assert json.loads(to_jsonld(set(), NAMES))["@graph"] == []
    assert to_turtle(set(), NAMES).startswith("@prefix ")


def _written_empty(write, *args) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    write(iter(()), out, *args)
    return out.getvalue()


@pytest.mark.parametrize("size", [1, 7, 4096, 1 << 20])
def test_a_gzip_stream_in_pieces_is_gzip_bytes(size):
    data = to_ntriples(TRIPLES).encode() * 500
    out = io.BytesIO()
    writer = GzipWriter(out)
    for start in range(0, len(data), size):
        writer.write(data[start:start + size])
    writer.close()
    assert out.getvalue() == gzip_bytes(data) and gzip.decompress(out.getvalue()) == data


def test_a_writer_streams_straight_into_a_gzip_writer():
    out = io.BytesIO()
    writer = GzipWriter(out)
    write_turtle(_stream(TRIPLES), writer, NAMES)
    writer.close()
    assert out.getvalue() == gzip_bytes(to_turtle(TRIPLES, NAMES).encode("utf-8"))

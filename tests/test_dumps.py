"""The dumps: golden files, byte-stable rebuilds, and round trips through independent parsers.

Regenerate the goldens with KG_REGEN_GOLDENS=1; never edit them by hand.
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib.compare import isomorphic

from kg_builder.cli import main

from .conftest import MINIMAL, make_project, needs_seeds, project_args, seeds_dir

GOLDEN = MINIMAL / "expected"
DUMPS = ("kg.ttl", "kg.nt", "kg.jsonld", "kg.nq", "context.jsonld", "void.ttl", "CITATION.cff")


def _build(runner, project: Path) -> Path:
    result = runner.invoke(main, ["build", *project_args(project)])
    assert result.exit_code == 0, result.output
    return project / "build"


@needs_seeds
def test_dumps_match_the_golden_files(runner, project):
    build = _build(runner, project)
    if os.environ.get("KG_REGEN_GOLDENS"):
        GOLDEN.mkdir(exist_ok=True)
        for name in DUMPS:
            (GOLDEN / name).write_bytes((build / name).read_bytes())
    for name in DUMPS:
        assert _gzip_facts_masked(build / name) == _gzip_facts_masked(GOLDEN / name), name


_GZIP_FACT = re.compile(r'(spdx:checksumValue|dcat:byteSize) "[^"]*"')


def _gzip_facts_masked(path: Path) -> bytes:
    """A file's bytes, with the size and SHA-256 of each gzip copy masked in void.ttl.

    Compressed bytes are the one output that may differ with the compressor's version and the
    CPU it picks code for (ISA-L has one per instruction set); test_publish checks these values
    against the files themselves.
    """
    data = path.read_bytes()
    if path.name != "void.ttl":
        return data
    out, gzipped = [], False
    for line in data.decode("utf-8").splitlines(keepends=True):
        if line[:1] not in (" ", "\n", ""):
            subject = line.split(" ", 1)[0]
            gzipped = subject.endswith((".gz>", ".gz/sha256>"))
        out.append(_GZIP_FACT.sub(r'\1 "…"', line) if gzipped else line)
    return "".join(out).encode("utf-8")


@needs_seeds
def test_golden_turtle_and_ntriples_hold_the_same_graph():
    turtle = rdflib.Graph().parse(GOLDEN / "kg.ttl", format="turtle")
    ntriples = rdflib.Graph().parse(GOLDEN / "kg.nt", format="nt")
    assert len(turtle) == len(ntriples) > 250
    assert isomorphic(turtle, ntriples)


@needs_seeds
@pytest.mark.parametrize("name, fmt", [("kg.ttl", pyoxigraph.RdfFormat.TURTLE),
                                       ("kg.nt", pyoxigraph.RdfFormat.N_TRIPLES),
                                       ("kg.jsonld", pyoxigraph.RdfFormat.JSON_LD),
                                       ("kg.nq", pyoxigraph.RdfFormat.N_QUADS)])
@pytest.mark.parametrize("compressed", [False, True])
def test_dumps_round_trip_through_pyoxigraph(runner, project, name, fmt, compressed):
    build = _build(runner, project)
    ours = set((build / "kg.nt").read_text().splitlines())
    data = (build / name).read_bytes()
    if compressed:
        data = gzip.decompress((build / f"{name}.gz").read_bytes())
        assert data == (build / name).read_bytes()
    parsed = {str(t.subject) + " " + str(t.predicate) + " " + str(t.object) + " ."
              for t in pyoxigraph.parse(data, format=fmt)}
    assert parsed == ours and len(ours) > 250


@needs_seeds
def test_turtle_has_fixed_prefixes_and_no_generated_ones(runner, project):
    text = (_build(runner, project) / "kg.ttl").read_text()
    assert "ns1:" not in text and "_:" not in text
    assert "@prefix person: <https://w3id.org/kg-builder/redarmy/person/> ." in text
    assert "person:kork a kgo:Agent, kgo:HistoricalActor, kgo:Person ;" in text


@needs_seeds
def test_rebuilds_are_byte_identical_across_hash_seeds(tmp_path):
    """The one subprocess test: two processes with different PYTHONHASHSEED values."""
    outputs = []
    for seed in ("1", "2"):
        project = make_project(tmp_path / f"p{seed}")
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "kg_builder", "build", "--project", str(project),
                        "--seeds", str(seeds_dir())], check=True, env=env, capture_output=True)
        outputs.append({p.name: p.read_bytes() for p in (project / "build").iterdir()})
    assert outputs[0] == outputs[1]
    dumps = {"kg.ttl", "kg.nt", "kg.jsonld", "kg.nq"}
    assert set(outputs[0]) == {*dumps, *(f"{d}.gz" for d in dumps), "void.ttl", "validation.txt",
                               "validation.json", "counts.json", "context.jsonld", "CITATION.cff",
                               "ontology.html", "SHA256SUMS"}


@needs_seeds
def test_base_iri_is_configurable(runner, project):
    result = runner.invoke(main, ["build", *project_args(project),
                                  "--base-iri", "https://example.org/purge/"])
    assert result.exit_code == 0, result.output
    text = (project / "build" / "kg.nt").read_text()
    assert "<https://example.org/purge/person/kork>" in text
    assert "w3id.org/kg-builder/redarmy" not in text


def test_a_bad_base_iri_is_a_usage_error(runner, project):
    result = runner.invoke(main, ["build", *project_args(project), "--base-iri", "purge"])
    assert result.exit_code == 2
    assert "must be an http(s) IRI ending in '/' or '#'" in result.stderr


@pytest.mark.parametrize("base, why", [("https://ex ample.org/", "code point ' '"),
                                       ("https://example.org/%zz/", "percent encoding"),
                                       ("https://[example.org/", "in host")])
def test_a_base_iri_that_parsers_refuse_is_a_usage_error(runner, project, base: str, why: str):
    result = runner.invoke(main, ["build", *project_args(project), "--base-iri", base])
    assert result.exit_code == 2, result.output
    assert f"base IRI '{base}' is not a valid IRI" in result.stderr and why in result.stderr
    assert "KG_BUILDER_BASE_IRI" in result.stderr and not (project / "build").exists()

"""Publishing: named graphs, gzip, checksums, DCAT, CITATION.cff, releases, diffs, deprecations."""

from __future__ import annotations

import gzip
import hashlib
import json
import multiprocessing
import shutil
import threading
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
import yaml
from rdflib.compare import isomorphic

from kg_builder import publishing
from kg_builder.cli import main
from kg_builder.releases import check_iri_continuity
from kg_builder.serialisation import gzip_bytes, to_nquads
from kg_builder.publishing import claim_graph
from kg_builder.terms import Literal

from .conftest import make_project, needs_seeds, project_args

BASE = "https://w3id.org/kg-builder/redarmy/"
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
OWL = rdflib.Namespace("http://www.w3.org/2002/07/owl#")
RDF = rdflib.Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")
P = "http://example.org/p"
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DUMPS = ("kg.ttl", "kg.nt", "kg.jsonld", "kg.nq")


def _build(runner, project: Path, *extra: str) -> Path:
    result = runner.invoke(main, ["build", *project_args(project), *extra])
    assert result.exit_code == 0, result.output
    return project / "build"


def _release(runner, project: Path, version: str, *extra: str):
    return runner.invoke(main, ["release", version, *project_args(project), *extra])


def _edit_facts(project: Path, *edits: tuple[str, str]) -> None:
    path = project / "facts" / "minimal.yaml"
    text = path.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text)


def _drop_arrest(project: Path) -> None:
    path = project / "facts" / "minimal.yaml"
    text = path.read_text()
    start, end = text.index("  - id: arrest-kork-1937-05-14"), text.index("claims:")
    path.write_text(text[:start] + text[end:])


NEW_PERSON = ('organisations:\n', '''  - id: primakov
    name: Vitalii Primakov
    evidence:
      - {seed: thesis, line: 101, quote: "Robert Eideman, Avgust Kork, Vitalii Primakov"}

organisations:
''')


# -- dumps -------------------------------------------------------------------------------------


def test_each_claim_is_a_named_graph_and_the_rest_the_default_graph():
    triples = {(BASE + "claim/c1", P, Literal("c")),
               (BASE + "claim/c1/verdict", P, Literal("v")),
               (BASE + "claim/c1/verdict/evidence/ab", P, Literal("e")),
               (BASE + "person/p1", P, BASE + "claim/c1")}
    lines = to_nquads({(str(s), str(p), o) for s, p, o in triples}, claim_graph(BASE))
    quads = list(pyoxigraph.parse(lines.encode(), format=pyoxigraph.RdfFormat.N_QUADS))
    graphs = {str(q.subject.value): q.graph_name for q in quads}
    assert graphs[BASE + "person/p1"] == pyoxigraph.DefaultGraph()
    for subject in (BASE + "claim/c1", BASE + "claim/c1/verdict",
                    BASE + "claim/c1/verdict/evidence/ab"):
        assert graphs[subject] == pyoxigraph.NamedNode(BASE + "claim/c1")
    assert lines.splitlines() == sorted(lines.splitlines()), "quads in sorted line order"


@needs_seeds
def test_claim_graphs_of_the_minimal_build(runner, project):
    build = _build(runner, project)
    quads = list(pyoxigraph.parse(path=str(build / "kg.nq"), format=pyoxigraph.RdfFormat.N_QUADS))
    named = {q.graph_name.value for q in quads if q.graph_name != pyoxigraph.DefaultGraph()}
    assert named == {BASE + "claim/claim-military-fascist-plot",
                     BASE + "claim/claim-kork-testimony-coup",
                     BASE + "claim/claim-officers-trained-germany"}
    for q in quads:
        in_claim = q.subject.value.startswith(BASE + "claim/")
        assert in_claim == (q.graph_name != pyoxigraph.DefaultGraph()), q


@needs_seeds
def test_jsonld_is_self_contained_and_isomorphic_through_rdflib(runner, project):
    build = _build(runner, project)
    text = (build / "kg.jsonld").read_text()
    published = json.loads((build / "context.jsonld").read_text())["@context"]
    assert json.loads(text)["@context"] == published and published["kgo"].endswith("ontology#")
    jsonld = rdflib.Graph().parse(data=text, format="json-ld")
    ntriples = rdflib.Graph().parse(build / "kg.nt", format="nt")
    assert len(jsonld) == len(ntriples) > 250 and isomorphic(jsonld, ntriples)


def test_gzip_copies_have_a_fixed_header_and_no_file_name():
    data = b"<a> <b> <c> .\n" * 100
    packed = gzip_bytes(data)
    assert packed[:4] == b"\x1f\x8b\x08\x00", "deflate, and no FNAME flag"
    assert packed[4:8] == b"\x00\x00\x00\x00", "mtime 0"
    assert gzip.decompress(packed) == data and gzip_bytes(data) == packed


@needs_seeds
def test_sha256sums_cover_every_file_sorted(runner, project):
    build = _build(runner, project)
    lines = (build / "SHA256SUMS").read_text().splitlines()
    names = [line.split("  ", 1)[1] for line in lines]
    assert names == sorted(names) and "kg.nq.gz" in names and "void.ttl" in names
    assert set(names) == {p.name for p in build.iterdir()} - {"SHA256SUMS"}
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((build / name).read_bytes()).hexdigest() == digest, name


# -- dataset description -----------------------------------------------------------------------


def _description(build: Path) -> tuple[rdflib.Graph, rdflib.URIRef]:
    graph = rdflib.Graph().parse(build / "void.ttl", format="turtle")
    return graph, rdflib.URIRef(BASE + "dataset")


@needs_seeds
def test_dcat_distributions_give_the_real_size_and_checksum(runner, project):
    build = _build(runner, project)
    graph, dataset = _description(build)
    assert (dataset, RDF.type, DCAT.Dataset) in graph and (dataset, RDF.type, VOID.Dataset) in graph
    distributions = set(graph.objects(dataset, DCAT.distribution))
    assert len(distributions) == 8
    dumps = {str(u) for u in graph.objects(dataset, VOID.dataDump)}
    assert dumps == {f"{BASE}dumps/{name}{gz}" for name in DUMPS for gz in ("", ".gz")}
    for node in distributions:
        name = str(graph.value(node, DCAT.downloadURL)).rsplit("/", 1)[1]
        data = (build / name).read_bytes()
        assert graph.value(node, DCAT.byteSize).toPython() == len(data), name
        checksum = graph.value(node, SPDX.checksum)
        assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert graph.value(node, DCAT.mediaType) is not None
        assert (graph.value(node, DCAT.compressFormat) is not None) == name.endswith(".gz")


@needs_seeds
def test_dcat_dataset_metadata_without_a_date(runner, project):
    graph, dataset = _description(_build(runner, project))
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator,
                 DCTERMS.publisher, DCTERMS.source, DCTERMS.bibliographicCitation, DCAT.keyword):
        assert graph.value(dataset, prop) is not None, prop
    period = graph.value(dataset, DCTERMS.temporal)
    assert str(graph.value(period, DCAT.startDate)) == "1937-05-14"
    assert str(graph.value(period, DCAT.endDate)) == "1937-06-30"
    assert graph.value(dataset, DCTERMS.issued) is None, "no wall-clock date"
    assert graph.value(dataset, VOID.sparqlEndpoint) is None


@needs_seeds
def test_source_date_epoch_and_endpoint_reach_the_description(runner, project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1738281600")
    monkeypatch.setenv("KG_BUILDER_SPARQL_ENDPOINT", "https://example.org/sparql")
    build = _build(runner, project)
    graph, dataset = _description(build)
    assert graph.value(dataset, DCTERMS.issued) == rdflib.Literal("2025-01-31", datatype=XSD.date)
    assert graph.value(dataset, VOID.sparqlEndpoint) == rdflib.URIRef("https://example.org/sparql")
    assert "date-released" in (build / "CITATION.cff").read_text()


@needs_seeds
def test_citation_cff_has_the_required_fields(runner, project):
    cff = yaml.safe_load((_build(runner, project) / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert cff["message"] and cff["title"] and cff["authors"][0]["name"]
    assert cff["license"] == "CC-BY-4.0" and "date-released" not in cff
    assert cff["references"][0]["authors"][0]["family-names"] == "Whitewood"


# -- ontology documentation -------------------------------------------------------------------


@needs_seeds
def test_ontology_docs_describe_terms_and_shapes_in_prose(runner, project):
    html = (_build(runner, project) / "ontology.html").read_text()
    assert "<script" not in html
    assert 'id="Person"' in html and "Subclass of" in html
    assert "A person needs exactly one name" in html
    assert '<span class="Violation">(Violation)</span>' in html
    assert "etype:arrest" in html, "the vocabularies are listed"


# -- releases ---------------------------------------------------------------------------------


@needs_seeds
def test_a_release_needs_a_date_and_is_never_overwritten(runner, project):
    assert _release(runner, project, "1.0.0").exit_code == 2
    result = _release(runner, project, "1.0.0", "--date", "2025-01-31")
    assert result.exit_code == 0, result.output
    assert "released 1.0.0 (the first release)" in result.stdout
    again = _release(runner, project, "1.0.0", "--date", "2025-02-01")
    assert again.exit_code == 2 and "--force" in again.stderr
    forced = _release(runner, project, "1.0.0", "--date", "2025-02-01", "--force")
    assert forced.exit_code == 0, forced.output
    graph, dataset = _description(project / "build" / "releases" / "1.0.0")
    assert str(graph.value(dataset, DCTERMS.issued)) == "2025-02-01"
    assert str(graph.value(dataset, DCAT.version)) == "1.0.0"


@needs_seeds
def test_releases_chain_their_ontology_versions(runner, project):
    assert _release(runner, project, "1.0.0", "--date", "2025-01-31").exit_code == 0
    _edit_facts(project, NEW_PERSON)
    result = _release(runner, project, "1.1.0", "--date", "2025-03-01")
    assert result.exit_code == 0, result.output
    assert "released 1.1.0 (after 1.0.0)" in result.stdout
    releases = project / "build" / "releases"
    first = rdflib.Graph().parse(releases / "1.0.0" / "ontology" / "kgo.ttl")
    second = rdflib.Graph().parse(releases / "1.1.0" / "ontology" / "kgo.ttl")
    ontology = rdflib.URIRef("https://w3id.org/kg-builder/ontology")
    v1 = rdflib.URIRef("https://w3id.org/kg-builder/ontology/1.0.0")
    assert first.value(ontology, OWL.versionIRI) == v1
    assert first.value(ontology, OWL.priorVersion) is None
    assert second.value(ontology, OWL.versionIRI) == rdflib.URIRef(str(v1)[:-5] + "1.1.0")
    assert second.value(ontology, OWL.priorVersion) == v1
    assert str(second.value(ontology, OWL.versionInfo)) == "1.1.0"
    notes = (releases / "1.1.0" / "CHANGES.md").read_text()
    assert notes.startswith("# Changes from 1.0.0 to 1.1.0")
    assert "- Vitalii Primakov (`person:primakov`)" in notes
    graph, dataset = _description(releases / "1.1.0")
    assert f"{BASE}releases/1.1.0/kg.nt" in {str(u) for u in graph.objects(dataset, VOID.dataDump)}


@needs_seeds
def test_a_release_that_drops_a_published_iri_fails_until_it_is_deprecated(runner, project):
    assert _release(runner, project, "1.0.0", "--date", "2025-01-31").exit_code == 0
    _drop_arrest(project)
    result = _release(runner, project, "1.1.0", "--date", "2025-03-01")
    assert result.exit_code == 3
    assert f"<{BASE}event/arrest-kork-1937-05-14> was published in release 1.0.0" in result.stderr
    assert not (project / "build" / "releases" / "1.1.0").exists()
    (project / "facts" / "deprecations.yaml").write_text(
        "deprecations:\n  - id: arrest-kork-1937-05-14\n    kind: event\n"
        "    replaced_by: trial-military-1937-06-11\n    reason: Merged into the trial.\n")
    result = _release(runner, project, "1.1.0", "--date", "2025-03-01")
    assert result.exit_code == 0, result.output
    lines = (project / "build" / "releases" / "1.1.0" / "kg.nt").read_text()
    old = f"<{BASE}event/arrest-kork-1937-05-14>"
    assert f'{old} <{OWL}deprecated> "true"^^<{XSD}boolean> .' in lines
    assert f"{old} <{DCTERMS}isReplacedBy> <{BASE}event/trial-military-1937-06-11> ." in lines


def test_iri_continuity_ignores_nested_nodes_and_honours_deprecations():
    person, nested = BASE + "person/a", BASE + "person/a/evidence/123"
    previous = {(person, "p", Literal("x")), (nested, "p", Literal("y")),
                (BASE + "event/e", "p", Literal("z"))}
    assert check_iri_continuity(previous, {(BASE + "event/e", "p", Literal("z"))}, BASE) \
        == [person]
    deprecated = {(person, str(OWL.deprecated), Literal("true", str(XSD.boolean))),
                  (BASE + "event/e", "p", Literal("z"))}
    assert check_iri_continuity(previous, deprecated, BASE) == []


def test_a_deprecated_id_still_in_use_is_bad_input(runner, project):
    (project / "facts" / "deprecations.yaml").write_text(
        "deprecations:\n  - id: kork\n    kind: person\n    reason: Merged.\n")
    result = runner.invoke(main, ["validate", *project_args(project)])
    assert result.exit_code == 3
    assert "deprecated id 'kork' is still used by a person" in result.stderr


# -- diff -------------------------------------------------------------------------------------

EXPECTED_NOTES = """\
# Changes from old to new

288 -> 278 triples (-10): 14 added, 24 removed.

## Person

Added (1):

- Vitalii Primakov (`person:primakov`)

## Event

Removed (1):

- Arrest of Kork (`event:arrest-kork-1937-05-14`)

Changed (1):

- Closed military trial of Tukhachevskii and other senior officers (`event:trial-military-1937-06-11`)
  - `kgo:date`: 1937-06-11 -> 1937-06-12
  - `kgo:earliest`: 1937-06-11 -> 1937-06-12
  - `kgo:latest`: 1937-06-11 -> 1937-06-12

## Triples per class

| class | old | new | delta |
| --- | ---: | ---: | ---: |
| Person | 56 | 67 | +11 |
| Organisation | 24 | 24 | 0 |
| Event | 82 | 61 | -21 |
| Claim | 70 | 70 | 0 |
| Source | 35 | 35 | 0 |
| Fond | 4 | 4 | 0 |
| Opis | 4 | 4 | 0 |
| FootnoteCitation | 13 | 13 | 0 |
| total | 288 | 278 | -10 |
"""


@pytest.fixture
def old_and_new(runner, tmp_path) -> tuple[Path, Path]:
    old = make_project(tmp_path / "old")
    new = make_project(tmp_path / "new")
    _edit_facts(new, ("    date: 1937-06-11\n", "    date: 1937-06-12\n"), NEW_PERSON)
    _drop_arrest(new)
    for project in (old, new):
        _build(runner, project, "--out", str(tmp_path / "builds" / project.name))
    return tmp_path / "builds" / "old", tmp_path / "builds" / "new"


@needs_seeds
def test_diff_of_two_builds_lists_added_removed_and_changed_records(runner, old_and_new):
    old, new = old_and_new
    result = runner.invoke(main, ["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert result.stdout == EXPECTED_NOTES


@needs_seeds
@pytest.mark.parametrize("name", ["kg.ttl", "kg.jsonld.gz", "kg.nq"])
def test_diff_reads_any_dump_format(runner, old_and_new, name):
    old, new = old_and_new
    result = runner.invoke(main, ["diff", str(old / name), str(new / name)])
    assert result.exit_code == 0, result.output
    body = EXPECTED_NOTES.split("\n", 1)[1]
    assert result.stdout == f"# Changes from {name} to {name}\n" + body


def test_diff_of_a_folder_without_a_graph_is_a_usage_error(runner, tmp_path):
    (tmp_path / "a").mkdir()
    result = runner.invoke(main, ["diff", str(tmp_path / "a"), str(tmp_path / "a")])
    assert result.exit_code == 2 and "no graph at" in result.stderr


def _outputs(build: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(build.iterdir())}


@needs_seeds
def test_the_dumps_are_the_same_written_in_a_thread_where_processes_do_not_fork(
        runner, project, monkeypatch):
    forked = _outputs(_build(runner, project))
    shutil.rmtree(project / "build")
    monkeypatch.setattr("kg_builder.warming.sys.platform", "darwin")
    assert _outputs(_build(runner, project)) == forked


def _broken_build(runner, project, monkeypatch, platform, breaking):  # type: ignore[no-untyped-def]
    """A build after a good one, with the writer forked (linux) or in a thread (darwin) and
    `breaking()` called in between; the result, and whether build/ was left as it was."""
    before = _outputs(_build(runner, project))
    monkeypatch.setattr("kg_builder.warming.sys.platform", platform)
    breaking()
    result = runner.invoke(main, ["build", *project_args(project)])
    return result, _outputs(project / "build") == before


@needs_seeds
@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_a_dump_that_cannot_be_written_fails_the_build_and_leaves_build_as_it_was(
        runner, project, monkeypatch, platform):
    def full_disk(lines, out, base):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    result, untouched = _broken_build(runner, project, monkeypatch, platform, lambda: (
        monkeypatch.setitem(publishing._WRITERS, "kg.jsonld", full_disk)))
    assert result.exit_code != 0
    assert "No space left on device" in str(result.exception) + result.output
    assert untouched


def test_dump_claims_hand_out_each_name_once_from_either_end():
    claims = publishing._Claims(["a", "b", "c"], threading.Lock())
    assert claims.first() == "a"
    assert claims.last() == "c"
    assert claims.last() == "b"
    assert claims.first() is None and claims.last() is None


@needs_seeds
def test_a_build_stopped_by_bad_input_leaves_no_writer_process_behind(runner, project):
    (project / "facts" / "minimal.yaml").write_text("people:\n  - id: [not, a, slug]\n")
    result = runner.invoke(main, ["build", *project_args(project)])
    assert result.exit_code not in (0, 1)
    assert multiprocessing.active_children() == []
    assert not (project / "build").exists()


@needs_seeds
def test_a_build_in_a_daemonic_process_writes_the_dumps_in_a_thread(runner, project,
                                                                     monkeypatch):
    forked = _outputs(_build(runner, project))
    shutil.rmtree(project / "build")

    class Daemonic:
        daemon = True

    monkeypatch.setattr(publishing.multiprocessing, "current_process", lambda: Daemonic())
    monkeypatch.setattr(publishing.multiprocessing, "get_context", None)  # must not be used
    assert _outputs(_build(runner, project)) == forked


@needs_seeds
@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_an_ontology_that_does_not_parse_fails_the_build_with_its_location(
        runner, project, monkeypatch, platform):
    # The ontology docs are written by the dump writer before kg.nt is ready; its error
    # comes back to the build, located, and build/ is left as it was.
    ontology = sorted((project / "ontology").glob("*.ttl"))[0]
    result, untouched = _broken_build(runner, project, monkeypatch, platform, lambda: (
        ontology.write_text(ontology.read_text() + "\nthis is not turtle .\n")))
    assert result.exit_code == 3, result.output
    assert f"{ontology.name}:" in result.stderr and "cannot" in result.stderr
    assert untouched
    assert multiprocessing.active_children() == []


def test_a_bad_input_error_crosses_a_process_boundary_whole():
    import pickle

    from kg_builder.errors import BadInputError, Problem

    error = BadInputError([Problem("facts/a.yaml", 3, 5, "duplicate id 'x'", "rename it")])
    again = pickle.loads(pickle.dumps(error))
    assert again.problems == error.problems and str(again) == str(error)

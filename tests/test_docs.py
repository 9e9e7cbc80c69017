"""Documentation and model completeness: nothing the tool offers goes undocumented."""

from __future__ import annotations

import re

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from kg_builder.canned import load_queries
from kg_builder.cli import main
from kg_builder.errors import ExitCode
from kg_builder.namespaces import KGO, SCHEMES
from kg_builder.schema import ENUMS, NESTED, RECORDS, SECTIONS

from .conftest import MINIMAL, REPO

README = (REPO / "README.md").read_text()
FORMAT = (REPO / "docs" / "facts-format.md").read_text()


def _graph(*names: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    for name in names:
        graph.parse(REPO / name)
    return graph


def test_readme_opens_with_a_quick_start_of_two_commands():
    block = re.search(r"\A# kg-builder\n\n## Quick start\n\n```sh\n(.*?)```", README, re.S)
    assert block, "the README must open with '## Quick start' and one fenced block"
    commands = block.group(1).strip().splitlines()
    assert len(commands) == 2
    assert commands[0].endswith("kg-builder build")
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    assert "sed -n 2p" in (REPO / ".ci" / "run").read_text()


def test_every_command_is_documented_with_an_example():
    for name, command in main.commands.items():
        assert f"### `kg-builder {name}" in README, name
        assert f"\nkg-builder {name}" in README, f"no example of {name}"
        assert "Example: kg-builder" in (command.help or ""), f"{name} docstring needs an example"
    assert "kg-builder --version" in README


def test_every_exit_code_is_in_the_readme_table():
    codes = {value for name, value in vars(ExitCode).items() if name.isupper()}
    assert codes == set(range(7))
    for code in codes:
        assert f"\n| {code} | " in README


def test_every_canned_query_is_documented():
    for name, canned in load_queries(REPO / "queries").items():
        assert f"| `{name}` |" in README, name
        assert canned.summary and canned.tags, f"{name} needs a summary and tags"


def test_every_facts_field_is_documented():
    for kind, fields in [*RECORDS.items(), *NESTED.items()]:
        for field in fields:
            assert re.search(rf"`{field}`|\b{field}:", FORMAT), f"{kind}.{field} is undocumented"
    for section in SECTIONS:
        assert f"{section}:" in FORMAT


def test_every_vocabulary_value_is_documented_and_has_a_concept():
    vocab = _graph("ontology/vocabularies.ttl")
    for enum, scheme in (("event-type", "event-type"), ("role", "role"),
                         ("claim-type", "claim-type"), ("verdict", "verdict")):
        for value in ENUMS[enum]:
            concept = rdflib.URIRef(SCHEMES[scheme] + value)
            assert (concept, SKOS.prefLabel, None) in vocab, concept
            assert (concept, SKOS.definition, None) in vocab, concept
            assert f"`{value}`" in FORMAT, f"{enum} value {value} is undocumented"


def test_every_ontology_term_the_mapping_writes_is_declared_and_labelled():
    ontology = _graph("ontology/kgo.ttl")
    data = rdflib.Graph().parse(MINIMAL / "expected" / "kg.ttl")
    used = {p for p in data.predicates() if str(p).startswith(KGO)}
    used |= {o for o in data.objects(None, RDF.type) if str(o).startswith(KGO)}
    for term in used:
        assert (term, RDFS.label, None) in ontology, f"{term} has no label"
        assert (term, RDFS.comment, None) in ontology, f"{term} has no comment"
    assert (None, OWL.versionInfo, None) in ontology
    assert (None, OWL.versionIRI, None) in ontology


def test_every_ontology_term_is_labelled_and_aligned():
    ontology = _graph("ontology/kgo.ttl")
    for term in set(ontology.subjects(RDF.type, OWL.Class)):
        assert (term, RDFS.label, None) in ontology and (term, RDFS.comment, None) in ontology


def test_every_class_has_a_shape_and_every_shape_a_message_and_severity():
    shapes = _graph("shapes/kgo-shapes.ttl")
    ontology = _graph("ontology/kgo.ttl")
    targets = set(shapes.objects(None, SH.targetClass))
    for cls in ontology.subjects(RDF.type, OWL.Class):
        covered = cls in targets or any(sup in targets for sup in ontology.transitive_objects(cls, RDFS.subClassOf))
        assert covered, f"no shape covers {cls}"
    for shape in shapes.objects(None, SH.property):
        assert (shape, SH.message, None) in shapes, shape
        assert (shape, SH.severity, None) in shapes, shape


def test_the_shapes_vocabulary_lists_match_the_schema():
    shapes = (REPO / "shapes" / "kgo-shapes.ttl").read_text()
    for scheme, enum in (("event-type", "event-type"), ("role", "role"),
                         ("claim-type", "claim-type"), ("verdict", "verdict")):
        for value in ENUMS[enum]:
            assert f"<{SCHEMES[scheme]}{value}>" in shapes, f"{scheme} {value} missing in shapes"


def test_every_canned_query_has_a_flagship_test():
    tests = (REPO / "tests" / "test_flagship.py").read_text()
    untested = [name for name in load_queries(REPO / "queries") if f'"{name}"' not in tests]
    assert untested == []


def test_the_ci_workflow_runs_real_commands_and_keeps_the_build_cache():
    """The workflow users copy: each kg-builder command in it parses, and the build cache it
    keeps between runs is the folder kg-builder uses."""
    import shlex

    import click
    import yaml

    from kg_builder.cache import FOLDER

    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "validate.yml").read_text())
    steps = workflow["jobs"]["validate"]["steps"]
    kept = [s["with"]["path"] for s in steps if s.get("uses", "").startswith("actions/cache@")]
    assert kept == [FOLDER]
    commands = [shlex.split(line.split("||")[0]) for step in steps
                for line in step.get("run", "").splitlines() if line.startswith("kg-builder ")]
    assert len(commands) == 2
    for args in commands:
        command = main.get_command(click.Context(main), args[1])
        assert command is not None, args
        command.make_context(args[1], args[2:])  # raises on an unknown option or value

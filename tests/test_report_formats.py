"""Validation reports CI and curators can act on: every format points at the broken fact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
import xmlschema

from kg_builder.cli import main

from .conftest import CASES, REPO, make_project, needs_seeds, project_args

BROKEN = CASES / "violation-position-dates" / "extra.yaml"


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    project = make_project(tmp_path / "project")
    (project / "facts" / "extra.yaml").write_text(BROKEN.read_text())
    return project


def _validate(runner, project: Path, *args: str):
    return runner.invoke(main, ["validate", *project_args(project), *args])


@needs_seeds
def test_text_groups_by_file_without_colour_off_a_terminal(runner, broken):
    result = _validate(runner, broken)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].endswith("facts/extra.yaml")
    assert lines[1].startswith("  2: Violation: 'putna' person:putna/position/")
    assert "\033[" not in result.stdout


@needs_seeds
def test_json_gives_file_line_record_and_all_fields(runner, broken):
    report = json.loads(_validate(runner, broken, "--format", "json").stdout)
    [result] = report["results"]
    assert result["file"].endswith("facts/extra.yaml") and result["line"] == 2
    assert result["record"] == "putna" and result["severity"] == "Violation"
    assert result["path"] == "https://w3id.org/kg-builder/ontology#earliest"
    assert result["value"] == "1937-01-01"
    assert result["constraint"].endswith("LessThanOrEqualsConstraintComponent")


@needs_seeds
def test_junit_validates_against_the_ci_schema_and_names_the_line(runner, broken, tmp_path):
    out = tmp_path / "junit.xml"
    result = _validate(runner, broken, "--format", "junit", "--output", str(out))
    assert result.exit_code == 1
    xmlschema.XMLSchema(REPO / "tests" / "data" / "junit.xsd").validate(str(out))
    text = out.read_text()
    assert 'failures="1"' in text
    assert "facts/extra.yaml:2: Violation: The position&apos;s earliest day" in text or \
        "facts/extra.yaml:2: Violation: The position's earliest day" in text


@needs_seeds
def test_junit_of_a_conforming_graph_is_one_passing_case(runner, project, tmp_path):
    out = tmp_path / "junit.xml"
    assert _validate(runner, project, "--format", "junit", "-o", str(out)).exit_code == 0
    xmlschema.XMLSchema(REPO / "tests" / "data" / "junit.xsd").validate(str(out))
    assert '<testcase classname="kg-builder" name="conforms" time="0"/>' in out.read_text()


@needs_seeds
def test_github_annotations_point_at_file_and_line(runner, broken):
    [line] = _validate(runner, broken, "--format", "github").stdout.splitlines()
    assert line.startswith("::error file=")
    assert "facts/extra.yaml,line=2,title=kgo%3Aearliest person%3Aputna/position/" in line
    assert line.endswith("::person:putna/position/" + line.split("::person:putna/position/")[1])
    assert "earliest day is after its latest day" in line


@needs_seeds
def test_shacl_report_graph_is_standard_turtle(runner, broken):
    text = _validate(runner, broken, "--format", "shacl").stdout
    graph = rdflib.Graph().parse(data=text, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    [report] = graph.subjects(rdflib.RDF.type, sh.ValidationReport)
    assert graph.value(report, sh.conforms).toPython() is False
    [result] = graph.objects(report, sh.result)
    assert graph.value(result, sh.resultSeverity) == sh.Violation
    assert graph.value(result, sh.sourceConstraintComponent) == sh.LessThanOrEqualsConstraintComponent


@needs_seeds
def test_every_format_is_deterministic(runner, broken):
    for fmt in ("text", "json", "junit", "github", "shacl"):
        first = _validate(runner, broken, "--format", fmt).stdout
        assert first == _validate(runner, broken, "--format", fmt).stdout, fmt


@needs_seeds
def test_guard_fails_a_build_that_lost_data(runner, project):
    assert runner.invoke(main, ["build", *project_args(project)]).exit_code == 0
    (project / "pyproject.toml").write_text(
        "[tool.kg-builder.minimum-counts]\nPerson = 4\nEvent = 3\n")
    assert runner.invoke(main, ["build", *project_args(project)]).exit_code == 0
    before = (project / "build" / "kg.nt").read_bytes()
    facts = project / "facts" / "minimal.yaml"
    facts.write_text(facts.read_text().replace("""  - id: kork
    name: Avgust Kork
    evidence:
      - {seed: thesis, line: 101, quote: "Robert Eideman, Avgust Kork, Vitalii Primakov"}
""", ""))
    facts.write_text(facts.read_text().replace("kork", "putna"))
    result = runner.invoke(main, ["build", *project_args(project)])
    assert result.exit_code == 1, result.output
    assert ("guard: kgo:Person fell to 3, below the minimum of 4 (the previous build had 4: "
            "1 fewer, 25.0% lost)") in result.stdout
    assert (project / "build" / "kg.nt").read_bytes() == before


@needs_seeds
@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_an_accusation_that_names_nobody_is_a_warning(runner, project, engine):
    (project / "facts" / "accuse.yaml").write_text(
        "claims:\n  - id: claim-court-unnamed\n    type: accusation\n"
        "    claimant: military-court-1937\n    statement: Somebody plotted.\n    evidence:\n"
        "      - {seed: thesis, line: 101, quote: \"Charged with membership of a 'military-fascist plot'\"}\n")
    result = _validate(runner, project, "--engine", engine)
    assert result.exit_code == 0, result.output
    assert ("2: Warning: 'claim-court-unnamed' claim:claim-court-unnamed: An accusation should "
            "say whom it accuses: add about: with the accused.") in result.stdout

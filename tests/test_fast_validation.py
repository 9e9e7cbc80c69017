"""The compiled SPARQL engine must give exactly pySHACL's results: on the test cases, on a
generated graph with a violation of every constraint kind the shapes use, and on shapes that
use the components the project's shapes do not."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kg_builder.api import validate
from kg_builder.errors import BadInputError, UsageError
from kg_builder.project import open_project
from kg_builder.validation import ValidationReport, validate_ntriples

from .conftest import CASES, REPO, make_project, needs_seeds, seeds_dir
from .shacl_violations import graph_with_violations

SHAPES = [REPO / "shapes" / "kgo-shapes.ttl"]
CASE_DIRS = sorted(p for p in CASES.iterdir() if p.name.startswith(("bad-", "violation-")))


def rows(report: ValidationReport, messages: bool = True) -> Counter[tuple[str, ...]]:
    """The results as a multiset of the fields both engines must agree on.

    Shapes without sh:message get generic messages, worded differently by each engine.
    """
    return Counter((r.focus, r.path or "", r.value or "", r.severity, r.constraint or "",
                    r.message if messages else "", r.shape or "") for r in report.results)


def both(text: str, shapes: list[Path] = SHAPES) -> tuple[ValidationReport, ValidationReport]:
    return (validate_ntriples(text, shapes, engine="auto"),
            validate_ntriples(text, shapes, engine="pyshacl"))


def test_generated_violations_agree_with_pyshacl():
    fast, reference = both(graph_with_violations())
    assert rows(fast) == rows(reference)
    assert fast.engine == "sparql" and reference.engine == "pyshacl"
    assert fast.conforms is reference.conforms is False


def test_generated_graph_breaks_every_constraint_kind_of_the_shapes():
    fast, _ = both(graph_with_violations())
    kinds = {r.constraint.rsplit("#", 1)[1] for r in fast.results if r.constraint}
    expected = {"MinCount", "MaxCount", "Datatype", "Class", "In", "LessThanOrEquals",
                "MinLength", "MaxLength", "MinInclusive", "Or", "Xone"}
    assert {k + "ConstraintComponent" for k in expected} <= kinds
    assert len(fast.results) >= 40


@needs_seeds
@pytest.mark.parametrize("case", [None, *CASE_DIRS], ids=["minimal", *(p.name for p in CASE_DIRS)])
def test_cases_agree_with_pyshacl(case: Path | None, tmp_path: Path):
    folder = make_project(tmp_path / "project")
    if case is not None:
        (folder / "facts" / "extra.yaml").write_text((case / "extra.yaml").read_text())
    project = open_project(folder, seeds=seeds_dir())
    outcomes = []
    for engine in ("auto", "pyshacl"):
        try:
            outcomes.append(rows(validate(project, engine=engine)))
        except BadInputError as exc:  # bad input stops both engines before validation
            outcomes.append(Counter({(str(exc),): 1}))
    assert outcomes[0] == outcomes[1]


OTHER_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex:NodeTargets a sh:NodeShape ;
    sh:targetNode ex:a, ex:missing ;
    sh:targetSubjectsOf ex:p ;
    sh:nodeKind sh:IRI ;
    sh:not [ sh:hasValue ex:b ] ;
    sh:property [ sh:path ex:p ; sh:equals ex:q ; sh:disjoint ex:r ; sh:lessThan ex:s ;
                  sh:pattern "^x" ; sh:flags "i" ; sh:maxExclusive 10 ; sh:minExclusive 0 ] ,
                [ sh:path ( ex:p ex:t ) ; sh:minCount 2 ; sh:maxInclusive 3 ] ,
                [ sh:path [ sh:alternativePath ( ex:p ex:q ) ] ; sh:node ex:Small ] ,
                [ sh:path [ sh:oneOrMorePath ex:next ] ; sh:and ( ex:Small [ sh:nodeKind sh:IRI ] ) ] ,
                [ sh:path [ sh:inversePath ex:p ] ; sh:hasValue ex:c ] .

ex:Small a sh:NodeShape ; sh:maxLength 3 .

ex:Objects a sh:NodeShape ;
    sh:targetObjectsOf ex:t ;
    sh:datatype xsd:integer ;
    sh:deactivated false .

ex:Off a sh:NodeShape ; sh:targetNode ex:a ; sh:deactivated true ; sh:minLength 100 .
"""

OTHER_DATA = """
@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:p "xa", 5, "Xb", 12, ex:b ; ex:q "xa", 7 ; ex:r 5 ; ex:s 6, "z" ; ex:next ex:a2 .
ex:a2 ex:next ex:abcd .
ex:b ex:p 1 .
ex:c ex:p ex:b .
ex:b ex:t 4, "four" .
"""


def _both_engines(tmp_path: Path, shapes_text: str, engine: str):
    """Validate OTHER_DATA against the shapes with `engine` and with pySHACL; they must agree."""
    from kg_builder.validation import validate_rdf_files

    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(shapes_text)
    data = tmp_path / "data.ttl"
    data.write_text(OTHER_DATA)
    fast = validate_rdf_files([data], [shapes], engine=engine)
    reference = validate_rdf_files([data], [shapes], engine="pyshacl")
    assert rows(fast, messages=False) == rows(reference, messages=False)
    return fast, shapes, data


def test_other_components_agree_with_pyshacl(tmp_path: Path):
    fast, _, _ = _both_engines(tmp_path, OTHER_SHAPES, "sparql")
    kinds = {r.constraint.rsplit("#", 1)[1].removesuffix("ConstraintComponent")
             for r in fast.results if r.constraint}
    assert kinds == {"And", "Datatype", "Disjoint", "Equals", "HasValue", "LessThan",
                     "MaxExclusive", "MinExclusive", "MaxInclusive", "MinCount", "Pattern",
                     "Node", "Not"}
    assert fast.engine == "sparql"


CLOSED_SHAPES = OTHER_SHAPES + """
ex:Closed a sh:NodeShape ; sh:targetNode ex:c ; sh:closed true ;
    sh:message "ex:c is closed" .
"""


def test_unsupported_shapes_fall_back_to_pyshacl(tmp_path: Path):
    from kg_builder.validation import validate_rdf_files

    fast, shapes, data = _both_engines(tmp_path, CLOSED_SHAPES, "auto")
    assert fast.engine == "sparql+pyshacl"
    assert fast.fallback == {"https://example.org/Closed": "sh:closed"}
    assert {r.engine for r in fast.results if r.message == "ex:c is closed"} == {"pyshacl"}
    with pytest.raises(UsageError, match="sparql engine cannot check https://example.org/Closed"):
        validate_rdf_files([data], [shapes], engine="sparql")


@needs_seeds
@pytest.mark.parametrize("engine", ["auto", "sparql", "pyshacl"])
def test_cli_engine_option_names_the_engine(engine: str, runner, tmp_path: Path):
    from kg_builder.cli import main

    from .conftest import project_args

    folder = make_project(tmp_path / "project")
    (folder / "facts" / "extra.yaml").write_text(
        (CASES / "violation-position-dates" / "extra.yaml").read_text())
    result = runner.invoke(main, ["validate", *project_args(folder), "--engine", engine])
    assert result.exit_code == 1, result.output
    assert "earliest day is after its latest day" in result.stdout
    expected = "pyshacl" if engine == "pyshacl" else "sparql"
    assert result.stdout.rstrip().endswith(f"(engine: {expected})")


SCREENED_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:C ;
    sh:property [ sh:path ex:q ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ;
                  sh:minLength 3 ] ;
    sh:property [ sh:path ex:k ; sh:maxCount 1 ; sh:in ( "a" "b" ) ] ;
    sh:property [ sh:path ex:n ; sh:minCount 1 ; sh:datatype xsd:integer ] .
"""


def _screened(body: str, tmp_path: Path) -> tuple[ValidationReport, ValidationReport, int]:
    from kg_builder import shacl_compiler
    from kg_builder.store import read_triples, store_from

    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(SCREENED_SHAPES)
    data = "@prefix ex: <http://example.org/> .\n" + body
    (tmp_path / "data.ttl").write_text(data)
    compiled = shacl_compiler.compile_shapes(read_triples(shapes))
    _, queries = shacl_compiler.run_compiled(compiled, store_from(
        read_triples(tmp_path / "data.ttl")))
    text = "".join(f"{line}\n" for line in _ntriples(tmp_path / "data.ttl"))
    fast, reference = both(text, [shapes])
    return fast, reference, queries


def _ntriples(path: Path) -> list[str]:
    from kg_builder.serialisation import sorted_lines
    from kg_builder.store import read_triples

    return [line.rstrip("\n") for line in sorted_lines(read_triples(path))]


def test_a_conforming_property_shape_is_screened_by_one_query(tmp_path: Path):
    good = 'ex:a a ex:C ; ex:q "abcd" ; ex:k "a" ; ex:n 3 .\n'
    fast, reference, queries = _screened(good, tmp_path)
    assert fast.conforms and reference.conforms and fast.results == []
    # One query per property shape: its counts and per-value tests together.
    assert queries == 3


@pytest.mark.parametrize("body", [
    'ex:a a ex:C ; ex:k "a" ; ex:n 3 .',                      # no q: minCount
    'ex:a a ex:C ; ex:q "abcd", "efgh" ; ex:n 3 .',           # two q: maxCount
    'ex:a a ex:C ; ex:q "ab" ; ex:n 3 .',                     # too short
    'ex:a a ex:C ; ex:q 1234 ; ex:n "x" .',                   # wrong datatypes
    'ex:a a ex:C ; ex:q "ab", 5 ; ex:k "a", "c" ; ex:n 3 .',  # several at once
    'ex:a a ex:C ; ex:q "abcd" ; ex:n 3 . ex:b a ex:C ; ex:q "x" ; ex:k "z" .',
])
def test_screened_property_shapes_give_pyshacls_results(body: str, tmp_path: Path):
    fast, reference, _ = _screened(body + "\n", tmp_path)
    assert not fast.conforms and rows(fast, messages=False) == rows(reference, messages=False)

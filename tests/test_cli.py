"""The CLI in process: exit codes, stdout for results, stderr for diagnostics."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from pathlib import Path

import pytest

import kg_builder
from kg_builder.canned import bind, parse_query
from kg_builder.cli import main

from .conftest import needs_seeds, project_args


def _built(runner, project: Path) -> Path:
    result = runner.invoke(main, ["build", *project_args(project)])
    assert result.exit_code == 0, result.output
    return project


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"kg-builder, version {kg_builder.__version__}\n"


def test_help_lists_every_command(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "validate", "query", "queries"):
        assert f"  {command} " in result.stdout


@needs_seeds
def test_build_reports_counts_on_stdout_and_nothing_on_stderr(runner, project):
    result = runner.invoke(main, ["build", *project_args(project)])
    assert result.exit_code == 0
    assert result.stdout.startswith("17 records, 288 triples; 0 violations, 0 warnings\n")
    assert "wrote " in result.stdout and result.stderr == ""


def test_build_without_seeds_warns_but_builds(runner, project, tmp_path):
    result = runner.invoke(main, ["build", "--project", str(project),
                                  "--seeds", str(tmp_path / "no-seeds")])
    assert result.exit_code == 0
    assert "quotes were not checked" in result.stderr
    assert (project / "build" / "kg.ttl").exists()


@needs_seeds
def test_exit_0_when_the_facts_conform(runner, project):
    result = runner.invoke(main, ["validate", *project_args(project)])
    assert result.exit_code == 0
    assert result.stdout == "conforms: 0 violations, 0 warnings, 0 infos (engine: sparql)\n"


@needs_seeds
def test_exit_1_names_the_file_and_line_of_a_broken_fact(runner, project):
    facts = project / "facts" / "minimal.yaml"
    text = facts.read_text().replace("    date: 1937-05-16\n",
                                     "    date: 1937-05-16\n  - id: x\n", 1)
    facts.write_text(text.replace("  - id: x\n", "", 1))  # unchanged: control
    (project / "facts" / "broken.yaml").write_text(
        "positions:\n  - person: kork\n    title: commander of the MVO\n"
        "    start: 1937-05\n    end: 1937-04\n    evidence:\n"
        "      - {seed: thesis, line: 2827, quote: \"On 14 May Kork was removed\"}\n")
    result = runner.invoke(main, ["validate", *project_args(project)])
    assert result.exit_code == 1
    assert "broken.yaml\n  2: Violation: 'kork'" in result.stdout
    assert "earliest day is after its latest day" in result.stdout


@needs_seeds
def test_fail_on_warning_turns_warnings_into_exit_1(runner, project):
    (project / "facts" / "warn.yaml").write_text(
        "events:\n  - id: trial-unattended-1937\n    type: trial\n    label: A trial\n"
        "    date: 1937-06-11\n    evidence:\n"
        "      - {seed: thesis, line: 101, quote: \"a closed military court passed\"}\n")
    assert runner.invoke(main, ["validate", *project_args(project)]).exit_code == 0
    result = runner.invoke(main, ["validate", *project_args(project), "--fail-on", "warning"])
    assert result.exit_code == 1
    assert "  2: Warning: 'trial-unattended-1937'" in result.stdout


def test_exit_2_on_usage_errors(runner, project):
    assert runner.invoke(main, ["validate", "--fail-on", "bogus"]).exit_code == 2
    result = runner.invoke(main, ["query", "no-such-query", "--project", str(project)])
    assert result.exit_code == 2
    assert "no canned query 'no-such-query'" in result.stderr


def test_exit_3_on_unreadable_input(runner, project):
    (project / "facts" / "broken.yaml").write_text("people: [\n")
    result = runner.invoke(main, ["validate", *project_args(project)])
    assert result.exit_code == 3
    assert "broken.yaml:2:1: error: YAML syntax error" in result.stderr
    assert result.stdout == ""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_exit_4_when_the_endpoint_refuses(runner, project):
    url = f"http://127.0.0.1:{_closed_port()}/sparql"
    result = runner.invoke(main, ["query", "posts-held", "--project", str(project),
                                  "--endpoint", url, "--timeout", "2"])
    assert result.exit_code == 4
    assert f"cannot reach endpoint {url}" in result.stderr


class _Garbage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        body = b'{"not": "sparql"}'
        status = 500 if "fail" in self.path else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def garbage_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_exit_4_on_a_malformed_endpoint_answer(runner, project, garbage_server):
    result = runner.invoke(main, ["query", "posts-held", "--project", str(project),
                                  "--endpoint", garbage_server + "/sparql"])
    assert result.exit_code == 4
    assert "malformed SPARQL JSON result" in result.stderr


def test_exit_4_on_an_http_error(runner, project, garbage_server):
    result = runner.invoke(main, ["query", "posts-held", "--project", str(project),
                                  "--endpoint", garbage_server + "/fail"])
    assert result.exit_code == 4
    assert "answered HTTP 500" in result.stderr


def test_exit_5_on_an_internal_error(runner, project, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("kg_builder.api.build", explode)
    result = runner.invoke(main, ["build", "--project", str(project)])
    assert result.exit_code == 5
    assert "internal error: RuntimeError: boom" in result.stderr


@needs_seeds
def test_query_formats(runner, project):
    _built(runner, project)
    args = ["query", "trial-defendants", "--project", str(project)]
    table = runner.invoke(main, args)
    assert table.exit_code == 0, table.output
    assert table.stdout.splitlines()[0].split() == ["defendant", "name", "fate", "date", "sources"]
    assert "person:kork" in table.stdout and table.stdout.endswith("(4 rows)\n")
    csv_out = runner.invoke(main, [*args, "--format", "csv"]).stdout_bytes.decode()
    assert csv_out.startswith("defendant,name,fate,date,sources\r\n")
    assert ("https://w3id.org/kg-builder/redarmy/person/kork,Avgust Kork,arrest,1937-05-14,"
            "\"M. N. Tukhachevskii i \"\"voenno-fashistskii zagovor\"\"\"") in csv_out
    data = json.loads(runner.invoke(main, [*args, "--format", "json"]).stdout)
    assert data["head"]["vars"] == ["defendant", "name", "fate", "date", "sources"]
    assert len(data["results"]["bindings"]) == 4


@needs_seeds
def test_query_parameters_accept_ids_prefixed_names_and_iris(runner, project):
    _built(runner, project)
    for value in ("kork", "person:kork", "https://w3id.org/kg-builder/redarmy/person/kork"):
        result = runner.invoke(main, ["query", "person-timeline", "--project", str(project),
                                      "--param", f"person={value}", "--format", "csv"])
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[1:] == [
            "1937-05-14,arrest,https://w3id.org/kg-builder/redarmy/event/arrest-kork-1937-05-14,"
            "Arrest of Kork,arrested",
            "1937-06,execution,https://w3id.org/kg-builder/redarmy/event/execution-military-1937-06,"
            "Execution of the defendants of the June 1937 military trial,executed",
            "1937-06-11,trial,https://w3id.org/kg-builder/redarmy/event/trial-military-1937-06-11,"
            "Closed military trial of Tukhachevskii and other senior officers,defendant",
        ]


@needs_seeds
def test_an_injection_attempt_stays_a_harmless_literal(runner, project):
    _built(runner, project)
    attack = '" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #'
    result = runner.invoke(main, ["query", "find-person", "--project", str(project),
                                  "--param", f"name={attack}", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"person,name,kind\r\n"
    text = bind(parse_query(project / "queries" / "find-person.rq"), {"name": attack},
                lambda v: v)
    assert 'VALUES (?_name) { ("\\" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #") }' in text


def test_an_iri_parameter_with_query_syntax_is_refused(runner, project):
    result = runner.invoke(main, ["query", "person-timeline", "--project", str(project),
                                  "--param", "person=x> } DROP ALL {", "--data",
                                  str(project / "ontology" / "kgo.ttl")])
    assert result.exit_code == 2
    assert "is not an IRI or a record id" in result.stderr


def test_a_missing_parameter_names_the_option(runner, project):
    (project / "queries" / "needs.rq").write_text(
        "#+ summary: needs a value\nSELECT ?x WHERE { BIND(?_thing AS ?x) }\n")
    result = runner.invoke(main, ["query", "needs", "--project", str(project), "--data",
                                  str(project / "ontology" / "kgo.ttl")])
    assert result.exit_code == 2
    assert "needs --param thing=VALUE" in result.stderr


def test_query_without_a_build_says_what_to_run(runner, project):
    result = runner.invoke(main, ["query", "posts-held", "--project", str(project)])
    assert result.exit_code == 2
    assert "run 'kg-builder build' first" in result.stderr


def test_queries_lists_by_tag(runner, project):
    result = runner.invoke(main, ["queries", "--project", str(project)])
    assert result.exit_code == 0
    assert result.stdout.startswith("claims:\n")
    assert "  trial-defendants --param trial=...\n" in result.stdout
    listing = json.loads(runner.invoke(main, ["queries", "--project", str(project),
                                              "--format", "json"]).stdout)
    assert {"trial-defendants", "person-timeline", "figures"} <= {q["name"] for q in listing}


@needs_seeds
def test_validate_any_rdf_file(runner, project, tmp_path):
    _built(runner, project)
    good = runner.invoke(main, ["validate", str(project / "build" / "kg.ttl"),
                                "--project", str(project)])
    assert good.exit_code == 0, good.output
    bad = tmp_path / "mine.ttl"
    bad.write_text("@prefix kgo: <https://w3id.org/kg-builder/ontology#> .\n"
                   "<https://example.org/e1> a kgo:Event .\n")
    result = runner.invoke(main, ["validate", str(bad), "--project", str(project),
                                  "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    messages = {r["message"] for r in report["results"] if r["severity"] == "Violation"}
    assert "An event needs exactly one date, an EDTF literal." in messages


def test_validate_reports_the_parser_line_of_broken_turtle(runner, project, tmp_path):
    bad = tmp_path / "broken.ttl"
    bad.write_text("@prefix ex: <https://example.org/> .\n\nex:a ex:b ex:c ;\n ex:d .\n")
    result = runner.invoke(main, ["validate", str(bad), "--project", str(project)])
    assert result.exit_code == 3
    assert "broken.ttl" in result.stderr and "cannot parse the RDF" in result.stderr


def test_a_closed_pipe_is_not_an_internal_error(runner, monkeypatch, project):
    def closed(*args, **kwargs):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("kg_builder.api.queries", closed)
    result = runner.invoke(main, ["queries", "--project", str(project)])
    assert result.exit_code == 0
    assert "internal error" not in result.stderr


def test_a_canned_query_that_is_not_a_select_is_bad_input(runner, project):
    (project / "queries" / "ask.rq").write_text("#+ summary: not a table\nASK { ?s ?p ?o }\n")
    result = runner.invoke(main, ["query", "ask", "--project", str(project), "--data",
                                  str(project / "ontology" / "kgo.ttl")])
    assert result.exit_code == 3
    assert "a canned query must be a SELECT query" in result.stderr

"""Canned SPARQL that runs anywhere: a real Oxigraph server, Graph Store loads, both engines.

A module-wide writable Oxigraph server (the `oxigraph` package's binary) takes the minimal
build, and the flagship build when the flagship's facts build and conform. Each is loaded with
`kg-builder load` into its own NAMED graph, and every canned query then runs through
`kg-builder query NAME --endpoint URL --graph IRI`: --graph sends the SPARQL protocol's
default-graph-uri, so the named graph is the query's default graph, as the dump is for the
embedded run. (The server holds only the dump, not the ontology; no canned query reads the
ontology, and the equal rows below show it.)
"""

from __future__ import annotations

import http.server
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from kg_builder import api
from kg_builder.cli import main
from kg_builder.endpoint import count_graph, graph_store_url
from kg_builder.errors import BadInputError, EndpointError, UsageError
from kg_builder.namespaces import XSD
from kg_builder.project import open_project
from kg_builder.serving import start_server

from .conftest import REPO, make_project, seeds_dir

QUERY_NAMES = sorted(p.stem for p in (REPO / "queries").glob("*.rq"))
MINIMAL_GRAPH = "https://example.org/graph/minimal"
FLAGSHIP_GRAPH = "https://example.org/graph/flagship"
_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long",
                              "nonNegativeInteger", "positiveInteger")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dump_lines(project: Path) -> int:
    return sum(1 for line in (project / "build" / "kg.nt").read_text().splitlines()
               if line.strip())


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    """A writable Oxigraph server on a free port, stopped after the module."""
    where = tmp_path_factory.mktemp("oxigraph")
    server = start_server(["serve"], "127.0.0.1", free_port(), where / "store")
    yield server
    server.stop()
    assert server.process.poll() is not None


def _build(root: Path) -> Path:
    result = api.build(open_project(root, seeds=seeds_dir()))
    if not result.written:
        pytest.skip(f"{root.name} does not conform: {result.report.count('Violation')} "
                    "violations; nothing to load")
    return root


@pytest.fixture(scope="module")
def minimal(tmp_path_factory):
    return _build(make_project(tmp_path_factory.mktemp("minimal") / "project"))


@pytest.fixture(scope="module")
def flagship(tmp_path_factory):
    """The flagship facts, built into a temporary folder; skipped (with why) if they fail."""
    root = tmp_path_factory.mktemp("flagship") / "project"
    make_project(root, REPO / "facts")
    try:
        return _build(root)
    except BadInputError as exc:
        first = str(exc).splitlines()[0]
        reason = f"the flagship facts do not build ({len(exc.problems)} problems; {first})"
        print(f"skipped: {reason}")
        pytest.skip(reason)


def _load(runner, project: Path, server, graph: str, *extra: str):
    return runner.invoke(main, ["load", "--project", str(project), "--endpoint",
                                server.query_url, "--graph", graph, *extra])


@pytest.fixture(scope="module")
def loaded(oxigraph, minimal):
    """Which graph of the server holds which project, loaded once per module."""
    from click.testing import CliRunner

    result = _load(CliRunner(), minimal, oxigraph, MINIMAL_GRAPH)
    assert result.exit_code == 0, result.output
    return {"minimal": (minimal, MINIMAL_GRAPH)}


def _load_flagship(loaded, oxigraph, flagship, runner):
    if "flagship" not in loaded:
        result = _load(runner, flagship, oxigraph, FLAGSHIP_GRAPH)
        assert result.exit_code == 0, result.output
        loaded["flagship"] = (flagship, FLAGSHIP_GRAPH)
    return loaded["flagship"]


# --- comparing results -------------------------------------------------------------------------

_CONCAT = re.compile(r"GROUP_CONCAT\((?P<body>.*?)\bAS\s+\?(?P<var>\w+)", re.IGNORECASE)
_SEPARATOR = re.compile(r'separator\s*=\s*"(?P<sep>[^"]*)"', re.IGNORECASE)


def concatenations(name: str) -> dict[str, str]:
    """The variables a query fills with GROUP_CONCAT, and their separators.

    SPARQL 1.1 leaves the order of GROUP_CONCAT's values open, and two stores (even two
    Oxigraph stores loaded differently) may join them in different orders, so these cells
    compare as sorted lists of their parts.
    """
    text = (REPO / "queries" / f"{name}.rq").read_text()
    found = {}
    for match in _CONCAT.finditer(text):
        separator = _SEPARATOR.search(match["body"])
        found[match["var"]] = separator["sep"] if separator else " "  # the SPARQL default
    return found


def _value_key(cell: dict[str, str] | None, separator: str | None = None) -> tuple[str, ...]:
    """A binding as (type, value, datatype, lang), literals compared by value and datatype."""
    if cell is None:
        return ("unbound",)
    datatype = cell.get("datatype", XSD + "string" if "xml:lang" not in cell else "")
    value = cell["value"]
    if separator is not None:
        value = separator.join(sorted(value.split(separator)))
    if cell["type"] == "literal" and datatype in _NUMERIC:
        try:
            value = str(Decimal(value).normalize())
        except InvalidOperation:
            pass
    return (cell["type"], value, datatype, cell.get("xml:lang", "").lower())


def _rows(json_text: str, name: str) -> tuple[list[str], list[tuple]]:
    data = json.loads(json_text)
    variables = data["head"]["vars"]
    separators = concatenations(name)
    rows = sorted(tuple(_value_key(b.get(v), separators.get(v)) for v in variables)
                  for b in data["results"]["bindings"])
    return variables, rows


def _run(runner, project: Path, name: str, *extra: str) -> tuple[list[str], list[tuple]]:
    result = runner.invoke(main, ["query", name, "--project", str(project), "--format", "json",
                                  *extra])
    assert result.exit_code == 0, result.output
    return _rows(result.stdout, name)


def _assert_same_on_server(runner, oxigraph, project: Path, graph: str, name: str,
                           *params: str) -> int:
    embedded = _run(runner, project, name, *params)
    remote = _run(runner, project, name, *params, "--endpoint", oxigraph.query_url,
                  "--graph", graph)
    assert remote[0] == embedded[0], f"{name}: variables differ"
    assert remote[1] == embedded[1], f"{name}: rows differ"
    return len(embedded[1])


# --- kg-builder load ---------------------------------------------------------------------------

def test_load_puts_the_whole_dump_into_the_named_graph(runner, oxigraph, minimal, loaded):
    result = _load(runner, minimal, oxigraph, MINIMAL_GRAPH)  # again: PUT replaces, never adds
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"loaded {_dump_lines(minimal)} triples into <{MINIMAL_GRAPH}> at "
                             f"{oxigraph.store_url}\n")
    assert _dump_lines(minimal) == 288


def test_a_failed_load_leaves_the_graph_as_it_was(runner, oxigraph, minimal, loaded,
                                                  tmp_path):
    broken = make_project(tmp_path / "broken")
    (broken / "build").mkdir()
    lines = (minimal / "build" / "kg.nt").read_text().splitlines(keepends=True)
    (broken / "build" / "kg.nt").write_text("".join(lines[:100]) + "this is not RDF .\n")
    result = _load(runner, broken, oxigraph, MINIMAL_GRAPH)
    assert result.exit_code == 4
    assert f"endpoint {oxigraph.store_url} answered HTTP 400" in result.stderr
    assert count_graph(oxigraph.query_url, MINIMAL_GRAPH) == 288


def test_load_fails_when_the_store_counts_otherwise(runner, oxigraph, tmp_path):
    # A dump that says one triple twice: the store keeps one, and the count check catches it.
    twice = make_project(tmp_path / "twice")
    (twice / "build").mkdir()
    (twice / "build" / "kg.nt").write_text("<urn:a> <urn:b> <urn:c> .\n" * 2)
    result = _load(runner, twice, oxigraph, "https://example.org/graph/twice")
    assert result.exit_code == 4
    assert (f"graph <https://example.org/graph/twice> at {oxigraph.query_url} holds 1 triples, "
            f"but {twice / 'build' / 'kg.nt'} has 2") in result.stderr


def test_load_without_a_build_says_what_to_run(runner, project, oxigraph):
    result = _load(runner, project, oxigraph, MINIMAL_GRAPH)
    assert result.exit_code == 2
    assert "run 'kg-builder build' first" in result.stderr


def test_load_refuses_a_graph_that_is_not_an_iri(runner, minimal, oxigraph):
    result = _load(runner, minimal, oxigraph, "my graph")
    assert result.exit_code == 2
    assert "'my graph' is not a graph IRI" in result.stderr


def test_group_concat_cells_are_found_with_their_separators():
    assert concatenations("events-by-type") == {"participants": "; "}
    assert concatenations("historian-works") == {"lines": ", "}
    assert concatenations("posts-held") == {}


@pytest.mark.parametrize(("query_url", "store_url"), [
    ("http://localhost:7878/query", "http://localhost:7878/store"),  # Oxigraph
    ("http://localhost:3030/kg/sparql", "http://localhost:3030/kg/data"),  # Fuseki
    ("http://localhost:3030/kg/query", "http://localhost:3030/kg/data"),  # Fuseki
    ("http://localhost:7200/repositories/kg",
     "http://localhost:7200/repositories/kg/rdf-graphs/service"),  # GraphDB
    ("http://localhost:8890/sparql", "http://localhost:8890/sparql-graph-crud-auth"),  # Virtuoso
])
def test_the_graph_store_url_is_derived_for_common_stores(query_url, store_url):
    assert graph_store_url(query_url) == store_url


def test_an_unknown_graph_store_url_asks_for_store_url():
    with pytest.raises(UsageError, match="pass --store-url"):
        graph_store_url("http://localhost/blazegraph/namespace/kb")


# --- every canned query, on the server and embedded --------------------------------------------

@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_canned_query_gives_the_same_rows_on_the_server_minimal(runner, oxigraph, loaded,
                                                                        name):
    project, graph = loaded["minimal"]
    _assert_same_on_server(runner, oxigraph, project, graph, name)


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_canned_query_gives_the_same_rows_on_the_server_flagship(runner, oxigraph, loaded,
                                                                         flagship, name):
    project, graph = _load_flagship(loaded, oxigraph, flagship, runner)
    _assert_same_on_server(runner, oxigraph, project, graph, name)


def test_the_minimal_comparison_is_not_empty(runner, oxigraph, loaded):
    project, graph = loaded["minimal"]
    counts = {name: _assert_same_on_server(runner, oxigraph, project, graph, name)
              for name in ("trial-defendants", "person-timeline", "events-between",
                           "who-accused-whom")}
    assert all(counts.values()), counts


@pytest.mark.parametrize(("name", "params"), [
    ("person-timeline", ["--param", "person=person:kork"]),
    ("events-between", ["--param", "from=1937-05-15", "--param", "to=1937-06-11"]),
    ("events-in-year", ["--param", "year=1937"]),
    ("accusations-against", ["--param", "person=https://w3id.org/kg-builder/redarmy/person/kork"]),
    ("trial-defendants", ["--param", "trial=trial-military-1937-06-11"]),  # a bare record id
])
def test_parameters_bind_the_same_on_the_server(runner, oxigraph, loaded, name, params):
    project, graph = loaded["minimal"]
    assert _assert_same_on_server(runner, oxigraph, project, graph, name, *params) > 0


def test_a_parameter_that_tries_injection_stays_a_literal_on_the_server(runner, oxigraph, loaded):
    project, graph = loaded["minimal"]
    rows = _assert_same_on_server(runner, oxigraph, project, graph, "find-person",
                                  "--param", 'name=" } ; DROP ALL ; #')
    assert rows == 0
    assert _assert_same_on_server(runner, oxigraph, project, graph, "trial-defendants") > 0


# --- the two embedded engines ------------------------------------------------------------------

def _api_rows(project: Path, name: str, engine: str) -> tuple[list[str], list[tuple]]:
    from kg_builder.reporting import result_json

    return _rows(result_json(api.query(open_project(project), name, engine=engine)), name)


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_both_engines_give_the_same_rows(minimal, name):
    assert _api_rows(minimal, name, "rdflib") == _api_rows(minimal, name, "oxigraph")


def test_the_engine_option_on_the_command_line(runner, minimal):
    oxigraph = _run(runner, minimal, "trial-defendants")
    rdflib = _run(runner, minimal, "trial-defendants", "--engine", "rdflib")
    assert rdflib == oxigraph and len(oxigraph[1]) == 4
    bad = runner.invoke(main, ["query", "trial-defendants", "--project", str(minimal),
                               "--engine", "jena"])
    assert bad.exit_code == 2


# --- kg-builder serve --------------------------------------------------------------------------

def test_serve_answers_the_ui_and_sparql_then_stops(minimal, runner):
    server = api.serve(open_project(minimal), "127.0.0.1", free_port(), timeout=5)
    try:
        assert server.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(server.url, timeout=10) as page:
            assert page.status == 200
            assert page.headers["Content-Type"].startswith("text/html")
            assert b"<html" in page.read().lower()
        with urllib.request.urlopen(server.url + "yasgui.min.js", timeout=10) as script:
            assert script.status == 200  # the query page needs no network beyond the server
        query = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s a "
                                        "<https://w3id.org/kg-builder/ontology#Person> }"})
        request = urllib.request.Request(f"{server.query_url}?{query}",
                                         headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            count = json.load(answer)["results"]["bindings"][0]["n"]["value"]
        assert int(count) > 0
        embedded = _run(runner, minimal, "trial-defendants")
        assert _run(runner, minimal, "trial-defendants", "--endpoint", server.query_url) == \
            embedded
        with pytest.raises(urllib.error.HTTPError) as refused:  # read-only: no writes
            urllib.request.urlopen(urllib.request.Request(
                server.store_url + "?default", data=b"<urn:a> <urn:b> <urn:c> .",
                headers={"Content-Type": "application/n-triples"}, method="PUT"), timeout=10)
        assert refused.value.code == 403
    finally:
        server.stop()
    assert server.process.poll() is not None
    assert server.cleanup is not None and not server.cleanup.exists()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(server.url, timeout=5)


def test_serve_says_when_the_port_is_taken(minimal):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match="pick another with --port"):
            api.serve(open_project(minimal), "127.0.0.1", port)


def test_serve_without_oxigraph_says_how_to_install_it(runner, minimal, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("sysconfig.get_path", lambda name: str(tmp_path))
    result = runner.invoke(main, ["serve", "--project", str(minimal), "--port",
                                  str(free_port())])
    assert result.exit_code == 2
    assert "the Oxigraph server is not installed; install it with pip install" in result.stderr


def test_serve_without_a_build_says_what_to_run(runner, project):
    result = runner.invoke(main, ["serve", "--project", str(project)])
    assert result.exit_code == 2
    assert "run 'kg-builder build' first" in result.stderr


# --- endpoint failures: each with a clear message, and never a password ------------------------

class _Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        time.sleep(3)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class _Echo(http.server.BaseHTTPRequestHandler):
    """Answers 400 and echoes the Authorization header it got, as careless servers do."""

    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        import base64

        auth = self.headers.get("Authorization", "")
        decoded = base64.b64decode(auth.removeprefix("Basic ")).decode() if auth else "none"
        _Echo.seen.append(decoded)
        self.send_response(400)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(f"bad query from {decoded} at {self.path}".encode())

    do_PUT = do_GET

    def log_message(self, *args: object) -> None:
        pass


def _serve_in_thread(handler):  # type: ignore[no-untyped-def]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def slow_server():
    server = _serve_in_thread(_Slow)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def echo_server():
    _Echo.seen.clear()
    server = _serve_in_thread(_Echo)
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_exit_4_when_the_endpoint_times_out(runner, project, slow_server):
    result = runner.invoke(main, ["query", "posts-held", "--project", str(project),
                                  "--endpoint", slow_server + "/sparql", "--timeout", "1"])
    assert result.exit_code == 4
    assert result.stderr == (f"kg-builder: endpoint {slow_server}/sparql did not answer within "
                             "1 s; raise --timeout, or ask less of the server\n")


def test_a_password_in_the_url_is_sent_but_never_printed(runner, project, echo_server):
    url = f"http://reader:s3cret%2Fpw@{echo_server}/sparql"
    result = runner.invoke(main, ["query", "posts-held", "--project", str(project),
                                  "--endpoint", url])
    assert result.exit_code == 4
    assert _Echo.seen == ["reader:s3cret/pw"]
    assert f"endpoint http://{echo_server}/sparql answered HTTP 400" in result.stderr
    assert "bad query from reader:*** at" in result.stderr
    assert "s3cret" not in result.output and "s3cret" not in result.stderr


def test_a_password_from_the_environment_is_never_printed(runner, project, echo_server,
                                                          monkeypatch):
    monkeypatch.setenv("KG_BUILDER_ENDPOINT_USER", "reader")
    monkeypatch.setenv("KG_BUILDER_ENDPOINT_PASSWORD", "hunter2-secret")
    result = runner.invoke(main, ["query", "posts-held", "--project", str(project),
                                  "--endpoint", f"http://{echo_server}/sparql"])
    assert result.exit_code == 4
    assert _Echo.seen == ["reader:hunter2-secret"]
    assert "hunter2" not in result.stderr and "hunter2" not in result.output


def test_a_password_is_never_printed_when_loading(runner, minimal, echo_server, monkeypatch):
    monkeypatch.setenv("KG_BUILDER_ENDPOINT_USER", "writer")
    monkeypatch.setenv("KG_BUILDER_ENDPOINT_PASSWORD", "hunter2-secret")
    result = runner.invoke(main, ["load", "--project", str(minimal), "--endpoint",
                                  f"http://{echo_server}/ds/sparql", "--graph", MINIMAL_GRAPH])
    assert result.exit_code == 4
    assert _Echo.seen == ["writer:hunter2-secret"]
    assert f"endpoint http://{echo_server}/ds/data answered HTTP 400" in result.stderr
    assert "hunter2" not in result.stderr and "hunter2" not in result.output


def test_a_refused_connection_never_prints_the_password(runner, project):
    port = free_port()
    result = runner.invoke(main, ["query", "posts-held", "--project", str(project),
                                  "--endpoint", f"http://u:topsecret@127.0.0.1:{port}/sparql",
                                  "--timeout", "2"])
    assert result.exit_code == 4
    assert f"cannot reach endpoint http://127.0.0.1:{port}/sparql" in result.stderr
    assert "topsecret" not in result.stderr


def test_an_html_answer_is_a_clear_malformed_response(runner, project, oxigraph):
    result = runner.invoke(main, ["query", "posts-held", "--project", str(project),
                                  "--endpoint", oxigraph.url])
    assert result.exit_code == 4
    assert "sent an unreadable answer (text/html, not SPARQL JSON results)" in result.stderr


class _Digest(http.server.BaseHTTPRequestHandler):
    """A Graph Store that asks for Digest auth (as Virtuoso does) and checks the answer."""

    got: list[bytes] = []
    nonce = "kg-builder-test-nonce"

    def do_PUT(self) -> None:  # noqa: N802 (the stdlib's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self._verified():
            _Digest.got.append(body)
            self.send_response(201)
        else:
            self.send_response(401)
            self.send_header("WWW-Authenticate", f'Digest realm="store", nonce="{self.nonce}", '
                             'qop="auth", algorithm=MD5')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _verified(self) -> bool:
        import hashlib

        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 (the protocol's hash)

        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Digest "):
            return False
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', auth[7:]))
        ha1, ha2 = md5("writer:store:hunter2-secret"), md5(f"PUT:{fields.get('uri')}")
        expected = md5(f"{ha1}:{self.nonce}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
        return fields.get("username") == "writer" and fields.get("response") == expected

    def log_message(self, *args: object) -> None:
        pass


def test_a_graph_store_that_asks_for_digest_auth_gets_it():
    from kg_builder.endpoint import put_graph

    _Digest.got.clear()
    server = _serve_in_thread(_Digest)
    try:
        url = f"http://writer:hunter2-secret@127.0.0.1:{server.server_address[1]}/store"
        put_graph(url, MINIMAL_GRAPH, b"<urn:a> <urn:b> <urn:c> .\n")
        with pytest.raises(EndpointError, match="answered HTTP 401") as refused:
            put_graph(url.replace("hunter2", "wrong"), MINIMAL_GRAPH, b"")
        assert "wrong-secret" not in str(refused.value)
    finally:
        server.shutdown()
    assert _Digest.got == [b"<urn:a> <urn:b> <urn:c> .\n"]

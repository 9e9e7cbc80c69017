"""Remote SPARQL 1.1 endpoints and Graph Stores; SPARQLWrapper sits behind this module alone.

Queries go through SPARQLWrapper. Loading a graph goes through the SPARQL 1.1 Graph Store HTTP
Protocol with urllib: one PUT replaces the whole named graph, so a store never holds half a load.
Credentials come from the URL (user:password@host), the environment or ~/.netrc; every message
this module raises has them removed.
"""

from __future__ import annotations

import ast
import http.client
import json
import math
import netrc
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import quote, unquote, urlencode, urlparse

from .errors import EndpointError, UsageError
from .namespaces import XSD
from .store import QueryResult
from .terms import Literal, Term

USER_VARIABLE = "KG_BUILDER_ENDPOINT_USER"
PASSWORD_VARIABLE = "KG_BUILDER_ENDPOINT_PASSWORD"
NTRIPLES = "application/n-triples"
_T = TypeVar("_T")

if TYPE_CHECKING:
    from SPARQLWrapper import SPARQLWrapper


@dataclass(frozen=True)
class Target:
    """An endpoint URL without its user:password part, and the credentials to send to it."""

    url: str
    auth: tuple[str, str] | None

    def scrub(self, text: str) -> str:
        """The text with the password (plain or percent-encoded) replaced by '***'."""
        if self.auth and self.auth[1]:
            for secret in {self.auth[1], _quoted(self.auth[1])}:
                text = text.replace(secret, "***")
        return text


def _quoted(text: str) -> str:
    return quote(text, safe="")


def credentials(url: str) -> tuple[str, str] | None:
    """User and password from the environment, else from ~/.netrc; never printed."""
    user, password = os.environ.get(USER_VARIABLE), os.environ.get(PASSWORD_VARIABLE)
    if user and password:
        return user, password
    host = urlparse(url).hostname or ""
    try:
        entry = netrc.netrc().authenticators(host)
    except (OSError, netrc.NetrcParseError):
        return None
    return (entry[0], entry[2] or "") if entry else None


def target(url: str) -> Target:
    """Split user:password@ off a URL; without them, take credentials() for its host."""
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"'{_redact(url)}' is not an http(s) URL; give the endpoint as "
                         "https://host/path")
    if parts.username is None:
        return Target(url, credentials(url))
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    clean = parts._replace(netloc=netloc).geturl()
    return Target(clean, (unquote(parts.username), unquote(parts.password or "")))


def _redact(url: str) -> str:
    try:
        parts = urlparse(url)
        if parts.username is None:
            return url
        return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    except ValueError:
        return "<the URL>"


def _term(binding: dict[str, str]) -> Term:
    kind = binding.get("type")
    if kind == "uri":
        return binding["value"]
    if kind == "bnode":
        return "_:" + binding["value"]
    datatype = binding.get("datatype")
    lang = binding.get("xml:lang")
    if datatype == XSD + "string" or lang:
        datatype = None
    return Literal(binding["value"], datatype, lang)


# --- what went wrong, said plainly -------------------------------------------------------------

_HTTP_HINTS = {
    400: "the server refused the request (bad query or bad data)",
    401: f"unauthorised; set {USER_VARIABLE} and {PASSWORD_VARIABLE}, or add the host to "
         "~/.netrc",
    403: "forbidden; the credentials lack the right, or the store is read-only",
    404: "not found; check the URL (for a Graph Store, pass --store-url)",
    405: "method not allowed; is this the query URL instead of the Graph Store URL? "
         "Pass --store-url",
    413: "the upload is too large for the server; raise its request size limit",
    414: "the query is too long for a GET request",
}
_WRAPPER_CODES = {"QueryBadFormed": 400, "Unauthorized": 401, "EndPointNotFound": 404,
                  "URITooLong": 414, "EndPointInternalError": 500}


class _Failure(Exception):
    """A failed attempt: the message for the user, and whether trying again may help."""

    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def _server_said(body: bytes | str | None) -> str:
    if not body:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    first = " ".join(text.strip().split())[:200]
    return f" (the server said: {first})" if first else ""


def _http_failure(url: str, code: int, body: bytes | str | None) -> _Failure:
    hint = _HTTP_HINTS.get(code, "the server failed; try again later" if code >= 500
                           else "check the URL and the credentials")
    return _Failure(f"endpoint {url} answered HTTP {code}: {hint}{_server_said(body)}",
                    transient=code >= 500)


def _explain(exc: BaseException, url: str, timeout: float) -> _Failure:
    """Turn what urllib, http.client or SPARQLWrapper raised into a message for the user."""
    late = (f"endpoint {url} did not answer within {timeout:g} s; raise --timeout, or ask "
            "less of the server")
    if isinstance(exc, urllib.error.HTTPError):
        return _http_failure(url, exc.code, _read(exc))
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return _Failure(late, transient=False)
    if isinstance(exc, urllib.error.URLError):
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            return _Failure(late, transient=False)
        return _Failure(f"cannot reach endpoint {url}: {exc.reason}; check that the server "
                        "runs and the URL is right", transient=True)
    if isinstance(exc, ConnectionError):
        return _Failure(f"endpoint {url} dropped the connection: {exc}; check that the server "
                        "runs", transient=True)
    if isinstance(exc, http.client.HTTPException):
        return _Failure(f"endpoint {url} sent a broken HTTP answer ({type(exc).__name__}); "
                        "is the URL a SPARQL endpoint?", transient=True)
    if isinstance(exc, OSError):
        return _Failure(f"cannot reach endpoint {url}: {exc}; check that the server runs",
                        transient=True)
    code = _WRAPPER_CODES.get(type(exc).__name__)
    if code is not None:
        return _http_failure(url, code, _wrapper_body(exc))
    return _Failure(f"endpoint {url} answered with an error ({type(exc).__name__}); check the "
                    "URL, the query and the credentials", transient=False)


def _wrapper_body(exc: BaseException) -> bytes:
    """The server's answer, which SPARQLWrapper keeps only as a repr inside its message."""
    _, found, body = str(exc).partition("Response:\n")
    try:
        value = ast.literal_eval(body) if found else b""
    except (ValueError, SyntaxError):
        return body.encode("utf-8")
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def _read(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read()
    except (OSError, http.client.HTTPException):
        return b""


def _with_retries(action: Callable[[], _T], where: Target, timeout: float,
                  retries: int) -> _T:
    """Run an HTTP action; retry refused connections and 5xx answers with back-off."""
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    delay = 0.5
    for attempt in range(retries + 1):
        try:
            return action()
        except (OSError, http.client.HTTPException, SPARQLWrapperException) as exc:
            failure = _explain(exc, where.url, timeout)
            if not failure.transient or attempt == retries:
                tries = f" (tried {attempt + 1} times)" if attempt else ""
                raise EndpointError(where.scrub(f"{failure}{tries}")) from exc
        time.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")


# --- queries -----------------------------------------------------------------------------------

def remote_select(url: str, query: str, timeout: float = 30.0, retries: int = 2,
                  graph: str | None = None) -> QueryResult:
    """Run a SELECT query on an endpoint, retrying transient failures with back-off.

    With graph, the query runs on that named graph as its default graph (the protocol's
    default-graph-uri), e.g. the graph that load_graph() wrote.
    """
    where = target(url)

    def ask() -> tuple[str, bytes]:
        response = _wrapper(where, query, timeout, graph).query().response
        return response.headers.get("Content-Type", ""), response.read()

    content_type, body = _with_retries(ask, where, timeout, retries)
    try:
        data = json.loads(body.decode("utf-8"))
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise EndpointError(where.scrub(
            f"endpoint {where.url} sent an unreadable answer ({content_type or 'no content type'}"
            f", not SPARQL JSON results){_server_said(body)}; is the URL a SPARQL query "
            "endpoint?")) from exc
    return _result(where, data)


def _wrapper(where: Target, query: str, timeout: float, graph: str | None) -> SPARQLWrapper:
    from SPARQLWrapper import JSON, SPARQLWrapper

    wrapper = SPARQLWrapper(where.url)
    wrapper.setQuery(query)
    wrapper.setReturnFormat(JSON)
    wrapper.setTimeout(max(1, math.ceil(timeout)))  # SPARQLWrapper takes whole seconds; 0 = none
    if graph:
        wrapper.addParameter("default-graph-uri", graph)
    if where.auth:
        wrapper.setCredentials(*where.auth)
    return wrapper


def _result(where: Target, data: object) -> QueryResult:
    try:
        variables = list(data["head"]["vars"])  # type: ignore[index]
        rows = [{v: _term(b[v]) if v in b else None for v in variables}
                for b in data["results"]["bindings"]]  # type: ignore[index]
    except (KeyError, TypeError) as exc:
        raise EndpointError(where.scrub(
            f"endpoint {where.url} sent a malformed SPARQL JSON result (no {exc} in it); is the "
            "URL a SPARQL query endpoint?")) from exc
    return QueryResult(variables, rows)


# --- the Graph Store HTTP Protocol -------------------------------------------------------------

def graph_store_url(query_url: str) -> str:
    """The Graph Store Protocol URL that usually sits beside a query URL.

    Oxigraph: /query -> /store. Fuseki: /DATASET/sparql or /DATASET/query ->
    /DATASET/data. GraphDB: /repositories/REPO -> /repositories/REPO/rdf-graphs/service.
    Virtuoso: /sparql -> /sparql-graph-crud-auth. Anything else needs --store-url.
    """
    parts = urlparse(query_url)
    path = parts.path.rstrip("/")
    segments = path.split("/")
    if len(segments) == 3 and segments[1] == "repositories":
        new = path + "/rdf-graphs/service"
    elif path == "/query":
        new = "/store"
    elif path == "/sparql":
        new = "/sparql-graph-crud-auth"
    elif len(segments) >= 3 and segments[-1] in ("sparql", "query"):
        new = "/".join(segments[:-1]) + "/data"
    else:
        raise UsageError(f"cannot tell the Graph Store URL of {_redact(query_url)}; pass "
                         "--store-url (Fuseki: /DATASET/data, Oxigraph: /store, GraphDB: "
                         "/repositories/REPO/rdf-graphs/service, Virtuoso: "
                         "/sparql-graph-crud-auth)")
    return parts._replace(path=new, query="").geturl()


def put_graph(store_url: str, graph: str, body: bytes, timeout: float = 60.0,
              retries: int = 2) -> None:
    """Replace a named graph with N-Triples in one Graph Store Protocol PUT.

    The server swaps the graph in one request, so it never holds half the data: if the PUT
    fails, the old graph stays as it was.
    """
    where = target(store_url)
    joiner = "&" if urlparse(where.url).query else "?"
    url = where.url + joiner + urlencode({"graph": graph})
    opener = _opener(where)

    def put() -> None:
        request = urllib.request.Request(url, data=body, method="PUT",
                                         headers={"Content-Type": NTRIPLES + "; charset=utf-8"})
        with opener.open(request, timeout=timeout) as response:
            response.read()

    _with_retries(put, where, timeout, retries)


def _opener(where: Target) -> urllib.request.OpenerDirector:
    """Sends Basic auth up front, and answers a Digest challenge (Virtuoso's) if one comes."""
    if where.auth is None:
        return urllib.request.build_opener()
    passwords = urllib.request.HTTPPasswordMgrWithPriorAuth()
    passwords.add_password(None, where.url, *where.auth, is_authenticated=True)
    return urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(passwords),
                                       urllib.request.HTTPDigestAuthHandler(passwords))


def count_graph(url: str, graph: str, timeout: float = 30.0) -> int:
    """How many triples the named graph holds, counted by the query endpoint."""
    result = remote_select(url, f"SELECT (COUNT(*) AS ?triples) WHERE {{ GRAPH <{graph}> "
                           "{ ?s ?p ?o } }", timeout=timeout)
    cell = result.rows[0].get("triples") if result.rows else None
    if not isinstance(cell, Literal) or not cell.value.isdigit():
        raise EndpointError(f"endpoint {target(url).url} answered the triple count with "
                            f"{cell!r}, not a number; is it a SPARQL 1.1 endpoint?")
    return int(cell.value)

"""Remote SPARQL 1.1 endpoints; SPARQLWrapper sits behind this module alone."""

from __future__ import annotations

import netrc
import os
import socket
import time
import urllib.error
from urllib.parse import urlparse

from .errors import EndpointError
from .namespaces import XSD
from .store import QueryResult
from .terms import Literal, Term

USER_VARIABLE = "KG_BUILDER_ENDPOINT_USER"
PASSWORD_VARIABLE = "KG_BUILDER_ENDPOINT_PASSWORD"


def credentials(url: str) -> tuple[str, str] | None:
    """User and password from the environment, else from ~/.netrc; never printed."""
    user, password = os.environ.get(USER_VARIABLE), os.environ.get(PASSWORD_VARIABLE)
    if user and password:
        return user, password
    host = urlparse(url).hostname or ""
    try:
        entry = netrc.netrc().authenticators(host)
    except (FileNotFoundError, netrc.NetrcParseError):
        return None
    return (entry[0], entry[2] or "") if entry else None


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


def _redact(url: str) -> str:
    parts = urlparse(url)
    return parts._replace(netloc=parts.hostname or "").geturl() if parts.password else url


def remote_select(url: str, query: str, timeout: float = 30.0, retries: int = 2) -> QueryResult:
    """Run a SELECT query on an endpoint, retrying transient failures with back-off."""
    from SPARQLWrapper import JSON, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException

    wrapper = SPARQLWrapper(url)
    wrapper.setQuery(query)
    wrapper.setReturnFormat(JSON)
    wrapper.setTimeout(int(timeout))
    auth = credentials(url)
    if auth:
        wrapper.setCredentials(*auth)
    delay = 0.5
    for attempt in range(retries + 1):
        try:
            data = wrapper.queryAndConvert()
            break
        except urllib.error.HTTPError as exc:
            if exc.code < 500 or attempt == retries:
                raise EndpointError(f"endpoint {_redact(url)} answered HTTP {exc.code} "
                                    f"{exc.reason}; check the URL and the credentials") from exc
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as exc:
            if attempt == retries:
                reason = getattr(exc, "reason", exc)
                raise EndpointError(f"cannot reach endpoint {_redact(url)}: {reason}; check "
                                    "that the server runs, or raise --timeout") from exc
        except EndPointInternalError as exc:
            if attempt == retries:
                raise EndpointError(f"endpoint {_redact(url)} answered HTTP 500 (internal error) "
                                    f"{retries + 1} times; try again later") from exc
        except SPARQLWrapperException as exc:
            status = _STATUS.get(type(exc).__name__, "an error")
            raise EndpointError(f"endpoint {_redact(url)} answered {status}; check the URL, the "
                                "query and the credentials") from exc
        except ValueError as exc:
            raise EndpointError(f"endpoint {_redact(url)} sent an unreadable answer: {exc}") from exc
        time.sleep(delay)
        delay *= 2
    return _result(url, data)


_STATUS = {"QueryBadFormed": "HTTP 400 (bad query)", "Unauthorized": "HTTP 401 (unauthorised)",
           "EndPointNotFound": "HTTP 404 (not found)", "URITooLong": "HTTP 414 (query too long)"}


def _result(url: str, data: object) -> QueryResult:
    try:
        variables = list(data["head"]["vars"])  # type: ignore[index]
        rows = [{v: _term(b[v]) if v in b else None for v in variables}
                for b in data["results"]["bindings"]]  # type: ignore[index]
    except (KeyError, TypeError) as exc:
        raise EndpointError(f"endpoint {_redact(url)} sent a malformed SPARQL JSON result "
                            f"(missing {exc}); is the URL a SPARQL query endpoint?") from exc
    return QueryResult(variables, rows)

"""The command-line skin: parse options, call one library function, report. Only module to import click."""

from __future__ import annotations

import functools
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import BadInputError, ExitCode, KgBuilderError, OutputError

FAIL_ON = {"violation": "Violation", "warning": "Warning", "info": "Info"}
ENGINES = ("auto", "sparql", "pyshacl")  # validation.ENGINES, kept here so --help imports nothing


def _engine_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """The --engine option of build and validate."""
    return click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True,
                        help="SHACL engine: compiled SPARQL on the embedded store, with pySHACL "
                        "for shapes it cannot compile (auto); only compiled SPARQL (sparql); or "
                        "pySHACL, the reference (pyshacl).")(command)


def _handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn kg-builder's exceptions into a message on stderr and the documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except KgBuilderError as exc:
            click.echo(f"kg-builder: {exc}", err=True)
            if isinstance(exc, (BadInputError, OutputError)) and command.__name__ == "build":
                click.echo("kg-builder: nothing was written; build/ was left as it was", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except BrokenPipeError:
            # The reader went away (e.g. `| head`); stop quietly, as other command-line tools do.
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
                pass  # no real file descriptor (e.g. under a test runner): nothing to silence
            sys.exit(ExitCode.OK)
        except Exception as exc:  # the last resort: an internal error, not a data problem
            if os.environ.get("KG_BUILDER_DEBUG"):
                raise
            click.echo(f"kg-builder: internal error: {type(exc).__name__}: {exc}\n"
                       "Please report it; set KG_BUILDER_DEBUG=1 for the traceback.", err=True)
            sys.exit(ExitCode.INTERNAL)

    return wrapper


def _project_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
                     default=".", show_default=True, help="Project folder."),
        click.option("--facts", type=click.Path(file_okay=False, path_type=Path),
                     help="Facts folder [default: PROJECT/facts]."),
        click.option("--base-iri", help="Base IRI of the data [default: KG_BUILDER_BASE_IRI or "
                     "https://w3id.org/kg-builder/redarmy/]."),
        click.option("--seeds", type=click.Path(file_okay=False, path_type=Path),
                     help="Seed texts for the evidence check [default: KG_SEEDS_DIR or "
                     "../shared/seeds]."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _format_option(*choices: str) -> Callable[..., Any]:
    """The one --format option every command shares."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0],
                        show_default=True, help="Output format.")


def _open(project_dir: Path, facts: Path | None, base_iri: str | None, seeds: Path | None,
          build: Path | None = None):  # type: ignore[no-untyped-def]
    from .project import open_project

    return open_project(project_dir, facts=facts, base_iri=base_iri, seeds=seeds, build=build)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg-builder")
def main() -> None:
    """Build, validate and query a curated linked-data knowledge graph."""


@main.command()
@_project_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder [default: PROJECT/build].")
@click.option("--fail-on", type=click.Choice(list(FAIL_ON)), default="violation",
              show_default=True, help="Lowest severity that fails the build.")
@_engine_option
@_handle_errors
def build(project_dir: Path, facts: Path | None, base_iri: str | None, seeds: Path | None,
          out: Path | None, fail_on: str, engine: str = "auto") -> None:
    """Load, check, map and validate the facts, then write the dumps to build/.

    Nothing in build/ changes unless the graph conforms.

    Example: kg-builder build
    """
    from .api import build as build_graph
    from .reporting import report_text

    project = _open(project_dir, facts, base_iri, seeds, out)
    result = build_graph(project, FAIL_ON[fail_on], engine)
    if not result.evidence_checked:
        click.echo(f"kg-builder: warning: no seed texts at {project.seeds_dir}; quotes were not "
                   "checked (set KG_SEEDS_DIR)", err=True)
    if not result.written:
        click.echo(report_text(result.report, project.base_iri), nl=False)
        for failure in result.guard_failures:
            click.echo(f"guard: {failure.message()}")
        reason = "lost data" if result.guard_failures else "does not conform"
        click.echo(f"kg-builder: the graph {reason}; build/ was left as it was", err=True)
        sys.exit(ExitCode.NOT_CONFORMANT)
    click.echo(f"{result.records} records, {result.triples} triples; "
               f"{result.report.count('Violation')} violations, "
               f"{result.report.count('Warning')} warnings")
    for path in result.written:
        click.echo(f"wrote {path}")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_project_options
@click.option("--shapes", "shapes", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Shapes file(s) to use instead of PROJECT/shapes.")
@click.option("--fail-on", type=click.Choice(list(FAIL_ON)), default="violation",
              show_default=True, help="Lowest severity that makes the exit code 1.")
@_format_option("text", "json", "junit", "github", "shacl")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the report to this file (e.g. junit.xml for CI).")
@_engine_option
@_handle_errors
def validate(paths: tuple[Path, ...], project_dir: Path, facts: Path | None,
             base_iri: str | None, seeds: Path | None, shapes: tuple[Path, ...], fail_on: str,
             fmt: str, output: Path | None, engine: str = "auto") -> None:
    """Validate the facts folder, or any RDF files, against the SHACL shapes.

    Exit code 1 means the data does not conform; the report names each facts file and line.
    Formats: text (coloured on a terminal), json, junit (JUnit XML for CI dashboards), github
    (GitHub Actions annotations) and shacl (the SHACL validation report graph in Turtle).

    Example: kg-builder validate --format junit --output junit.xml
    """
    from .api import validate as validate_graph
    from .reporting import colourise, render_report, write_report_file

    project = _open(project_dir, facts, base_iri, seeds)
    report = validate_graph(project, list(paths), list(shapes) or None, engine)
    text = render_report(report, fmt, project.base_iri)
    if output:
        write_report_file(output, text)
    colour = fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    click.echo(colourise(text) if colour else text, nl=False)
    if report.fails(FAIL_ON[fail_on]):
        sys.exit(ExitCode.NOT_CONFORMANT)


def _parse_params(values: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"'{item}' is not NAME=VALUE", param_hint="--param")
        params[name] = value
    return params


@main.command()
@click.argument("name")
@_project_options
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter; repeat for several.")
@click.option("--endpoint", metavar="URL", help="Run on this SPARQL 1.1 endpoint instead.")
@click.option("--data", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="RDF file(s) to query instead of build/kg.nt.")
@click.option("--timeout", type=float, default=30.0, show_default=True,
              help="Endpoint timeout in seconds.")
@_format_option("table", "csv", "json")
@click.option("--engine", type=click.Choice(["oxigraph", "rdflib"]), default="oxigraph",
              show_default=True, help="Embedded SPARQL engine.")
@click.option("--graph", metavar="IRI",
              help="With --endpoint: query this named graph as the default graph.")
@_handle_errors
def query(name: str, project_dir: Path, facts: Path | None, base_iri: str | None,
          seeds: Path | None, params: tuple[str, ...], endpoint: str | None,
          data: tuple[Path, ...], timeout: float, fmt: str, engine: str,
          graph: str | None) -> None:
    """Run a canned query from queries/ on the built graph or an endpoint.

    Example: kg-builder query trial-defendants --param trial=trial-military-1937-06-11
    """
    from .api import query as run_query
    from .reporting import result_csv, result_json, result_table

    project = _open(project_dir, facts, base_iri, seeds)
    result = run_query(project, name, _parse_params(params), endpoint, list(data) or None,
                       timeout, engine=engine, graph=graph)
    if fmt == "csv":
        click.echo(result_csv(result), nl=False)
    elif fmt == "json":
        click.echo(result_json(result), nl=False)
    else:
        click.echo(result_table(result, project.base_iri), nl=False)


@main.command()
@_project_options
@_format_option("text", "json")
@_handle_errors
def queries(project_dir: Path, facts: Path | None, base_iri: str | None, seeds: Path | None,
            fmt: str) -> None:
    """List the canned queries by tag, with their summaries and parameters.

    Example: kg-builder queries
    """
    import json

    from .api import queries as list_queries

    library = list_queries(_open(project_dir, facts, base_iri, seeds))
    if fmt == "json":
        click.echo(json.dumps([{"name": q.name, "summary": q.summary, "tags": q.tags,
                                "parameters": [p.name for p in q.parameters]}
                               for q in library], indent=2))
        return
    by_tag: dict[str, list[Any]] = {}
    for canned in library:
        for tag in canned.tags or ["untagged"]:
            by_tag.setdefault(tag, []).append(canned)
    for tag in sorted(by_tag):
        click.echo(f"{tag}:")
        for canned in by_tag[tag]:
            params = "".join(f" --param {p.name}=..." for p in canned.parameters)
            click.echo(f"  {canned.name}{params}\n      {canned.summary}")


@main.command()
@click.argument("version")
@_project_options
@click.option("--date", "date", metavar="YYYY-MM-DD",
              help="Release date [default: from SOURCE_DATE_EPOCH; one of the two is needed].")
@click.option("--force", is_flag=True, help="Overwrite an existing release of this version.")
@click.option("--sparql-endpoint", metavar="URL",
              help="SPARQL endpoint to announce in the VoID [default: KG_BUILDER_SPARQL_ENDPOINT].")
@_handle_errors
def release(version: str, project_dir: Path, facts: Path | None, base_iri: str | None,
            seeds: Path | None, date: str | None, force: bool,
            sparql_endpoint: str | None) -> None:
    """Build the graph and publish it as build/releases/VERSION/ with notes and a versioned ontology.

    Example: kg-builder release 1.0.0 --date 2025-01-31
    """
    from .api import release as make_release
    from .project import open_project
    from .reporting import report_text

    project = open_project(project_dir, facts=facts, base_iri=base_iri, seeds=seeds,
                           sparql_endpoint=sparql_endpoint)
    result = make_release(project, version, date, force)
    if not result.build.written:
        click.echo(report_text(result.build.report, project.base_iri), nl=False)
        for failure in result.build.guard_failures:
            click.echo(f"guard: {failure.message()}")
        click.echo(f"kg-builder: the graph does not conform; release {version} was not written",
                   err=True)
        sys.exit(ExitCode.NOT_CONFORMANT)
    after = f" (after {result.previous})" if result.previous else " (the first release)"
    click.echo(f"released {version}{after}: {result.build.triples} triples, "
               f"{len(result.build.written)} files in {result.folder}")


@main.command()
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@_project_options
@_handle_errors
def diff(old: Path, new: Path, project_dir: Path, facts: Path | None, base_iri: str | None,
         seeds: Path | None) -> None:
    """Write Markdown release notes: what changed from OLD to NEW (builds or dump files).

    Example: kg-builder diff build/releases/1.0.0 build
    """
    from .api import diff as diff_graphs

    click.echo(diff_graphs(_open(project_dir, facts, base_iri, seeds), old, new), nl=False)


@main.command()
@_project_options
@click.option("--endpoint", metavar="URL", required=True,
              help="SPARQL 1.1 query endpoint of the store (to count the loaded triples).")
@click.option("--graph", metavar="IRI", required=True, help="Named graph to replace.")
@click.option("--store-url", metavar="URL",
              help="Graph Store Protocol URL [default: derived from --endpoint].")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="Timeout of each request in seconds.")
@_handle_errors
def load(project_dir: Path, facts: Path | None, base_iri: str | None, seeds: Path | None,
         endpoint: str, graph: str, store_url: str | None, timeout: float) -> None:
    """Replace a named graph of a triple store with build/kg.nt, in one request.

    Uses the SPARQL 1.1 Graph Store HTTP Protocol, then counts the triples in the graph.

    Example: kg-builder load --endpoint http://localhost:7878/query --graph https://example.org/kg
    """
    from .api import load as load_graph

    result = load_graph(_open(project_dir, facts, base_iri, seeds), endpoint, graph, store_url,
                        timeout)
    click.echo(f"loaded {result.triples} triples into <{result.graph}> at {result.store_url}")


@main.command()
@_project_options
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 opens it to the network.")
@click.option("--port", type=click.IntRange(1, 65535), default=7878, show_default=True,
              help="Port to listen on.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
              show_default=True, help="Query timeout in seconds.")
@_handle_errors
def serve(project_dir: Path, facts: Path | None, base_iri: str | None, seeds: Path | None,
          host: str, port: int, timeout: float) -> None:
    """Serve the built graph read-only over SPARQL, with a query page for the browser.

    Ctrl-C stops the server.

    Example: kg-builder serve --port 7878
    """
    import signal

    from .api import serve as serve_graph

    server = serve_graph(_open(project_dir, facts, base_iri, seeds), host, port, timeout)
    # A plain kill should clean up as Ctrl-C does: leave no server or store behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    click.echo(f"serving {', '.join(str(f) for f in server.files)} read-only\n"
               f"open {server.url} in a browser to query; SPARQL endpoint: {server.query_url}\n"
               "press Ctrl-C to stop")
    try:
        server.wait()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.stop()

"""A read-only SPARQL endpoint with a query UI: the Oxigraph server sits behind this module alone.

The `oxigraph` package from PyPI ships the Oxigraph CLI and HTTP server as one binary. We load
the dump into an on-disk store in a temporary folder with `oxigraph load`, then run `oxigraph
serve-read-only` on it. The server answers SPARQL 1.1 queries at /query and serves a YASGUI
query page at /, with no network access needed by the browser.
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import subprocess
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BadInputError, EndpointError, Problem, UsageError

INSTALL_HINT = "pip install 'oxigraph>=0.5,<0.6' (a dependency of kg-builder: reinstall it)"
START_SECONDS = 30.0


def oxigraph_command() -> str:
    """The oxigraph binary: beside this Python's scripts first (a venv), then on PATH."""
    scripts = sysconfig.get_path("scripts")
    found = shutil.which("oxigraph", path=os.pathsep.join([scripts, os.environ.get("PATH", "")]))
    if found is None:
        raise UsageError(f"the Oxigraph server is not installed; install it with {INSTALL_HINT}")
    return found


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass
class Server:
    """A running Oxigraph server: its URLs and process. stop() ends it and removes its store."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    cleanup: Path | None = None
    files: list[Path] = field(default_factory=list)

    @property
    def query_url(self) -> str:
        """The SPARQL 1.1 query endpoint."""
        return self.url + "query"

    @property
    def store_url(self) -> str:
        """The Graph Store Protocol endpoint (writable servers only)."""
        return self.url + "store"

    def wait(self) -> None:
        """Block until the server stops; raise EndpointError if it stopped on a failure.

        Ctrl-C in a terminal reaches the server too, so SIGINT or SIGTERM is a clean stop.
        """
        code = self.process.wait()
        if code not in (0, -signal.SIGINT, -signal.SIGTERM):
            raise EndpointError(f"the Oxigraph server at {self.url} stopped with exit code "
                                f"{code}: {self.last_words()}")

    def last_words(self) -> str:
        """The server's last line of output, for error messages."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "no output"
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("Error:")]
        return (errors or lines or ["no output"])[-1]

    def stop(self) -> None:
        """End the server (politely, then by force) and remove its temporary store."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.cleanup is not None:
            shutil.rmtree(self.cleanup, ignore_errors=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def load_store(location: Path, files: list[Path]) -> None:
    """Load RDF files into the default graph of an on-disk Oxigraph store, in one transaction."""
    command = [oxigraph_command(), "load", "--location", str(location), "--file",
               *map(str, files)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()
        raise BadInputError([Problem(", ".join(map(str, files)), None, None,
                                     f"the Oxigraph server cannot load the RDF: "
                                     f"{said[-1] if said else 'exit ' + str(done.returncode)}",
                                     "rebuild with 'kg-builder build'")])


def start_server(arguments: list[str], host: str, port: int, location: Path,
                 cleanup: Path | None = None) -> Server:
    """Run `oxigraph ARGUMENTS --location LOCATION --bind HOST:PORT` until it answers.

    Its output goes to LOCATION.log; stop() removes the cleanup folder, if one is given.
    """
    command = [oxigraph_command(), *arguments, "--location", str(location),
               "--bind", _host_port(host, port)]
    log_path = location.with_name(location.name + ".log")
    with log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT)
    server = Server(f"http://{_host_port(host, port)}/", process, log_path, cleanup)
    try:
        _wait_until_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise UsageError(f"the Oxigraph server did not start: {server.last_words()}; if "
                             "the port is in use, pick another with --port")
        try:
            with urllib.request.urlopen(server.url, timeout=2):  # noqa: S310 (our own server)
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise EndpointError(f"the Oxigraph server at {server.url} did not answer within "
                        f"{START_SECONDS:g} s: {server.last_words()}")


def serve_files(files: list[Path], host: str = "127.0.0.1", port: int = 7878,
                timeout: float = 30.0) -> Server:
    """Serve RDF files read-only over SPARQL with a query UI; the caller stops the Server."""
    workdir = Path(tempfile.mkdtemp(prefix="kg-builder-serve-"))
    location = workdir / "store"
    try:
        load_store(location, files)
        arguments = ["serve-read-only", "--timeout-s", str(max(1, math.ceil(timeout)))]
        server = start_server(arguments, host, port, location, cleanup=workdir)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    server.files = list(files)
    return server

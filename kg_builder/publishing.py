"""Publishing a graph: dumps in four formats, gzip copies, dataset description, docs, checksums.

Every output goes straight into a staging folder as it is produced: each dump is written from
the sorted N-Triples lines in one pass, its gzip copy and both SHA-256 sums made on the way, so
that no output is ever held whole in memory. `Staging.commit` then renames everything into
place at once. Everything here is a pure function of the triples, the ontology and shapes files
and the Edition (version, date, URLs), so a rebuild gives the same bytes.
"""

from __future__ import annotations

import errno
import hashlib
import json
import multiprocessing
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from .errors import output_error
from .metadata import (Edition, GraphStatistics, citation_cff, describe_catalogue,
                       describe_dataset, describe_distributions)
from .namespaces import KIND_PATHS, metadata_prefixes, prefixes
from .ontology_docs import ontology_html
from .serialisation import (GzipWriter, jsonld_context, to_turtle, write_jsonld, write_nquads,
                            write_nquads_bytes, write_turtle)
from .warming import can_fork

DUMP_TURTLE = "kg.ttl"
DUMP_NTRIPLES = "kg.nt"
DUMP_JSONLD = "kg.jsonld"
DUMP_NQUADS = "kg.nq"
DUMPS = (DUMP_TURTLE, DUMP_NTRIPLES, DUMP_JSONLD, DUMP_NQUADS)
CONTEXT = "context.jsonld"
DESCRIPTION = "void.ttl"
CITATION = "CITATION.cff"
ONTOLOGY_DOCS = "ontology.html"
SUMS = "SHA256SUMS"

Digest = tuple[int, str]  # size in bytes, SHA-256 in hex
_READ_WHOLE = 64 << 20  # bytes of kg.nt read into memory at once for the other dumps


def claim_graph(base_iri: str) -> Callable[[str], str | None]:
    """The named graph of a subject: `<base>claim/<id>` for a claim and its nested nodes."""
    claims = base_iri + KIND_PATHS["claim"]

    def graph_of(subject: str) -> str | None:
        if not subject.startswith(claims):
            return None
        return claims + subject[len(claims):].split("/", 1)[0]

    return graph_of


class _HashedFile:
    """A file being written, with its size and SHA-256 kept as it grows."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("wb")
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.file.write(data)
        self.sha.update(data)
        self.size += len(data)
        return len(data)

    def close(self) -> Digest:
        self.file.close()
        return self.size, self.sha.hexdigest()


class _Lane:
    """A thread applying `sink` to each chunk queued, in order; the first error is kept and
    raised to the feeding thread. The thread starts with the first chunk: until then the
    build may still fork (see warming.can_fork)."""

    def __init__(self, sink: Callable[[bytes], object], name: str) -> None:
        self.sink = sink
        self.chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=16)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._drain, name=name, daemon=True)
        self.started = False

    def put(self, data: bytes) -> None:
        """Queue a chunk, or raise the error the lane met."""
        if self.error is not None:
            raise self.error
        if not self.started:
            self.started = True
            self.thread.start()
        self.chunks.put(data)

    def _drain(self) -> None:
        while (data := self.chunks.get()) is not None:
            if self.error is not None:
                continue  # keep taking chunks, so that the writer never blocks on a full queue
            try:
                self.sink(data)
            except BaseException as exc:  # handed to the writer's thread, which raises it
                self.error = exc

    def close(self) -> None:
        """Wait for the chunks queued; raise the error met, if any."""
        if self.started:
            self.chunks.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error


class _DumpWriter:
    """A dump and its gzip copy, fed by a writer and written by two background threads.

    Writing and hashing the dump, and compressing and hashing its copy, release the GIL, so
    they overlap the writer's Python work and each other; the dump can be finished (for other
    readers to start on it) while its copy is still being compressed.
    """

    def __init__(self, path: Path, packed: bool) -> None:
        self.name = path.name
        self.plain = _HashedFile(path)
        self.packed = _HashedFile(path.with_name(path.name + ".gz")) if packed else None
        self.gzip = GzipWriter(self.packed) if self.packed else None  # type: ignore[arg-type]
        self.lanes = [_Lane(self.plain.write, f"write {path.name}")]
        if self.gzip is not None:
            self.lanes.append(_Lane(self.gzip.write, f"compress {path.name}"))

    def write(self, data: bytes) -> int:
        """Queue bytes for the file and its copy (BinaryIO's write)."""
        for lane in self.lanes:
            lane.put(data)
        return len(data)

    def close_plain(self) -> dict[str, Digest]:
        """Finish the dump itself; its size and SHA-256 sum."""
        try:
            self.lanes[0].close()
        finally:
            digest = self.plain.close()
        return {self.name: digest}

    def close_packed(self) -> dict[str, Digest]:
        """Finish the gzip copy, if any; its size and sum."""
        if self.gzip is None or self.packed is None:
            return {}
        try:
            self.lanes[1].close()
            self.gzip.close()
        finally:
            digest = self.packed.close()
        return {self.name + ".gz": digest}

    def close(self) -> dict[str, Digest]:
        """Finish both files; their sizes and SHA-256 sums by name."""
        try:
            digests = self.close_plain()
        finally:
            packed = self.close_packed()
        return digests | packed


class Staging:
    """The staging folder of one publication, used as a `with` block.

    Files go in as they are produced; `commit` renames them all into the target; leaving the
    block removes whatever is left. A failed run thus leaves the target as it was, and files
    in the target that this publication does not produce are never touched. A write that
    fails in the block (no space, no permission, a file in the way) leaves it as an
    OutputError naming where; `option` is the command's option that moves the target.
    """

    def __init__(self, target: Path, beside: Path | None = None,
                 option: str | None = "--out") -> None:
        self.target = target
        self.beside = beside or target.parent
        self.option = option
        self.folder = Path()
        self._digests: dict[str, Digest] = {}
        # Gzip copies still being compressed: each call finishes one and gives its digest.
        # The dump writer's thread (where the platform does not fork) may settle them too.
        self._pending: list[Callable[[], dict[str, Digest]]] = []
        self._settling = threading.Lock()

    @property
    def digests(self) -> dict[str, Digest]:
        """Each staged file's size and SHA-256 sum, by name (copies still being compressed are
        waited for first)."""
        self.settle()
        return self._digests

    @digests.setter
    def digests(self, value: dict[str, Digest]) -> None:
        self._digests = value

    def settle(self) -> None:
        """Wait for the gzip copies still being compressed; raise the first error met."""
        with self._settling:
            while self._pending:
                self._digests |= self._pending.pop(0)()

    def __enter__(self) -> Staging:
        try:
            self.beside.mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.staging-",
                                                dir=self.beside))
        except OSError as exc:
            self._raise_output_error(exc, [self.beside, self.target])
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        with self._settling:
            for finish in self._pending:
                with suppress(Exception):  # the build has already failed, or committed
                    finish()
            self._pending = []
        shutil.rmtree(self.folder, ignore_errors=True)
        if isinstance(error, OSError):
            self._raise_output_error(error, [self.target, self.folder])

    def _raise_output_error(self, exc: OSError, folders: list[Path]) -> None:
        """Raise `exc` as an OutputError if it is about writing into `folders`; a staged
        file is named by where it was to go."""
        named = exc
        if exc.filename and Path(exc.filename).is_relative_to(self.folder) and self.folder.parts:
            where = self.target / Path(exc.filename).relative_to(self.folder)
            named = OSError(exc.errno, exc.strerror, str(where))
        converted = output_error(named, folders, self.option)
        if converted is not None:
            raise converted from exc

    def path(self, name: str) -> Path:
        """Where a staged file is (or will be)."""
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write_bytes(self, name: str, data: bytes) -> None:
        """Stage a small file whole."""
        self.path(name).write_bytes(data)
        self.digests[name] = (len(data), hashlib.sha256(data).hexdigest())

    @contextmanager
    def dump(self, name: str, packed: bool = True, copy_later: bool = False
             ) -> Iterator[BinaryIO]:
        """A binary stream for a dump, and (if `packed`) its gzip copy `name`.gz.

        `copy_later`: the block ends as soon as the dump itself is written, for others to
        read; its copy is finished in the background, before `digests` is next read.
        """
        writer = _DumpWriter(self.path(name), packed)
        try:
            yield writer  # type: ignore[misc]
        finally:
            if copy_later:
                try:
                    self._digests |= writer.close_plain()
                finally:
                    self._pending.append(writer.close_packed)
            else:
                self._digests |= writer.close()

    def write_checksums(self) -> None:
        """SHA256SUMS over every staged file (check with `sha256sum -c SHA256SUMS`)."""
        sums = "".join(f"{self.digests[name][1]}  {name}\n" for name in sorted(self.digests))
        self.write_bytes(SUMS, sums.encode("utf-8"))

    def commit(self) -> list[Path]:
        """Rename every staged file into the target; the paths written, sorted."""
        self.target.mkdir(parents=True, exist_ok=True)
        # A folder in the way fails the first rename onto it; found first, it fails before
        # any file is replaced, so the target stays as it was.
        for name in sorted(self.digests):
            if (self.target / name).is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR),
                                        str(self.target / name))
        written = []
        for name in sorted(self.digests):
            destination = self.target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.folder / name, destination)
            written.append(destination)
        return written


_WRITERS: dict[str, Callable[[Iterator[str], BinaryIO, str], None]] = {
    DUMP_TURTLE: lambda lines, out, base: write_turtle(lines, out, prefixes(base)),
    DUMP_JSONLD: lambda lines, out, base: write_jsonld(lines, out, prefixes(base)),
    DUMP_NQUADS: lambda lines, out, base: write_nquads(lines, out, claim_graph(base),
                                                       base + KIND_PATHS["claim"]),
}


class PublicationStopped(Exception):
    """Writing stopped on request: the graph will not be published."""


def _unless_stopped(lines: Iterator[str], stop: threading.Event) -> Iterator[str]:
    while chunk := list(islice(lines, 1 << 16)):
        if stop.is_set():
            raise PublicationStopped
        yield from chunk


def write_dump(staging: Staging, name: str, base_iri: str,
               stop: threading.Event | None = None, lines: list[str] | None = None) -> None:
    """One dump (kg.ttl, kg.jsonld or kg.nq) and its gzip copy, from the staged kg.nt (or its
    `lines`, already read); raises PublicationStopped once `stop` is set."""
    if name == DUMP_NQUADS and _small(staging):
        _write_nquads_whole(staging, base_iri, stop)
        return
    with ExitStack() as files:
        source: Iterable[str] = lines if lines is not None else files.enter_context(
            staging.path(DUMP_NTRIPLES).open(encoding="utf-8", newline=""))
        out = files.enter_context(staging.dump(name))
        _WRITERS[name](iter(source) if stop is None else _unless_stopped(iter(source), stop),
                       out, base_iri)


def _write_claimed(staging: Staging, base_iri: str, claim: Callable[[], str | None],
                   stop: threading.Event | None = None) -> None:
    """Write the dumps that `claim` hands out, until it hands out none."""
    lines: list[str] | None = None
    while (name := claim()) is not None:
        if lines is None and name != DUMP_NQUADS:  # N-Quads reads kg.nt's bytes, if small
            lines = _small_dump_lines(staging)
        write_dump(staging, name, base_iri, stop, lines)


def _small(staging: Staging) -> bool:
    return staging.path(DUMP_NTRIPLES).stat().st_size <= _READ_WHOLE


def _write_nquads_whole(staging: Staging, base_iri: str,
                        stop: threading.Event | None = None) -> None:
    """kg.nq from kg.nt's bytes: the lines of the default graph are copied, not decoded (on
    the flagship, 54 ms where reading the lines and writing them took 86 ms)."""
    data = staging.path(DUMP_NTRIPLES).read_bytes()
    if stop is not None and stop.is_set():
        raise PublicationStopped
    with staging.dump(DUMP_NQUADS) as out:
        write_nquads_bytes(data, out, claim_graph(base_iri), base_iri + KIND_PATHS["claim"])


def _small_dump_lines(staging: Staging) -> list[str] | None:
    """kg.nt's lines if it is small enough to hold: read once for several writers, since
    iterating a text file line by line costs about a third as much as a writer itself."""
    if not _small(staging):
        return None
    with staging.path(DUMP_NTRIPLES).open(encoding="utf-8", newline="") as whole:
        return whole.readlines()


class _Claims:
    """Dump names handed out from both ends under a lock: the writer process takes them from
    the front (the longest first), the validating process from the back once it is done, so
    that neither waits idle for the other."""

    def __init__(self, names: list[str], lock: Any, value: Callable[[int], Any] | None = None
                 ) -> None:
        self.names = names
        self.lock = lock
        make = value or _Counter
        self.front, self.back = make(0), make(len(names))

    def first(self) -> str | None:
        """The next name from the front, or None when all are taken."""
        with self.lock:
            if self.front.value >= self.back.value:
                return None
            self.front.value += 1
            return self.names[self.front.value - 1]

    def last(self) -> str | None:
        """The next name from the back, or None when all are taken."""
        with self.lock:
            if self.front.value >= self.back.value:
                return None
            self.back.value -= 1
            return self.names[self.back.value]


class _Counter:
    """An integer cell, as multiprocessing.Value gives one, for threads."""

    def __init__(self, value: int) -> None:
        self.value = value


# The writer process's order: the longest dump first, so the validating process, which takes
# from the other end, ends up with the short ones. (Turtle last, for the validating process to
# take first, measured slower on the flagship: 925 against 868 ms, medians of 8 alternating
# runs; that process has not read kg.nt's lines, the writer process has.)
_BY_LENGTH = [DUMP_JSONLD, DUMP_TURTLE, DUMP_NQUADS]


class DumpJob:
    """The dumps but kg.nt written beside the caller once kg.nt is staged, in a `with` block.

    On Linux the writer is a process forked when the block is entered, while the build's heap
    is still small and no thread runs: forked later, it would hold on to every page the parent
    changes afterwards (at 1M triples that doubled the build's memory). It waits for `start`.
    The writers are pure Python, so a thread would share one core with the validator through
    the GIL; a thread is used only where the platform does not fork safely. The caller's
    `wait` writes whatever dumps are not taken yet itself. Leaving the block without `wait`
    stops the job.
    """

    def __init__(self, staging: Staging, base_iri: str,
                 docs: tuple[list[Path], list[Path]]) -> None:
        self.staging = staging
        self.base_iri = base_iri
        # The ontology and shapes files: their HTML documentation is written with the JSON-LD
        # context, before kg.nt is ready (neither depends on the graph).
        self.docs = docs
        self.stop = threading.Event()
        self.process: multiprocessing.process.BaseProcess | None = None
        self.thread: threading.Thread | None = None
        self.outcome: tuple[str, object] | None = None
        self.claims = _Claims(_BY_LENGTH, threading.Lock())

    def __enter__(self) -> DumpJob:
        if can_fork():
            self._fork()
        return self

    def _fork(self) -> None:
        context = multiprocessing.get_context("fork")
        self.claims = _Claims(_BY_LENGTH, context.Lock(),
                              lambda value: context.Value("i", value, lock=False))
        self.control, orders = context.Pipe()
        self.process = context.Process(target=_write_in_child,
                                       args=(self.staging, self.base_iri, self.claims, orders,
                                             self.docs),
                                       name="kg-builder dumps", daemon=True)
        self.process.start()
        orders.close()

    def start(self) -> None:
        """kg.nt is staged: start writing the other dumps from it."""
        if self.process is not None:
            self.control.send("start")
        else:
            self.thread = threading.Thread(target=self._in_thread, name="write dumps",
                                           daemon=True)
            self.thread.start()

    def _in_thread(self) -> None:
        try:
            _write_prelude(self.staging, self.base_iri, self.docs)
            _write_claimed(self.staging, self.base_iri, self.claims.first, self.stop)
            self.outcome = ("done", {})
        except BaseException as exc:  # handed to the caller's thread by wait()
            self.outcome = ("error", exc)

    def wait(self) -> None:
        """Write the dumps not taken yet, wait for the others; add their sizes and sums to the
        staging, or raise the error."""
        _write_claimed(self.staging, self.base_iri, self.claims.last)
        if self.process is not None:
            try:
                self.outcome = self.control.recv()
            except EOFError:
                self.outcome = ("error", OSError(
                    f"the process writing the dumps stopped (exit code {self.process.exitcode})"))
            self.process.join()
        elif self.thread is not None:
            self.thread.join()
        kind, value = self.outcome or ("error", OSError("the dumps were not written"))
        if kind == "error":
            raise value  # type: ignore[misc]
        self.staging.digests |= value  # type: ignore[call-overload]

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join()
        if self.thread is not None:
            self.thread.join()


def _write_prelude(staging: Staging, base_iri: str,
                   docs: tuple[list[Path], list[Path]]) -> None:
    """What the writer writes before kg.nt is ready: the JSON-LD context, the ontology docs."""
    write_context(staging, base_iri)
    write_docs(staging, *docs)


def write_docs(staging: Staging, ontology: list[Path], shapes: list[Path]) -> None:
    """The ontology and shapes documented as one HTML page."""
    staging.write_bytes(ONTOLOGY_DOCS, ontology_html(ontology, shapes).encode("utf-8"))


def _write_in_child(staging: Staging, base_iri: str, claims: _Claims, orders: Any,
                    docs: tuple[list[Path], list[Path]]) -> None:
    """The forked process: write the prelude while the parent checks the facts; on "start",
    write the dumps it claims and send back the digests, or the error; a closed pipe means
    there is nothing to write."""
    staging.digests = {}
    prelude: BaseException | None = None
    try:
        _write_prelude(staging, base_iri, docs)
    except BaseException as exc:  # sent once the parent asks for the dumps
        prelude = exc
    try:
        if orders.recv() != "start":
            return
    except EOFError:
        return
    try:
        if prelude is not None:
            raise prelude
        _write_claimed(staging, base_iri, claims.first)
        message: tuple[str, object] = ("done", staging.digests)
    except BaseException as exc:
        message = ("error", exc)
    try:
        orders.send(message)
    except Exception as exc:  # an error that does not pickle goes back as its text
        orders.send(("error", OSError(f"writing the dumps failed: {message[1]!r} ({exc})")))


def write_context(staging: Staging, base_iri: str) -> None:
    """context.jsonld: the published JSON-LD context."""
    context = {"@context": jsonld_context(prefixes(base_iri))}
    staging.write_bytes(CONTEXT, (json.dumps(context, indent=1, sort_keys=True) + "\n")
                        .encode("utf-8"))


def write_description(staging: Staging, stats: GraphStatistics, base_iri: str,
                      edition: Edition) -> None:
    """VoID + DCAT (over the staged dumps' sizes and sums) and CITATION.cff (the ontology docs
    are written by the DumpJob)."""
    dumps = {name: staging.digests[name] for name in staging.digests
             if name.removesuffix(".gz") in DUMPS}
    description = (describe_dataset(stats, base_iri)
                   | describe_catalogue(stats, base_iri, edition)
                   | describe_distributions(base_iri, dumps, edition))
    staging.write_bytes(DESCRIPTION, to_turtle(description, metadata_prefixes(base_iri))
                        .encode("utf-8"))
    staging.write_bytes(CITATION, citation_cff(base_iri, edition).encode("utf-8"))

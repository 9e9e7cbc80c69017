"""Streaming a facts folder to sorted N-Triples lines, one file at a time, at any size.

Phase 1 checks each facts file and spills its checked records to a temporary file (as plain data); only a
compact index (id -> kind, file and line), the references not resolved yet and the evidence
problems stay in memory. Phase 2 maps the spilled records file by file into sorted runs of
N-Triples lines, kept in memory while they are small and written to disk past that. A merge of
the runs gives the graph's sorted, duplicate-free lines: the one stream that every writer, the
dataset description and the validator read. The output equals mapping the whole folder at once.
"""

from __future__ import annotations

import heapq
import marshal
import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, cast

from .cache import BuildCache
from .errors import BadInputError, Problem
from .evidence import Seed, check_evidence, evidence_passed
from .loading import FactBase, Record, _Checker, display_path, facts_files
from .mapping import Origin, map_to_graph
from .memory import collector_paused
from .serialisation import sorted_lines
from .store import EmbeddedStore
from .validation import ValidationReport, validate_ntriples, validate_store
from .warming import can_fork, warm_cache
from .yaml_source import LocatedMap

# Above this many bytes of N-Triples (about 3M triples) validation uses an on-disk store.
STORE_IN_MEMORY_BYTES = 600_000_000
# Characters of lines fed to the validation store while the facts are still being checked and
# mapped; past this the store is loaded from kg.nt once the runs are freed, as peak memory then
# matters more than the overlap.
FEED_LIMIT = 64_000_000
# Bytes of facts files whose checked records stay in memory between checking and mapping;
# a bigger folder's are written to a scratch file.
SPILL_IN_MEMORY = 4_000_000
# Characters of run lines kept in memory before runs go to disk: a 1M-triple graph stays in
# memory (its merge is then a C sort), a 10M one spills.
RUN_MEMORY = 400_000_000


class _LinesOnDemand(dict):  # type: ignore[type-arg]
    """Facts-file lines for problem excerpts: only the latest file is kept; a late problem (an
    unresolved reference) re-reads the file it points into."""

    def __init__(self, files: dict[str, Path]) -> None:
        super().__init__()
        self.files = files

    def __setitem__(self, path: str, lines: list[str]) -> None:
        self.clear()
        super().__setitem__(path, lines)

    def get(self, path: str, default: Any = None) -> Any:
        lines = super().get(path)
        if lines is None and path in self.files:
            lines = self.files[path].read_text(encoding="utf-8", errors="replace").splitlines()
            self[path] = lines
        return default if lines is None else lines


def _stub(record: Record) -> Record:
    """What the index keeps of a record: kind, id, file and line (deprecations whole: their
    check needs the id's position)."""
    if record.kind == "deprecation":
        return record
    return Record(record.kind, cast(LocatedMap, {"id": record.data.get("id")}), record.path,
                  record.line)


class StoreFeeder:
    """Loads N-Triples lines into an in-memory store in a background thread, as each file's
    lines become known, so that loading overlaps checking and mapping on the other core
    (pyoxigraph parses and inserts without the GIL). Used as a `with` block; `store()` is the
    loaded store, or None if the feed was abandoned (too big, or lines that no longer hold).
    """

    def __init__(self, limit: int = FEED_LIMIT) -> None:
        self.limit = limit
        self.abandoned = False
        self.error: BaseException | None = None
        self.loaded: EmbeddedStore | None = None
        self.chunks: queue.Queue[list[str] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._load, name="load store", daemon=True)
        self.started = False

    def __enter__(self) -> StoreFeeder:
        # The thread starts with the first lines, so that the cache can be warmed in a forked
        # process before then (see warming.can_fork).
        return self

    def _load(self) -> None:
        try:
            store: EmbeddedStore | None = EmbeddedStore()
            self.loaded = store
            while (lines := self.chunks.get()) is not None:
                if self.abandoned:
                    store = self.loaded = None  # freed now, not when the build ends
                elif store is not None:
                    store.load_ntriples("".join(lines), trusted=True)
        except BaseException as exc:  # the store is then loaded from kg.nt instead
            self.error = exc
            while self.chunks.get() is not None:
                pass

    def add(self, lines: list[str]) -> None:
        """Queue one file's lines for the store."""
        if self.abandoned:
            return
        self.limit -= sum(map(len, lines))
        if self.limit < 0:
            self.abandon()
            return
        if not self.started:
            self.started = True
            self.thread.start()
        self.chunks.put(lines)

    def abandon(self) -> None:
        """Stop feeding: the store will be loaded from the finished dump."""
        if not self.abandoned:
            self.abandoned = True
            if self.started:
                self.chunks.put([])  # wakes the thread, which frees what it loaded
            else:
                self.loaded = None

    def store(self) -> EmbeddedStore | None:
        """The store holding every line fed, once loaded; None if abandoned or failed."""
        self.finish()
        if self.abandoned or self.error is not None:
            self.loaded = None
        return self.loaded

    def finish(self) -> None:
        """Stop the loading thread (after what is queued)."""
        if self.thread.is_alive():
            self.chunks.put(None)
            self.thread.join()

    def __exit__(self, *exc: object) -> None:
        self.abandoned = self.abandoned or exc[0] is not None
        self.finish()
        self.loaded = None


def _mapped_entry(path: str) -> str:
    return f"mapped:{path}"


class MappedCache:
    """Files mapped by an earlier build, from the build cache.

    An entry is looked up while its file is checked, so that the file's records need not be
    spilled and read back, and used while mapping if every record id it looked up in other
    files still has the kind it had then; if one does not, the file is mapped again.
    """

    def __init__(self, cache: BuildCache, base_iri: str, budget: int = RUN_MEMORY) -> None:
        self.cache = cache
        self.base_iri = base_iri
        # Each entry found: (lines, origins, kinds, digest of the file it was mapped from); a
        # file edited since (during the build) must not get the mapping of its earlier text.
        self.found: dict[str, tuple[list[str], dict[str, Any], dict[str, str], bytes]] = {}
        # Characters of lines kept: a graph too big for its runs to stay in memory is cached
        # only up to that size, so that a warm build holds no more than a cold one.
        self.budget = budget

    def lookup(self, path: str, key: bytes) -> bool:
        """Whether an earlier build mapped this file (by its content and the base IRI)."""
        held = self.found.get(path)
        if held is not None and held[3] == key:
            return True
        entry = self.cache.get(_mapped_entry(path), self._key(key))
        if entry is not None:
            self.found[path] = (*entry, key)
        return entry is not None

    def holds(self, path: str, key: bytes) -> bool:
        """Whether the cache holds a mapping of this file, from the entry's header alone (see
        BuildCache.holds)."""
        return self.cache.holds(_mapped_entry(path), self._key(key))

    def _key(self, key: bytes) -> bytes:
        # A mapping depends on the file and on the base IRI its triples are minted under.
        return key + self.base_iri.encode()

    def take(self, path: str, index: FactBase) -> tuple[list[str], dict[str, Origin]] | None:
        """A file's sorted lines and origins, if the ids it refers to kept their kinds."""
        lines, origins, kinds, _ = self.found.pop(path)
        by_id = index.by_id
        if not all((record := by_id.get(record_id)) is not None and record.kind == kind
                   for record_id, kind in kinds.items()):
            return None
        return lines, {iri: Origin(*origin) for iri, origin in origins.items()}

    def keep(self, path: str, key: bytes, lines: list[str], graph: Any,
             found: bool = False) -> None:
        """Store a file's mapping for the next build, while within the budget; `found` also
        keeps it for this build, as if looked up."""
        self.budget -= sum(map(len, lines))
        if self.budget < 0:
            return
        origins = {iri: (o.path, o.line, o.record_id) for iri, o in graph.origins.items()}
        self.cache.put(_mapped_entry(path), self._key(key),
                       (lines, origins, graph.kinds))
        if found:
            self.found[path] = (lines, origins, graph.kinds, key)


class RecordSpill:
    """Where phase 1 leaves each file's checked records for phase 2: kept as they are for a
    small folder, else written to `file` as plain data with marshal."""

    def __init__(self, file: BinaryIO | None = None) -> None:
        self.file = file
        self.kept: list[list[Record] | tuple[str, str]] = []

    def put(self, item: list[Record] | tuple[str, str]) -> None:
        """One file's records, or (display path, file) for a file mapped earlier."""
        if self.file is None:
            self.kept.append(item)
        elif isinstance(item, tuple):
            marshal.dump(item, self.file)
        else:
            # Plain dicts and lists: marshal writes and reads them about 4x faster than pickle
            # does the located ones, and mapping needs no positions.
            marshal.dump([(r.kind, _plain(r.data), r.path, r.line) for r in item], self.file)

    def items(self) -> Iterator[list[Record] | tuple[str, str]]:
        """What was put, in order; kept items are released as they are read."""
        if self.file is None:
            kept, self.kept = self.kept, []
            kept.reverse()
            while kept:
                yield kept.pop()
            return
        yield from _spilled(self.file)


@dataclass
class _Phase1:
    """The checker over every file, and what it keeps between files."""

    checker: _Checker
    seeds: dict[str, Seed] | None
    spill: RecordSpill
    mapped: MappedCache | None = None
    feeder: StoreFeeder | None = None
    evidence: list[Problem] = field(default_factory=list)
    records: int = 0

    def check(self, file: Path) -> None:
        checker = self.checker
        start = len(checker.facts.records)
        checker.check_file(file, self.index_will_do)
        records = checker.facts.records[start:]
        self.records += len(records)
        if not checker.problems:
            path = display_path(file)
            if self.seeds is not None:
                digests = {path: checker.facts.digests[path]} if checker.cache else {}
                facts = FactBase(records, digests=digests)
                self.evidence.extend(check_evidence(facts, self.seeds, checker.cache))
            key = checker.facts.digests.get(path)
            if self.mapped is not None and key is not None and self.mapped.lookup(path, key):
                self.spill.put((path, str(file)))
                if self.feeder is not None:
                    self.feeder.add(self.mapped.found[path][0])
            else:
                self.spill.put(records)
        self.compact(start, records)

    def index_will_do(self, path: str, key: bytes) -> bool:
        """Whether an unchanged file needs no more than its index entry: its mapping is
        cached, and so is its quote check against these seeds (if they are given)."""
        cache = self.checker.cache
        return (self.mapped is not None and cache is not None
                and (self.seeds is None or evidence_passed(path, key, self.seeds, cache))
                and self.mapped.lookup(path, key))

    def compact(self, start: int, records: list[Record]) -> None:
        """Swap the file's records for stubs; drop the references that already resolve."""
        facts = self.checker.facts
        kept = []
        for record in records:
            if record.id or record.kind == "deprecation":
                # A record read from an index entry holds its id alone: it is a stub already.
                stub = record if len(record.data) == 1 else _stub(record)
                kept.append(stub)
                if facts.by_id.get(record.id) is record:
                    facts.by_id[record.id] = stub
        facts.records[start:] = kept
        by_id = facts.by_id
        self.checker.references = [
            ref for ref in self.checker.references
            if not (ref.target in by_id and by_id[ref.target].kind in ref.kinds)]


@collector_paused()
def check_files(folder: Path, seeds: dict[str, Seed] | None, spill: BinaryIO | RecordSpill,
                cache: BuildCache | None = None, mapped: MappedCache | None = None,
                feeder: StoreFeeder | None = None) -> tuple[FactBase, int]:
    """Check every facts file (and its quotes, given seeds), spilling the checked records.

    With a cache, files unchanged since an earlier build are neither parsed nor checked again
    (nor their quotes); the checks across files run every time. With `mapped`, a file mapped
    by an earlier build spills only its name (see MappedCache), and its lines go to `feeder`.

    Returns the index (stub records by id) and the number of records; raises BadInputError
    with every problem, as load_facts does.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInputError([Problem(str(folder), None, None, "the facts folder does not exist",
                                     "run from the project folder, or pass --facts PATH")])
    files = facts_files(folder.resolve())
    if not files:
        raise BadInputError([Problem(str(folder), None, None, "the facts folder has no .yaml files",
                                     "add facts files (see docs/facts-format.md)")])
    lines = _LinesOnDemand({display_path(f): f for f in files})
    phase = _Phase1(_Checker(folder.resolve(), cache, lines=lines), seeds,
                    spill if isinstance(spill, RecordSpill) else RecordSpill(spill), mapped,
                    feeder)
    for file in files:
        phase.check(file)
    phase.checker.resolve_references()
    phase.checker.check_deprecations()
    if phase.checker.problems:
        raise BadInputError(phase.checker.problems)
    if phase.evidence:
        raise BadInputError(phase.evidence)
    return phase.checker.facts, phase.records


def _plain(value: Any) -> Any:
    """A YAML value with its positions dropped: plain dicts and lists."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _spilled(spill: BinaryIO) -> Iterator[list[Record] | tuple[str, str]]:
    """Each file's spilled records, or (display path, file) for a file mapped earlier."""
    spill.seek(0)
    while True:
        try:
            records = marshal.load(spill)
        except EOFError:
            return
        if isinstance(records, tuple):
            yield records
        else:
            yield [Record(kind, data, path, line) for kind, data, path, line in records]


class SortedRuns:
    """Sorted runs of N-Triples lines: in memory up to RUN_MEMORY characters, then on disk."""

    def __init__(self, folder: Path, memory: int = RUN_MEMORY) -> None:
        self.folder = folder
        self.memory = memory
        self.kept = 0
        self.runs: list[list[str] | Path] = []

    def add(self, lines: list[str]) -> None:
        """Keep one sorted run."""
        size = sum(map(len, lines))
        if self.kept + size <= self.memory:
            self.kept += size
            self.runs.append(lines)
            return
        path = self.folder / f"run-{len(self.runs):05d}.nt"
        with path.open("w", encoding="utf-8", newline="") as out:
            out.writelines(lines)
        self.runs.append(path)

    def merged(self) -> Iterator[str]:
        """The lines of every run, sorted, each once; the runs are released as they are read."""
        runs, self.runs = self.runs, []
        if all(isinstance(run, list) for run in runs):
            # In memory, one sort of the concatenated runs: Timsort merges them in C.
            stream: Iterable[str] = sorted(line for run in runs for line in cast(list[str], run))
            runs.clear()
        else:
            stream = heapq.merge(*(_read_run(run) for run in runs))
        previous = None
        for line in stream:
            if line != previous:
                yield line
                previous = line


def _read_run(run: list[str] | Path) -> Iterator[str]:
    if isinstance(run, list):
        yield from run
        return
    with run.open(encoding="utf-8", newline="") as lines:
        yield from lines


@collector_paused()
def map_files(spill: BinaryIO | RecordSpill, index: FactBase, base_iri: str, runs: SortedRuns,
              mapped: MappedCache | None = None,
              feeder: StoreFeeder | None = None) -> dict[str, Origin]:
    """Map the spilled records file by file into sorted runs; the origin of every IRI minted
    (the first record to mint it wins, as when mapping the whole folder). With `mapped`, files
    mapped by an earlier build are reused when still valid, and new mappings kept; `feeder`
    gets the lines of each file mapped now."""
    origins: dict[str, Origin] = {}
    shared: dict[Origin, Origin] = {}
    items = spill.items() if isinstance(spill, RecordSpill) else _spilled(spill)
    for spilled in items:
        lines, file_origins = _mapped(spilled, index, base_iri, mapped, feeder)
        for iri, origin in file_origins.items():
            if iri not in origins:
                origins[iri] = shared.setdefault(origin, origin)
        runs.add(lines)
        del lines, file_origins, spilled
    return origins


def _mapped(spilled: list[Record] | tuple[str, str], index: FactBase, base_iri: str,
            mapped: MappedCache | None,
            feeder: StoreFeeder | None) -> tuple[list[str], dict[str, Origin]]:
    """One file's sorted N-Triples lines and IRI origins."""
    if isinstance(spilled, tuple):
        path, file = spilled
        reused = mapped.take(path, index) if mapped is not None else None
        if reused is not None:
            return reused
        if feeder is not None:
            feeder.abandon()  # it was fed this file's earlier lines
        spilled = _records_of(Path(file), mapped)
    graph = map_to_graph(FactBase(spilled, index.by_id), base_iri)
    lines = sorted_lines(graph.triples)
    if feeder is not None:
        feeder.add(lines)
    if mapped is not None and spilled:
        key = index.digests.get(spilled[0].path)
        if key is not None:
            mapped.keep(spilled[0].path, key, lines, graph)
    return lines, graph.origins


def _records_of(file: Path, mapped: MappedCache | None) -> list[Record]:
    """A checked file's records again (from the build cache), for a file whose earlier mapping
    no longer holds: one of the ids it refers to changed kind."""
    checker = _Checker(file.parent, mapped.cache if mapped else None)
    checker.check_file(file)
    return checker.facts.records


@dataclass
class StreamedGraph:
    """A checked and mapped facts folder: its sorted runs, origins and record count."""

    runs: SortedRuns
    origins: dict[str, Origin]
    records: int

    def lines(self) -> Iterator[str]:
        """The graph's N-Triples lines, sorted and duplicate-free (one pass only)."""
        return self.runs.merged()


def stream_facts(folder: Path, seeds: dict[str, Seed] | None, base_iri: str,
                 scratch: Path, run_memory: int = RUN_MEMORY,
                 cache: BuildCache | None = None,
                 feeder: StoreFeeder | None = None) -> StreamedGraph:
    """Check and map a facts folder into sorted runs, using `scratch` for what spills; every
    file's lines also go to `feeder`, if given."""
    files = facts_files(folder.resolve()) if folder.is_dir() else []
    small = sum(file.stat().st_size for file in files) <= SPILL_IN_MEMORY
    warm = small and len(files) > 1 and can_fork()
    if warm and cache is None:
        # Without the project's cache, one in scratch carries the forked process's work.
        cache = BuildCache(scratch / "cache")
    mapped = MappedCache(cache, base_iri) if cache is not None else None
    if warm and mapped is not None:
        warm_cache(folder.resolve(), files, seeds, mapped)
    with ExitStack() as stack:
        spill = RecordSpill(None if small else stack.enter_context(
            (scratch / "records.marshal").open("w+b")))
        index, records = check_files(folder, seeds, spill, cache, mapped, feeder)
        runs = SortedRuns(scratch, run_memory)
        origins = map_files(spill, index, base_iri, runs, mapped, feeder)
    return StreamedGraph(runs, origins, records)


def validate_dump(dump: Path, shapes: list[Path], origins: dict[str, Origin], engine: str,
                  scratch: Path, store: EmbeddedStore | None = None) -> ValidationReport:
    """Validate an N-Triples file: in `store` (which holds it) if given, else in an in-memory
    store, or on disk (in `scratch`) when big."""
    if engine == "pyshacl":
        return validate_ntriples(dump.read_text(encoding="utf-8"), shapes, origins, engine)
    return validate_store(store or store_for(dump, scratch), shapes, origins, engine)


def store_for(dump: Path, scratch: Path) -> EmbeddedStore:
    """A store holding an N-Triples file: in memory, or on disk in `scratch` when it is big."""
    on_disk = dump.stat().st_size > STORE_IN_MEMORY_BYTES
    store = EmbeddedStore(scratch / "store" if on_disk else None)
    store.load_file(dump)
    return store

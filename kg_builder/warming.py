"""Filling the build cache for changed facts files on both cores before a build reads it.

Checking, quote-checking and mapping a facts file are the build's work per file, and the
build cache holds each of them (see cache.py and streaming.MappedCache). When two or more files
are not in the cache, half of them are done by a forked process while this one does the other
half: first each checks its files and their quotes, then each maps its files against the index
of every file. The build then finds every file in the cache, as after an unchanged build.

Warming only ever adds cache entries, which the build checks as it does any entry: a file with
problems gets no entry, so the build checks it again and reports them; a file whose mapping no
longer holds is mapped again. If the forked process fails, the build does its files itself.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import BuildCache, digest
from .evidence import Seed, check_evidence, evidence_passed
from .loading import FactBase, Record, _Checker, display_path, index_entry
from .mapping import map_to_graph
from .memory import collector_paused
from .serialisation import sorted_lines

if TYPE_CHECKING:
    from .streaming import MappedCache

_CHECKED, _MAPPED = "checked", "mapped"


@dataclass
class _File:
    """A facts file, its display path, the digest of its bytes and their number."""

    file: Path
    path: str
    key: bytes
    size: int


@dataclass
class _Work:
    """What both processes share: the folder, every file, the seeds and the cache."""

    folder: Path
    files: list[_File]
    seeds: dict[str, Seed] | None
    mapped: MappedCache

    @property
    def cache(self) -> BuildCache:
        return self.mapped.cache


def can_fork() -> bool:
    """Whether a process can be forked safely here: on Linux, with no other thread running
    (a thread holding a lock at the fork leaves the child that lock, held for ever), and not
    from a daemonic process (a multiprocessing pool's worker may not have children)."""
    return (sys.platform == "linux" and threading.active_count() == 1
            and not multiprocessing.current_process().daemon)


def warm_cache(folder: Path, files: list[Path], seeds: dict[str, Seed] | None,
               mapped: MappedCache) -> int:
    """Check, quote-check (given seeds) and map the files the cache lacks, half of them in a
    forked process, so that the build finds them all in the cache. Returns how many files
    were missing, or 0 when there was nothing to share: fewer than two, or no safe fork."""
    if not can_fork():
        return 0
    work = _Work(folder, [_read(f) for f in files], seeds, mapped)
    missing = [f for f in work.files if not _held(f, work)]
    if len(missing) < 2:
        return 0
    ours, theirs = _halves(missing)
    context = multiprocessing.get_context("fork")
    here, there = context.Pipe()
    process = context.Process(target=_in_child, args=(work, theirs, there), daemon=True,
                              name="kg-builder warm cache")
    process.start()
    there.close()
    try:
        _share(work, ours, here)
    finally:
        if process.is_alive():
            process.terminate()
        process.join()
        here.close()
    return len(missing)


def _read(file: Path) -> _File:
    raw = file.read_bytes()
    return _File(file, display_path(file), digest(raw), len(raw))


def _held(file: _File, work: _Work) -> bool:
    """Whether the cache holds everything the build needs of an unchanged file."""
    cache, key = work.cache, file.key
    return (cache.holds(index_entry(file.path), key) and work.mapped.holds(file.path, key)
            and (work.seeds is None or evidence_passed(file.path, key, work.seeds, cache,
                                                       quick=True)))


def _halves(files: list[_File]) -> tuple[list[_File], list[_File]]:
    """Two shares of about the same bytes: the biggest files first, each to the lighter share."""
    shares: tuple[list[_File], list[_File]] = ([], [])
    weights = [0, 0]
    for file in sorted(files, key=lambda f: (-f.size, f.path)):
        lighter = 0 if weights[0] <= weights[1] else 1
        shares[lighter].append(file)
        weights[lighter] += file.size
    return shares


def _in_child(work: _Work, files: list[_File], pipe: Connection) -> None:
    """The forked half. Any failure just ends it: the build then does these files itself, and
    reports what it finds there."""
    try:
        _share(work, files, pipe)
    except BaseException:  # noqa: BLE001 - see the docstring
        pipe.close()
        raise SystemExit(1) from None


def _share(work: _Work, files: list[_File], pipe: Connection) -> None:
    """One process's share: check its files; once both have, map them; wait for the other."""
    checked = _check(work, files)
    try:
        pipe.send(_CHECKED)
        if pipe.recv() != _CHECKED:
            return
        _map(work, checked)
        pipe.send(_MAPPED)
        pipe.recv()
    except (EOFError, OSError):  # the other process stopped; the build does the rest
        return


@collector_paused()
def _check(work: _Work, files: list[_File]) -> dict[str, tuple[_File, list[Record]]]:
    """Check each file (and its quotes) into the cache; the records of those that passed."""
    checked = {}
    for file in files:
        checker = _Checker(work.folder, work.cache)
        checker.check_file(file.file, keep_records=False)
        if checker.problems:
            continue
        # Keyed by the bytes just checked, which differ from those digested before the fork
        # if the file was saved in between: an entry must never hold another text's work.
        file = replace(file, key=checker.facts.digests[file.path])
        records = checker.facts.records
        if work.seeds is not None:
            facts = FactBase(records, digests={file.path: file.key})
            if check_evidence(facts, work.seeds, work.cache):
                continue
        checked[file.path] = (file, records)
    return checked


@collector_paused()
def _map(work: _Work, checked: dict[str, tuple[_File, list[Record]]]) -> None:
    """Map each checked file against the index of every file, into the cache. If a file has no
    index entry (it has problems), the build fails anyway, and nothing is mapped."""
    index = _Checker(work.folder)
    for file in work.files:
        entry = work.cache.get(index_entry(file.path), file.key)
        if entry is None:
            return
        index.reuse_index(file.path, entry)
    for file, records in checked.values():
        graph = map_to_graph(FactBase(records, index.facts.by_id), work.mapped.base_iri)
        work.mapped.keep(file.path, file.key, sorted_lines(graph.triples), graph, found=True)

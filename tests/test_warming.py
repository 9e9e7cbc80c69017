"""Warming the build cache on both cores: the same graph and problems as one process gives."""

from __future__ import annotations

import multiprocessing
import os
import re
import sys
import threading
from pathlib import Path

import pytest

from kg_builder import warming
from kg_builder.cache import FOLDER, BuildCache, digest
from kg_builder.errors import BadInputError
from kg_builder.evidence import evidence_passed, load_seeds
from kg_builder.loading import display_path
from kg_builder.namespaces import DEFAULT_BASE_IRI
from kg_builder.publishing import _Lane
from kg_builder.streaming import MappedCache, StoreFeeder, stream_facts

from .conftest import MINIMAL, needs_seeds, seeds_dir

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="warming forks only on Linux")


@pytest.fixture
def facts(tmp_path: Path) -> Path:
    """The minimal case, one file per top-level section (they refer to each other)."""
    folder = tmp_path / "facts"
    folder.mkdir()
    text = (MINIMAL / "facts" / "minimal.yaml").read_text()
    sections = re.split(r"^(?=[a-z]+:)", text, flags=re.MULTILINE)
    for number, section in enumerate(s for s in sections if re.match("[a-z]+:", s)):
        (folder / f"{number}-{section.split(':')[0]}.yaml").write_text(section)
    assert len(list(folder.glob("*.yaml"))) == 6
    return folder


def _streamed(facts: Path, where: Path, cache: BuildCache | None) -> tuple[list[str], dict]:
    where.mkdir()
    graph = stream_facts(facts, load_seeds(seeds_dir()), DEFAULT_BASE_IRI, where, cache=cache)
    return list(graph.lines()), graph.origins


def _one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kg_builder.streaming.can_fork", lambda: False)
    monkeypatch.setattr("kg_builder.warming.can_fork", lambda: False)


def _count_warmed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    counts: list[int] = []
    real = warming.warm_cache
    monkeypatch.setattr("kg_builder.streaming.warm_cache",
                        lambda *args: counts.append(real(*args)) or counts[-1])
    return counts


@needs_seeds
@linux_only
def test_a_cold_build_shares_its_files_with_a_forked_process(facts: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch):
    with monkeypatch.context() as patch:
        _one_process(patch)
        alone = _streamed(facts, tmp_path / "alone", None)
    counts = _count_warmed(monkeypatch)
    files = len(list(facts.glob("*.yaml")))
    assert files >= 2
    # Without the project's cache (KG_BUILDER_NO_CACHE), and with an empty one.
    assert _streamed(facts, tmp_path / "no-cache", None) == alone
    cache = BuildCache(tmp_path / FOLDER)
    assert _streamed(facts, tmp_path / "empty-cache", cache) == alone
    assert counts == [files, files]

    # Every file is then in the cache: the next build maps none again, and warms none.
    def not_mapped(*args: object) -> None:
        raise AssertionError("a file was mapped again")

    monkeypatch.setattr("kg_builder.streaming.map_to_graph", not_mapped)
    assert _streamed(facts, tmp_path / "warm", cache) == alone
    assert counts[-1] == 0
    assert multiprocessing.active_children() == []


@needs_seeds
@linux_only
@pytest.mark.parametrize("broken", ["syntax", "reference", "quote"])
def test_a_file_with_problems_is_reported_as_by_one_process(facts: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            broken: str):
    file = sorted(facts.glob("*.yaml"))[-1]
    text = file.read_text()
    if broken == "syntax":
        file.write_text(text + "\n  - : [\n")
    elif broken == "reference":
        (facts / "zz-extra.yaml").write_text(
            "events:\n  - id: extra-event\n    type: arrest\n    date: 1937-05-01\n"
            "    participants: [nobody-at-all]\n    evidence: []\n")
    else:
        at = text.index("quote: \"") + len("quote: \"")
        file.write_text(text[:at] + "Not in the seed at all, " + text[at:])
    with monkeypatch.context() as patch, pytest.raises(BadInputError) as alone:
        _one_process(patch)
        _streamed(facts, tmp_path / "alone", None)
    counts = _count_warmed(monkeypatch)
    with pytest.raises(BadInputError) as shared:
        _streamed(facts, tmp_path / "shared", BuildCache(tmp_path / FOLDER))
    assert counts and counts[0] >= 2
    assert shared.value.problems == alone.value.problems


@needs_seeds
@linux_only
def test_the_build_does_the_files_of_a_forked_process_that_failed(
        facts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]):
    with monkeypatch.context() as patch:
        _one_process(patch)
        alone = _streamed(facts, tmp_path / "alone", None)
    parent, check = os.getpid(), warming._check

    def fails_in_the_child(work, files):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            raise RuntimeError("the forked process failed")
        return check(work, files)

    monkeypatch.setattr(warming, "_check", fails_in_the_child)
    capfd.readouterr()
    assert _streamed(facts, tmp_path / "shared", BuildCache(tmp_path / FOLDER)) == alone
    assert capfd.readouterr().err == ""


@needs_seeds
@linux_only
def test_a_failure_here_stops_the_forked_process(facts: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch):
    parent, check = os.getpid(), warming._check

    def fails_here(work, files):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            raise KeyboardInterrupt
        return check(work, files)

    monkeypatch.setattr(warming, "_check", fails_here)
    with pytest.raises(KeyboardInterrupt):
        _streamed(facts, tmp_path / "shared", None)
    assert multiprocessing.active_children() == []


@linux_only
def test_no_fork_while_another_thread_runs():
    assert warming.can_fork()
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not warming.can_fork()
    finally:
        release.set()
        thread.join()
    assert warming.can_fork()


def test_the_build_starts_no_thread_before_its_first_lines(tmp_path: Path):
    before = threading.active_count()
    written: list[bytes] = []
    lane = _Lane(written.append, "test lane")
    with StoreFeeder() as feeder:
        assert threading.active_count() == before
        lane.close()  # nothing queued: nothing to wait for
        lane = _Lane(written.append, "test lane")
        lane.put(b"<urn:a> <urn:b> <urn:c> .\n")
        feeder.add(["<urn:a> <urn:b> <urn:c> .\n"])
        assert threading.active_count() == before + 2
        lane.close()
        store = feeder.store()
    assert written == [b"<urn:a> <urn:b> <urn:c> .\n"]
    assert store is not None and len(store) == 1
    with StoreFeeder() as unused:
        unused.abandon()
        assert unused.store() is None
    assert threading.active_count() == before


def test_holds_reads_the_header_only(tmp_path: Path):
    cache = BuildCache(tmp_path)
    cache.put("entry", b"key", {"a": 1})
    assert cache.holds("entry", b"key")
    assert not cache.holds("entry", b"other key")
    assert not cache.holds("missing", b"key")


@needs_seeds
@linux_only
def test_a_file_edited_after_warming_is_built_from_its_new_text(facts: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch):
    people = next(facts.glob("*-people.yaml"))
    old = people.read_text()
    name = re.search(r"name: (.+)", old).group(1)  # type: ignore[union-attr]
    new = old.replace(f"name: {name}", "name: Renamed While Building", 1)
    real = warming.warm_cache

    def edited_after(*args):  # type: ignore[no-untyped-def]
        warmed = real(*args)
        people.write_text(new)  # a curator saves the file while the build runs
        return warmed

    monkeypatch.setattr("kg_builder.streaming.warm_cache", edited_after)
    # This process maps the people file, and keeps its mapping in memory for the build.
    monkeypatch.setattr(warming, "_halves", lambda files: (files[:-1], files[-1:]))
    lines, _ = _streamed(facts, tmp_path / "shared", BuildCache(tmp_path / FOLDER))
    monkeypatch.undo()
    with monkeypatch.context() as patch:
        _one_process(patch)
        expected, _ = _streamed(facts, tmp_path / "alone", None)
    assert lines == expected
    assert any("Renamed While Building" in line for line in lines)


@needs_seeds
@linux_only
def test_a_file_saved_while_it_is_warmed_is_cached_under_its_new_text(
        facts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    file = next(f for f in sorted(facts.glob("*.yaml")) if "quote: \"" in f.read_text())
    good = file.read_text()
    at = good.index("quote: \"") + len("quote: \"")
    bad = good[:at] + "Zq" + good[at + 2:]  # the same length: only the seed can tell
    file.write_text(bad)
    check = warming._check

    def saved_first(work, files):  # type: ignore[no-untyped-def]
        if any(f.file == file for f in files):
            file.write_text(good)  # after the digests were taken, before it is read
        return check(work, files)

    monkeypatch.setattr(warming, "_check", saved_first)
    seeds = load_seeds(seeds_dir())
    assert seeds is not None
    cache = BuildCache(tmp_path / FOLDER)
    files = sorted(facts.resolve().glob("*.yaml"))
    assert warming.warm_cache(facts.resolve(), files, seeds,
                              MappedCache(cache, DEFAULT_BASE_IRI)) == len(files)
    # The quotes that passed are the saved text's: the cache must say so of that text only,
    # or a build of the text with the wrong quote would skip checking it.
    path = display_path(file)
    assert evidence_passed(path, digest(good.encode()), seeds, cache)
    assert not evidence_passed(path, digest(bad.encode()), seeds, cache)
    assert not cache.holds(f"index:{file}", digest(bad.encode()))

"""Streaming the facts file by file gives exactly what loading and mapping them whole gives;
staged publication is all or nothing."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import threading
from pathlib import Path

import pytest

from bench import generate
from kg_builder.cache import BuildCache
from kg_builder.errors import BadInputError
from kg_builder.loading import load_facts
from kg_builder.mapping import map_to_graph
from kg_builder.namespaces import DEFAULT_BASE_IRI
from kg_builder.publishing import PublicationStopped, Staging, write_dump
from kg_builder.serialisation import GzipWriter, sorted_lines
from kg_builder.streaming import MappedCache, StoreFeeder, check_files, stream_facts

from .conftest import CASES, MINIMAL


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated folder of several files, the anchors last so that references point ahead."""
    folder = tmp_path_factory.mktemp("generated")
    saved = generate.UNITS_PER_FILE
    generate.UNITS_PER_FILE = 7
    try:
        generate.write_folder(folder, 30, generate.DEFAULT_SEED, 0.1)
    finally:
        generate.UNITS_PER_FILE = saved
    (folder / "anchors.yaml").rename(folder / "zz-anchors.yaml")
    return folder


@pytest.mark.parametrize("spill", [0, 10**9], ids=["records-on-disk", "records-in-memory"])
@pytest.mark.parametrize("memory", [0, 10**9], ids=["runs-on-disk", "runs-in-memory"])
def test_streaming_gives_the_lines_and_origins_of_mapping_the_whole_folder(
        generated: Path, tmp_path: Path, memory: int, spill: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kg_builder.streaming.SPILL_IN_MEMORY", spill)
    whole = map_to_graph(load_facts(generated), DEFAULT_BASE_IRI)

    streamed = stream_facts(generated, None, DEFAULT_BASE_IRI, tmp_path, memory)

    assert len(list(generated.glob("*.yaml"))) > 4
    assert list(streamed.lines()) == sorted_lines(whole.triples)
    assert streamed.origins == whole.origins
    assert bool(list(tmp_path.glob("run-*.nt"))) == (memory == 0)
    assert (tmp_path / "records.marshal").exists() == (spill == 0)


def _problems(folder: Path, tmp_path: Path) -> tuple[list, list]:  # type: ignore[type-arg]
    with pytest.raises(BadInputError) as whole:
        load_facts(folder)
    with pytest.raises(BadInputError) as streamed, (tmp_path / "spill").open("w+b") as spill:
        check_files(folder, None, spill)
    return whole.value.problems, streamed.value.problems


def test_an_unknown_reference_in_an_earlier_file_is_reported_as_loading_reports_it(
        tmp_path: Path) -> None:
    folder = tmp_path / "facts"
    shutil.copytree(MINIMAL / "facts", folder)
    shutil.copy(CASES / "bad-unknown-reference" / "extra.yaml", folder / "aaa-first.yaml")

    whole, streamed = _problems(folder, tmp_path)

    assert streamed == whole
    assert streamed[0].path.endswith("aaa-first.yaml") and streamed[0].excerpt


def test_a_duplicate_id_across_files_is_reported_as_loading_reports_it(tmp_path: Path) -> None:
    folder = tmp_path / "facts"
    shutil.copytree(MINIMAL / "facts", folder)
    first = sorted(folder.glob("*.yaml"))[0]
    shutil.copy(first, folder / "zz-copy.yaml")

    whole, streamed = _problems(folder, tmp_path)

    assert streamed == whole and "duplicate id" in streamed[0].message


def test_a_staged_dump_has_its_gzip_copy_and_true_digests(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with Staging(target) as staging:
        with staging.dump("kg.nt") as out:
            for _ in range(1000):
                out.write(b"<a> <b> <c> .\n")
        staging.write_checksums()
        written = staging.commit()

    data = (target / "kg.nt").read_bytes()
    assert gzip.decompress((target / "kg.nt.gz").read_bytes()) == data
    assert f"{hashlib.sha256(data).hexdigest()}  kg.nt\n" in (target / "SHA256SUMS").read_text()
    assert [p.name for p in written] == ["SHA256SUMS", "kg.nt", "kg.nt.gz"]
    assert not list(tmp_path.glob(".out.staging-*"))


def test_a_dump_whose_copy_is_finished_later_is_whole_when_its_block_ends(tmp_path: Path,
                                                                          monkeypatch) -> None:
    compressing = threading.Event()
    write = GzipWriter.write

    def slow_write(self, data: bytes) -> int:  # type: ignore[no-untyped-def]
        compressing.wait(5)  # held until the dump itself has been read
        return write(self, data)

    monkeypatch.setattr(GzipWriter, "write", slow_write)
    target = tmp_path / "out"
    with Staging(target) as staging:
        with staging.dump("kg.nt", copy_later=True) as out:
            for _ in range(10):  # fewer chunks than the lanes queue: the writer never waits
                out.write(b"<a> <b> <c> .\n" * 100)
        assert staging.path("kg.nt").read_bytes() == b"<a> <b> <c> .\n" * 1000
        compressing.set()
        assert set(staging.digests) == {"kg.nt", "kg.nt.gz"}
        staging.write_checksums()
        staging.commit()
    assert gzip.decompress((target / "kg.nt.gz").read_bytes()) == (target / "kg.nt").read_bytes()


def test_an_error_in_a_copy_finished_later_fails_the_publication(tmp_path: Path,
                                                                 monkeypatch) -> None:
    def broken(self, data: bytes) -> int:  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(GzipWriter, "write", broken)
    target = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"), Staging(target) as staging:
        with staging.dump("kg.nt", copy_later=True) as out:
            out.write(b"<a> <b> <c> .\n")
        staging.write_checksums()
    assert not target.exists() and not list(tmp_path.glob(".out.staging-*"))


def test_a_failed_publication_leaves_the_target_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "kg.nt").write_text("previous\n")
    (target / "notes.md").write_text("the user's\n")

    with pytest.raises(RuntimeError), Staging(target) as staging:
        with staging.dump("kg.nt") as out:
            out.write(b"<a> <b> <c> .\n")
        raise RuntimeError("a writer failed")

    assert sorted(p.name for p in target.iterdir()) == ["kg.nt", "notes.md"]
    assert (target / "kg.nt").read_text() == "previous\n"
    assert not list(tmp_path.glob(".out.staging-*"))


def test_writing_a_dump_stops_when_asked(tmp_path: Path) -> None:
    stop = threading.Event()
    stop.set()
    with Staging(tmp_path / "out") as staging:
        with staging.dump("kg.nt", packed=False) as out:
            out.write(b"<http://a/s> <http://a/p> <http://a/o> .\n")
        with pytest.raises(PublicationStopped):
            write_dump(staging, "kg.ttl", DEFAULT_BASE_IRI, stop)
        write_dump(staging, "kg.nq", DEFAULT_BASE_IRI)

        assert staging.path("kg.nq").read_text() == "<http://a/s> <http://a/p> <http://a/o> .\n"


def _dump_of(store) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(store.dump_ntriples().splitlines())


@pytest.mark.parametrize("cached", [False, True], ids=["cold", "warm"])
def test_the_store_fed_while_streaming_holds_the_graph(generated: Path, tmp_path: Path,
                                                        cached: bool) -> None:
    cache = BuildCache(tmp_path / "cache") if cached else None
    if cache is not None:  # a first build fills the cache; the second is fed from it
        stream_facts(generated, None, DEFAULT_BASE_IRI, _fresh(tmp_path / "first"), cache=cache)
    with StoreFeeder() as feeder:
        streamed = stream_facts(generated, None, DEFAULT_BASE_IRI, _fresh(tmp_path / "fed"),
                                cache=cache, feeder=feeder)
        store = feeder.store()
    assert store is not None
    assert _dump_of(store) == [line.rstrip("\n") for line in streamed.lines()]


def test_a_feed_past_its_limit_gives_no_store(generated: Path, tmp_path: Path) -> None:
    with StoreFeeder(limit=1000) as feeder:
        stream_facts(generated, None, DEFAULT_BASE_IRI, tmp_path, feeder=feeder)
        assert feeder.store() is None


def test_a_feed_with_an_earlier_mapping_that_no_longer_holds_gives_no_store(
        generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = BuildCache(tmp_path / "cache")
    stream_facts(generated, None, DEFAULT_BASE_IRI, _fresh(tmp_path / "first"), cache=cache)
    monkeypatch.setattr(MappedCache, "take", lambda self, path, index: None)
    with StoreFeeder() as feeder:
        stream_facts(generated, None, DEFAULT_BASE_IRI, _fresh(tmp_path / "fed"), cache=cache,
                     feeder=feeder)
        assert feeder.store() is None


def _fresh(folder: Path) -> Path:
    folder.mkdir()
    return folder

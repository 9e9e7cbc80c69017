"""The build cache (kg_builder/cache.py): reused only while its inputs are unchanged."""

from __future__ import annotations

import multiprocessing
import pickle
import shutil
from pathlib import Path

import pytest

from kg_builder.cache import _MAGIC, FOLDER, BuildCache, _key_digest, digest, open_cache
from kg_builder.errors import BadInputError
from kg_builder.evidence import check_evidence, load_seeds
from kg_builder.loading import FactBase, Record, display_path, load_facts
from kg_builder.mapping import MappedGraph, Origin
from kg_builder.namespaces import DEFAULT_BASE_IRI
from kg_builder.streaming import MappedCache, stream_facts

from .conftest import MINIMAL, needs_seeds, seeds_dir


def _records(facts) -> list:  # type: ignore[no-untyped-def]
    return [(r.kind, r.path, r.line, r.data, r.data.key_pos, r.data.value_pos)
            for r in facts.records]


@pytest.fixture
def facts(tmp_path: Path) -> Path:
    return Path(shutil.copytree(MINIMAL / "facts", tmp_path / "facts"))


def test_a_cached_load_equals_a_fresh_one(facts: Path, tmp_path: Path):
    cache = BuildCache(tmp_path / FOLDER)
    fresh = load_facts(facts)
    first, second = load_facts(facts, cache), load_facts(facts, cache)
    assert _records(first) == _records(second) == _records(fresh)
    assert first.by_id.keys() == second.by_id.keys() == fresh.by_id.keys()
    entries = [p for p in (tmp_path / FOLDER).iterdir() if not p.name.startswith(".")]
    # Each file's records and its index (what the checks across files read), and CACHEDIR.TAG.
    assert len(entries) == 2 * len(list(facts.glob("*.yaml"))) + 1
    assert (tmp_path / FOLDER / ".gitignore").read_text().splitlines()[-1] == "*"


def test_editing_a_file_invalidates_its_entry(facts: Path, tmp_path: Path):
    cache = BuildCache(tmp_path / FOLDER)
    load_facts(facts, cache)
    file = sorted(facts.glob("*.yaml"))[0]
    file.write_text(file.read_text() + "\nunknown-section: []\n")
    with pytest.raises(BadInputError, match="unknown section 'unknown-section'"):
        load_facts(facts, cache)


def test_cross_file_checks_run_on_cached_files(facts: Path, tmp_path: Path):
    cache = BuildCache(tmp_path / FOLDER)
    load_facts(facts, cache)
    first = load_facts(facts).records[0]
    (facts / "zz-copy.yaml").write_text(
        f"people:\n  - id: {first.id}\n    name: Copy\n    evidence: []\n")
    with pytest.raises(BadInputError, match=f"duplicate id '{first.id}'"):
        load_facts(facts, cache)


def test_a_damaged_entry_is_ignored_and_rewritten(facts: Path, tmp_path: Path):
    cache = BuildCache(tmp_path / FOLDER)
    fresh = _records(load_facts(facts, cache))
    entries = sorted(p for p in (tmp_path / FOLDER).iterdir() if not p.name.isupper()
                     and not p.name.startswith("."))
    for entry in entries:
        data = entry.read_bytes()
        entry.write_bytes(data[:-40] + bytes(40))
    entries[0].write_bytes(b"garbage")
    assert _records(load_facts(facts, cache)) == fresh
    assert all(cache.get(f"facts:{f.resolve()}", digest(f.read_bytes())) is not None
               for f in facts.glob("*.yaml"))


def test_an_entry_naming_another_class_is_refused(tmp_path: Path):
    cache = BuildCache(tmp_path / FOLDER)
    cache.put("x", b"key", [1, 2])
    assert cache.get("x", b"key") == [1, 2]
    assert cache.get("x", b"other key") is None
    [entry] = [p for p in (tmp_path / FOLDER).iterdir() if p.name not in (
        ".gitignore", "CACHEDIR.TAG")]
    planted = pickle.dumps(Path("/"))  # a valid entry, but naming a class outside the YAML's
    entry.write_bytes(_MAGIC + _key_digest(b"key") + digest(planted) + planted)
    assert cache.get("x", b"key") is None


def _load_many(facts: str, cache: str, times: int) -> int:
    for _ in range(times):
        load_facts(Path(facts), BuildCache(Path(cache)))
    return times


def test_concurrent_builds_share_the_cache(facts: Path, tmp_path: Path):
    folder = tmp_path / FOLDER
    with multiprocessing.get_context("fork").Pool(4) as pool:
        done = pool.starmap(_load_many, [(str(facts), str(folder), 5)] * 4)
    assert done == [5] * 4
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-")]
    assert _records(load_facts(facts, BuildCache(folder))) == _records(load_facts(facts))


def test_the_environment_moves_or_disables_the_cache(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("KG_BUILDER_CACHE_DIR", raising=False)
    monkeypatch.delenv("KG_BUILDER_NO_CACHE", raising=False)
    assert open_cache(tmp_path).folder == tmp_path / FOLDER
    monkeypatch.setenv("KG_BUILDER_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert open_cache(tmp_path).folder == tmp_path / "elsewhere"
    monkeypatch.setenv("KG_BUILDER_NO_CACHE", "1")
    assert open_cache(tmp_path) is None


def test_an_unwritable_folder_means_no_cache(facts: Path, tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = BuildCache(blocker / FOLDER)
    assert _records(load_facts(facts, cache)) == _records(load_facts(facts))


@needs_seeds
def test_the_evidence_check_is_cached_per_file_and_seeds(facts: Path, tmp_path: Path):
    seeds = load_seeds(seeds_dir())
    assert seeds is not None
    cache = BuildCache(tmp_path / FOLDER)
    assert check_evidence(load_facts(facts, cache), seeds, cache) == []
    assert check_evidence(load_facts(facts, cache), seeds, cache) == []
    file = next(f for f in sorted(facts.glob("*.yaml")) if "quote: \"" in f.read_text())
    text = file.read_text()
    at = text.index("quote: \"") + len("quote: \"")
    file.write_text(text[:at] + "Not in the seed at all, " + text[at:])
    problems = check_evidence(load_facts(facts, cache), seeds, cache)
    assert problems and {p.path for p in problems} == {display_path(file.resolve())}
    assert problems == check_evidence(load_facts(facts), seeds)


@needs_seeds
def test_the_streaming_build_uses_the_cache_and_never_a_stale_entry(facts: Path,
                                                                      tmp_path: Path):
    seeds = load_seeds(seeds_dir())
    cache = BuildCache(tmp_path / FOLDER)

    def lines(cache: BuildCache | None, scratch: str) -> list[str]:
        (tmp_path / scratch).mkdir()
        streamed = stream_facts(facts, seeds, DEFAULT_BASE_IRI, tmp_path / scratch, cache=cache)
        return list(streamed.lines())

    fresh = lines(None, "fresh")
    assert lines(cache, "cold") == fresh
    assert len([p for p in (tmp_path / FOLDER).iterdir() if not p.name.startswith(".")]) > 1
    assert lines(cache, "warm") == fresh
    file = next(f for f in sorted(facts.glob("*.yaml")) if "quote: \"" in f.read_text())
    text = file.read_text()
    at = text.index("quote: \"") + len("quote: \"")
    file.write_text(text[:at] + "Not in the seed at all, " + text[at:])
    with pytest.raises(BadInputError, match="quote") as raised:
        lines(cache, "edited")
    assert {p.path for p in raised.value.problems} == {display_path(file.resolve())}


@needs_seeds
def test_a_warm_build_reuses_the_mapping_of_unchanged_files(facts: Path, tmp_path: Path,
                                                           monkeypatch):
    seeds = load_seeds(seeds_dir())
    cache = BuildCache(tmp_path / FOLDER)

    def streamed(scratch: str, cache: BuildCache | None = cache) -> tuple[list[str], dict]:
        (tmp_path / scratch).mkdir()
        graph = stream_facts(facts, seeds, DEFAULT_BASE_IRI, tmp_path / scratch, cache=cache)
        return list(graph.lines()), graph.origins

    fresh = streamed("fresh", None)
    assert streamed("cold") == fresh

    def not_mapped(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a file was mapped again")

    with monkeypatch.context() as patch:
        patch.setattr("kg_builder.streaming.map_to_graph", not_mapped)
        assert streamed("warm") == fresh
    # An earlier mapping that no longer holds is not used: the file is read and mapped again.
    monkeypatch.setattr(MappedCache, "take", lambda self, path, index: None)
    assert streamed("stale") == fresh


def test_a_mapping_is_stale_once_an_id_it_looked_up_changes_kind(tmp_path: Path):
    mapped = MappedCache(BuildCache(tmp_path / FOLDER), DEFAULT_BASE_IRI)
    graph = MappedGraph(origins={"urn:s": Origin("a.yaml", 3, "s")}, kinds={"x": "person"})
    mapped.keep("a.yaml", b"key", ["<urn:s> <urn:p> <urn:o> .\n"], graph)

    def index(kind: str) -> FactBase:
        return FactBase(by_id={"x": Record(kind, {"id": "x"}, "b.yaml", 1)})  # type: ignore[arg-type]

    assert not mapped.lookup("a.yaml", b"other key")
    assert mapped.lookup("a.yaml", b"key")
    assert mapped.take("a.yaml", index("person")) == (["<urn:s> <urn:p> <urn:o> .\n"],
                                                      {"urn:s": Origin("a.yaml", 3, "s")})
    assert mapped.lookup("a.yaml", b"key")
    assert mapped.take("a.yaml", index("organisation")) is None
    assert mapped.lookup("a.yaml", b"key")
    assert mapped.take("a.yaml", FactBase()) is None


@needs_seeds
@pytest.mark.parametrize("copy", ["zz-copy.yaml", "aa-copy.yaml"])  # read after or before
def test_a_warm_build_checks_across_files_from_the_index_entries(facts: Path, tmp_path: Path,
                                                                 monkeypatch, copy: str):
    seeds = load_seeds(seeds_dir())
    cache = BuildCache(tmp_path / FOLDER)
    stream_facts(facts, seeds, DEFAULT_BASE_IRI, tmp_path, cache=cache)
    first = next(r for r in load_facts(facts).records if r.id)
    (facts / copy).write_text(
        f"people:\n  - id: {first.id}\n    name: Copy\n    evidence: []\n")
    with pytest.raises(BadInputError) as cold:
        load_facts(facts)
    read = []
    monkeypatch.setattr(BuildCache, "get", lambda self, name, key, get=BuildCache.get:
                        read.append(name) or get(self, name, key))
    with pytest.raises(BadInputError) as warm:
        stream_facts(facts, seeds, DEFAULT_BASE_IRI, tmp_path, cache=cache)
    # The unchanged files were read from their index entries, not their whole records, and
    # the duplicate id is reported exactly as a build without a cache reports it.
    wholes = [name for name in read if name.startswith("facts:")]
    assert any(name.startswith("index:") for name in read)
    assert wholes == [f"facts:{facts.resolve() / copy}"]  # the new file, not cached
    assert warm.value.problems == cold.value.problems
    assert any("duplicate id" in p.message for p in warm.value.problems)


@needs_seeds
def test_the_index_is_not_enough_once_the_seeds_change(facts: Path, tmp_path: Path):
    seeds = load_seeds(seeds_dir())
    assert seeds is not None
    cache = BuildCache(tmp_path / FOLDER)
    stream_facts(facts, seeds, DEFAULT_BASE_IRI, tmp_path, cache=cache)
    # Seeds with every line blanked: the quotes must be checked again, on the whole records.
    blank = {name: type(seed)(seed.name, [""] * len(seed.lines)) for name, seed in seeds.items()}
    with pytest.raises(BadInputError, match="quote"):
        stream_facts(facts, blank, DEFAULT_BASE_IRI, tmp_path, cache=cache)


@needs_seeds
def test_a_cache_moved_with_the_project_is_still_used(tmp_path: Path, monkeypatch):
    """A CI job that restores .kg-builder-cache into a checkout at another path (or a copied
    project) finds every file in it: entries are named by the path the user sees, relative to
    the working folder, not by where the project sits on disk."""
    from click.testing import CliRunner

    from kg_builder.cli import main

    from .conftest import make_project, project_args

    first = make_project(tmp_path / "first")
    shutil.copy(MINIMAL / "facts" / "minimal.yaml", first / "facts" / "second.yaml")
    (first / "facts" / "second.yaml").write_text("people: []\n")
    runner = CliRunner()
    monkeypatch.chdir(first)
    assert runner.invoke(main, ["build", *project_args(first)]).exit_code == 0
    moved = Path(shutil.copytree(first, tmp_path / "elsewhere" / "moved"))
    monkeypatch.chdir(moved)

    def not_parsed(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a file was parsed again")

    monkeypatch.setattr("kg_builder.loading.parse_yaml", not_parsed)
    result = runner.invoke(main, ["build", *project_args(moved)])
    assert result.exit_code == 0, result.output
    assert (moved / "build" / "kg.nt").read_bytes() == (first / "build" / "kg.nt").read_bytes()

"""Shared fixtures: the repo, the seeds, a throwaway copy of the minimal project."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "cases"
MINIMAL = CASES / "minimal"


def seeds_dir() -> Path:
    """KG_SEEDS_DIR, or ../shared/seeds beside the repo (as in CI)."""
    return Path(os.environ.get("KG_SEEDS_DIR", REPO.parent / "shared" / "seeds"))


def seeds_present() -> bool:
    from kg_builder.evidence import load_seeds

    return load_seeds(seeds_dir()) is not None


needs_seeds = pytest.mark.skipif(
    not seeds_present(),
    reason=f"seed texts not found at {seeds_dir()} (set KG_SEEDS_DIR); CI always has them")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def make_project(where: Path, facts: Path = MINIMAL / "facts") -> Path:
    """A project folder with the repo's ontology, shapes and queries and the given facts."""
    where.mkdir(parents=True, exist_ok=True)
    for name in ("ontology", "shapes", "queries"):
        shutil.copytree(REPO / name, where / name)
    shutil.copytree(facts, where / "facts")
    return where


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def project_args(project: Path) -> list[str]:
    return ["--project", str(project), "--seeds", str(seeds_dir())]


@pytest.fixture(autouse=True)
def no_publication_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Goldens assume no SOURCE_DATE_EPOCH or endpoint from the caller's environment."""
    for name in ("SOURCE_DATE_EPOCH", "KG_BUILDER_SPARQL_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)

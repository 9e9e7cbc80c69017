"""The project folder is the configuration: facts, ontology, shapes, queries and build by convention."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .namespaces import DEFAULT_BASE_IRI


@dataclass(frozen=True)
class Project:
    """Where a project's inputs and outputs live, and the base IRI of its data."""

    root: Path
    facts_dir: Path
    ontology_dir: Path
    shapes_dir: Path
    queries_dir: Path
    build_dir: Path
    seeds_dir: Path
    base_iri: str
    sparql_endpoint: str | None = None

    def ontology_files(self) -> list[Path]:
        """The ontology's Turtle files, sorted."""
        return sorted(self.ontology_dir.glob("*.ttl"))

    def shapes_files(self) -> list[Path]:
        """The shapes' Turtle files, sorted."""
        return sorted(self.shapes_dir.glob("*.ttl"))


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value) if value else default


def _check_iri(base: str) -> None:
    """Refuse a base IRI that RDF parsers would refuse. Every IRI kg-builder mints is this base
    plus fixed paths and checked slugs, so the store may then load its own N-Triples without
    checking each IRI again (see EmbeddedStore.load_ntriples)."""
    import pyoxigraph

    try:
        pyoxigraph.NamedNode(base)
    except ValueError as exc:
        raise UsageError(f"base IRI '{base}' is not a valid IRI ({exc}); "
                         "fix --base-iri or KG_BUILDER_BASE_IRI") from exc


def open_project(root: Path | str = ".", *, facts: Path | None = None, build: Path | None = None,
                 seeds: Path | None = None, base_iri: str | None = None,
                 sparql_endpoint: str | None = None) -> Project:
    """Resolve a project: options win over KG_BUILDER_* variables, which win over conventions."""
    root = Path(root).resolve()
    base = base_iri or os.environ.get("KG_BUILDER_BASE_IRI") or DEFAULT_BASE_IRI
    if not base.startswith(("http://", "https://")) or not base.endswith(("/", "#")):
        raise UsageError(f"base IRI '{base}' must be an http(s) IRI ending in '/' or '#'; "
                         "fix --base-iri or KG_BUILDER_BASE_IRI")
    _check_iri(base)
    default_seeds = Path(os.environ.get("KG_SEEDS_DIR", root.parent / "shared" / "seeds"))
    return Project(
        root=root,
        facts_dir=(facts or _env_path("KG_BUILDER_FACTS", root / "facts")).resolve(),
        ontology_dir=_env_path("KG_BUILDER_ONTOLOGY", root / "ontology"),
        shapes_dir=_env_path("KG_BUILDER_SHAPES", root / "shapes"),
        queries_dir=_env_path("KG_BUILDER_QUERIES", root / "queries"),
        build_dir=(build or _env_path("KG_BUILDER_BUILD", root / "build")).resolve(),
        seeds_dir=seeds or default_seeds,
        base_iri=base,
        sparql_endpoint=sparql_endpoint or os.environ.get("KG_BUILDER_SPARQL_ENDPOINT") or None,
    )

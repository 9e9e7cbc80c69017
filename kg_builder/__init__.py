"""kg-builder: curated historical facts -> a validated, queryable linked-data knowledge graph."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import BadInputError, EndpointError, ExitCode, KgBuilderError, UsageError

if TYPE_CHECKING:
    from .api import (BuildResult, LoadResult, ReleaseResult, build, diff, load, query, queries,
                      release, serve, validate)
    from .project import Project, open_project

__version__ = "0.1.0"

__all__ = [
    "BadInputError", "BuildResult", "EndpointError", "ExitCode", "KgBuilderError", "LoadResult",
    "Project", "ReleaseResult", "UsageError", "__version__", "build", "diff", "load",
    "open_project", "query", "queries", "release", "serve", "validate",
]

# The library functions are imported on first use, so `kg-builder --help` stays fast.
_LAZY = {name: "api" for name in ("BuildResult", "LoadResult", "ReleaseResult", "build", "diff",
                                  "load", "query", "queries", "release", "serve", "validate")}
_LAZY |= {"Project": "project", "open_project": "project"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'kg_builder' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value

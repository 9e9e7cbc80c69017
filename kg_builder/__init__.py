"""kg-builder: curated historical facts -> a validated, queryable linked-data knowledge graph."""

from __future__ import annotations

from .api import BuildResult, ReleaseResult, build, diff, query, queries, release, validate
from .errors import BadInputError, EndpointError, ExitCode, KgBuilderError, UsageError
from .project import Project, open_project
from .api import LoadResult, load, serve  # issue 7: loading into stores, serving

__version__ = "0.1.0"

__all__ = [
    "BadInputError", "BuildResult", "EndpointError", "ExitCode", "KgBuilderError", "Project",
    "UsageError", "__version__", "build", "open_project", "query", "queries", "validate",
    "ReleaseResult", "diff", "release",
]
__all__ += ["LoadResult", "load", "serve"]

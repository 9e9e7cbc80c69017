"""Regression guards: a build that suddenly loses data fails, saying what fell and by how much."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import BadInputError, Problem
from .namespaces import KGO

COUNTS_FILE = "counts.json"


@dataclass(frozen=True)
class GuardFailure:
    """One class whose count fell below its configured minimum."""

    cls: str
    count: int
    minimum: int
    previous: int | None

    def message(self) -> str:
        """What fell, from what, and by how much."""
        text = f"kgo:{self.cls} fell to {self.count}, below the minimum of {self.minimum}"
        if self.previous:
            drop = self.previous - self.count
            text += (f" (the previous build had {self.previous}: {drop} fewer, "
                     f"{100 * drop / self.previous:.1f}% lost)")
        return text + "; restore the lost records, or lower the minimum in pyproject.toml"


def class_counts(classes: Mapping[str, int]) -> dict[str, int]:
    """Instances per kgo class, by local name, sorted, from the instances per class IRI."""
    return dict(sorted((cls[len(KGO):], count) for cls, count in classes.items()
                       if cls.startswith(KGO)))


def read_minimums(project_root: Path) -> dict[str, int]:
    """[tool.kg-builder.minimum-counts] of the project's pyproject.toml, if any."""
    path = project_root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError([Problem(str(path), None, None, f"cannot parse: {exc}",
                                     "fix the TOML syntax")]) from exc
    table = config.get("tool", {}).get("kg-builder", {}).get("minimum-counts", {})
    return {str(k): int(v) for k, v in table.items()}


def read_previous_counts(build_dir: Path) -> dict[str, int]:
    """The class counts of the previous build, if it left them."""
    try:
        return {str(k): int(v) for k, v in
                json.loads((build_dir / COUNTS_FILE).read_text()).items()}
    except (OSError, ValueError):
        return {}


def check_guards(counts: dict[str, int], minimums: dict[str, int],
                 previous: dict[str, int]) -> list[GuardFailure]:
    """Every class whose count is below its minimum."""
    return [GuardFailure(cls, counts.get(cls, 0), minimum, previous.get(cls))
            for cls, minimum in sorted(minimums.items()) if counts.get(cls, 0) < minimum]

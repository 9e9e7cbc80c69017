"""Wall time of the real CLI, from process start to exit: the flagship build and `--help`.

The build writes to a temporary `--out` folder, never to the project's build/. Curators edit
facts/ while this runs, so the live folder may be broken mid-edit: the harness then builds the
newest committed facts that do build (`git archive <commit> facts`), and says which.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .stages import ROOT

KG_BUILDER = Path("/work/venv/bin/kg-builder")
SEEDS = Path("/work/shared/seeds")
BUILT = (0, 1)  # 1: the graph was built and validated, but does not conform
LOOKBACK = 30


@dataclass
class CliTiming:
    """Median wall time of a command, its exit code, and which facts it built."""

    command: list[str]
    runs: list[float] = field(default_factory=list)
    exit_code: int | None = None
    facts: str = ""
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, with the median spelled out."""
        median = statistics.median(self.runs) if self.runs else None
        return {"command": " ".join(self.command), "runs": self.runs, "median": median,
                "exit_code": self.exit_code, "facts": self.facts, "notes": self.notes}


def time_command(command: list[str], repeats: int,
                 env: dict[str, str] | None = None) -> tuple[list[float], int]:
    """Run a command `repeats` times; its wall times and last exit code."""
    runs, code = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        code = subprocess.run(command, capture_output=True, check=False,
                              env=env).returncode
        runs.append(time.perf_counter() - start)
    return runs, code


def build_command(facts: Path | None, out: Path) -> list[str]:
    """The flagship build command, with an explicit facts folder when not the live one."""
    command = [str(KG_BUILDER), "build", "--project", str(ROOT), "--seeds", str(SEEDS),
               "--out", str(out)]
    return command + (["--facts", str(facts)] if facts else [])


def _export_facts(commit: str, target: Path) -> Path:
    """`git archive <commit> facts`, extracted under target; the extracted facts folder."""
    archive = subprocess.run(["git", "archive", commit, "facts"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target / "facts"


def _facts_commits() -> list[str]:
    log = subprocess.run(["git", "log", f"-n{LOOKBACK}", "--format=%H", "--", "facts"],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()
    return [head] + [c for c in log.split() if c != head]


def choose_facts(scratch: Path, timing: CliTiming) -> Path | None:
    """The live facts if they build, else the newest committed facts that build; None if none."""
    out = scratch / "out"
    if subprocess.run(build_command(None, out), capture_output=True).returncode in BUILT:
        timing.facts = "live working tree (facts/)"
        return None
    timing.notes.append("the live facts/ folder does not build (curators mid-edit)")
    for commit in _facts_commits():
        facts = _export_facts(commit, scratch / commit[:12])
        if subprocess.run(build_command(facts, out), capture_output=True).returncode in BUILT:
            timing.facts = f"git archive {commit[:12]} facts"
            return facts
        timing.notes.append(f"facts at {commit[:12]} do not build")
    raise RuntimeError(f"no facts among the last {LOOKBACK} commits build")


def flagship_build(repeats: int = 5, cached: bool = True) -> CliTiming:
    """Median wall time of `kg-builder build` on the flagship, seeds checked.

    `cached`: with the build cache warm (as on a curator's machine), or with it turned off
    (KG_BUILDER_NO_CACHE=1, as on a fresh CI machine).
    """
    with tempfile.TemporaryDirectory(prefix="kg-bench-flagship-") as tmp:
        scratch = Path(tmp)
        timing = CliTiming([])
        try:
            facts = choose_facts(scratch, timing)
        except RuntimeError as exc:
            timing.notes.append(str(exc))
            return timing
        timing.command = build_command(facts, scratch / "out")
        env = None if cached else {**os.environ, "KG_BUILDER_NO_CACHE": "1"}
        timing.runs, timing.exit_code = time_command(timing.command, repeats, env)
        if facts is not None:
            timing.command = build_command(Path("<git archive>/facts"), Path("<tmp>/out"))
        else:
            timing.command = build_command(None, Path("<tmp>/out"))
        if not cached:
            timing.command.insert(0, "KG_BUILDER_NO_CACHE=1")
        return timing


def help_time(repeats: int = 10) -> CliTiming:
    """Median wall time of `kg-builder --help` (import and start-up cost)."""
    timing = CliTiming([str(KG_BUILDER), "--help"])
    timing.runs, timing.exit_code = time_command(timing.command, repeats)
    return timing

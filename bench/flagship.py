"""Wall time of the real CLI, from process start to exit: the flagship build and `--help`.

The build writes to a temporary `--out` folder, never to the project's build/. Curators edit
facts/ while this runs, so the live folder may be broken mid-edit: the harness then builds the
newest committed facts that do build (`git archive <commit> facts`), and says which.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .stages import ROOT

KG_BUILDER = Path("/work/venv/bin/kg-builder")
SEEDS = Path("/work/shared/seeds")
BUILT = (0, 1)  # 1: the graph was built and validated, but does not conform
LOOKBACK = 30
# As a user's Python runs it: this sandbox sets PYTHONDONTWRITEBYTECODE=1, under which every
# run compiled kg-builder's modules again (about 20 ms); a user's first run writes the bytecode
# once. The build that picks the facts folder (choose_facts) is the warm-up that writes it.
USER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


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


def time_command(command: list[str], repeats: int, env: dict[str, str] | None = None,
                 before: Callable[[int], None] | None = None) -> tuple[list[float], int]:
    """Run a command `repeats` times (calling `before(i)` untimed before run i); its wall times
    and last exit code."""
    runs, code = [], 0
    for i in range(repeats):
        if before is not None:
            before(i)
        start = time.perf_counter()
        code = subprocess.run(command, capture_output=True, check=False,
                              env=USER_ENV if env is None else env).returncode
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
    if subprocess.run(build_command(None, out), capture_output=True,
                      env=USER_ENV).returncode in BUILT:
        timing.facts = "live working tree (facts/)"
        return None
    timing.notes.append("the live facts/ folder does not build (curators mid-edit)")
    for commit in _facts_commits():
        facts = _export_facts(commit, scratch / commit[:12])
        if subprocess.run(build_command(facts, out), capture_output=True,
                          env=USER_ENV).returncode in BUILT:
            timing.facts = f"git archive {commit[:12]} facts"
            return facts
        timing.notes.append(f"facts at {commit[:12]} do not build")
    raise RuntimeError(f"no facts among the last {LOOKBACK} commits build")


def flagship_build(repeats: int = 5, cached: bool = True, edited: bool = False,
                   fresh: bool = False) -> CliTiming:
    """Median wall time of `kg-builder build` on the flagship, seeds checked.

    `cached`: with the build cache warm (as on a curator's machine), or with it turned off
    (KG_BUILDER_NO_CACHE=1). `fresh`: with the cache on but emptied before each run, as in a
    fresh clone. `edited`: with the cache warm, after a curator's edit to the largest facts
    file before each run (a comment line appended, so that the file is parsed, checked, its
    quotes checked and mapped again, and everything after that redone), on a copy of the facts.
    """
    with tempfile.TemporaryDirectory(prefix="kg-bench-flagship-") as tmp:
        scratch = Path(tmp)
        timing = CliTiming([])
        try:
            facts = choose_facts(scratch, timing)
        except RuntimeError as exc:
            timing.notes.append(str(exc))
            return timing
        before = None
        if edited:
            copy = scratch / "edited" / "facts"
            shutil.copytree(facts or ROOT / "facts", copy)
            facts, before = copy, _edit_largest(copy)
            # The cache is keyed by each file's path too: warm it for the copy.
            subprocess.run(build_command(copy, scratch / "out"), capture_output=True,
                           env=USER_ENV, check=False)
            timing.notes.append(f"before each run, a comment line appended to {before.__name__}")
        timing.command = build_command(facts, scratch / "out")
        env = None if cached else {**USER_ENV, "KG_BUILDER_NO_CACHE": "1"}
        if fresh:
            cache = scratch / "cache"
            env = {**USER_ENV, "KG_BUILDER_CACHE_DIR": str(cache)}
            before = _emptied(cache)
            timing.notes.append("the build cache emptied before each run")
        timing.runs, timing.exit_code = time_command(timing.command, repeats, env, before)
        shown = "<copy>/facts" if edited else "<git archive>/facts"
        timing.command = build_command(None if facts is None else Path(shown), Path("<tmp>/out"))
        if not cached:
            timing.command.insert(0, "KG_BUILDER_NO_CACHE=1")
        if fresh:
            timing.command.insert(0, "KG_BUILDER_CACHE_DIR=<emptied>")
        return timing


def _emptied(cache: Path) -> Callable[[int], None]:
    """Before each run: no build cache, as in a fresh clone."""
    def empty(run: int) -> None:
        shutil.rmtree(cache, ignore_errors=True)

    return empty


def _edit_largest(facts: Path) -> Callable[[int], None]:
    """An edit to the largest facts file: a new comment line each time it is called."""
    largest = max(sorted(facts.glob("*.yaml")), key=lambda f: f.stat().st_size)

    def edit(run: int) -> None:
        with largest.open("a", encoding="utf-8") as out:
            out.write(f"# edited before run {run}\n")

    edit.__name__ = largest.name
    return edit


def help_time(repeats: int = 10) -> CliTiming:
    """Median wall time of `kg-builder --help` (import and start-up cost)."""
    timing = CliTiming([str(KG_BUILDER), "--help"])
    timing.runs, timing.exit_code = time_command(timing.command, repeats)
    return timing

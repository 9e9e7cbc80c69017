"""Timing and memory helpers shared by the benchmark workers."""

from __future__ import annotations

import gc
import resource
import signal
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def peak_rss_mib() -> float:
    """This process's peak resident set size so far, in MiB.

    VmHWM belongs to the current program image; ru_maxrss is not used on Linux because it
    survives execve, so a worker would report its parent's peak when that was larger.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def reset_peak_rss() -> None:
    """Start a new peak: VmHWM falls to the current RSS (Linux; elsewhere peaks accumulate)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


@dataclass
class StageTiming:
    """The wall times of one stage's repeats, and the process's peak RSS during them."""

    runs: list[float] = field(default_factory=list)
    peak_rss_mib: float = 0.0
    note: str = ""
    # The stage was stopped at its time limit: its one "run" is that limit, a lower bound.
    unfinished: bool = False

    @property
    def median(self) -> float:
        """The median of the runs, in seconds."""
        return statistics.median(self.runs)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, with the median spelled out."""
        return {**asdict(self), "median": self.median}


class StageTimeout(BaseException):
    """A stage ran past its time limit (a BaseException, like KeyboardInterrupt, so that the
    library's own `except Exception` blocks cannot swallow it)."""


def _stop(signum: int, frame: object) -> None:
    raise StageTimeout


def time_stage(work: Callable[[], T], repeats: int, budget: float,
               limit: float | None = None) -> tuple[StageTiming, T | None]:
    """Run `work` up to `repeats` times; stop after one run if that run took over `budget` s.

    With a `limit` (seconds, main thread only), a run still going then is interrupted: the
    stage is marked unfinished, its time is the limit, and its result is None. The peer's pure
    Python stages can run for hours at 1M triples; this keeps their lower bound in the same run.

    Returns the timings and the last result. The previous result is dropped and garbage
    collected before each run, so that two copies never inflate the peak, and the peak is
    reset before the first run, so that it belongs to this stage (with what earlier stages
    left in memory).
    """
    timing = StageTiming()
    result: Any = None
    for attempt in range(repeats):
        result = None
        gc.collect()
        if attempt == 0:
            reset_peak_rss()
        start = time.perf_counter()
        try:
            result = _limited(work, limit)
        except StageTimeout:
            timing.runs, timing.unfinished = [float(limit or 0)], True
            timing.note = f"stopped unfinished at the {limit:g} s stage limit"
            break
        timing.runs.append(time.perf_counter() - start)
        if attempt == 0 and repeats > 1 and timing.runs[0] > budget:
            timing.note = f"1 run only: the first took over the {budget:.0f} s repeat budget"
            break
    timing.peak_rss_mib = round(peak_rss_mib(), 1)
    return timing, result


def _limited(work: Callable[[], T], limit: float | None) -> T:
    """`work()`, interrupted by StageTimeout after `limit` seconds (SIGALRM)."""
    if not limit:
        return work()
    previous = signal.signal(signal.SIGALRM, _stop)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return work()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

"""The canned queries on rdflib's own SPARQL engine, each run under a wall-clock timeout.

rdflib's engine can stall for minutes on multi-join queries, and a Python thread cannot be
interrupted, so the queries run in a child process that parses the graph once and then
reports one JSON line per query run. The parent kills the child when a run overruns the
timeout, records '>timeout', and starts a new child for the queries that remain.

    /work/venv/bin/python -m bench.peer_sparql child --nt kg.nt --queries q.json --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .stages import ONTOLOGY, ROOT

PARSE_TIMEOUT = 3600.0


def child(nt_file: Path, queries_file: Path, repeats: int) -> None:
    """Parse the dump (plus the ontology, as `kg-builder query` does) and run each query."""
    import rdflib

    start = time.perf_counter()
    graph = rdflib.Graph()
    graph.parse(nt_file, format="nt")
    for file in ONTOLOGY:
        graph.parse(file, format="turtle")
    _say({"ready": time.perf_counter() - start})
    for name, text in json.loads(queries_file.read_text(encoding="utf-8")).items():
        for _ in range(repeats):
            start = time.perf_counter()
            rows = len(list(graph.query(text)))
            _say({"query": name, "seconds": time.perf_counter() - start, "rows": rows})


def _say(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


@dataclass
class PeerQueries:
    """Per query: the run times, the row count, or a timeout or error note."""

    runs: dict[str, list[float]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    parse_seconds: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: medians of completed queries, notes for the rest."""
        medians = {name: statistics.median(times) for name, times in self.runs.items()}
        return {"medians": medians, "runs": self.runs, "rows": self.rows,
                "failed": self.failed, "parse_seconds": self.parse_seconds}


class LineReader:
    """Reads a child's stdout on a thread, so the parent can wait for a line with a timeout."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self.thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put("")  # end of output: the child exited

    def next(self, timeout: float) -> str | None:
        """The next line ('' once the child has exited), or None after `timeout` s of silence."""
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None


def run_queries(nt_file: Path, queries: dict[str, str], repeats: int, timeout: float,
                scratch: Path) -> PeerQueries:
    """Run every query on rdflib with a per-run `timeout`, restarting the child after a kill."""
    result = PeerQueries()
    pending = list(queries)
    while pending:
        batch = {name: queries[name] for name in pending}
        done = _one_child(nt_file, batch, repeats, timeout, scratch, result)
        pending = [name for name in pending if name not in done]
    return result


def _one_child(nt_file: Path, batch: dict[str, str], repeats: int, timeout: float,
               scratch: Path, result: PeerQueries) -> set[str]:
    """Run a batch in one child; return the queries it settled (finished, timed out, failed)."""
    queries_file = scratch / "peer-queries.json"
    queries_file.write_text(json.dumps(batch), encoding="utf-8")
    command = [sys.executable, "-m", "bench.peer_sparql", "child", "--nt", str(nt_file),
               "--queries", str(queries_file), "--repeats", str(repeats)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout is not None
    reader = LineReader(process.stdout)
    settled: set[str] = set()
    try:
        line = reader.next(PARSE_TIMEOUT)
        if not line:
            result.failed.update({name: "rdflib could not parse the dump" for name in batch})
            return set(batch)
        result.parse_seconds.append(json.loads(line)["ready"])
        _collect(reader, batch, repeats, timeout, result, settled)
    finally:
        process.kill()
        process.wait()
    return settled


def _collect(reader: LineReader, batch: dict[str, str], repeats: int, timeout: float,
             result: PeerQueries, settled: set[str]) -> None:
    """Read the child's per-run lines; on silence past `timeout`, mark the query and return."""
    for name in batch:
        for _ in range(repeats):
            line = reader.next(timeout)
            if line is None:
                result.failed[name] = f">{timeout:.0f} s"
                result.runs.pop(name, None)
                settled.add(name)
                return
            if not line:
                result.failed[name] = "the rdflib child crashed"
                settled.add(name)
                return
            message = json.loads(line)
            result.runs.setdefault(name, []).append(message["seconds"])
            result.rows[name] = message["rows"]
        settled.add(name)


def main(argv: list[str] | None = None) -> int:
    """Command line of the child process."""
    parser = argparse.ArgumentParser(description="rdflib SPARQL child")
    parser.add_argument("mode", choices=("child",))
    parser.add_argument("--nt", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    child(args.nt, args.queries, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())

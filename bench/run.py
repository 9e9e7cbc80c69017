"""The kg-builder benchmark: every stage at several scales, against plain rdflib + pySHACL.

For each scale it generates (or reuses) a synthetic facts folder, then runs kg-builder's stages
in one fresh subprocess and the rdflib peer in another, so that each peak RSS belongs to one
scale and one engine. The rdflib SPARQL runs sit in a third child under a per-query timeout.
It also times the real CLI: the flagship build and `--help`.

    /work/venv/bin/python -m bench.run --scales 10k,100k --repeats 3
    /work/venv/bin/python -m bench.run --smoke
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .generate import generate, parse_scale
from .peer_sparql import run_queries
from .report import render_markdown
from .stages import ROOT, bound_queries

DATA_DIR = ROOT / "bench" / ".data"
RESULTS_DIR = ROOT / "bench" / "results"
SMOKE_SCALE = "2k"
SMOKE_QUERY = "co-defendants"


@dataclass
class Options:
    """What to run."""

    scales: list[str]
    repeats: int
    query_timeout: float
    budget: float
    peer_queries: str  # 'all', 'none' or a comma-separated list of names
    peer_sparql_max: int  # above this many triples, run only SMOKE_QUERY on rdflib
    peer_max: int  # above this many triples, skip the rdflib + pySHACL peer altogether
    peer_stage_limit: float | None  # stop a peer stage after this many seconds (lower bound)
    flagship: bool
    data_dir: Path
    result: Path


@dataclass
class Problems:
    """Things that mean the harness itself is broken (the smoke test fails on any)."""

    items: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        """Record a problem and echo it to stderr."""
        self.items.append(message)
        print(f"PROBLEM: {message}", file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    """The machine and library versions the figures were measured with."""
    versions = {name: _version(name) for name in
                ("kg-builder", "rdflib", "pyshacl", "pyoxigraph", "PyYAML", "owlrl")}
    import yaml

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "memory_gib": _memory_gib(), "cpu": _cpu_model(),
            "python": platform.python_version(), "platform": platform.platform(),
            "versions": versions, "yaml_c_loader": hasattr(yaml, "CSafeLoader"),
            "git_commit": commit, "date": time.strftime("%Y-%m-%d")}


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return 0.0


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def facts_folder(scale: str, data_dir: Path) -> tuple[Path, dict[str, Any]]:
    """The generated folder for a scale, generated once and reused while its manifest holds."""
    folder = data_dir / scale
    manifest_file = folder / "manifest.json"
    if manifest_file.exists():
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        if manifest.get("target_triples") == parse_scale(scale):
            return folder, manifest
    print(f"generating {scale} into {folder}", file=sys.stderr, flush=True)
    return folder, generate(folder, parse_scale(scale))


def worker(engine: str, args: list[str], result: Path) -> dict[str, Any] | None:
    """Run one worker subprocess; its JSON result, or None if it crashed."""
    command = [sys.executable, "-m", "bench.stages", engine, *args, "--result", str(result)]
    print(f"[{engine}] {' '.join(command[1:])}", file=sys.stderr, flush=True)
    code = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}).returncode
    if code != 0 or not result.exists():
        return None
    return json.loads(result.read_text(encoding="utf-8"))


def peer_query_names(options: Options, triples: int, names: list[str]) -> list[str]:
    """Which canned queries the rdflib peer runs at this size."""
    if options.peer_queries == "none":
        return []
    if options.peer_queries != "all":
        return [n for n in options.peer_queries.split(",") if n in names]
    return names if triples <= options.peer_sparql_max else [SMOKE_QUERY]


def run_scale(scale: str, options: Options, scratch: Path, problems: Problems) -> dict[str, Any]:
    """Every measurement of one scale."""
    folder, manifest = facts_folder(scale, options.data_dir)
    load_before = os.getloadavg()
    dumps = scratch / scale
    params = json.dumps(manifest["query_params"])
    common = ["--dumps", str(dumps), "--repeats", str(options.repeats),
              "--budget", str(options.budget)]
    ours = worker("ours", ["--facts", str(folder), "--params", params, *common],
                  scratch / f"{scale}-ours.json")
    entry: dict[str, Any] = {"manifest": manifest, "ours": ours}
    if ours is None:
        problems.add(f"{scale}: a kg-builder stage crashed")
        return entry
    check_violations(scale, "kg-builder", ours["facts"]["violations"], manifest, problems)
    if ours["facts"]["triples"] > options.peer_max:
        print(f"[peer] {scale}: skipped, over --peer-max triples (rdflib cannot finish)",
              file=sys.stderr, flush=True)
        entry["peer_skipped"] = f"over {options.peer_max:,} triples"
        return entry
    limit = ["--stage-limit", str(options.peer_stage_limit)] if options.peer_stage_limit else []
    peer = worker("peer", [*common, *limit], scratch / f"{scale}-peer.json")
    entry["peer"] = peer
    if peer is None:
        problems.add(f"{scale}: an rdflib/pySHACL peer stage crashed")
    else:
        check_violations(scale, "pySHACL peer", peer["facts"]["violations"], manifest, problems)
    entry["peer_sparql"] = peer_sparql(scale, options, dumps, manifest, ours, problems)
    # Other work on the machine skews the medians; the peer ratios, taken in one run, less so.
    entry["load_average"] = {"before": load_before, "after": os.getloadavg()}
    return entry


def check_violations(scale: str, engine: str, found: int | None, manifest: dict[str, Any],
                     problems: Problems) -> None:
    """The validator must find exactly the injected violations (unless it was stopped)."""
    expected = manifest["expected_violations"]
    if found is None:
        print(f"[{engine}] {scale}: validation stopped at the stage limit; violations not "
              "compared", file=sys.stderr, flush=True)
    elif found != expected:
        problems.add(f"{scale}: {engine} found {found} violations, the manifest injected {expected}")


def peer_sparql(scale: str, options: Options, dumps: Path, manifest: dict[str, Any],
                ours: dict[str, Any], problems: Problems) -> dict[str, Any]:
    """The canned queries on rdflib, with row counts compared against pyoxigraph's."""
    texts = bound_queries(manifest["query_params"])
    names = peer_query_names(options, ours["facts"]["triples"], sorted(texts))
    print(f"[rdflib SPARQL] {scale}: {len(names)} queries, timeout {options.query_timeout:.0f} s",
          file=sys.stderr, flush=True)
    outcome = run_queries(dumps / "kg.nt", {n: texts[n] for n in names}, options.repeats,
                          options.query_timeout, dumps).as_dict()
    for name, rows in outcome["rows"].items():
        if rows != ours["facts"]["rows"][name]:
            outcome.setdefault("row_mismatch", {})[name] = [ours["facts"]["rows"][name], rows]
    for name, note in outcome["failed"].items():
        if not note.startswith(">"):
            problems.add(f"{scale}: rdflib query {name}: {note}")
    return outcome


def run(options: Options) -> tuple[dict[str, Any], Problems]:
    """Run every scale and the CLI timings; the results document and any problems."""
    from .flagship import flagship_build, help_time

    problems = Problems()
    results: dict[str, Any] = {"machine": machine(), "options": _options_dict(options),
                               "scales": {}}
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        for scale in options.scales:
            results["scales"][scale] = run_scale(scale, options, Path(tmp), problems)
    if options.flagship:
        print("[cli] flagship build x5 (four ways), --help x10", file=sys.stderr, flush=True)
        results["flagship_build"] = flagship_build(5).as_dict()
        results["flagship_build_edited"] = flagship_build(5, edited=True).as_dict()
        results["flagship_build_cold"] = flagship_build(5, cached=False).as_dict()
        results["flagship_build_fresh"] = flagship_build(5, fresh=True).as_dict()
        results["help"] = help_time(10).as_dict()
    results["problems"] = problems.items
    return results, problems


def _options_dict(options: Options) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Path) else v for k, v in vars(options).items()}


def parse_options(argv: list[str] | None) -> Options:
    """Command-line options; --smoke overrides scales, repeats, peer queries and CLI timings."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="10k,100k", help="comma-separated: 2k,10k,100k,1M")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--query-timeout", type=float, default=60.0,
                        help="kill an rdflib SPARQL run after this many seconds")
    parser.add_argument("--budget", type=float, default=120.0,
                        help="run a stage once only when its first run takes longer (s)")
    parser.add_argument("--peer-queries", default="all", help="'all', 'none' or names")
    parser.add_argument("--peer-sparql-max", default="200k",
                        help=f"above this size rdflib runs only {SMOKE_QUERY}")
    parser.add_argument("--peer-max", default="2M",
                        help="above this size skip the rdflib + pySHACL peer (ours only)")
    parser.add_argument("--peer-stage-limit", type=float, default=None,
                        help="stop a peer stage after this many seconds; it counts as a lower "
                             "bound")
    parser.add_argument("--no-flagship", action="store_true", help="skip the CLI timings")
    parser.add_argument("--smoke", action="store_true",
                        help=f"CI check: {SMOKE_SCALE}, 1 repeat, one rdflib query, no CLI")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--result", type=Path, help="results JSON (default bench/results/)")
    args = parser.parse_args(argv)
    name = "smoke" if args.smoke else "-".join(args.scales.split(","))
    options = Options(
        scales=[SMOKE_SCALE] if args.smoke else args.scales.split(","),
        repeats=1 if args.smoke else args.repeats, query_timeout=args.query_timeout,
        budget=args.budget, peer_queries=SMOKE_QUERY if args.smoke else args.peer_queries,
        peer_sparql_max=parse_scale(args.peer_sparql_max),
        peer_max=parse_scale(args.peer_max), peer_stage_limit=args.peer_stage_limit,
        flagship=not (args.smoke or args.no_flagship), data_dir=args.data_dir,
        result=args.result or RESULTS_DIR / f"{name}.json")
    return options


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 if the harness itself broke (a crash, a wrong count)."""
    options = parse_options(argv)
    started = time.perf_counter()
    results, problems = run(options)
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    options.result.parent.mkdir(parents=True, exist_ok=True)
    options.result.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    markdown = render_markdown(results)
    options.result.with_suffix(".md").write_text(markdown, encoding="utf-8")
    print(markdown)
    print(f"results: {options.result} ({results['wall_seconds']} s)", file=sys.stderr)
    return 1 if problems.items else 0


if __name__ == "__main__":
    sys.exit(main())

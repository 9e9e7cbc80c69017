"""Validation time, pySHACL against the shapes compiled to SPARQL, on the same N-Triples.

For each size, generates a synthetic facts folder (bench/generate.py), maps it to triples,
and times `validate_ntriples` for each engine from the N-Triples text (store loading or
rdflib parsing included), as the median of --repeat runs. Also checks the two engines agree.

    python bench/validation_engines.py --sizes minimal 10k 100k --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.generate import generate, parse_scale  # noqa: E402
from kg_builder.api import check_facts  # noqa: E402
from kg_builder.project import open_project  # noqa: E402
from kg_builder.serialisation import to_ntriples  # noqa: E402
from kg_builder.validation import ValidationReport, validate_ntriples  # noqa: E402


def ntriples_for(size: str, work: Path) -> str:
    """The N-Triples of the minimal case, or of a generated facts folder of that size."""
    if size == "minimal":
        facts = REPO / "tests" / "cases" / "minimal" / "facts"
    else:
        facts = work / size
        generate(facts, parse_scale(size))
    project = open_project(REPO, facts=facts, seeds=work / "no-seeds")
    return to_ntriples(check_facts(project).graph.triples)


def time_engine(text: str, engine: str, repeat: int) -> tuple[float, ValidationReport]:
    times, report = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        report = validate_ntriples(text, [REPO / "shapes" / "kgo-shapes.ttl"], engine=engine)
        times.append(time.perf_counter() - start)
    assert report is not None
    return statistics.median(times), report


def key(report: ValidationReport) -> Counter[tuple[str, ...]]:
    return Counter((r.focus, r.path or "", r.value or "", r.severity, r.constraint or "",
                    r.message) for r in report.results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=["minimal", "10k", "100k"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", nargs="+", default=["sparql", "pyshacl"])
    args = parser.parse_args()
    print("| graph | triples | results | " + " | ".join(args.engines) + " | same results |")
    print("| --- | --- | --- | " + " | ".join("---" for _ in args.engines) + " | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            text = ntriples_for(size, Path(tmp))
            timed = {e: time_engine(text, e, args.repeat) for e in args.engines}
            reports = [r for _, r in timed.values()]
            same = all(key(r) == key(reports[0]) for r in reports)
            cells = " | ".join(f"{timed[e][0]:.2f} s" for e in args.engines)
            print(f"| {size} | {text.count(chr(10))} | {len(reports[0].results)} | {cells} | "
                  f"{'yes' if same else 'NO'} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

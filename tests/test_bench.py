"""The benchmark harness's own logic (bench/): stage limits and how the report shows them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.report import peer_table
from bench.timing import time_stage


def _forever() -> None:
    while True:
        try:
            sum(range(1000))
        except Exception:  # as some library code does: the limit must still stop it
            pass


def test_a_stage_past_its_limit_is_stopped_and_marked_unfinished():
    timing, result = time_stage(_forever, repeats=3, budget=120, limit=0.2)
    assert result is None and timing.unfinished
    assert timing.runs == [0.2] and "0.2 s stage limit" in timing.note


def test_a_stage_within_its_limit_runs_every_repeat():
    timing, result = time_stage(lambda: 42, repeats=3, budget=120, limit=60)
    assert result == 42 and not timing.unfinished and len(timing.runs) == 3


def _stage(median: float, unfinished: bool = False) -> dict[str, object]:
    return {"runs": [median], "median": median, "unfinished": unfinished}


def test_the_report_shows_an_unfinished_peer_stage_as_a_lower_bound():
    ours = {"stages": {name: _stage(1.0) for name in (
        "load facts (YAML)", "map to triples", "write N-Triples",
        "dataset statistics (SPARQL)", "validate (compiled SPARQL)",
        "write Turtle", "store load (pyoxigraph)")}, "peak_rss_mib": 700.0}
    peer = {"stages": {"rdflib parse N-Triples": _stage(40.0),
                       "rdflib write Turtle": _stage(600.0, unfinished=True),
                       "rdflib write N-Triples": _stage(50.0),
                       "pySHACL validate": _stage(110.0)}, "peak_rss_mib": 1300.0}
    rows = peer_table({"1M": {"ours": ours, "peer": peer}})
    turtle = next(r for r in rows if "write Turtle" in r)
    assert "> 600.00 s" in turtle and "≥ 600.0×" in turtle
    parse = next(r for r in rows if "graph ready" in r)
    assert ">" not in parse and "40.0×" in parse
    end_to_end = next(r for r in rows if "end to end" in r)
    assert "> 800.00 s" in end_to_end and "≥ 114.3×" in end_to_end


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux /proc")
def test_tree_memory_counts_the_children_of_the_command():
    from bench.tree_memory import measure

    script = ("import os, time\n"
              "pid = os.fork()\n"
              "if pid == 0:\n"
              "    block = bytearray(64 << 20); time.sleep(1.0); os._exit(0)\n"
              "os.waitpid(pid, 0)\n")
    code, wall, peak = measure([sys.executable, "-c", script], interval=0.05)
    assert code == 0 and wall >= 1.0
    assert peak >= 64 << 10  # the child's 64 MiB, in KiB


def test_the_fresh_clone_row_empties_the_cache_and_is_reported(tmp_path: Path):
    from bench.flagship import _emptied
    from bench.report import cli_table

    cache = tmp_path / "cache"
    (cache / "sub").mkdir(parents=True)
    (cache / "sub" / "entry").write_bytes(b"x")
    _emptied(cache)(0)
    assert not cache.exists()
    _emptied(cache)(1)  # nothing to empty is fine
    row = {"command": "KG_BUILDER_CACHE_DIR=<emptied> kg-builder build", "runs": [1.0, 1.2],
           "median": 1.1, "exit_code": 0, "facts": "", "notes": ["the build cache emptied"]}
    table = "\n".join(cli_table({"flagship_build_fresh": row}))
    assert "`KG_BUILDER_CACHE_DIR=<emptied> kg-builder build` | 1.10 s | 2 | 0" in table
    assert "note: the build cache emptied" in table

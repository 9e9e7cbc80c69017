"""Markdown tables of a benchmark results document (bench/run.py writes it as JSON)."""

from __future__ import annotations

from typing import Any

# (what, kg-builder stage, rdflib/pySHACL peer stage)
PAIRS = [
    ("graph ready to query", "store load (pyoxigraph)", "rdflib parse N-Triples"),
    ("write Turtle", "write Turtle", "rdflib write Turtle"),
    ("write N-Triples", "write N-Triples", "rdflib write N-Triples"),
    ("SHACL validation", "validate (compiled SPARQL)", "pySHACL validate"),
]

# End to end: ours from YAML to validated dumps, a loaded store and every query; the peer from
# N-Triples (it has no facts format) through the same validation, writing and queries.
END_TO_END_OURS = ["load facts (YAML)", "map to triples", "write N-Triples",
                   "dataset statistics (SPARQL)",
                   "validate (compiled SPARQL)", "write Turtle", "store load (pyoxigraph)"]
END_TO_END_PEER = ["rdflib parse N-Triples", "pySHACL validate", "rdflib write Turtle",
                   "rdflib write N-Triples"]


def seconds(value: float | None) -> str:
    """A duration at a readable precision."""
    if value is None:
        return "–"
    if value < 0.01:
        return f"{value * 1000:.2f} ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"


def ratio(peer: float | None, ours: float | None) -> str:
    """peer / ours, as '12.3×'."""
    if not peer or not ours:
        return "–"
    return f"{peer / ours:.1f}×"


def _stage(result: dict[str, Any] | None, name: str) -> float | None:
    stage = (result or {}).get("stages", {}).get(name)
    return stage["median"] if stage else None


def _unfinished(result: dict[str, Any] | None, stages: list[str]) -> bool:
    """Whether one of the stages was stopped at its limit (its time is then a lower bound)."""
    found = (result or {}).get("stages", {})
    return any(found.get(stage, {}).get("unfinished") for stage in stages)


def _at_least(text: str, bound: bool, sign: str) -> str:
    return f"{sign} {text}" if bound and text != "–" else text


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def sizes_table(scales: dict[str, Any]) -> list[str]:
    """Triples, records and violation counts per scale."""
    out = [_row(["scale", "triples", "records", "injected violations",
                 "found (kg-builder)", "found (pySHACL peer)", "warnings", "1-min load avg"]),
           _row(["---"] * 8)]
    for name, entry in scales.items():
        ours = (entry.get("ours") or {}).get("facts", {})
        peer = (entry.get("peer") or {}).get("facts", {})
        manifest = entry["manifest"]
        out.append(_row([name, f"{ours.get('triples', 0):,}", f"{ours.get('records', 0):,}",
                         str(manifest["expected_violations"]), str(ours.get("violations", "–")),
                         _count(peer.get("violations")), str(ours.get("warnings", "–")),
                         _load(entry.get("load_average"))]))
    return out


def _count(value: int | None) -> str:
    """A count, or '–' for a stage that did not finish."""
    return "–" if value is None else str(value)


def _load(load: dict[str, list[float]] | None) -> str:
    """The 1-minute load average before and after a scale ran (other work skews medians)."""
    return f"{load['before'][0]:.1f} → {load['after'][0]:.1f}" if load else "–"


def stages_table(scales: dict[str, Any]) -> list[str]:
    """kg-builder's stage medians, one column per scale; the queries summed into one row."""
    names = list(scales)
    first = next((e["ours"] for e in scales.values() if e.get("ours")), None)
    if first is None:
        return ["(no kg-builder stage finished)"]
    stages = [s for s in first["stages"] if not s.startswith("query ")]
    out = [_row(["stage", *names]), _row(["---"] * (len(names) + 1))]
    for stage in stages:
        out.append(_row([stage, *(seconds(_stage(scales[n].get("ours"), stage)) for n in names)]))
    out.append(_row([f"all {_query_count(first)} canned queries (sum of medians)",
                     *(seconds(_query_sum(scales[n].get("ours"))) for n in names)]))
    out.append(_row(["peak RSS of the worker",
                     *(_rss(scales[n].get("ours")) for n in names)]))
    return out


def _query_count(result: dict[str, Any]) -> int:
    return sum(1 for s in result["stages"] if s.startswith("query "))


def _query_sum(result: dict[str, Any] | None) -> float | None:
    if not result:
        return None
    return sum(v["median"] for k, v in result["stages"].items() if k.startswith("query "))


def _rss(result: dict[str, Any] | None) -> str:
    return f"{result['peak_rss_mib']:,.0f} MiB" if result else "–"


def peer_table(scales: dict[str, Any]) -> list[str]:
    """The same work with kg-builder and with rdflib + pySHACL, and peer / ours."""
    out = [_row(["scale", "work", "kg-builder", "rdflib / pySHACL", "peer / ours"]),
           _row(["---"] * 5)]
    for name, entry in scales.items():
        ours, peer = entry.get("ours"), entry.get("peer")
        for what, ours_stage, peer_stage in PAIRS:
            a, b = _stage(ours, ours_stage), _stage(peer, peer_stage)
            bound = _unfinished(peer, [peer_stage])
            out.append(_row([name, what, seconds(a), _at_least(seconds(b), bound, ">"),
                             _at_least(ratio(b, a), bound, "≥")]))
        a, b, count = _common_query_sums(entry)
        out.append(_row([name, f"SPARQL, {count} queries both finished (sum)",
                         seconds(a), seconds(b), ratio(b, a)]))
        ours_total = _total(ours, END_TO_END_OURS)
        peer_total = _total(peer, END_TO_END_PEER)
        if ours_total is not None and peer_total is not None:
            ours_total += a or 0.0
            peer_total += b or 0.0
        bound = _unfinished(peer, END_TO_END_PEER)
        out.append(_row([name, "**end to end** (with the queries above)", seconds(ours_total),
                         _at_least(seconds(peer_total), bound, ">"),
                         _at_least(ratio(peer_total, ours_total), bound, "≥")]))
        out.append(_row([name, "peak RSS", _rss(ours), _rss(peer), "–"]))
    return out


def _total(result: dict[str, Any] | None, stages: list[str]) -> float | None:
    """The sum of the stages' medians, or None when one of them did not run."""
    values = [_stage(result, stage) for stage in stages]
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def _common_query_sums(entry: dict[str, Any]) -> tuple[float | None, float | None, int]:
    ours = (entry.get("ours") or {}).get("stages", {})
    medians = (entry.get("peer_sparql") or {}).get("medians", {})
    common = [n for n in medians if f"query {n}" in ours]
    if not common:
        return None, None, 0
    return (sum(ours[f"query {n}"]["median"] for n in common),
            sum(medians[n] for n in common), len(common))


def queries_table(name: str, entry: dict[str, Any]) -> list[str]:
    """Per canned query at one scale: pyoxigraph vs rdflib, and the row counts."""
    ours = (entry.get("ours") or {}).get("stages", {})
    rows = (entry.get("ours") or {}).get("facts", {}).get("rows", {})
    sparql = entry.get("peer_sparql") or {}
    medians, failed = sparql.get("medians", {}), sparql.get("failed", {})
    mismatch = sparql.get("row_mismatch", {})
    out = [_row(["query", "rows", "pyoxigraph", "rdflib", "rdflib / pyoxigraph"]),
           _row(["---"] * 5)]
    for stage, timing in ours.items():
        if not stage.startswith("query "):
            continue
        query = stage.removeprefix("query ")
        peer = medians.get(query)
        peer_cell = failed.get(query) or (seconds(peer) if peer is not None else "not run")
        row_cell = str(rows.get(query, "–"))
        if query in mismatch:
            row_cell += f" (rdflib: {mismatch[query][1]})"
        out.append(_row([query, row_cell, seconds(timing["median"]), peer_cell,
                         ratio(peer, timing["median"])]))
    return out


def cli_table(results: dict[str, Any]) -> list[str]:
    """The flagship build and --help, from process start to exit."""
    out = [_row(["command", "median", "runs", "exit code", "facts"]), _row(["---"] * 5)]
    for key in ("flagship_build", "flagship_build_edited", "flagship_build_cold",
                "flagship_build_fresh", "help"):
        item = results.get(key)
        if item:
            out.append(_row([f"`{item['command']}`", seconds(item["median"]),
                             str(len(item["runs"])), str(item["exit_code"]), item["facts"] or "–"]))
            out.extend(f"\nnote: {note}" for note in item["notes"])
    return out


def render_markdown(results: dict[str, Any]) -> str:
    """Every table of a results document, as Markdown."""
    scales = results["scales"]
    m = results["machine"]
    parts = [f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, Python "
             f"{m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
             "", "### Sizes and validation counts", "", *sizes_table(scales),
             "", "### kg-builder stages (median seconds)", "", *stages_table(scales),
             "", "### Against plain rdflib + pySHACL (same run)", "", *peer_table(scales)]
    for name, entry in scales.items():
        parts += ["", f"### Canned queries at {name}", "", *queries_table(name, entry)]
    if "flagship_build" in results:
        parts += ["", "### The CLI (process start to exit)", "", *cli_table(results)]
    if results.get("problems"):
        parts += ["", "### Problems", "", *(f"- {p}" for p in results["problems"])]
    return "\n".join(parts) + "\n"

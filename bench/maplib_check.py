"""Would maplib answer the canned queries faster, and the same? (Measured by hand, not in CI.)

maplib (PyPI `maplib`, Apache-2.0) evaluates SPARQL on Polars data frames. It is not a
kg-builder dependency (with Polars, PyArrow and FastAPI it adds about 570 MB), so this runs in a
separate virtual environment that has it and kg-builder's own dependencies:

    python3 -m venv /tmp/maplib-venv
    /tmp/maplib-venv/bin/pip install maplib==0.20.26 -e .
    /tmp/maplib-venv/bin/python -m bench.maplib_check --data build/kg.nt

For each canned query (bound with its defaults) it prints the rows Oxigraph gives, the rows
maplib gives, whether they are the same (in order, as a set, or not), and maplib's time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from kg_builder.namespaces import XSD
from kg_builder.terms import Literal, Term

from .query_times import load
from .stages import ONTOLOGY, bound_queries


def _term(binding: dict[str, str] | None) -> Term | None:
    """A SPARQL JSON results binding as kg-builder's term."""
    if binding is None:
        return None
    if binding["type"] == "uri":
        return binding["value"]
    if binding["type"] == "bnode":
        return "_:" + binding["value"]
    datatype, lang = binding.get("datatype"), binding.get("xml:lang")
    if lang or datatype == XSD + "string":
        datatype = None
    return Literal(binding["value"], datatype, lang)


def maplib_rows(model: Any, text: str, variables: list[str]) -> list[dict[str, Term | None]]:
    """maplib's rows for a query, as dicts over Oxigraph's variables (maplib's JSON results
    list the variables in another order)."""
    answer = json.loads(model.query(text, return_json=True))
    return [{v: _term(b.get(v)) for v in variables} for b in answer["results"]["bindings"]]


def main(argv: list[str] | None = None) -> int:
    """Command line: one line per canned query; exit 1 if any query differs."""
    from maplib import Model

    parser = argparse.ArgumentParser(description="maplib against Oxigraph, query by query")
    parser.add_argument("--data", type=Path, required=True)
    args = parser.parse_args(argv)
    store = load(args.data)
    model = Model()
    for file in [args.data, *ONTOLOGY]:
        model.read(str(file))
    differ = 0
    for name, text in sorted(bound_queries({}).items()):
        expected = store.select(text)
        start = time.perf_counter()
        try:
            rows = maplib_rows(model, text, expected.variables)
        except Exception as exc:  # noqa: BLE001 - an engine error is a finding here
            print(f"{name:40} error: {str(exc)[:120]}")
            differ += 1
            continue
        took = time.perf_counter() - start
        same = ("same" if rows == expected.rows else "same set" if
                sorted(map(repr, rows)) == sorted(map(repr, expected.rows)) else "DIFFERENT")
        differ += same == "DIFFERENT"
        print(f"{name:40} {len(expected.rows):7} {len(rows):7} {same:10} {took * 1000:8.1f} ms")
    print(f"{differ} of {len(bound_queries({}))} queries differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

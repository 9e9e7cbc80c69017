"""Deterministic synthetic facts folders for the benchmark, scaled to a target triple count.

The folder is in the same YAML facts format as `facts/` (docs/facts-format.md): people with
posts, organisations, archival units and books, events with participants, claims with
verdicts and figures, footnote citations and top-level names and evidence. A fixed number of
SHACL violations is injected (posts that end before they start, figures above their maximum)
and written to `manifest.json` beside the YAML, with the parameters the canned queries need.

Quotes are synthetic and match no seed text: build these folders with the seeds disabled.

    /work/venv/bin/python bench/generate.py --triples 100k --out /tmp/kg-100k
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

UNITS_PER_FILE = 1000
CALIBRATION_UNITS = 300
DEFAULT_SEED = 1937

SURNAMES = ("Abramov Belov Volkov Gusev Dubov Egorov Zhukov Ivanov Kuzmin Lebedev Morozov "
            "Novikov Orlov Pavlov Romanov Sokolov Titov Frolov Kharitonov Tsvetkov Chernov "
            "Sharov Iakovlev Fedko Gamarnik Kork Eideman Primakov Putna Uborevich").split()
INITIALS = ("A. I.", "B. M.", "V. K.", "G. D.", "D. A.", "E. P.", "I. E.", "K. A.", "M. N.",
            "N. V.", "P. E.", "S. S.", "V. M.", "Ia. B.")
POST_TITLES = ("Commander of the district", "Chief of staff", "Deputy People's Commissar",
               "Head of the political administration", "Corps commander", "Division commander",
               "Brigade commissar", "Inspector of cavalry", "Head of the academy",
               "Member of the Military Soviet")
MEASURES = ("discharged", "arrested", "reinstated", "executed", "expelled")
VERDICTS = ("fabricated", "exaggerated", "disputed", "unverifiable", "doubtful", "plausible",
            "accepted")
CLAIM_TYPES = ("accusation", "denunciation", "confession", "testimony")
ORG_TYPES = ("military", "military-district", "party", "government", "court", "other")
ARCHIVES = ("rgva", "rgaspi")
SCALE_SUFFIXES = {"k": 1_000, "m": 1_000_000}


def parse_scale(text: str) -> int:
    """'10k' -> 10000, '1M' -> 1000000, '2500' -> 2500."""
    text = text.strip().lower().replace("_", "")
    factor = SCALE_SUFFIXES.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in SCALE_SUFFIXES else text
    return int(float(number) * factor)


# -- a tiny block-style YAML writer (strings as JSON, which YAML reads as double-quoted) -------

def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))


def _emit(value: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            _emit_entry(f"{pad}{key}:", item, indent, out)
    else:
        for item in value:
            if isinstance(item, dict):
                first, *rest = item.items()
                _emit_entry(f"{pad}- {first[0]}:", first[1], indent + 2, out)
                for key, sub in rest:
                    _emit_entry(f"{pad}  {key}:", sub, indent + 2, out)
            else:
                out.append(f"{pad}- {_scalar(item)}")


def _emit_entry(head: str, value: Any, indent: int, out: list[str]) -> None:
    if isinstance(value, list) and value and all(not isinstance(v, (dict, list)) for v in value):
        out.append(f"{head} [{', '.join(_scalar(v) for v in value)}]")
    elif isinstance(value, (dict, list)):
        out.append(head)
        _emit(value, indent + 2, out)
    else:
        out.append(f"{head} {_scalar(value)}")


def to_yaml(sections: dict[str, list[dict[str, Any]]]) -> str:
    """Block-style YAML for a facts file: section name -> list of records."""
    out: list[str] = ["# Synthetic benchmark facts (bench/generate.py); quotes match no seed."]
    for name, records in sections.items():
        if records:
            out.append(f"{name}:")
            _emit(records, 2, out)
    return "\n".join(out) + "\n"


# -- records --------------------------------------------------------------------------------

@dataclass
class Tally:
    """What was generated: records per section and injected violations per kind."""

    records: Counter[str] = field(default_factory=Counter)
    violations: Counter[str] = field(default_factory=Counter)


def evidence(rng: random.Random, subject: str, source: str | None = None) -> dict[str, Any]:
    """One evidence entry with a synthetic quote (seed line in range, footnote plausible)."""
    seed = "thesis" if rng.random() < 0.8 else "article"
    entry: dict[str, Any] = {"seed": seed, "line": rng.randint(100, 3180) if seed == "thesis"
                             else rng.randint(10, 1500)}
    if seed == "thesis" and rng.random() < 0.5:
        entry["footnote"] = rng.randint(1, 200)
    if source:
        entry["source"] = source
        entry["folio"] = f"l. {rng.randint(1, 300)}"
    entry["quote"] = f"Synthetic passage {rng.randint(0, 10**9)} on {subject}"
    return entry


def _date(rng: random.Random, year_from: int = 1930, year_to: int = 1938) -> str:
    year = rng.randint(year_from, year_to)
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def anchors() -> dict[str, list[dict[str, Any]]]:
    """The records the canned queries' defaults name (tukhachevskii, nkvd, rgva-f37837...)."""
    def ev(quote: str) -> list[dict[str, Any]]:
        return [{"seed": "thesis", "line": 101, "quote": quote}]

    return {
        "people": [
            {"id": "whitewood", "name": "Peter James Whitewood", "role": "historian",
             "evidence": ev("Peter James Whitewood, synthetic")},
            {"id": "tukhachevskii", "name": "M. N. Tukhachevskii",
             "variants": ["Tukhachevsky"], "positions": [
                 {"title": "Deputy People's Commissar of Defence", "organisation": "rkka",
                  "start": "1931", "end": "1937-05", "evidence": ev("Deputy Commissar, synthetic")}],
             "evidence": ev("Tukhachevskii, synthetic anchor")},
            {"id": "iakir", "name": "I. E. Iakir", "variants": ["Yakir"],
             "evidence": ev("Iakir, synthetic anchor")},
        ],
        "organisations": [
            {"id": "rgva", "name": "Russian State Military Archive", "type": "archive",
             "evidence": ev("RGVA, synthetic anchor")},
            {"id": "rgaspi", "name": "Russian State Archive of Socio-Political History",
             "type": "archive", "evidence": ev("RGASPI, synthetic anchor")},
            {"id": "nkvd", "name": "NKVD", "type": "political-police",
             "evidence": ev("NKVD, synthetic anchor")},
            {"id": "rkka", "name": "Red Army", "type": "military",
             "evidence": ev("Red Army, synthetic anchor")},
            {"id": "military-collegium", "name": "Military Collegium", "type": "court",
             "evidence": ev("Military Collegium, synthetic anchor")},
        ],
        "sources": [
            {"id": "whitewood-2012-red", "type": "thesis", "title": "The Red Army and the Terror",
             "authors": ["whitewood"], "in_bibliography": False,
             "seed_file": "000_19f3f272fd45012b.txt", "evidence": ev("The thesis, synthetic")},
            {"id": "whitewood-article", "type": "article", "authors": ["whitewood"],
             "in_bibliography": False, "seed_file": "001_9d0042f6181085e4.txt",
             "evidence": ev("The article, synthetic")},
            {"id": "rgva-f37837-op21-d117", "type": "archival-unit", "archive": "rgva",
             "fond": "37837", "opis": "21", "delo": "117", "evidence": ev("RGVA file, synthetic")},
        ],
        "events": [
            {"id": "trial-military-1937-06-11", "type": "trial",
             "label": "Closed military trial of Tukhachevskii and others", "date": "1937-06-11",
             "participants": [{"agent": "tukhachevskii", "role": "defendant"},
                              {"agent": "iakir", "role": "defendant"},
                              {"agent": "military-collegium", "role": "judge"}],
             "evidence": [evidence(random.Random(0), "the trial", "rgva-f37837-op21-d117")]},
        ],
    }


@dataclass
class Unit:
    """The records of one generated unit, by section; and what it injected."""

    sections: dict[str, list[dict[str, Any]]]
    violations: Counter[str]


class UnitFactory:
    """Makes unit `i`: each unit draws from its own RNG, so a unit never depends on the total."""

    def __init__(self, seed: int, bad_posts: set[int], bad_figures: set[int]) -> None:
        self.seed = seed
        self.bad_posts = bad_posts
        self.bad_figures = bad_figures

    def make(self, i: int) -> Unit:
        rng = random.Random(f"{self.seed}:{i}")
        unit = Unit({k: [] for k in ("people", "organisations", "sources", "events", "claims",
                                     "citations", "names", "evidence")}, Counter())
        self.organisation(rng, i, unit)
        self.historian_and_book(rng, i, unit)
        source = self.archival_unit(rng, i, unit)
        person = self.person(rng, i, unit, source)
        arrest, date = self.events(rng, i, unit, person, source)
        self.claims(rng, i, unit, person, (arrest, date), source)
        self.citation(rng, i, unit, source)
        self.extras(rng, i, unit, person, arrest)
        return unit

    def org_id(self, rng: random.Random, i: int) -> str:
        known = max(i // 20, 0)
        return f"org-{rng.randint(0, known):06d}" if rng.random() < 0.7 else "rkka"

    def organisation(self, rng: random.Random, i: int, unit: Unit) -> None:
        if i % 20:
            return
        n = i // 20
        record: dict[str, Any] = {"id": f"org-{n:06d}", "name": f"Synthetic organisation {n}",
                                  "abbreviations": [f"SO{n}"], "type": rng.choice(ORG_TYPES)}
        if n:
            record["part_of"] = f"org-{rng.randint(0, n - 1):06d}"
        record["evidence"] = [evidence(rng, f"organisation {n}")]
        unit.sections["organisations"].append(record)

    def historian_and_book(self, rng: random.Random, i: int, unit: Unit) -> None:
        if i % 25:
            return
        n = i // 25
        unit.sections["people"].append({
            "id": f"historian-{n:06d}", "name": f"{rng.choice(INITIALS)} Historian{n}",
            "role": "historian", "evidence": [evidence(rng, f"historian {n}")]})
        unit.sections["sources"].append({
            "id": f"historian{n}-{1960 + n % 60}-study", "type": "book",
            "title": f"A synthetic study {n}", "authors": [f"historian-{n:06d}"],
            "year": str(1960 + n % 60), "entry": f"Historian{n}, A synthetic study {n}."})

    def archival_unit(self, rng: random.Random, i: int, unit: Unit) -> str:
        archive = ARCHIVES[i % 2]
        fond, opis = 37000 + rng.randint(0, 40), rng.randint(1, 30)
        source_id = f"{archive}-f{fond}-op{opis}-d{100000 + i}"
        unit.sections["sources"].append({
            "id": source_id, "type": "archival-unit", "archive": archive, "fond": str(fond),
            "opis": str(opis), "delo": str(100000 + i),
            "evidence": [evidence(rng, f"file {i}")]})
        return source_id

    def person(self, rng: random.Random, i: int, unit: Unit, source: str) -> str:
        person_id = f"person-{i:07d}"
        surname = rng.choice(SURNAMES)
        record: dict[str, Any] = {"id": person_id, "name": f"{rng.choice(INITIALS)} {surname}-{i}"}
        if rng.random() < 0.5:
            record["variants"] = [f"{surname}-{i}"]
        record["description"] = f"Synthetic officer number {i}."
        titles = rng.sample(POST_TITLES, rng.randint(1, 2))
        record["positions"] = [self.position(rng, i, title, unit, n == 0 and i in self.bad_posts)
                               for n, title in enumerate(titles)]
        record["evidence"] = [evidence(rng, person_id, source)
                              for _ in range(rng.randint(1, 2))]
        unit.sections["people"].append(record)
        return person_id

    def position(self, rng: random.Random, i: int, title: str, unit: Unit,
                 bad: bool) -> dict[str, Any]:
        start = rng.randint(1920, 1934)
        end = rng.randint(start + 1, 1938)
        if bad:
            start, end = end, start  # injected: the post ends before it starts
            unit.violations["position-end-before-start"] += 1
        return {"title": title, "kind": "post", "organisation": self.org_id(rng, i),
                "start": str(start), "end": str(end),
                "evidence": [evidence(rng, f"post {title}")]}

    def events(self, rng: random.Random, i: int, unit: Unit, person: str,
               source: str) -> tuple[str, str]:
        date = _date(rng, 1936, 1938)
        arrest = f"arrest-person-{i:07d}-{date}"
        unit.sections["events"].append({
            "id": arrest, "type": "arrest", "label": f"Arrest of synthetic officer {i}",
            "date": date, "participants": [{"agent": person, "role": "arrested"},
                                           {"agent": "nkvd", "role": "perpetrator"}],
            "documented_in": source, "evidence": [evidence(rng, "the arrest", source)]})
        if i % 4 == 3:
            self.trial(rng, i, unit)
        return arrest, date

    def trial(self, rng: random.Random, i: int, unit: Unit) -> None:
        date = _date(rng, 1937, 1938)
        trial = f"trial-synthetic-{i:07d}-{date}"
        defendants = [{"agent": f"person-{j:07d}", "role": "defendant"} for j in range(i - 3, i + 1)]
        unit.sections["events"].append({
            "id": trial, "type": "trial", "label": f"Trial of synthetic group {i // 4}",
            "date": date, "participants": [*defendants,
                                           {"agent": "military-collegium", "role": "judge"}],
            "evidence": [evidence(rng, "the trial")]})
        unit.sections["events"].append({
            "id": f"execution-synthetic-{i:07d}", "type": "execution",
            "label": f"Execution of synthetic group {i // 4}", "date": date[:7],
            "part_of": trial, "participants": [{**d, "role": "executed"} for d in defendants],
            "evidence": [evidence(rng, "the executions")]})

    def claims(self, rng: random.Random, i: int, unit: Unit, person: str,
               arrest: tuple[str, str], source: str) -> None:
        claim_type = rng.choice(CLAIM_TYPES)
        unit.sections["claims"].append({
            "id": f"claim-{i:07d}-{claim_type}", "type": claim_type,
            "claimant": rng.choice(["nkvd", f"person-{max(i - 1, 0):07d}"]),
            "statement": f"Synthetic officer {i} belonged to a plot.", "about": [person],
            "date": arrest[1][:7], "made_in": arrest[0],
            "verdict": {"value": rng.choice(VERDICTS), "evidence": [evidence(rng, "verdict")]},
            "evidence": [evidence(rng, "the accusation", source)]})
        if i % 3 == 0:
            unit.sections["claims"].append(self.estimate(rng, i, unit))

    def estimate(self, rng: random.Random, i: int, unit: Unit) -> dict[str, Any]:
        value = rng.randint(100, 40000)
        maximum = value + rng.randint(0, 5000)
        if i in self.bad_figures:
            maximum = value - rng.randint(1, 99)  # injected: the figure is above its maximum
            unit.violations["figure-above-max"] += 1
        year = rng.randint(1934, 1938)
        return {"id": f"claim-{i:07d}-estimate", "type": "estimate",
                "claimant": "nkvd" if i % 2 else "rkka",
                "statement": f"Synthetic estimate {i} of people {MEASURES[i % 5]}.",
                "figure": {"value": value, "max": maximum, "qualifier": "about",
                           "measure": MEASURES[i % 5], "unit": "persons",
                           "period": f"{year}/{year + 1}", "category": "officers"},
                "evidence": [evidence(rng, "the estimate")]}

    def citation(self, rng: random.Random, i: int, unit: Unit, source: str) -> None:
        seed = "thesis" if i % 3 else "article"
        unit.sections["citations"].append({
            "id": f"synthetic-{seed}-fn{i}", "seed": seed,
            "line": rng.randint(100, 3180) if seed == "thesis" else rng.randint(10, 1500),
            "footnote": rng.randint(1, 200),
            "cites": [{"source": source, "folio": f"ll. {rng.randint(1, 99)}-{rng.randint(100, 200)}"},
                      {"source": "rgva-f37837-op21-d117", "folio": "l. 1"}],
            "quote": f"Synthetic footnote {i}: RGVA f. 37837"})

    def extras(self, rng: random.Random, i: int, unit: Unit, person: str, arrest: str) -> None:
        if i % 10 == 5:
            unit.sections["names"].append({"person": person, "name": f"Alt-spelling-{i}",
                                           "evidence": [evidence(rng, "a variant")]})
            unit.sections["evidence"].append({"record": arrest,
                                              **evidence(rng, "more on the arrest")})


# -- the folder ------------------------------------------------------------------------------

def spread(count: int, candidates: list[int]) -> set[int]:
    """`count` of the candidates, evenly spaced, so that injections cover the whole folder."""
    if not candidates or count <= 0:
        return set()
    count = min(count, len(candidates))
    return {candidates[int((k + 0.5) * len(candidates) / count)] for k in range(count)}


def injection_plan(units: int, rate: float) -> tuple[set[int], set[int]]:
    """The units whose first post ends before it starts, and those whose figure exceeds its max.

    At least one of each kind, so that even the smoke scale checks the validator's count; none
    at rate 0, for a folder that builds (to time the writing of the dumps).
    """
    per_kind = max(1, round(units * rate)) if rate > 0 else 0
    return (spread(per_kind, list(range(units))),
            spread(per_kind, [i for i in range(units) if i % 3 == 0]))


def write_folder(out: Path, units: int, seed: int, violation_rate: float) -> Tally:
    """Write anchors.yaml plus synthetic-NNNN.yaml files holding `units` units."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.yaml"):
        old.unlink()
    tally = Tally()
    base = anchors()
    _count(tally, base)
    (out / "anchors.yaml").write_text(to_yaml(base), encoding="utf-8")
    factory = UnitFactory(seed, *injection_plan(units, violation_rate))
    for first in range(0, units, UNITS_PER_FILE):
        merged: dict[str, list[dict[str, Any]]] = {}
        for i in range(first, min(first + UNITS_PER_FILE, units)):
            unit = factory.make(i)
            tally.violations.update(unit.violations)
            for name, records in unit.sections.items():
                merged.setdefault(name, []).extend(records)
        _count(tally, merged)
        path = out / f"synthetic-{first // UNITS_PER_FILE:04d}.yaml"
        path.write_text(to_yaml(merged), encoding="utf-8")
    return tally


def _count(tally: Tally, sections: dict[str, list[dict[str, Any]]]) -> None:
    for name, records in sections.items():
        tally.records[name] += len(records)


def mapped_triples(folder: Path) -> int:
    """How many triples kg-builder maps a facts folder to."""
    from kg_builder.loading import load_facts
    from kg_builder.mapping import map_to_graph

    return len(map_to_graph(load_facts(folder)).triples)


def calibrate(seed: int, violation_rate: float) -> tuple[float, float]:
    """Triples = fixed + per_unit * units, measured by mapping two sample folders."""
    with tempfile.TemporaryDirectory(prefix="kg-bench-cal-") as tmp:
        write_folder(Path(tmp) / "zero", 0, seed, violation_rate)
        write_folder(Path(tmp) / "sample", CALIBRATION_UNITS, seed, violation_rate)
        fixed = mapped_triples(Path(tmp) / "zero")
        sample = mapped_triples(Path(tmp) / "sample")
    return float(fixed), (sample - fixed) / CALIBRATION_UNITS


# The canned queries' parameters: ids that exist in every generated folder (see anchors()).
QUERY_PARAMS: dict[str, dict[str, str]] = {
    "accusations-against": {"person": "person:person-0000001"},
    "evidence": {"record": "person:tukhachevskii"},
    "person-career": {"person": "person:person-0000001"},
    "person-timeline": {"person": "person:person-0000001"},
    "organisation-people": {"organisation": "org:org-000000"},
}


def generate(out: Path, target_triples: int, seed: int = DEFAULT_SEED,
             violation_rate: float = 0.05) -> dict[str, Any]:
    """Generate a folder of about `target_triples` triples; write and return its manifest."""
    fixed, per_unit = calibrate(seed, violation_rate)
    units = max(4, round((target_triples - fixed) / per_unit))
    tally = write_folder(out, units, seed, violation_rate)
    manifest = {
        "generator": "bench/generate.py", "seed": seed, "target_triples": target_triples,
        "units": units, "estimated_triples": round(fixed + per_unit * units),
        "calibration": {"fixed_triples": fixed, "triples_per_unit": per_unit,
                        "sample_units": CALIBRATION_UNITS},
        "violation_rate": violation_rate, "records": dict(sorted(tally.records.items())),
        "injected_violations": dict(sorted(tally.violations.items())),
        "expected_violations": sum(tally.violations.values()),
        "query_params": QUERY_PARAMS,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command line: generate one synthetic facts folder."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", default="10k", help="target size: 2k, 10k, 100k, 1M, 10M")
    parser.add_argument("--out", type=Path, required=True, help="the facts folder to (re)write")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--violation-rate", type=float, default=0.05,
                        help="injected violations of each kind per generated unit (at least 1, "
                        "unless 0: a folder that builds)")
    args = parser.parse_args(argv)
    manifest = generate(args.out, parse_scale(args.triples), args.seed, args.violation_rate)
    print(json.dumps({k: manifest[k] for k in ("units", "estimated_triples",
                                              "expected_violations")}))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())

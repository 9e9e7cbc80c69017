"""Checking evidence against the seed texts: every quote word for word, at the line it claims."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .cache import BuildCache, digest
from .errors import Problem
from .loading import FactBase, Record
from .yaml_source import LocatedMap

SEED_FILES = {"thesis": "000_19f3f272fd45012b.txt", "article": "001_9d0042f6181085e4.txt"}

# First line of each part of the thesis; the bibliography follows the conclusion.
THESIS_PARTS = [(99, "intro"), (391, "1"), (887, "2"), (1417, "3"), (1889, "4"), (2463, "5"),
                (3185, "conclusion"), (3289, "bibliography")]
_PART_STARTS = [start for start, _ in THESIS_PARTS]

LINE_TOLERANCE = 3
MAX_QUOTE = 400
# A footnote record's quote only locates the footnote; the thesis is under copyright, so it is
# kept to the footnote's first words.
MAX_FOOTNOTE_QUOTE = 60
MIN_QUOTE = 12
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def normalise(text: str) -> str:
    """Collapse every run of whitespace to one space, and trim."""
    # str.split() and the regex \s agree on what whitespace is; splitting is 3x faster.
    return " ".join(text.split())


def thesis_part(line: int) -> str | None:
    """The part of the thesis ('intro', '1'..'5', 'conclusion', 'bibliography') a line is in."""
    index = bisect.bisect_right(_PART_STARTS, line) - 1
    return THESIS_PARTS[index][1] if index >= 0 else None


@dataclass
class Seed:
    """One seed text, normalised, with a map from normalised offsets back to lines."""

    name: str
    lines: list[str]

    @cached_property
    def _normalised(self) -> tuple[str, list[int]]:
        pieces: list[str] = []
        starts: list[int] = []
        offset = 0
        for line in self.lines:
            piece = normalise(line)
            starts.append(offset)
            if piece:
                pieces.append(piece)
                offset += len(piece) + 1
        return " ".join(pieces), starts

    def found_near(self, quote: str, line: int, tolerance: int) -> bool:
        """Whether the normalised quote begins within `tolerance` lines of `line` (fast path)."""
        text, starts = self._normalised
        first = starts[max(0, min(len(starts) - 1, line - 1 - tolerance))]
        last = starts[max(0, min(len(starts) - 1, line - 1 + tolerance + 1))]
        needle = normalise(quote)
        at = text.find(needle, first, last + len(needle))
        return at != -1 and at <= last

    def lines_of(self, quote: str) -> list[int]:
        """The 1-based lines where the normalised quote begins."""
        text, starts = self._normalised
        found: list[int] = []
        needle = normalise(quote)
        at = text.find(needle)
        while at != -1 and needle:
            found.append(bisect.bisect_right(starts, at))
            at = text.find(needle, at + 1)
        return found

    @cached_property
    def digest(self) -> bytes:
        """The SHA-256 of the seed's text: part of the key of every cached evidence check."""
        return digest("\n".join(self.lines).encode("utf-8"))

    @cached_property
    def footnotes(self) -> dict[str, set[int]]:
        """Footnote numbers found at the start of a paragraph, per thesis part."""
        result: dict[str, set[int]] = {}
        marker = re.compile(r"^([⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
        digits = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
        for number, line in enumerate(self.lines, start=1):
            match = marker.match(line)
            part = thesis_part(number)
            if match and part:
                result.setdefault(part, set()).add(int(match[1].translate(digits)))
        return result


def load_seeds(folder: Path) -> dict[str, Seed] | None:
    """The two seeds, or None when the folder does not hold them."""
    seeds = {}
    for name, filename in SEED_FILES.items():
        path = folder / filename
        if not path.is_file():
            return None
        seeds[name] = Seed(name, path.read_text(encoding="utf-8").splitlines())
    return seeds


def iter_evidence(facts: FactBase) -> Iterator[tuple[Record, LocatedMap]]:
    """Every evidence entry of every record, and every citation record (which is its own)."""
    for record in facts.records:
        data = record.data
        if record.kind in ("citation", "evidence"):
            yield record, data
        yield from ((record, e) for e in data.get("evidence", []))
        for position in data.get("positions", []):
            yield from ((record, e) for e in position.get("evidence", []))
        verdict = data.get("verdict")
        if verdict:
            yield from ((record, e) for e in verdict.get("evidence", []))


def check_evidence(facts: FactBase, seeds: dict[str, Seed],
                   cache: BuildCache | None = None) -> list[Problem]:
    """Check every quote and thesis footnote against the seeds; return all problems.

    With a cache, the files whose quotes all passed against the same seeds in an earlier
    build (and have not changed since) are not checked again.
    """
    keys = _cache_keys(facts, seeds) if cache else {}
    passed = {path for path, key in keys.items() if cache and cache.get(_entry(path), key)}
    if passed:
        facts = FactBase([r for r in facts.records if r.path not in passed], facts.by_id)
    problems: list[Problem] = []
    for record, entry in iter_evidence(facts):
        problems.extend(_check_entry(record, entry, seeds[entry["seed"]]))
    problems += _check_footnotes(facts, seeds)
    failed = {p.path for p in problems}
    for path in {r.path for r in facts.records} - failed:
        if cache and path in keys:
            cache.put(_entry(path), keys[path], True)
    return problems


def evidence_passed(path: str, file_digest: bytes, seeds: dict[str, Seed],
                    cache: BuildCache, quick: bool = False) -> bool:
    """Whether the quotes of a file with this digest passed against these seeds before
    (`quick`: from the entry's header alone, see BuildCache.holds)."""
    name, key = _entry(path), file_digest + _seeds_digest(seeds)
    return cache.holds(name, key) if quick else bool(cache.get(name, key))


def _seeds_digest(seeds: dict[str, Seed]) -> bytes:
    return b"".join(seeds[name].digest for name in sorted(seeds))


def _cache_keys(facts: FactBase, seeds: dict[str, Seed]) -> dict[str, bytes]:
    """The key of each file's evidence check: the file's digest and the seeds'."""
    seeds_digest = _seeds_digest(seeds)
    return {path: file_digest + seeds_digest for path, file_digest in facts.digests.items()}


def _entry(path: str) -> str:
    # By the path the user sees, as other entries are: a cache moved with the project (a CI
    # job restoring it into a checkout elsewhere) still holds the file's entry.
    return f"evidence:{path}"


def _check_entry(record: Record, entry: LocatedMap, seed: Seed) -> Iterator[Problem]:
    quote, line = entry["quote"], entry["line"]
    size = len(normalise(quote))
    where = entry.value_pos.get("quote", (entry.line, entry.column))
    label = f"{record.kind} '{record.id}'" if record.id else record.kind

    def problem(message: str, hint: str) -> Problem:
        return Problem(record.path, where[0], where[1], f"{label}: {message}", hint,
                       f"quote: {quote[:80]}")

    if record.kind == "citation" and size > MAX_FOOTNOTE_QUOTE:
        yield problem(f"a footnote record's quote has {size} characters; it "
                      f"needs at most {MAX_FOOTNOTE_QUOTE}", "keep the first words of the "
                      "footnote: the quote only locates it (the thesis is under copyright)")
    if not MIN_QUOTE <= size <= MAX_QUOTE:
        yield problem(f"the quote has {size} characters; quotes run from "
                      f"{MIN_QUOTE} to {MAX_QUOTE}", "quote the phrase or sentence that "
                      "supports the fact, no more (the thesis is under copyright)")
    if seed.found_near(quote, line, LINE_TOLERANCE):
        found = [line]
    else:
        found = seed.lines_of(quote)
    if not found:
        yield problem(f"the quote is not in the {seed.name} seed, word for word",
                      "copy the words exactly from the seed, with its punctuation and quote marks")
    elif not any(abs(n - line) <= LINE_TOLERANCE for n in found):
        yield problem(f"the quote is in the {seed.name} seed at line {found[0]}, not at line "
                      f"{line}", f"set 'line: {found[0]}'")
    if seed.name == "thesis":
        yield from _check_thesis_locator(entry, line, problem)


def _check_thesis_locator(entry: LocatedMap, line: int, problem) -> Iterator[Problem]:  # type: ignore[no-untyped-def]
    part = thesis_part(line)
    chapter = entry.get("chapter")
    if chapter is not None and str(chapter) != part:
        yield problem(f"line {line} is in part '{part}' of the thesis, not chapter '{chapter}'",
                      f"set 'chapter: {part}' or correct the line")


def _check_footnotes(facts: FactBase, seeds: dict[str, Seed]) -> list[Problem]:
    """Every thesis footnote number named must exist in that part of the thesis."""
    problems = []
    notes = seeds["thesis"].footnotes
    for record, entry in iter_evidence(facts):
        number = entry.get("footnote")
        if entry["seed"] != "thesis" or number is None:
            continue
        part = str(entry.get("chapter") or thesis_part(entry["line"]))
        if number not in notes.get(part, set()):
            where = entry.value_pos.get("footnote", (entry.line, entry.column))
            problems.append(Problem(record.path, where[0], where[1],
                                    f"{record.kind} '{record.id}': footnote {number} does not "
                                    f"exist in part '{part}' of the thesis",
                                    "check the footnote number against the superscript in "
                                    "the seed (numbering restarts in every chapter)",
                                    f"footnote: {number}"))
    return problems

"""Loading the facts folder: YAML files -> checked records, with every problem reported at once."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import BuildCache, digest
from .dates import DateError, parse_edtf
from .errors import BadInputError, Problem
from .memory import collector_paused
from .schema import ENUMS, IDENTIFIED, NESTED, RECORDS, SECTIONS, Field
from .yaml_source import LocatedList, LocatedMap, Position, parse_yaml, unreadable

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class Record:
    """One curated record, with where it was written."""

    kind: str
    data: LocatedMap
    path: str
    line: int

    @property
    def id(self) -> str:
        """The record's slug; attachments (positions, names) have none of their own."""
        return str(self.data.get("id", ""))


@dataclass
class FactBase:
    """Every record of a facts folder, by id and in file order."""

    records: list[Record] = field(default_factory=list)
    by_id: dict[str, Record] = field(default_factory=dict)
    # The SHA-256 of each file read with a build cache, by display path: it keys the entries
    # of later checks on the same file.
    digests: dict[str, bytes] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[Record]:
        """The records of one kind, in file order."""
        return [r for r in self.records if r.kind == kind]


@dataclass
class _Reference:
    target: str
    kinds: tuple[str, ...]
    path: str
    pos: Position
    context: str


@dataclass(frozen=True)
class _Plan:
    """A schema ready to check against: its required fields, and each field's check."""

    required: tuple[str, ...]
    checks: dict[str, tuple[str, str]]  # field -> (checker method, its argument)


def _plan(schema: dict[str, Field]) -> _Plan:
    checks = {}
    for name, spec in schema.items():
        base, _, arg = spec.type.partition(":")
        checks[name] = ("value_" + base.replace("-", "_"), arg)
    return _Plan(tuple(n for n, spec in schema.items() if spec.required), checks)


_RECORD_PLANS = {kind: _plan(schema) for kind, schema in RECORDS.items()}
_NESTED_PLANS = {name: _plan(schema) for name, schema in NESTED.items()}

# A cached file: its records as (kind, data, line) and its references without the path.
_CachedReferences = list[tuple[str, tuple[str, ...], Position, str]]
_CachedFile = tuple[list[tuple[str, LocatedMap, int]], _CachedReferences]
# What the checks across files need of a cached file: its number of records; each identified
# record as (kind, id, line, position of the id); deprecations whole (their check reads the
# id's position); the references. About a tenth of the whole entry to read back.
_CachedIndex = tuple[int, list[tuple[str, str, int, Position]],
                     list[tuple[str, LocatedMap, int]], _CachedReferences]


@dataclass
class _Checker:
    """Walks the parsed YAML of the files, collecting records, references and problems."""

    root: Path
    cache: BuildCache | None = None
    problems: list[Problem] = field(default_factory=list)
    references: list[_Reference] = field(default_factory=list)
    facts: FactBase = field(default_factory=FactBase)
    lines: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    # Problems found in one file alone; a file that has none can be cached.
    local_problems: int = 0

    def problem(self, path: str, pos: Position | None, message: str, hint: str = "",
                local: bool = True) -> None:
        line, column = pos if pos else (None, None)
        self.problems.append(Problem(path, line, column, message, hint,
                                     self.excerpt(path, line)))
        self.local_problems += local

    def excerpt(self, path: str, line: int | None) -> str:
        """The stripped text of a line of a checked file, read only when a problem needs it."""
        if line is None:
            return ""
        if path not in self.lines:
            file = self.files.get(path)
            try:
                text = file.read_text(encoding="utf-8", errors="replace") if file else ""
            except OSError:
                text = ""
            self.lines[path] = text.splitlines()
        lines = self.lines[path]
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""

    def check_file(self, file: Path,
                   index_will_do: Callable[[str, bytes], bool] | None = None,
                   keep_records: bool = True) -> None:
        """Check one file, or take it from the build cache if it is unchanged.

        `index_will_do(path, digest)` says whether the caller needs no more of an unchanged
        file than the checks across files do (it has the file's mapping and quote checks
        cached): its records are then stubs read from the file's index entry. Without
        `keep_records`, a file checked now gets its index entry in the cache, not its records.
        """
        path = display_path(file)
        self.files[path] = file
        try:
            raw = file.read_bytes()
        except OSError as exc:
            self.problems.append(unreadable(path, exc))
            return
        key = digest(raw) if self.cache else b""
        if self.cache:
            self.facts.digests[path] = key
            if index_will_do is not None and index_will_do(path, key):
                index = self.cache.get(index_entry(path), key)
                if index is not None:
                    self.reuse_index(path, index)
                    return
        cached = self.cache.get(_records_entry(path), key) if self.cache else None
        if cached is not None:
            self.reuse(path, cached)
            return
        first_record, first_reference = len(self.facts.records), len(self.references)
        before = self.local_problems
        self.check_text(path, raw)
        if self.cache and self.local_problems == before:
            records = self.facts.records[first_record:]
            references = [(r.target, r.kinds, r.pos, r.context)
                          for r in self.references[first_reference:]]
            if keep_records:
                entry: _CachedFile = ([(r.kind, r.data, r.line) for r in records], references)
                self.cache.put(_records_entry(path), key, entry)
            self.cache.put(index_entry(path), key, _index_entry(records, references))

    def reuse(self, path: str, cached: _CachedFile) -> None:
        """Take a file's records and references from the cache; only the checks across files
        (duplicate ids, references, deprecations) still run."""
        records, references = cached
        for kind, data, line in records:
            record = Record(kind, data, path, line)
            if kind in IDENTIFIED and isinstance(data.get("id"), str):
                self.register(record)
            self.facts.records.append(record)
        self.references += [_Reference(target, kinds, path, pos, context)
                            for target, kinds, pos, context in references]

    def reuse_index(self, path: str, index: _CachedIndex) -> None:
        """Take a file's stub records and references from its index entry (see check_file)."""
        count, identified, deprecations, references = index
        start = len(self.facts.records)
        for kind, record_id, line, id_pos in identified:
            data = LocatedMap()
            data["id"] = record_id
            data.value_pos["id"] = id_pos
            record = Record(kind, data, path, line)
            if kind in IDENTIFIED and isinstance(record_id, str):
                self.register(record)
            self.facts.records.append(record)
        self.facts.records += [Record(kind, data, path, line) for kind, data, line in deprecations]
        # Records without an id stand in as empty ones of no kind: they are counted, and
        # nothing across files reads them.
        blank = Record("", LocatedMap(), path, 0)
        self.facts.records += [blank] * (count - (len(self.facts.records) - start))
        self.references += [_Reference(target, kinds, path, pos, context)
                            for target, kinds, pos, context in references]

    def check_text(self, path: str, raw: bytes) -> None:
        data, problems = parse_yaml(raw, path)
        self.problems.extend(problems)
        self.local_problems += len(problems)
        if problems or data is None:
            return
        if not isinstance(data, LocatedMap):
            self.problem(path, (1, 1), "a facts file must be a mapping of record kinds to lists",
                         f"start the file with one of: {', '.join(SECTIONS)}")
            return
        self.check_duplicate_keys(path, data)
        for section, items in data.items():
            self.check_section(path, data, section, items)

    def check_section(self, path: str, data: LocatedMap, section: Any, items: Any) -> None:
        pos = data.key_pos[section]
        if section not in SECTIONS:
            self.problem(path, pos, f"unknown section '{section}'", suggest(section, SECTIONS))
            return
        if items is None:  # an empty section, e.g. while a curator is still writing the file
            return
        if not isinstance(items, LocatedList):
            self.problem(path, data.value_pos[section], f"'{section}' must be a list of records",
                         "start each record with '- '")
            return
        for item, item_pos in zip(items, items.item_pos, strict=True):
            self.check_record(path, SECTIONS[section], item, item_pos)

    def check_record(self, path: str, kind: str, item: Any, pos: Position) -> None:
        if not isinstance(item, LocatedMap):
            self.problem(path, pos, f"a {kind} record must be a mapping of fields",
                         "write the record as 'field: value' lines")
            return
        label = f"{kind} '{item.get('id', '?')}'" if "id" in RECORDS[kind] else kind
        self.check_fields(path, item, _RECORD_PLANS[kind], label)
        record = Record(kind, item, path, item.line)
        if kind in IDENTIFIED and isinstance(item.get("id"), str):
            self.register(record)
        self.check_special(record, label)
        self.facts.records.append(record)

    def register(self, record: Record) -> None:
        earlier = self.facts.by_id.get(record.id)
        if earlier is not None:
            self.problem(record.path, record.data.value_pos["id"],
                         f"duplicate id '{record.id}': already used by a {earlier.kind} at "
                         f"{earlier.path}:{earlier.line}",
                         "give this record another id, or merge the two records into one",
                         local=False)
            return
        self.facts.by_id[record.id] = record

    def check_special(self, record: Record, label: str) -> None:
        data = record.data
        if record.kind == "source" and not (data.get("evidence") or data.get("entry")
                                            or data.get("seed_file")):
            self.problem(record.path, (data.line, data.column),
                         f"{label} has neither evidence nor a bibliography entry",
                         "add 'entry:' with the bibliography text, or 'evidence:' quoting the "
                         "footnote that cites it")
        if record.kind == "source" and data.get("type") == "archival-unit":
            for part in ("archive", "fond", "opis", "delo"):
                if part not in data:
                    self.problem(record.path, (data.line, data.column),
                                 f"{label} is an archival unit without '{part}'",
                                 "archival units need archive, fond, opis and delo")

        if record.kind == "claim" and data.get("type") == "judgement" and not (
                data.get("assesses") and data.get("finding")):
            self.problem(record.path, (data.line, data.column),
                         f"{label} is a judgement without 'assesses' and 'finding'",
                         "name the claim it judges (assesses: <claim id>) and the verdict "
                         "(finding: fabricated, ...), or make it an 'interpretation'")
        verdict = data.get("verdict")
        if record.kind == "claim" and isinstance(verdict, LocatedMap) and "by" not in verdict:
            self.references.append(_Reference("whitewood", ("person",), record.path,
                                              (verdict.line, verdict.column),
                                              f"{label}.verdict (by default)"))

    def check_duplicate_keys(self, path: str, data: LocatedMap) -> None:
        for key, pos in data.duplicates:
            self.problem(path, pos, f"field '{key}' appears twice in the same mapping",
                         "keep one of them; YAML would silently drop the first")

    def check_fields(self, path: str, data: LocatedMap, plan: _Plan, label: str) -> None:
        if data.duplicates:
            self.check_duplicate_keys(path, data)
        for name in plan.required:
            if name not in data:
                self.problem(path, (data.line, data.column),
                             f"{label} is missing the required field '{name}'",
                             f"add '{name}:' (see docs/facts-format.md)")
        value_pos, checks = data.value_pos, plan.checks
        for name, value in data.items():
            check = checks.get(name)
            if check is None:
                self.problem(path, data.key_pos[name], f"unknown field '{name}' in {label}",
                             suggest(name, checks))
                continue
            method, arg = check
            data[name] = getattr(self, method)(path, value_pos[name], value, arg,
                                               f"{label}.{name}")

    def value_slug(self, path: str, pos: Position, value: Any, arg: str, label: str) -> Any:
        if not isinstance(value, str) or not SLUG.match(value):
            self.problem(path, pos, f"{label} '{value}' is not a slug",
                         "use lowercase ASCII letters, digits and single hyphens, e.g. "
                         "'arrest-tukhachevskii-1937-05-22'")
        return value

    def value_str(self, path: str, pos: Position, value: Any, arg: str, label: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(path, pos, f"{label} must be a single value", "write it as plain text")
            return value
        return str(value)

    def value_text(self, path: str, pos: Position, value: Any, arg: str, label: str) -> Any:
        if not isinstance(value, str) or not value.strip():
            self.problem(path, pos, f"{label} must be non-empty text",
                         "write it as text; quote it if it starts with a symbol or a number")
        return value

    def value_int(self, path: str, pos: Position, value: Any, arg: str, label: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path, pos, f"{label} must be a whole number, not '{value}'",
                         "write digits only, e.g. 101")
        return value

    def value_number(self, path: str, pos: Position, value: Any, arg: str, label: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(path, pos, f"{label} must be a number, not '{value}'",
                         "write digits only, e.g. 34301 (no thousands separators)")
        return value

    def value_bool(self, path: str, pos: Position, value: Any, arg: str, label: str) -> Any:
        if not isinstance(value, bool):
            self.problem(path, pos, f"{label} must be true or false, not '{value}'",
                         "write true or false")
        return value

    def value_edtf(self, path: str, pos: Position, value: Any, arg: str, label: str) -> Any:
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(text, str):
            self.problem(path, pos, f"{label} must be an EDTF date", "e.g. 1937-06-11 or 1937")
            return value
        try:
            parse_edtf(text)
        except DateError as exc:
            self.problem(path, pos, f"{label}: impossible or malformed date: {exc}",
                         "use YYYY, YYYY-MM, YYYY-MM-DD or a range A/B (EDTF)")
        return text

    def value_strs(self, path: str, pos: Position, value: Any, arg: str, label: str) -> Any:
        if not isinstance(value, LocatedList) or not all(isinstance(v, str) for v in value):
            self.problem(path, pos, f"{label} must be a list of text",
                         "write it as [a, b] or as '- a' lines")
        return value

    def value_enum(self, path: str, pos: Position, value: Any, arg: str, label: str) -> Any:
        allowed = ENUMS[arg]
        text = str(value)
        if text not in allowed:
            self.problem(path, pos, f"{label} '{value}' is not one of the allowed values",
                         suggest(text, allowed, listing=True))
        return text

    def value_ref(self, path: str, pos: Position, value: Any, arg: str, label: str) -> Any:
        if not isinstance(value, str):
            self.problem(path, pos, f"{label} must be the id of a record", "e.g. tukhachevskii")
            return value
        self.references.append(_Reference(value, tuple(arg.split("|")), path, pos, label))
        return value

    def value_refs(self, path: str, pos: Position, value: Any, arg: str, label: str) -> Any:
        if not isinstance(value, LocatedList):
            self.problem(path, pos, f"{label} must be a list of ids", "write it as [id1, id2]")
            return value
        for item, item_pos in zip(value, value.item_pos, strict=True):
            self.value_ref(path, item_pos, item, arg, label)
        return value

    def value_ref_or_refs(self, path: str, pos: Position, value: Any, arg: str,
                          label: str) -> Any:
        if isinstance(value, LocatedList):
            return self.value_refs(path, pos, value, arg, label)
        return self.value_ref(path, pos, value, arg, label)

    def value_nested(self, path: str, pos: Position, value: Any, arg: str, label: str) -> Any:
        if not isinstance(value, LocatedMap):
            self.problem(path, pos, f"{label} must be a mapping of fields",
                         "write it as indented 'field: value' lines")
            return value
        self.check_fields(path, value, _NESTED_PLANS[arg], label)
        return value

    def value_nested_list(self, path: str, pos: Position, value: Any, arg: str,
                          label: str) -> Any:
        if not isinstance(value, LocatedList) or not value:
            self.problem(path, pos, f"{label} must be a non-empty list",
                         "start each entry with '- '")
            return value
        for item, item_pos in zip(value, value.item_pos, strict=True):
            self.value_nested(path, item_pos, item, arg, label)
        return value

    def resolve_references(self) -> None:
        for ref in self.references:
            target = self.facts.by_id.get(ref.target)
            if target is not None and target.kind in ref.kinds:
                continue
            wanted = " or ".join(ref.kinds)
            if target is not None:
                self.problem(ref.path, ref.pos, f"{ref.context} refers to '{ref.target}', which "
                             f"is a {target.kind}, not a {wanted}",
                             f"refer to a {wanted} id here", local=False)
                continue
            candidates = [r.id for r in self.facts.records if r.kind in ref.kinds and r.id]
            self.problem(ref.path, ref.pos, f"{ref.context} refers to unknown {wanted} "
                         f"'{ref.target}'", suggest(ref.target, candidates, what=f"a {wanted}"),
                         local=False)


    def check_deprecations(self) -> None:
        """A deprecated id must not name a live record: published ids are never reused."""
        for record in self.facts.of_kind("deprecation"):
            live = self.facts.by_id.get(record.id)
            if live is not None:
                self.problem(record.path, record.data.value_pos.get("id"),
                             f"deprecated id '{record.id}' is still used by a {live.kind} at "
                             f"{live.path}:{live.line}",
                             "give the live record a new id, or drop the deprecation", local=False)


def _index_entry(records: list[Record], references: _CachedReferences) -> _CachedIndex:
    """A checked file's index entry (see _CachedIndex)."""
    identified = [(r.kind, r.data["id"], r.line, r.data.value_pos.get("id", (r.line, 1)))
                  for r in records if r.kind != "deprecation" and r.id]
    deprecations = [(r.kind, r.data, r.line) for r in records if r.kind == "deprecation"]
    return len(records), identified, deprecations, references


def suggest(word: Any, options: Any, listing: bool = False, what: str = "") -> str:
    """A 'did you mean' hint for a misspelled name, or the allowed values."""
    options = [str(o) for o in options]
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if listing or len(options) <= 12:
        return "allowed: " + ", ".join(options)
    return f"define {what or 'it'} first, or check the spelling of the id"


def index_entry(path: str) -> str:
    """The build cache entry holding a facts file's index (see _CachedIndex), by its display
    path: like every entry, named by the path the user sees, so that a cache moved with the
    project (a CI job restoring it into a checkout elsewhere) is still used."""
    return f"index:{path}"


def _records_entry(path: str) -> str:
    return f"facts:{path}"


def display_path(file: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return file.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return file.as_posix()


def facts_files(folder: Path) -> list[Path]:
    """The YAML files of a facts folder, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


@collector_paused()
def load_facts(folder: Path, cache: BuildCache | None = None) -> FactBase:
    """Read and check every facts file below `folder`; raise BadInputError listing all problems.

    With a cache, a file unchanged since an earlier build is not parsed or checked again; the
    checks across files (duplicate ids, references, deprecations) run every time.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInputError([Problem(str(folder), None, None, "the facts folder does not exist",
                                     "run from the project folder, or pass --facts PATH")])
    checker = _Checker(folder.resolve(), cache)
    files = facts_files(folder.resolve())
    if not files:
        raise BadInputError([Problem(str(folder), None, None, "the facts folder has no .yaml files",
                                     "add facts files (see docs/facts-format.md)")])
    for file in files:
        checker.check_file(file)
    checker.resolve_references()
    checker.check_deprecations()
    if checker.problems:
        raise BadInputError(checker.problems)
    return checker.facts

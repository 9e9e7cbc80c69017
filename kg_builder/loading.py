"""Loading the facts folder: YAML files -> checked records, with every problem reported at once."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dates import DateError, parse_edtf
from .errors import BadInputError, Problem
from .memory import collector_paused
from .schema import ENUMS, IDENTIFIED, NESTED, RECORDS, SECTIONS, Field
from .yaml_source import LocatedList, LocatedMap, Position, read_yaml

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


@dataclass
class _Checker:
    """Walks the parsed YAML of the files, collecting records, references and problems."""

    root: Path
    problems: list[Problem] = field(default_factory=list)
    references: list[_Reference] = field(default_factory=list)
    facts: FactBase = field(default_factory=FactBase)
    lines: dict[str, list[str]] = field(default_factory=dict)

    def problem(self, path: str, pos: Position | None, message: str, hint: str = "") -> None:
        line, column = pos if pos else (None, None)
        excerpt = ""
        if line is not None and 0 < line <= len(self.lines.get(path, [])):
            excerpt = self.lines[path][line - 1].strip()
        self.problems.append(Problem(path, line, column, message, hint, excerpt))

    def check_file(self, file: Path) -> None:
        path = display_path(file)
        self.lines[path] = file.read_text(encoding="utf-8", errors="replace").splitlines()
        data, problems = read_yaml(file, path)
        self.problems.extend(problems)
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
        self.check_fields(path, item, RECORDS[kind], label)
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
                         "give this record another id, or merge the two records into one")
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

    def check_fields(self, path: str, data: LocatedMap, schema: dict[str, Field],
                     label: str) -> None:
        self.check_duplicate_keys(path, data)
        for name, spec in schema.items():
            if spec.required and name not in data:
                self.problem(path, (data.line, data.column),
                             f"{label} is missing the required field '{name}'",
                             f"add '{name}:' (see docs/facts-format.md)")
        for name, value in data.items():
            if name not in schema:
                self.problem(path, data.key_pos[name], f"unknown field '{name}' in {label}",
                             suggest(name, schema))
                continue
            pos = data.value_pos[name]
            data[name] = self.check_value(path, pos, value, schema[name].type, f"{label}.{name}")

    def check_value(self, path: str, pos: Position, value: Any, type_: str, label: str) -> Any:
        base, _, arg = type_.partition(":")
        checker = getattr(self, "value_" + base.replace("-", "_"))
        return checker(path, pos, value, arg, label)

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
        self.check_fields(path, value, NESTED[arg], label)
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
                             f"refer to a {wanted} id here")
                continue
            candidates = [r.id for r in self.facts.records if r.kind in ref.kinds and r.id]
            self.problem(ref.path, ref.pos, f"{ref.context} refers to unknown {wanted} "
                         f"'{ref.target}'", suggest(ref.target, candidates, what=f"a {wanted}"))


    def check_deprecations(self) -> None:
        """A deprecated id must not name a live record: published ids are never reused."""
        for record in self.facts.of_kind("deprecation"):
            live = self.facts.by_id.get(record.id)
            if live is not None:
                self.problem(record.path, record.data.value_pos.get("id"),
                             f"deprecated id '{record.id}' is still used by a {live.kind} at "
                             f"{live.path}:{live.line}",
                             "give the live record a new id, or drop the deprecation")


def suggest(word: Any, options: Any, listing: bool = False, what: str = "") -> str:
    """A 'did you mean' hint for a misspelled name, or the allowed values."""
    options = [str(o) for o in options]
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if listing or len(options) <= 12:
        return "allowed: " + ", ".join(options)
    return f"define {what or 'it'} first, or check the spelling of the id"


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
def load_facts(folder: Path) -> FactBase:
    """Read and check every facts file below `folder`; raise BadInputError listing all problems."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInputError([Problem(str(folder), None, None, "the facts folder does not exist",
                                     "run from the project folder, or pass --facts PATH")])
    checker = _Checker(folder.resolve())
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

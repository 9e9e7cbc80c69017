"""Releases: dated, versioned snapshots under build/releases/VERSION, and IRI continuity.

A release carries a copy of the ontology whose owl:versionIRI names the release and whose
owl:priorVersion names the previous one, as the OBO release tools (ROBOT) do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from .errors import Problem, UsageError
from .metadata import source_date
from .namespaces import KIND_PATHS, ONTOLOGY_VERSIONS, OWL
from .store import read_triples
from .terms import Literal, Triple

RELEASES = "releases"
NOTES = "CHANGES.md"
VERSION = re.compile(r"^[0-9A-Za-z](?:[0-9A-Za-z.+_-]*[0-9A-Za-z])?$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_VERSION_IRI = re.compile(r"owl:versionIRI\s*<[^>]*>")
_VERSION_INFO = re.compile(r'owl:versionInfo\s*"[^"]*"')
_PRIOR = re.compile(r"\s*owl:priorVersion\s*<[^>]*>\s*;")


def check_version(version: str) -> str:
    """The version, if it can name a folder and an IRI; a UsageError otherwise."""
    if not VERSION.match(version):
        raise UsageError(f"'{version}' is not a release version; use letters, digits, dots and "
                         "hyphens, e.g. 1.0.0 or 2025-01")
    return version


def release_date(given: str | None) -> date:
    """--date YYYY-MM-DD, else SOURCE_DATE_EPOCH; a release needs one of them."""
    if given:
        try:
            return date.fromisoformat(given)
        except ValueError as exc:
            raise UsageError(f"--date '{given}' is not a date; write YYYY-MM-DD") from exc
    found = source_date()
    if found is None:
        raise UsageError("a release needs a date: pass --date YYYY-MM-DD or set "
                         "SOURCE_DATE_EPOCH")
    return found


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order of versions: 1.10.0 after 1.9.0."""
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in re.findall(r"\d+|[^\d.+_-]+", version))


def previous_release(releases_dir: Path, version: str) -> Path | None:
    """The latest release folder (with a kg.nt) before `version`, if any."""
    earlier = [d for d in releases_dir.glob("*") if d.is_dir() and (d / "kg.nt").is_file()
               and d.name != version and version_key(d.name) < version_key(version)]
    return max(earlier, key=lambda d: version_key(d.name)) if earlier else None


def version_iri_of(release: Path) -> str:
    """The owl:versionIRI of a release's ontology copy (or the IRI its name implies)."""
    for path in sorted((release / "ontology").glob("*.ttl")):
        for _, p, o in read_triples(path):
            if p == OWL + "versionIRI" and isinstance(o, str):
                return o
    return ONTOLOGY_VERSIONS + release.name


def versioned_ontology(text: str, version: str, prior: str | None) -> str:
    """The ontology text with its versionIRI, versionInfo and priorVersion set for a release."""
    text = _PRIOR.sub("", text)
    statement = f"owl:versionIRI <{ONTOLOGY_VERSIONS}{version}>"
    if prior:
        statement = f"owl:priorVersion <{prior}> ;\n    " + statement
    text = _VERSION_IRI.sub(lambda _: statement, text, count=1)
    return _VERSION_INFO.sub(lambda _: f'owl:versionInfo "{version}"', text, count=1)


def ontology_copies(ontology: list[Path], shapes: list[Path], version: str,
                    prior: str | None) -> dict[str, bytes]:
    """ontology/*.ttl (the one with a versionIRI re-versioned) and shapes/*.ttl, for a release."""
    files = {}
    for path in ontology:
        text = path.read_text(encoding="utf-8")
        if _VERSION_IRI.search(text):
            text = versioned_ontology(text, version, prior)
        files[f"ontology/{path.name}"] = text.encode("utf-8")
    files |= {f"shapes/{path.name}": path.read_bytes() for path in shapes}
    return files


def record_iris(triples: Iterable[Triple], base_iri: str) -> set[str]:
    """Subjects that are records, `<base><kind>/<slug>`; nested nodes follow their record."""
    kinds = tuple(base_iri + path for path in KIND_PATHS.values())
    out = set()
    for s, _, _ in triples:
        if s.startswith(kinds):
            slug = s[len(base_iri):].split("/", 1)[1]
            if _SLUG.match(slug):
                out.add(s)
    return out


def check_iri_continuity(previous: Iterable[Triple], current: Iterable[Triple],
                         base_iri: str) -> list[str]:
    """Record IRIs of the previous release that are gone without a deprecation, sorted."""
    current = list(current)
    deprecated = {s for s, p, o in current
                  if p == OWL + "deprecated" and isinstance(o, Literal) and o.value == "true"}
    return sorted(record_iris(previous, base_iri) - record_iris(current, base_iri) - deprecated)


def continuity_problems(vanished: list[str], previous: Path) -> list[Problem]:
    """One located problem per vanished IRI, with the fix."""
    return [Problem(str(previous / "kg.nt"), None, None,
                    f"<{iri}> was published in release {previous.name} and is gone",
                    "restore the record, or add it to a 'deprecations:' list with the id, its "
                    "kind and replaced_by (see docs/facts-format.md)") for iri in vanished]

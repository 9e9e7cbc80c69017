"""The build cache: work derived from one input file, kept for the next build.

Parsing and checking a facts file, or checking its quotes against the seeds, gives the same
answer until the file, the seeds or kg-builder itself change. An entry holds that answer with
the digest of everything it was derived from; a build reuses it only when every digest still
matches, so a cache can be slower but never stale. Like .mypy_cache and .ruff_cache, the folder
is `.kg-builder-cache/` in the project, ignored by git through a .gitignore of its own;
KG_BUILDER_CACHE_DIR moves it and KG_BUILDER_NO_CACHE=1 turns it off. warming.py fills it
for changed files on both cores before a build reads it.

Entries are written to a temporary file and renamed into place, so concurrent builds never see
half an entry. A damaged entry fails its checksum and is recomputed and rewritten. They are
pickles read by an unpickler that accepts no class but the YAML containers: a planted entry
can give wrong data at worst, never run code.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

FOLDER = ".kg-builder-cache"
_MAGIC = b"kg-builder cache 1\n"
_DIGEST = 32
_ALLOWED = {("kg_builder.yaml_source", "LocatedMap"), ("kg_builder.yaml_source", "LocatedList")}
_GITIGNORE = "# Created by kg-builder: this folder is a cache, rebuilt as needed.\n*\n"
# https://bford.info/cachedir/: backup tools skip folders holding this tag.
_CACHEDIR_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                 "# This file is a cache directory tag created by kg-builder.\n")


class _Unpickler(pickle.Unpickler):
    """Plain data and the YAML containers only: no other global can be named."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache entry")
        return super().find_class(module, name)


class BuildCache:
    """A folder of entries, each named by what it describes and keyed by what it came from."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._writable = True

    def get(self, name: str, key: bytes) -> Any:
        """The value stored under `name` if it was derived from `key`, else None."""
        try:
            data = (self.folder / _entry_name(name)).read_bytes()
        except OSError:
            return None
        head = len(_MAGIC)
        digest, checksum = data[head:head + _DIGEST], data[head + _DIGEST:head + 2 * _DIGEST]
        payload = memoryview(data)[head + 2 * _DIGEST:]
        if (data[:head] != _MAGIC or digest != _key_digest(key)
                or checksum != hashlib.sha256(payload).digest()):
            return None
        try:
            return _Unpickler(io.BytesIO(payload)).load()
        except Exception:  # a damaged entry is a miss, whatever the unpickler raises
            return None

    def holds(self, name: str, key: bytes) -> bool:
        """Whether an entry under `name` was derived from `key`, from its header alone: a
        damaged entry still fails its checksum when `get` reads it."""
        try:
            with (self.folder / _entry_name(name)).open("rb") as entry:
                head = entry.read(len(_MAGIC) + _DIGEST)
        except OSError:
            return False
        return head == _MAGIC + _key_digest(key)

    def put(self, name: str, key: bytes, value: Any) -> None:
        """Store `value` under `name`, derived from `key`; a folder that cannot be written
        just means no cache."""
        if not self._writable:
            return
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        data = b"".join((_MAGIC, _key_digest(key), hashlib.sha256(payload).digest(), payload))
        try:
            self._prepare()
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, self.folder / _entry_name(name))
        except OSError:
            self._writable = False

    def _prepare(self) -> None:
        if (self.folder / ".gitignore").exists():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "CACHEDIR.TAG").write_text(_CACHEDIR_TAG, encoding="utf-8")
        (self.folder / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")


def open_cache(project_root: Path) -> BuildCache | None:
    """The project's build cache, or None when KG_BUILDER_NO_CACHE is set."""
    if os.environ.get("KG_BUILDER_NO_CACHE", "") not in ("", "0"):
        return None
    folder = os.environ.get("KG_BUILDER_CACHE_DIR")
    return BuildCache(Path(folder) if folder else Path(project_root) / FOLDER)


def digest(data: bytes) -> bytes:
    """The digest that keys an entry derived from these bytes."""
    return hashlib.sha256(data).digest()


def _entry_name(name: str) -> str:
    # One entry per input file (named by its path), so the folder stays as small as the project.
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:32]


def _key_digest(key: bytes) -> bytes:
    return hashlib.sha256(_code_digest() + key).digest()


@functools.cache
def _code_digest() -> bytes:
    """The code that derives the values: any change to kg-builder, PyYAML or Python makes
    every entry a miss."""
    import yaml

    code = hashlib.sha256(f"{sys.version}|{yaml.__version__}|{yaml.__with_libyaml__}".encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        code.update(source.name.encode() + b"\0" + source.read_bytes())
    return code.digest()

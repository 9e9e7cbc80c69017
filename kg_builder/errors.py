"""One exception hierarchy; each class carries the exit code the CLI returns for it."""

from __future__ import annotations

import errno
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


class ExitCode:
    """Documented exit codes (see the README's table)."""

    OK = 0
    NOT_CONFORMANT = 1
    USAGE = 2
    BAD_INPUT = 3
    ENDPOINT = 4
    INTERNAL = 5
    OUTPUT = 6


@dataclass(frozen=True)
class Problem:
    """One problem in an input file, located as precisely as the input allows."""

    path: str
    line: int | None
    column: int | None
    message: str
    hint: str = ""
    excerpt: str = ""

    def location(self) -> str:
        """`path:line:column`, with the parts that are known."""
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def render(self) -> str:
        """The problem as a compiler-style message, with excerpt and hint."""
        text = f"{self.location()}: error: {self.message}"
        if self.excerpt:
            text += f"\n    {self.excerpt}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class KgBuilderError(Exception):
    """Base class of every error kg-builder raises on purpose."""

    exit_code = ExitCode.INTERNAL


class UsageError(KgBuilderError):
    """A command was called with options that cannot work together or name nothing."""

    exit_code = ExitCode.USAGE


class BadInputError(KgBuilderError):
    """An input file is unreadable, malformed or inconsistent."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        body = "\n".join(p.render() for p in problems)
        super().__init__(f"{body}\n{len(problems)} {noun} in the input.")

    def __reduce__(self) -> tuple[type[BadInputError], tuple[list[Problem]]]:
        # Sent back whole from the process that writes the dumps (pickle would rebuild the
        # error from its message text, not its problems).
        return type(self), (self.problems,)


class EndpointError(KgBuilderError):
    """A remote SPARQL endpoint failed, timed out or answered with something unreadable."""

    exit_code = ExitCode.ENDPOINT


class OutputError(KgBuilderError):
    """An output could not be written: no space left, no permission, or a file in the way."""

    exit_code = ExitCode.OUTPUT

    def __init__(self, path: str, reason: str, hint: str) -> None:
        self.path, self.reason, self.hint = path, reason, hint
        super().__init__(f"{path}: error: cannot write here: {reason}\n    hint: {hint}")

    def __reduce__(self) -> tuple[type[OutputError], tuple[str, str, str]]:
        return type(self), (self.path, self.reason, self.hint)


# What the user can do about a write that failed, by errno name (not every platform has all).
_OUTPUT_HINTS = {
    getattr(errno, name): hint for name, hint in (
        ("ENOSPC", "free some space on that disk"),
        ("EDQUOT", "free some space within your quota"),
        ("EFBIG", "write to a file system that allows larger files"),
        ("EACCES", "check that you may write there"),
        ("EPERM", "check that you may write there"),
        ("EROFS", "that file system is read-only"),
        ("EEXIST", "a file is where a folder must go: move it"),
        ("ENOTDIR", "a file is where a folder must go: move it"),
        ("EISDIR", "a folder is where a file must go: move it"),
        ("ENOENT", "that folder does not exist: create it first"),
    ) if hasattr(errno, name)
}


def output_error(exc: OSError, folders: list[Path], option: str | None = "--out"
                 ) -> OutputError | None:
    """The OSError met while writing into `folders` (or the temporary folder) as an
    OutputError naming where; None for an error about anything else, such as an input that
    cannot be read. The first folder is named when the error names no file; `option` is the
    one that moves the output, if any."""
    if exc.errno is None:
        return None
    where = Path(exc.filename) if exc.filename else None
    scratch = Path(tempfile.gettempdir())
    ours = where is None or any(_within(where, f) or _within(f, where) for f in folders)
    if not ours and not _within(where, scratch):  # type: ignore[arg-type]
        return None
    if ours:
        hint = _OUTPUT_HINTS.get(exc.errno, "check that folder")
        hint += f", or point {option} elsewhere" if option else ""
    else:
        hint = "check the temporary folder (it may be full), or set TMPDIR to another folder"
    reason = exc.strerror or os.strerror(exc.errno)
    return OutputError(str(where or folders[0]), reason, hint)


def _within(path: Path, folder: Path) -> bool:
    """Whether `path` is `folder` or inside it."""
    return path.absolute().is_relative_to(folder.absolute())

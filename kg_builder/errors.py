"""One exception hierarchy; each class carries the exit code the CLI returns for it."""

from __future__ import annotations

from dataclasses import dataclass


class ExitCode:
    """Documented exit codes (see the README's table)."""

    OK = 0
    NOT_CONFORMANT = 1
    USAGE = 2
    BAD_INPUT = 3
    ENDPOINT = 4
    INTERNAL = 5


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

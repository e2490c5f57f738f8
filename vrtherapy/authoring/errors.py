"""Problems found in authored files, and the one exception type the loaders raise."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in an authored file, located by 1-based line and column."""

    path: str
    line: int
    column: int
    message: str
    hint: str | None = None
    severity: Literal["error", "warning"] = "error"  # a warning never fails validation

    def __str__(self) -> str:
        label = "warning: " if self.severity == "warning" else ""
        text = f"{self.path}:{self.line}:{self.column}: {label}{self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class AuthoringError(Exception):
    """Raised when one or more authored files have problems.

    Carries every problem found (not just the first), sorted by file and line.
    """

    def __init__(self, problems: Iterable[Problem], warnings: Iterable[Problem] = ()) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems)))
        self.warnings: tuple[Problem, ...] = tuple(sorted(set(warnings)))  # reported, not fatal
        if not self.problems:
            raise ValueError("AuthoringError needs at least one problem")
        super().__init__(self.report())

    def report(self) -> str:
        lines = [str(p) for p in self.problems]
        files = len({p.path for p in self.problems})
        n = len(self.problems)
        lines.append(
            f"{n} problem{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''}"
        )
        return "\n".join(lines)

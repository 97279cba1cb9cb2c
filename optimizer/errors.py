"""The exception family and the located input problem.

Every input mistake becomes a :class:`Problem` that names where it is (sheet, Excel row, column)
and what was expected. Validation collects all of them before raising one :class:`InputError`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable


def column_letter(index: int) -> str:
    """Excel column letters for a 0-based column index (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like ``name`` (case-insensitive), or None when none is close."""
    by_lower = {str(c).lower(): str(c) for c in candidates}
    match = difflib.get_close_matches(str(name).lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[match[0]] if match else None


@dataclass(frozen=True)
class Problem:
    """One located problem in the input.

    ``row`` is the Excel row number as the user sees it (1-based); ``column_ref`` the column
    letter. Either may be None when the problem concerns a whole sheet or a whole column.
    """

    sheet: str
    message: str
    row: int | None = None
    column: str | None = None
    column_ref: str | None = None
    value: object = None
    severity: str = "error"  # "error" stops the solve, "warning" does not

    @property
    def location(self) -> str:
        cell = f"{self.column_ref or ''}{self.row or ''}"
        where = f"{self.sheet}!{cell}" if cell else self.sheet
        if self.column:
            where += f" ({self.column})"
        return where

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def fmt_value(value: object) -> str:
    """A cell value as shown in a message: text quoted, numbers as written."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class SourcingError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(SourcingError):
    """The input has problems; ``problems`` lists every one (errors first, then warnings)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        head = f"the input has {len(errors)} problem{'s' if len(errors) != 1 else ''}"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in errors))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class WorkbookFileError(InputError):
    """The file itself cannot be read as an xlsx workbook (corrupt, wrong format, too large)."""

    def __init__(self, path: str, reason: str):
        super().__init__([Problem(sheet=str(path), message=reason)])
        self.reason = reason


class OutputError(SourcingError):
    """The results cannot be written where asked (input's own path, locked or not writable)."""


class SolverError(SourcingError):
    """The solver failed in a way that is not a property of the data."""


class CheckError(SourcingError):
    """The independent re-check of a plan failed: a bug, never the user's fault."""

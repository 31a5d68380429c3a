"""Errors that reach users: one line naming the file (sheet, row or line) and what was expected."""

from __future__ import annotations


class RegkgError(Exception):
    """Any failure regkg reports to a user instead of a traceback."""


class SourceError(RegkgError):
    """A source file that cannot be read as what it claims to be.

    The message is one line, e.g.
    ``register.xlsx: sheet DataReleases: missing; expected sheets Agreements, Datasets, DataReleases``.
    """

    def __init__(self, source: str, problem: str, *, sheet: str | None = None,
                 row: int | None = None, line: int | None = None) -> None:
        where = [source]
        if sheet:
            where.append(f"sheet {sheet}")
        if row is not None:
            where.append(f"row {row}")
        if line is not None:
            where.append(f"line {line}")
        self.source = source
        super().__init__(": ".join([*where, problem]))


class StrictModeError(RegkgError):
    """Unknown vocabulary values were found and the build was asked to be strict."""

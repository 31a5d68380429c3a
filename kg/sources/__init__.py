"""Readers: source files → records.  One function picks the reader a path needs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kg.errors import SourceError
from kg.records import SourceDocument
from kg.sources.reformatted import read_page
from kg.sources.release_register import is_release_register, read_release_register
from kg.sources.workbook import read_csv_folder, read_workbook
from kg.vocab import Vocabulary

PAGE_SUFFIXES = {".txt", ".html", ".htm"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}
REGISTER_SUFFIXES = {".csv"}  # NHS Digital's Data Release Register (docs/release-register.md)


def is_csv_workbook(folder: Path) -> bool:
    """A folder holding the workbook's sheets as CSV files (Agreements.csv, …)."""
    return any(p.name.lower() == "agreements.csv" for p in folder.iterdir())


def source_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the source files inside them, in a stable order.

    A folder's CSV files are taken only when their header is a Data Release Register's; any other
    CSV in a folder is not a source (a CSV named on its own must be one, see ``read_source``).
    """
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise SourceError(str(path), "no such file or folder")
        if path.is_dir() and not is_csv_workbook(path):
            inside = sorted(p for p in path.rglob("*") if _usable(p.relative_to(path))
                            and (p.suffix.lower() in PAGE_SUFFIXES | WORKBOOK_SUFFIXES
                                 or (p.suffix.lower() in REGISTER_SUFFIXES and is_release_register(p))))
            if not inside:
                raise SourceError(str(path), "no register sources in this folder; expected workbooks (.xlsx), "
                                             "release registers (.csv) or reformatted pages (.txt, .html)")
            found.extend(inside)
        else:
            found.append(path)
    return found


def _usable(relative: Path) -> bool:
    """Not in a hidden folder (``.git/…``), not hidden, not an Office lock file (``~$…``)."""
    return not any(part.startswith((".", "~$")) for part in relative.parts)


def read_source(path: Path, vocab: Vocabulary, edition: str | None = None) -> SourceDocument:
    """Read one workbook (xlsx or CSV folder), Data Release Register (a CSV file) or reformatted
    page (text or HTML).  A CSV file that is not a release register fails with a one-line
    ``SourceError`` naming the columns expected."""
    if path.is_dir():
        return read_csv_folder(path, vocab, edition)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return read_workbook(path, vocab, edition)
    if path.suffix.lower() in REGISTER_SUFFIXES:
        return read_release_register(path, vocab, edition)
    return read_page(path, vocab)

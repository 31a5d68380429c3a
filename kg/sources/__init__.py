"""Readers: source files → records.  One function picks the reader a path needs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kg.errors import SourceError
from kg.records import SourceDocument
from kg.sources.reformatted import read_page
from kg.sources.workbook import read_csv_folder, read_workbook
from kg.vocab import Vocabulary

PAGE_SUFFIXES = {".txt", ".html", ".htm"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}


def is_csv_workbook(folder: Path) -> bool:
    """A folder holding the workbook's sheets as CSV files (Agreements.csv, …)."""
    return any(p.name.lower() == "agreements.csv" for p in folder.iterdir())


def source_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the source files inside them, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise SourceError(str(path), "no such file or folder")
        if path.is_dir() and not is_csv_workbook(path):
            found.extend(sorted(p for p in path.rglob("*")
                                if p.suffix.lower() in PAGE_SUFFIXES | WORKBOOK_SUFFIXES
                                and not p.name.startswith(".")))
        else:
            found.append(path)
    return found


def read_source(path: Path, vocab: Vocabulary, edition: str | None = None) -> SourceDocument:
    """Read one workbook (xlsx or CSV folder) or reformatted page (text or HTML)."""
    if path.is_dir():
        return read_csv_folder(path, vocab, edition)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return read_workbook(path, vocab, edition)
    return read_page(path, vocab)

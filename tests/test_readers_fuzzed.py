"""No input makes a reader crash with anything but the project's own one-line error.

Property-based fuzzing (Hypothesis) of the readers: the workbook reader (an xlsx written from the
bundled sample with cells replaced by hostile values), the page reader and the Data Release Register
reader (the real texts, spliced with the tokens their parsers key on, and random text).  CI runs a
bounded number of examples; ``REGKG_FUZZ_EXAMPLES=3000 pytest tests/test_readers_fuzzed.py`` runs the
longer local session (docs/security.md).
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from kg.errors import RegkgError
from kg.records import SourceDocument
from kg.resources import samples_dir
from kg.sources import read_source
from kg.sources.reformatted import parse_page
from kg.vocab import Vocabulary

EXAMPLES = int(os.environ.get("REGKG_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("REGKG_FUZZ_EXAMPLES"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PAGE = samples_dir() / "nhs_leicester_leicestershire_and_rutland_icb__04v.txt"
WORKBOOK = samples_dir() / "datausesregister_sample.xlsx"
CSV = Path(__file__).parent / "fixtures" / "release-register" / "releaseregister_sep-nov-2017_excerpt.csv"
VOCAB = Vocabulary.load()

# What the parsers key on, so that mutations reach past the first check.
TOKENS = ["—", " — DARS-NIC-", "DARS-NIC-199599-S0T5M", "NIC-", "-v1.2", "Opt outs honoured:", "Sensitive",
          "Data processor 1", "\n", "\n\n", ":", ",", ";", '"', "\x00", "\x1b]0;x\x07", "\u202e", "<script>",
          "<div>", "</td>", "Project 1", "2021-13-45", "9" * 30, "\r", "\ufeff", "é", "\t"]
CELLS = st.one_of(st.none(), st.text(max_size=60), st.sampled_from(TOKENS), st.integers(-10**12, 10**12),
                  st.floats(allow_nan=True, allow_infinity=False), st.booleans(),
                  st.dates(min_value=date(1900, 3, 1)), st.datetimes(min_value=datetime(1900, 3, 1)),
                  st.just("x" * 40_000))


def spliced(text: str) -> st.SearchStrategy[str]:
    """``text`` with up to five cuts, deletions and insertions of tokens or random text."""
    edit = st.tuples(st.integers(0, len(text)), st.integers(0, 400), st.one_of(st.sampled_from(TOKENS), st.text()))

    def apply(edits: list[tuple[int, int, str]]) -> str:
        out = text
        for at, cut, insert in edits:
            at = min(at, len(out))
            out = out[:at] + insert + out[at + cut:]
        return out

    return st.one_of(st.lists(edit, min_size=1, max_size=5).map(apply),
                     st.integers(0, len(text)).map(lambda n: text[:n]), st.text())


def read_or_refuse(read: Any, *args: Any) -> None:
    try:
        doc = read(*args)
    except RegkgError as e:
        assert "\n" not in str(e), "an error is one line"
        return
    assert isinstance(doc, SourceDocument)


@FUZZ
@given(spliced(PAGE.read_text(encoding="utf-8")))
def test_the_page_reader_reads_or_refuses_any_text(text):
    read_or_refuse(parse_page, text, "page.txt", VOCAB)


@FUZZ
@given(spliced(CSV.read_text(encoding="utf-8")))
def test_the_release_register_reader_reads_or_refuses_any_text(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("rr") / "releaseregister_sep-nov-2017.csv"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    read_or_refuse(read_source, path, VOCAB)


def _sample_sheets() -> dict[str, list[list[Any]]]:
    book = CalamineWorkbook.from_path(str(WORKBOOK))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


SHEETS = _sample_sheets()
CELL_AT = st.tuples(st.sampled_from(sorted(SHEETS)), st.integers(0, 30), st.integers(0, 40), CELLS)


@FUZZ
@given(st.lists(CELL_AT, min_size=1, max_size=12), st.sets(st.sampled_from(sorted(SHEETS)), max_size=1))
def test_the_workbook_reader_reads_or_refuses_any_cells(tmp_path_factory, changes, dropped):
    path = tmp_path_factory.mktemp("wb") / "datausesregister_august2026.xlsx"
    sheets = {name: [list(row) for row in rows] for name, rows in SHEETS.items() if name not in dropped}
    for name, row, column, value in changes:
        if name in sheets:
            rows = sheets[name]
            while len(rows) <= row:
                rows.append([])
            rows[row].extend([None] * (column + 1 - len(rows[row])))
            rows[row][column] = value
    with xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "nan_inf_to_errors": True}) as book:
        for name, rows in sheets.items():
            sheet = book.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    _write(sheet, r, c, value)
    read_or_refuse(read_source, path, VOCAB)


def _write(sheet: Any, row: int, column: int, value: Any) -> None:
    if isinstance(value, (date, datetime)):
        sheet.write_datetime(row, column, value if isinstance(value, datetime) else
                             datetime(value.year, value.month, value.day))
    elif isinstance(value, str):
        sheet.write_string(row, column, value[:32_767])  # Excel's own limit for a cell
    elif value is not None:
        sheet.write(row, column, value)

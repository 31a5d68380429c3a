"""NHS England's Data Uses Register workbook (xlsx, or its three sheets as CSV files) → records.

The workbook has three sheets joined on ``Reference Number`` (docs/register.md §A): Agreements (one row
per agreement *version*), Datasets (one row per dataset on a version) and DataReleases (one row
per file released).  Columns are found by header name, so a reordered export reads the same; a
missing sheet or column is a one-line ``SourceError``.  Rows that cannot be used (junk notes in the
reference column, the register's test record, rows whose reference has no Agreements row) are
skipped and named in ``SourceDocument.warnings``; values that can be kept are kept, even when
they disagree with another sheet, and the disagreement is reported.

A full edition has ~5,500 agreement rows and ~105,000 release rows, so each sheet is read once
(python-calamine; openpyxl is ~10x slower) and repeated cell values — months, controlled values,
legal-basis cells — are parsed once through small dict caches.
"""

from __future__ import annotations

import csv
import gc
import io
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from kg.errors import SourceError
from kg.names import fold_text, squash_spaces
from kg.records import (
    Agreement,
    AgreementVersion,
    DatasetUse,
    Evidence,
    OrgMention,
    Release,
    SourceDocument,
    version_sort_key,
)
from kg.sources.controllers import ControllerSplitter, has_separator
from kg.vocab import Vocabulary

AGREEMENTS, DATASETS, RELEASES = "Agreements", "Datasets", "DataReleases"
REF = "Reference Number"
COLUMNS: dict[str, tuple[str, ...]] = {
    AGREEMENTS: (
        REF, "Application Title", "Applicant Organisation", "Applicant Organisation Type",
        "Data Controller(s)", "Sole/Joint Data Controller", "DSA Start Date", "DSA End Date",
        "Does Sublicensing Apply", "For Commercial Purposes", "Objective for Processing",
        "Processing Activities", "Expected Output", "Expected Measurable Benefits", "Yielded Benefits",
    ),
    DATASETS: (
        REF, "Dataset", "Type of Data", "Sensitive or Non-Sensitive", "Frequency",
        "Legal Basis for Provision of Data", "Common Law Duty of Confidentiality",
    ),
    RELEASES: (
        "File Reference", REF, "Dataset", "Type of Data", "Sensitive or Non-Sensitive",
        "Patient Opt-Outs Applied", "Legal Basis for Provision of Data", "Frequency",
        "Month File Released",
    ),
}
TEST_REFERENCES = frozenset({"DARS-NIC-401994-D5Q7S"})  # docs/register.md, trap 9

# A reference is one token holding a digit and a hyphen (DARS-NIC-…, NIC-…); notes such as
# "No filters applied" or a stray "Total" are not.
_REFERENCE = re.compile(r"^(?=.*\d)(?=.*-)[A-Z0-9][A-Z0-9_./-]*$", re.IGNORECASE)
# What a reference is once its version is split off: a system prefix, a NIC number and, in DARS
# references, a five-character check suffix — nothing that could walk a path (docs/register.md).
_BASE_REFERENCE = re.compile(r"(?:[A-Z]+-)+\d+(?:-[A-Z0-9]{5})?")
_VERSION = re.compile(r"^(?P<base>.+?)[-_ ]v(?P<version>\d+(?:\.\d+)*)$", re.IGNORECASE)
_MONTHS = {name: i for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")), 1) for name in names}
_MONTH_WORDS = "|".join(sorted(_MONTHS, key=len, reverse=True))
_EDITION_WORD = re.compile(rf"({_MONTH_WORDS})[-_ ]?((?:19|20)\d\d)(?!\d)", re.IGNORECASE)
_EDITION_ISO = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_](0[1-9]|1[0-2])(?!\d)")
_MONTH_TEXT = re.compile(rf"^({_MONTH_WORDS})[-\s/.']*(\d{{4}}|\d{{2}})$", re.IGNORECASE)
_YEAR_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?(?:[ T].*)?$")
_MONTH_YEAR = re.compile(r"^(?:\d{1,2}[-/.])?(\d{1,2})[-/.](\d{4})$")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y",
                 "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")
_BOOLS = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}
_EXCEL_EPOCH = date(1899, 12, 30)
_MULTI = re.compile(r"[;\n\r]")


# --- public interface -------------------------------------------------------------------------

def read_workbook(path: Path, vocab: Vocabulary, edition: str | None = None) -> SourceDocument:
    """Read one edition's .xlsx workbook."""
    path = Path(path)
    with _gc_paused():
        return _Reader(path, vocab, edition).read(_xlsx_sheets(path))


def read_csv_folder(path: Path, vocab: Vocabulary, edition: str | None = None) -> SourceDocument:
    """Read a folder holding Agreements.csv, Datasets.csv and DataReleases.csv (any case)."""
    path = Path(path)
    with _gc_paused():
        return _Reader(path, vocab, edition).read(_csv_sheets(path))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a sheet becomes records.

    Reading an edition allocates a few million objects that all stay alive; every collection
    would walk them again for nothing (measured: almost half of the record-building time).
    The reader makes no reference cycles, so nothing is lost by collecting later.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def edition_from_name(name: str) -> str | None:
    """``datausesregister_august2026.xlsx`` → ``2026-08``; a name without a month → None."""
    stem = Path(name).name
    found = _EDITION_WORD.search(stem)
    if found:
        return f"{found.group(2)}-{_MONTHS[found.group(1).lower()]:02d}"
    found = _EDITION_ISO.search(stem)
    return f"{found.group(1)}-{found.group(2)}" if found else None


def split_reference(reference: str) -> tuple[str, str | None]:
    """``DARS-NIC-00574-V2H1F-v4.2`` → (``DARS-NIC-00574-V2H1F``, ``4.2``); no suffix → version None."""
    found = _VERSION.match(reference)
    if found:
        return found.group("base").upper(), found.group("version")
    return reference.upper(), None


def parse_month(value: Any) -> str | None:
    """A release month as ``YYYY-MM`` from ``Jul-19``, ``July 2019``, ``2019-07``, an Excel date…"""
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        day = _excel_serial(value)
        return f"{day.year:04d}-{day.month:02d}" if day else None
    text = _text(value).strip()
    if text not in _MONTH_CACHE:
        _MONTH_CACHE[text] = _month_from_text(text)
    return _MONTH_CACHE[text]


def parse_date(value: Any) -> date | None:
    """A date from an Excel date cell, an Excel serial number or text (``2021-02-01``, ``01/02/2021``)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(value)
    text = " ".join(_text(value).split())
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


# --- reading sheets ---------------------------------------------------------------------------

@dataclass
class _RawSheet:
    """A sheet's cells as read, and the spreadsheet row number of its first row."""

    rows: list[list[Any]]
    first_row: int = 1


@dataclass
class _Sheet:
    """A sheet's data rows with the position of every expected column."""

    name: str
    rows: list[list[Any]]
    first_row: int  # spreadsheet row number of rows[0]
    columns: dict[str, int]
    extra: dict[str, int] = field(default_factory=dict)  # unexpected columns, by header

    def getter(self, column: str) -> Callable[[list[Any]], Any]:
        """A fast accessor for one column (short CSV rows read as empty)."""
        index = self.columns[column]
        return lambda row: row[index] if index < len(row) else ""


def _xlsx_sheets(path: Path) -> dict[str, _RawSheet]:
    """Every sheet of the workbook, by name, read once."""
    if not path.is_file():
        raise SourceError(path.name, "no such file")
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = {}
        for name in book.sheet_names:
            if _match_sheet(name) is None:
                continue
            sheet = book.get_sheet_by_name(name)
            start = sheet.start
            sheets[name] = _RawSheet(sheet.to_python(), (start[0] if start else 0) + 1)
    except Exception as exc:  # calamine raises several types for one cause: not an xlsx
        raise SourceError(path.name, "cannot be read as an .xlsx workbook "
                                     "(corrupt, encrypted or not an Excel file)") from exc
    return sheets


def _csv_sheets(path: Path) -> dict[str, _RawSheet]:
    """The three sheets from ``<Sheet>.csv`` files in a folder (UTF-8, else Windows-1252)."""
    if not path.is_dir():
        raise SourceError(path.name, "no such folder")
    sheets = {}
    for file in sorted(path.iterdir()):
        if file.suffix.lower() == ".csv" and _match_sheet(file.stem) is not None:
            data = file.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252", errors="replace")
            sheets[file.stem] = _RawSheet(list(csv.reader(io.StringIO(text, newline=""))))
    return sheets


def _match_sheet(name: str) -> str | None:
    """The expected sheet a found sheet name stands for (case and spaces do not count)."""
    key = fold_text(name).replace(" ", "")
    return next((s for s in COLUMNS if fold_text(s) == key), None)


def _locate(source: str, raw: dict[str, _RawSheet], kind: str) -> dict[str, _Sheet]:
    """Find the three sheets and their columns, or fail naming what was expected and found."""
    by_expected = {}
    for found_name, sheet in raw.items():
        by_expected.setdefault(_match_sheet(found_name), sheet)
    sheets = {}
    for name in COLUMNS:
        if name not in by_expected:
            noun = "files" if kind == "csv" else "sheets"
            found = ", ".join(raw) or "none"
            wanted = ", ".join(f"{s}.csv" if kind == "csv" else s for s in COLUMNS)
            raise SourceError(source, f"missing; expected {noun} {wanted}; found {found}", sheet=name)
        sheets[name] = _columns(source, name, by_expected[name])
    return sheets


def _columns(source: str, name: str, raw: _RawSheet) -> _Sheet:
    """Map each expected column to its position from the header row (row 1 of the sheet)."""
    header = [squash_spaces(_text(cell)) for cell in raw.rows[0]] if raw.rows else []
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        positions.setdefault(fold_text(title), index)
    expected = COLUMNS[name]
    missing = [c for c in expected if fold_text(c) not in positions]
    if missing:
        raise SourceError(source, f"missing column{'s' if len(missing) > 1 else ''} "
                                  f"{', '.join(missing)}; expected {', '.join(expected)}; "
                                  f"found {', '.join(t for t in header if t) or 'no header'}", sheet=name)
    wanted = {fold_text(c) for c in expected}
    extra = {t: i for i, t in enumerate(header) if t and fold_text(t) not in wanted}
    columns = {c: positions[fold_text(c)] for c in expected}
    width = len(header)  # CSV rows can be short; pad them so that every column index is valid
    rows = [row if len(row) >= width else [*row, *[""] * (width - len(row))] for row in raw.rows[1:]]
    return _Sheet(name, rows, raw.first_row + 1, columns, extra)


# --- turning rows into records ----------------------------------------------------------------

VersionKey = tuple[str, str | None]


class CellValues:
    """Controlled-value and legal-basis cells parsed once per distinct text, against the vocabulary.

    Shared by the workbook reader and the Data Release Register reader (docs/release-register.md),
    so that both split, match and tally values the same way.
    """

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self._values: dict[tuple[str, str], tuple[str, ...]] = {}
        self._bases: dict[str, tuple[str, ...]] = {}
        self._concepts: dict[tuple[str, str], str | None] = {}
        self._flows: dict[tuple[Any, ...], _Flow] = {}

    def flow(self, cells: tuple[Any, ...]) -> _Flow:
        """The parsed controlled values of a release row, cached: a full edition repeats a few
        hundred combinations.  Unknown values are still tallied once per row, as ``vocab.concept``
        would.  ``cells`` are type of data, sensitivity, opt-outs, legal basis and frequency, in
        that order (``_FLOW_COLUMNS``)."""
        flow = self._flows.get(cells)
        if flow is not None:
            for unknown in flow.unknown:
                self.vocab.unknown[unknown] += 1
            return flow
        kind, sensitivity, opt_out, bases, frequency = map(_text, cells)
        opt_out = " ".join(opt_out.split())
        concept = self._concept("opt_out", opt_out) if opt_out else None
        flow = self._flows[cells] = _Flow(
            types=tuple(self.controlled("type_of_data", kind)),
            sensitivity=tuple(self.controlled("sensitivity", sensitivity)),
            legal_bases=tuple(self.legal_bases(bases)),
            access_methods=tuple(self.controlled("access_method", frequency)),
            opt_out=opt_out,
            applied=self.vocab.applies_opt_outs(concept) if concept else None,
            unknown=tuple(pair for pair in self._pairs(kind, sensitivity, frequency, opt_out)
                          if self._concepts[pair] is None),
        )
        return flow

    def _pairs(self, kind: str, sensitivity: str, frequency: str, opt_out: str) -> list[tuple[str, str]]:
        """The (scheme, value) pairs a release row checks against the vocabulary."""
        pairs = [("type_of_data", v) for v in self._controlled_values("type_of_data", kind)]
        pairs += [("sensitivity", v) for v in self._controlled_values("sensitivity", sensitivity)]
        pairs += [("access_method", v) for v in self._controlled_values("access_method", frequency)]
        return pairs + ([("opt_out", opt_out)] if opt_out else [])

    def controlled(self, scheme: str, cell: str) -> list[str]:
        """A controlled-value cell: split on ``;``/line breaks, each value checked against the vocabulary."""
        values = self._controlled_values(scheme, cell)
        for value in values:
            self._concept(scheme, value)
        return list(values)

    def _controlled_values(self, scheme: str, cell: str) -> tuple[str, ...]:
        key = (scheme, cell)
        values = self._values.get(key)
        if values is None:
            values = self._values[key] = tuple(_unique(" ".join(v.split()) for v in _MULTI.split(cell)))
        return values

    def _concept(self, scheme: str, value: str) -> str | None:
        """``vocab.concept`` with a cache; repeats of an unknown value are still tallied."""
        key = (scheme, value)
        if key not in self._concepts:
            self._concepts[key] = self.vocab.concept(scheme, value)
        elif self._concepts[key] is None:
            self.vocab.unknown[(scheme, value.strip())] += 1
        return self._concepts[key]

    def legal_bases(self, cell: str) -> list[str]:
        """Trap 8: several bases joined by ``;``; each piece trimmed, otherwise verbatim."""
        pieces = self._bases.get(cell)
        if pieces is None:
            pieces = self._bases[cell] = tuple(_unique(p.strip() for p in cell.split(";")))
        return list(pieces)


class _Reader(CellValues):
    """One read of one workbook: the caches, the warnings and the versions found so far."""

    def __init__(self, path: Path, vocab: Vocabulary, edition: str | None) -> None:
        self.path = path
        self.name = path.name
        super().__init__(vocab)
        self.edition = edition or edition_from_name(path.name)
        self.warnings: list[str] = []
        self.agreements: dict[str, Agreement] = {}
        self.versions: dict[VersionKey, AgreementVersion] = {}
        self._refs: dict[Any, VersionKey | str] = {}  # raw reference cell -> (base, version) or why not

    def read(self, raw: dict[str, _RawSheet]) -> SourceDocument:
        kind = "csv" if self.path.is_dir() else "xlsx"
        sheets = _locate(self.name, raw, kind)
        self._read_agreements(sheets[AGREEMENTS])
        self._read_datasets(sheets[DATASETS])
        self._read_releases(sheets[RELEASES])
        for version in self.versions.values():
            summarise_version(version)
        for agreement in self.agreements.values():
            agreement.versions.sort(key=lambda v: version_sort_key(v.version))
        return SourceDocument(path=str(self.path), kind="workbook", name=self.name, edition=self.edition,
                              agreements=list(self.agreements.values()), warnings=self.warnings)

    def warn(self, sheet: str, row: int, problem: str) -> None:
        self.warnings.append(f"{self.name}: sheet {sheet}: row {row}: {problem}")

    # references

    def reference(self, value: Any, sheet: str, row: int) -> VersionKey | None:
        """The (base, version) of a reference cell, or None after reporting a junk row."""
        key = self._refs.get(value)
        if key is None:
            key = self._refs[value] = classify_reference(" ".join(_text(value).split()))
        if isinstance(key, tuple):
            return key
        if key:  # a reason to skip; blank reference cells in blank rows pass silently
            self.warn(sheet, row, f"skipped: {key}")
        return None

    def referenced_rows(self, sheet: _Sheet, name: str) -> Iterator[tuple[int, list[Any], VersionKey]]:
        """(row number, row, version key) of each non-blank row whose reference is usable."""
        for number, row in enumerate(sheet.rows, sheet.first_row):
            if _blank(row):
                continue
            key = self.reference(row[sheet.columns[REF]], name, number)
            if key is not None:
                yield number, row, key

    # Agreements

    def _read_agreements(self, sheet: _Sheet) -> None:
        splitter = self._splitter(sheet)
        for number, row, key in self.referenced_rows(sheet, AGREEMENTS):
            if key in self.versions:
                first = self.versions[key].evidence
                self.warn(AGREEMENTS, number, f"reference {key[0]} version {key[1]} repeated "
                                              f"(first at row {first.start if first else '?'}); "
                                              "later row skipped")
                continue
            version = self._version(sheet, row, number, key, splitter)
            self.versions[key] = version
            self.agreements.setdefault(key[0], Agreement(key[0])).versions.append(version)

    def _splitter(self, sheet: _Sheet) -> ControllerSplitter:
        """A controller splitter knowing every name the workbook writes whole (docs/register.md, trap 2)."""
        applicant = sheet.getter("Applicant Organisation")
        controllers = sheet.getter("Data Controller(s)")
        names = [_text(applicant(row)) for row in sheet.rows]
        names += [c for c in map(_text, map(controllers, sheet.rows)) if not has_separator(c)]
        return ControllerSplitter(names)

    def _version(self, sheet: _Sheet, row: list[Any], number: int, key: VersionKey,
                 splitter: ControllerSplitter) -> AgreementVersion:
        cell = _cells(sheet, row)
        evidence = Evidence(self.name, number, sheet=AGREEMENTS)
        arrangement = _arrangement(cell("Sole/Joint Data Controller"))
        controllers = splitter.split(cell("Data Controller(s)"), sole=arrangement == "Sole")
        if arrangement == "Sole" and len(controllers) > 1:
            self.warn(AGREEMENTS, number, f"sole data controller but {len(controllers)} names: "
                                          + "; ".join(controllers))
        applicant = squash_spaces(cell("Applicant Organisation"))
        return AgreementVersion(
            reference=" ".join(cell(REF).split()),
            key=f"v{key[1]}" if key[1] else "unversioned",
            version=key[1],
            title=" ".join(cell("Application Title").split()),
            applicant=OrgMention(applicant, "applicant", evidence) if applicant else None,
            applicant_types=_unique(squash_spaces(t) for t in _MULTI.split(cell("Applicant Organisation Type"))),
            controllers=[OrgMention(name, "controller", evidence) for name in controllers],
            controller_arrangement=arrangement,
            start=self._date(row, sheet, "DSA Start Date", number),
            end=self._date(row, sheet, "DSA End Date", number),
            sublicensing=self._bool(cell("Does Sublicensing Apply"), "Does Sublicensing Apply", number),
            commercial=self._bool(cell("For Commercial Purposes"), "For Commercial Purposes", number),
            objective=cell("Objective for Processing"),
            processing=cell("Processing Activities"),
            expected_outputs=cell("Expected Output"),
            expected_benefits=cell("Expected Measurable Benefits"),
            yielded_benefits=cell("Yielded Benefits"),
            other_fields={h: _text(row[i]) for h, i in sheet.extra.items() if i < len(row) and _text(row[i])},
            evidence=evidence,
        )

    def _date(self, row: list[Any], sheet: _Sheet, column: str, number: int) -> date | None:
        value = sheet.getter(column)(row)
        parsed = parse_date(value)
        if parsed is None and _text(value).strip():
            self.warn(AGREEMENTS, number, f"{column} {_text(value).strip()!r} is not a date; left empty")
        return parsed

    def _bool(self, text: str, column: str, number: int) -> bool | None:
        folded = fold_text(text)
        if folded and folded not in _BOOLS:
            self.warn(AGREEMENTS, number, f"{column} {text.strip()!r} is not Yes or No; left empty")
        return _BOOLS.get(folded)

    # Datasets

    def _read_datasets(self, sheet: _Sheet) -> None:
        seen: dict[tuple[VersionKey, tuple[Any, ...]], int] = {}
        orphans = _Orphans(self, DATASETS)
        for number, row, key in self.referenced_rows(sheet, DATASETS):
            version = self.versions.get(key)
            if version is None:
                orphans.add(key, number)
                continue
            use = self._dataset_use(sheet, row, number)
            identity = (key, _use_identity(use))
            if identity in seen:
                self.warn(DATASETS, number, f"{use.name!r} repeats row {seen[identity]} of the same "
                                            "version exactly; collapsed")
                continue
            seen[identity] = number
            version.datasets.append(use)
        orphans.report()

    def _dataset_use(self, sheet: _Sheet, row: list[Any], number: int) -> DatasetUse:
        cell = _cells(sheet, row)
        return DatasetUse(
            name=squash_spaces(cell("Dataset")),
            types_of_data=self.controlled("type_of_data", cell("Type of Data")),
            sensitivity=self.controlled("sensitivity", cell("Sensitive or Non-Sensitive")),
            access_methods=self.controlled("access_method", cell("Frequency")),
            legal_bases=self.legal_bases(cell("Legal Basis for Provision of Data")),
            confidentiality=self.controlled("confidentiality", cell("Common Law Duty of Confidentiality")),
            evidence=Evidence(self.name, number, sheet=DATASETS),
        )

    # DataReleases

    def _read_releases(self, sheet: _Sheet) -> None:
        """Every DataReleases row under its version; the hot loop of a full edition (~105,000 rows)."""
        orphans = _Orphans(self, RELEASES)
        strays: dict[tuple[VersionKey, str], list[int]] = {}
        known = {k: {fold_text(d.name) for d in v.datasets} for k, v in self.versions.items()}
        col = sheet.columns
        i_ref, i_file, i_set, i_month = (col[REF], col["File Reference"], col["Dataset"],
                                         col["Month File Released"])
        i_flow = [col[c] for c in _FLOW_COLUMNS]
        months: dict[Any, str | None] = {}
        names: dict[Any, tuple[str, str]] = {}  # dataset cell -> (name, its fold_text)
        for offset, row in enumerate(sheet.rows, sheet.first_row):
            key = self.reference(row[i_ref], RELEASES, offset) if row[i_ref] or not _blank(row) else None
            if key is None:
                continue
            version = self.versions.get(key)
            if version is None:
                orphans.add(key, offset)
                continue
            flow = self.flow(tuple(row[i] for i in i_flow))
            cell = row[i_month]
            if cell not in months:
                months[cell] = parse_month(cell)
            if months[cell] is None and _text(cell).strip():
                self.warn(RELEASES, offset, f"month {_text(cell).strip()!r} not understood; left empty")
            named = names.get(row[i_set])
            if named is None:
                text = squash_spaces(_text(row[i_set]))
                named = names[row[i_set]] = (text, fold_text(text))
            name = named[0]
            version.releases.append(Release(
                file_reference=_text(row[i_file]).strip(), dataset=name, month=months[cell],
                opt_outs_applied=flow.applied, types_of_data=list(flow.types),
                sensitivity=list(flow.sensitivity), legal_bases=list(flow.legal_bases),
                access_methods=list(flow.access_methods), evidence=Evidence(self.name, offset, sheet=RELEASES)))
            if flow.opt_out and flow.opt_out not in version.opt_outs:
                version.opt_outs.append(flow.opt_out)
            if named[1] not in known[key]:
                strays.setdefault((key, name), []).append(offset)
        orphans.report()
        for ((base, ver), dataset), rows in strays.items():
            self.warn(RELEASES, rows[0], f"{_rows(rows)} release {dataset!r} under {base} version {ver}, "
                                         "which its Datasets rows do not list; kept")


_FLOW_COLUMNS = ("Type of Data", "Sensitive or Non-Sensitive", "Patient Opt-Outs Applied",
                 "Legal Basis for Provision of Data", "Frequency")


@dataclass(frozen=True)
class _Flow:
    """The controlled values of a release row, parsed once per distinct combination."""

    types: tuple[str, ...]
    sensitivity: tuple[str, ...]
    legal_bases: tuple[str, ...]
    access_methods: tuple[str, ...]
    opt_out: str
    applied: bool | None
    unknown: tuple[tuple[str, str], ...]


class _Orphans:
    """Rows whose reference has no Agreements row: one warning per reference, not per row."""

    def __init__(self, reader: _Reader, sheet: str) -> None:
        self.reader = reader
        self.sheet = sheet
        self.rows: dict[VersionKey, list[int]] = {}

    def add(self, key: VersionKey, row: int) -> None:
        self.rows.setdefault(key, []).append(row)

    def report(self) -> None:
        for (base, version), rows in self.rows.items():
            ref = f"{base} version {version}" if version else base
            self.reader.warn(self.sheet, rows[0], f"{_rows(rows)} for {ref}, which has no Agreements row; "
                                                  "skipped")


# --- small helpers ----------------------------------------------------------------------------

def classify_reference(text: str) -> VersionKey | str:
    """(base, version) for a usable reference, else why the row is skipped ('' for a blank cell)."""
    if not text:
        return "no reference number"
    if not _REFERENCE.match(text):
        return f"{text!r} is not a reference number"
    base, version = split_reference(text)
    if not _BASE_REFERENCE.fullmatch(base):
        return f"{text!r} is not a register reference (expected e.g. DARS-NIC-123456-ABC12)"
    if base in TEST_REFERENCES:
        return f"{text} is the register's test record"
    return base, version


def summarise_version(version: AgreementVersion) -> None:
    """Version-level values: the union of its dataset rows, its release months and opt-outs."""
    uses = version.datasets
    version.types_of_data = _unique(v for u in uses for v in u.types_of_data)
    version.sensitivity = _unique(v for u in uses for v in u.sensitivity)
    version.access_methods = _unique(v for u in uses for v in u.access_methods)
    version.legal_bases = _unique(v for u in uses for v in u.legal_bases)
    version.confidentiality = _unique(v for u in uses for v in u.confidentiality)
    months = [r.month for r in version.releases if r.month]
    version.first_release = min(months) if months else None
    version.last_release = max(months) if months else None


def _cells(sheet: _Sheet, row: list[Any]) -> Callable[[str], str]:
    """Text of a named column in ``row`` (free text verbatim; numbers and dates as text)."""
    width = len(row)
    columns = sheet.columns
    return lambda column: _text(row[columns[column]]) if columns[column] < width else ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _blank(row: list[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def _unique(values: Iterable[str]) -> list[str]:
    """Non-empty values, in order, each once."""
    return [v for v in dict.fromkeys(values) if v]


def _arrangement(text: str) -> str | None:
    """``Sole Data Controller`` → ``Sole``; ``Joint Data Controller`` → ``Joint``."""
    folded = fold_text(text)
    if folded.startswith("sole"):
        return "Sole"
    if folded.startswith("joint"):
        return "Joint"
    return None


def _rows(rows: list[int]) -> str:
    return f"{len(rows)} row{'s' if len(rows) > 1 else ''}" + (f" (rows {rows[0]}-{rows[-1]})"
                                                                if len(rows) > 1 else "")


def _use_identity(use: DatasetUse) -> tuple[Any, ...]:
    """What makes two Datasets rows of one version the same row (docs/register.md, trap 7)."""
    return (fold_text(use.name), tuple(use.types_of_data), tuple(use.sensitivity),
            tuple(use.access_methods), tuple(use.legal_bases), tuple(use.confidentiality))


def _excel_serial(value: float) -> date | None:
    """Excel's day number (1900 date system) as a date; None outside the years 1900-9999."""
    if not 1 <= value < 2958466:
        return None
    return _EXCEL_EPOCH + timedelta(days=int(value))


_MONTH_CACHE: dict[str, str | None] = {}


def _month_from_text(text: str) -> str | None:
    found = _MONTH_TEXT.match(text)
    if found:
        year = int(found.group(2))
        year = year + 2000 if year < 100 else year
        return f"{year:04d}-{_MONTHS[found.group(1).lower()]:02d}"
    found = _YEAR_MONTH.match(text)
    year, month = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    if not found:
        found = _MONTH_YEAR.match(text)
        year, month = (int(found.group(2)), int(found.group(1))) if found else (0, 0)
    return f"{year:04d}-{month:02d}" if found and 1 <= month <= 12 else None

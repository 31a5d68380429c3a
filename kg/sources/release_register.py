"""NHS Digital's quarterly Data Release Register (CSV, one row per file released) → records.

Before the monthly Data Uses Register workbook, NHS Digital published a register of file releases:
each row names the file (``RowID``), the recipient organisation, the dataset, its type of data,
sensitivity, legal basis and one-off/ongoing frequency, the agreement's NIC number *with* its
version suffix (``DARS-NIC-17875-X7K1V-v1.4``) and whether patient opt-outs were applied (``Y``/``N``).
There is no release month.  The format and its traps are in docs/release-register.md.

Rows become the same records the workbook reader makes, so that they land on the same nodes: one
``Agreement`` per base reference, one ``AgreementVersion`` per NIC number (key ``v1.4``, as the
workbook's), one ``DatasetUse`` per dataset a version's rows name, and one ``Release`` per row.
Values go through ``kg.sources.workbook.CellValues``, so they are split, matched and tallied exactly
as the workbook's DataReleases rows are.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

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
from kg.sources.workbook import CellValues, classify_reference, edition_from_name, summarise_version
from kg.vocab import Vocabulary

KIND = "release-register"
SHOWN = 200  # characters of a header that is not the register's, quoted in the error
TITLE = "a Data Release Register CSV"

# Each column the reader needs, with the header spellings that stand for it.  Headers are compared
# with case and runs of white space folded; a spelling also matches a longer header that starts with
# it and goes on with a non-letter (``Patient Opt-Outs applied (Note: …)``, ``Data provided to
# customer:<line break>Identifiable, …``).  The dataset column's header reads ``us`` in the
# published CSV copy (docs/release-register.md, trap 1).
COLUMNS: dict[str, tuple[str, ...]] = {
    "file": ("RowID",),
    "organisation": ("Organisation Name",),
    "dataset": ("us", "Dataset", "Data Set"),
    "type": ("Data provided to customer",),
    "sensitivity": ("Sensitive or Non-Sensitive",),
    "legal_basis": ("Legal Basis for Provision of Data",),
    "frequency": ("One off release or Ongoing releases",),
    "nic": ("NIC Number",),
    "opt_out": ("Patient Opt-Outs applied",),
}
# Kept as a version's other fields when a row fills them (empty throughout the 2017 register).
OPTIONAL: dict[str, tuple[str, ...]] = {
    "purpose": ("Purpose",),
    "mr_number": ("MR Number",),
}
EXPECTED = ", ".join(spellings[0] for spellings in COLUMNS.values())

# ``2017_09to11`` or ``2017-09-11``: a quarter written as year, first and last month.
_ISO_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_](?:0[1-9]|1[0-2])[-_ ]?(?:to|-|_)[-_ ]?(0[1-9]|1[0-2])(?!\d)",
                        re.IGNORECASE)


# --- public interface -------------------------------------------------------------------------

def read_release_register(path: Path | str, vocab: Vocabulary, edition: str | None = None) -> SourceDocument:
    """Read one Data Release Register CSV; ``edition`` overrides the one its file name gives."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(path.name, "no such file")
    return _Reader(path, vocab, edition).read(_decode(path))


def edition_from_register_name(name: str) -> str | None:
    """The edition a register's file name gives: the last month of the quarter it covers.

    ``releaseregister_sep-nov-2017.csv`` → ``2017-11`` (the month written next to the year, as for
    a workbook: in a range that is the last month); ``..._2017_09to11.csv`` → ``2017-11``; a single
    month (``nov2017``, ``2017-11``) is that month; a name without one → None.
    """
    stem = Path(name).name
    found = _ISO_RANGE.search(stem)
    if found:
        return f"{found.group(1)}-{found.group(2)}"
    return edition_from_name(stem)


def is_release_register(path: Path) -> bool:
    """Whether a CSV file's header is a Data Release Register's (reads only the header)."""
    try:
        with path.open("rb") as file:
            head = file.read(64 * 1024)
    except OSError:
        return False
    rows = csv.reader(io.StringIO(_text_of(head), newline=""))
    try:
        header = next(rows, [])
    except csv.Error:
        return False
    return not _missing(_positions(header)[0])


# --- reading ----------------------------------------------------------------------------------

def _decode(path: Path) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else Windows-1252."""
    return _text_of(path.read_bytes())


def _text_of(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _matches(header: str, spelling: str) -> bool:
    folded = fold_text(spelling)
    return header == folded or (header.startswith(folded) and not header[len(folded)].isalnum())


def _positions(header: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Where each needed and each optional column is, by the header row."""
    folded = [fold_text(cell) for cell in header]
    found: dict[str, int] = {}
    optional: dict[str, int] = {}
    for table, into in ((COLUMNS, found), (OPTIONAL, optional)):
        for column, spellings in table.items():
            index = next((i for i, h in enumerate(folded) if any(_matches(h, s) for s in spellings)), None)
            if index is not None:
                into[column] = index
    return found, optional


def _missing(found: dict[str, int]) -> list[str]:
    return [spellings[0] for column, spellings in COLUMNS.items() if column not in found]


class _Reader:
    """One read of one register file: its versions so far, their datasets and the warnings."""

    def __init__(self, path: Path, vocab: Vocabulary, edition: str | None) -> None:
        self.name = path.name
        self.path = path
        self.edition = edition or edition_from_register_name(path.name)
        self.values = CellValues(vocab)
        self.warnings: list[str] = []
        self.agreements: dict[str, Agreement] = {}
        self.versions: dict[tuple[str, str], AgreementVersion] = {}
        self.uses: dict[tuple[str, str], dict[str, DatasetUse]] = {}  # version -> dataset name key -> use
        self.files: dict[str, int] = {}  # file reference -> line first seen

    def read(self, text: str) -> SourceDocument:
        rows = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(rows, None)
            if header is None:
                raise SourceError(self.name, f"empty file; expected {TITLE} with columns {EXPECTED}")
            self.columns, self.optional = self._header(header)
            self.labels = {c: " ".join(header[i].split()) for c, i in self.optional.items()}
            end = rows.line_num
            for row in rows:
                start, end = end + 1, rows.line_num
                if any(cell.strip() for cell in row):
                    self._row(row, start, end)
        except csv.Error as exc:
            raise SourceError(self.name, f"cannot be read as CSV ({exc})", line=rows.line_num) from exc
        for agreement in self.agreements.values():
            agreement.versions.sort(key=lambda v: version_sort_key(v.version))
            for version in agreement.versions:
                summarise_version(version)
        return SourceDocument(path=str(self.path), kind=KIND, name=self.name, edition=self.edition,
                              agreements=list(self.agreements.values()), warnings=self.warnings)

    def warn(self, line: int, problem: str) -> None:
        self.warnings.append(f"{self.name}: line {line}: {problem}")

    def _header(self, header: list[str]) -> tuple[dict[str, int], dict[str, int]]:
        found, optional = _positions(header)
        missing = _missing(found)
        if missing:
            seen = ", ".join(" ".join(h.split()) for h in header if h.strip()) or "no header"
            seen = seen if len(seen) <= SHOWN else seen[:SHOWN] + "…"  # a binary file's "header" is one long line
            hint = ("; a workbook's sheets as CSV files are read from their folder"
                    if any(fold_text(h) == "reference number" for h in header) else "")
            lacks = "" if len(missing) == len(COLUMNS) else (
                f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; ")
            raise SourceError(self.name, f"not {TITLE}: {lacks}expected columns {EXPECTED}; found {seen}{hint}")
        return found, optional

    def _row(self, row: list[str], start: int, end: int) -> None:
        def cell(column: str) -> str:
            index = self.columns[column] if column in self.columns else self.optional[column]
            return row[index] if index < len(row) else ""

        nic = " ".join(cell("nic").split())
        key = classify_reference(nic)
        if isinstance(key, str):
            self.warn(start, f"skipped: {'no NIC number' if not nic else key}")
            return
        base, number = key
        if number is None:
            self.warn(start, f"skipped: NIC number {nic!r} does not end in a version suffix such as -v1.4")
            return
        dataset = squash_spaces(cell("dataset"))
        if not dataset:
            self.warn(start, f"skipped: no dataset for {nic}")
            return
        evidence = Evidence(self.name, start, end if end > start else None)
        version = self._version(base, number, nic, squash_spaces(cell("organisation")), start)
        flow = self.values.flow((cell("type"), cell("sensitivity"), cell("opt_out"), cell("legal_basis"),
                                 cell("frequency")))
        file_reference = cell("file").strip()
        if file_reference in self.files:
            self.warn(start, f"file reference {file_reference} repeats line {self.files[file_reference]}; kept")
        elif file_reference:
            self.files[file_reference] = start
        version.releases.append(Release(
            file_reference=file_reference, dataset=dataset, month=None, opt_outs_applied=flow.applied,
            types_of_data=list(flow.types), sensitivity=list(flow.sensitivity),
            legal_bases=list(flow.legal_bases), access_methods=list(flow.access_methods), evidence=evidence))
        if flow.opt_out and flow.opt_out not in version.opt_outs:
            version.opt_outs.append(flow.opt_out)
        self._use(version, (base, number), dataset, flow, start)
        for column, label in self.labels.items():
            value = " ".join(cell(column).split())
            if value and value not in version.other_fields.get(label, "").split("; "):
                joined = version.other_fields.get(label)
                version.other_fields[label] = f"{joined}; {value}" if joined else value

    def _version(self, base: str, number: str, nic: str, organisation: str, line: int) -> AgreementVersion:
        """The version a NIC number names, made at its first row (its evidence); the organisation of
        later rows is checked against the first."""
        version = self.versions.get((base, number))
        if version is None:
            evidence = Evidence(self.name, line)
            version = self.versions[(base, number)] = AgreementVersion(
                reference=nic, key=f"v{number}", version=number,
                applicant=OrgMention(organisation, "applicant", evidence) if organisation else None,
                evidence=evidence)
            self.agreements.setdefault(base, Agreement(base)).versions.append(version)
            self.uses[(base, number)] = {}
        elif organisation and (version.applicant is None or organisation != version.applicant.name):
            first = version.applicant.name if version.applicant else "no organisation"
            self.warn(line, f"organisation {organisation!r} differs from {first!r} on line "
                            f"{version.evidence.start if version.evidence else '?'} for {nic}; first kept")
        return version

    def _use(self, version: AgreementVersion, key: tuple[str, str], dataset: str, flow: Any, line: int) -> None:
        """One DatasetUse per dataset a version's rows name; values of later rows are added to it."""
        uses = self.uses[key]
        use = uses.get(fold_text(dataset))
        if use is None:
            use = uses[fold_text(dataset)] = DatasetUse(name=dataset, evidence=Evidence(self.name, line))
            version.datasets.append(use)
        for into, values in ((use.types_of_data, flow.types), (use.sensitivity, flow.sensitivity),
                             (use.access_methods, flow.access_methods), (use.legal_bases, flow.legal_bases)):
            into.extend(v for v in values if v not in into)

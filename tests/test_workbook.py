"""The workbook reader on small workbooks built in each test: one test per trap of docs/register.md §A."""

from __future__ import annotations

import csv
import itertools
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from kg.errors import SourceError
from kg.records import SourceDocument
from kg.sources.workbook import (
    COLUMNS,
    edition_from_name,
    parse_date,
    parse_month,
    read_csv_folder,
    read_workbook,
    split_reference,
)
from kg.vocab import Vocabulary

REF = "DARS-NIC-00574-V2H1F-v4.2"
_FILES = itertools.count(1)
NAME = "datausesregister_august2026.xlsx"


def agreement(ref: str = REF, **fields: Any) -> dict[str, Any]:
    row = {
        "Reference Number": ref, "Application Title": "A study", "Applicant Organisation": "UNIVERSITY OF LEEDS",
        "Applicant Organisation Type": "Research", "Data Controller(s)": "UNIVERSITY OF LEEDS",
        "Sole/Joint Data Controller": "Sole Data Controller", "DSA Start Date": date(2021, 2, 1),
        "DSA End Date": date(2024, 1, 31), "Does Sublicensing Apply": "No", "For Commercial Purposes": "No",
        "Objective for Processing": "Objective.", "Processing Activities": "Processing.",
        "Expected Output": "Outputs.", "Expected Measurable Benefits": "Benefits.", "Yielded Benefits": "",
    }
    return row | fields


def dataset(ref: str = REF, name: str = "Civil Registrations of Death", **fields: Any) -> dict[str, Any]:
    row = {
        "Reference Number": ref, "Dataset": name, "Type of Data": "Identifiable",
        "Sensitive or Non-Sensitive": "Sensitive", "Frequency": "Ongoing",
        "Legal Basis for Provision of Data": "Health and Social Care Act 2012 – s261(2)(c)",
        "Common Law Duty of Confidentiality": "Consent (Reasonable Expectation)",
    }
    return row | fields


def release(ref: str = REF, name: str = "Civil Registrations of Death", month: Any = "Jul-21",
            **fields: Any) -> dict[str, Any]:
    row = {
        "File Reference": f"{ref}-F{next(_FILES):05d}",
        "Reference Number": ref, "Dataset": name, "Type of Data": "Identifiable",
        "Sensitive or Non-Sensitive": "Sensitive", "Patient Opt-Outs Applied": "No",
        "Legal Basis for Provision of Data": "Health and Social Care Act 2012 – s261(2)(c)",
        "Frequency": "Ongoing", "Month File Released": month,
    }
    return row | fields


def write_xlsx(path: Path, sheets: dict[str, list[dict[str, Any]]],
               headers: dict[str, list[str]] | None = None) -> Path:
    """A workbook with the given rows; ``headers`` overrides a sheet's header row (order, names)."""
    book = xlsxwriter.Workbook(str(path), {"default_date_format": "dd/mm/yyyy"})
    for sheet, rows in sheets.items():
        columns = (headers or {}).get(sheet, list(COLUMNS.get(sheet, ())))
        ws = book.add_worksheet(sheet)
        ws.write_row(0, 0, columns)
        for r, row in enumerate(rows, 1):
            folded = {k.casefold(): v for k, v in row.items()}
            for c, column in enumerate(columns):
                value = folded.get(column.casefold(), "")
                if value not in ("", None):
                    ws.write(r, c, value)
    book.close()
    return path


def build(tmp_path: Path, agreements: Iterable[dict[str, Any]] = (), datasets: Iterable[dict[str, Any]] = (),
          releases: Iterable[dict[str, Any]] = (), name: str = NAME,
          vocab: Vocabulary | None = None) -> SourceDocument:
    sheets = {"Agreements": list(agreements), "Datasets": list(datasets), "DataReleases": list(releases)}
    path = write_xlsx(tmp_path / name, sheets)
    return read_workbook(path, vocab or Vocabulary.load())


def only(doc: SourceDocument):
    assert len(doc.agreements) == 1
    return doc.agreements[0]


# --- docs/register.md, trap 1: references and versions ---

def test_versions_grouped_under_upper_case_base_with_their_own_dates(tmp_path: Path) -> None:
    doc = build(tmp_path, [
        agreement("DARS-NIC-00574-V2H1F-v4.2", **{"DSA Start Date": date(2023, 1, 1)}),
        agreement("dars-nic-00574-v2h1f-v0.14", **{"DSA Start Date": date(2020, 1, 1)}),
        agreement("DARS-NIC-00574-V2H1F-v0.7", **{"DSA Start Date": date(2019, 1, 1)}),
        agreement("DARS-NIC-99999-X1Y2Z", **{"Application Title": "No suffix"}),
    ])
    first, second = doc.agreements
    assert first.base_reference == "DARS-NIC-00574-V2H1F"
    assert [(v.key, v.version, v.reference, v.start) for v in first.versions] == [
        ("v0.7", "0.7", "DARS-NIC-00574-V2H1F-v0.7", date(2019, 1, 1)),
        ("v0.14", "0.14", "dars-nic-00574-v2h1f-v0.14", date(2020, 1, 1)),
        ("v4.2", "4.2", "DARS-NIC-00574-V2H1F-v4.2", date(2023, 1, 1)),
    ]
    assert first.latest().version == "4.2"
    assert (second.base_reference, second.versions[0].key, second.versions[0].version) == (
        "DARS-NIC-99999-X1Y2Z", "unversioned", None)
    assert doc.warnings == []


def test_v0_14_is_newer_than_v0_7(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement("DARS-NIC-1-A1B2C-v0.14", **{"Application Title": "new"}),
                           agreement("DARS-NIC-1-A1B2C-v0.7", **{"Application Title": "old"})])
    assert only(doc).latest().title == "new"


@pytest.mark.parametrize(("reference", "expected"), [
    ("DARS-NIC-00574-V2H1F-v4.2", ("DARS-NIC-00574-V2H1F", "4.2")),
    ("DARS-NIC-00574-V2H1F-V10", ("DARS-NIC-00574-V2H1F", "10")),
    ("DARS-NIC-00574-V2H1F", ("DARS-NIC-00574-V2H1F", None)),
    ("nic-12345-a1b2c-v1.0.2", ("NIC-12345-A1B2C", "1.0.2")),
])
def test_split_reference(reference: str, expected: tuple[str, str | None]) -> None:
    assert split_reference(reference) == expected


def test_repeated_version_row_reported_and_first_kept(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement(**{"Application Title": "first"}), agreement(**{"Application Title": "second"})])
    assert only(doc).versions[0].title == "first"
    assert doc.warnings == [f"{NAME}: sheet Agreements: row 3: reference DARS-NIC-00574-V2H1F version 4.2 "
                            "repeated (first at row 2); later row skipped"]


# --- the fields of a version --------------------------------------------------------------------

def test_fields_of_a_version(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement(**{
        "Application Title": "  A\u00a0study \n of  things ", "Applicant Organisation Type": "Research; Academic",
        "Data Controller(s)": "UNIVERSITY OF LEEDS; NHS ENGLAND", "Sole/Joint Data Controller": "Joint Data Controller",
        "Does Sublicensing Apply": "Yes", "For Commercial Purposes": "", "Objective for Processing": " ~ keep\n  me ",
        "Yielded Benefits": "Yielded."})])
    v = only(doc).versions[0]
    assert v.title == "A study of things"
    assert (v.applicant.name, v.applicant.role) == ("UNIVERSITY OF LEEDS", "applicant")
    assert v.applicant_types == ["Research", "Academic"]
    assert [(c.name, c.role) for c in v.controllers] == [("UNIVERSITY OF LEEDS", "controller"),
                                                          ("NHS ENGLAND", "controller")]
    assert v.controller_arrangement == "Joint"
    assert (v.start, v.end) == (date(2021, 2, 1), date(2024, 1, 31))
    assert (v.sublicensing, v.commercial) == (True, None)
    assert v.objective == " ~ keep\n  me "
    assert (v.processing, v.expected_outputs, v.expected_benefits, v.yielded_benefits) == (
        "Processing.", "Outputs.", "Benefits.", "Yielded.")
    assert v.evidence.locator() == "Agreements!2" and v.evidence.source == NAME
    assert v.text_line == {}


def test_text_dates_and_bad_values_reported(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement(**{"DSA Start Date": "01/02/2021", "DSA End Date": "2022-08-31"}),
                           agreement("DARS-NIC-2-A1B2C-v1", **{"DSA Start Date": "soon",
                                                               "For Commercial Purposes": "Maybe"})])
    first, second = (a.versions[0] for a in doc.agreements)
    assert (first.start, first.end) == (date(2021, 2, 1), date(2022, 8, 31))
    assert (second.start, second.commercial) == (None, None)
    assert doc.warnings == [
        f"{NAME}: sheet Agreements: row 3: DSA Start Date 'soon' is not a date; left empty",
        f"{NAME}: sheet Agreements: row 3: For Commercial Purposes 'Maybe' is not Yes or No; left empty",
    ]


@pytest.mark.parametrize(("value", "expected"), [
    (date(2021, 2, 1), date(2021, 2, 1)), ("2021-02-01", date(2021, 2, 1)), ("01/02/2021", date(2021, 2, 1)),
    (44228.0, date(2021, 2, 1)), ("1 February 2021", date(2021, 2, 1)), ("", None), ("n/a", None),
])
def test_parse_date(value: Any, expected: date | None) -> None:
    assert parse_date(value) == expected


def test_extra_columns_kept_as_other_fields(tmp_path: Path) -> None:
    headers = {"Agreements": [*COLUMNS["Agreements"], "Notes"]}
    sheets = {"Agreements": [agreement(Notes="a note")], "Datasets": [], "DataReleases": []}
    doc = read_workbook(write_xlsx(tmp_path / NAME, sheets, headers), Vocabulary.load())
    assert only(doc).versions[0].other_fields == {"Notes": "a note"}


# --- docs/register.md, trap 2: controller lists ---

def test_comma_names_in_controller_lists_use_the_applicant_column(tmp_path: Path) -> None:
    bnssg = "NHS BRISTOL, NORTH SOMERSET AND SOUTH GLOUCESTERSHIRE ICB - 15C"
    doc = build(tmp_path, [
        agreement("DARS-NIC-1-A1B2C-v1", **{"Applicant Organisation": bnssg, "Data Controller(s)": bnssg}),
        agreement("DARS-NIC-2-A1B2C-v1", **{
            "Data Controller(s)": f"{bnssg}, BRISTOL CITY COUNCIL, "
                                  "Ministry of Housing, Communities and Local Government",
            "Sole/Joint Data Controller": "Joint Data Controller"}),
    ])
    assert [c.name for c in doc.agreements[1].versions[0].controllers] == [
        bnssg, "BRISTOL CITY COUNCIL", "Ministry of Housing, Communities and Local Government"]


def test_brackets_and_corporate_suffixes_in_controller_lists(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement(**{
        "Data Controller(s)": "BCP COUNCIL [BOURNEMOUTH, CHRISTCHURCH AND POOLE], MCKINSEY & COMPANY, INC., "
                              "DURHAM COUNTY COUNCIL, CO DURHAM",
        "Sole/Joint Data Controller": "Joint Data Controller"})])
    assert [c.name for c in only(doc).versions[0].controllers] == [
        "BCP COUNCIL [BOURNEMOUTH, CHRISTCHURCH AND POOLE]", "MCKINSEY & COMPANY, INC.",
        "DURHAM COUNTY COUNCIL", "CO DURHAM"]


def test_sole_controller_with_comma_is_one_name_and_two_sole_names_are_reported(tmp_path: Path) -> None:
    name = "NHS SHROPSHIRE, TELFORD AND WREKIN ICB - M2L0M"
    doc = build(tmp_path, [agreement("DARS-NIC-1-A1B2C-v1", **{"Data Controller(s)": name}),
                           agreement("DARS-NIC-2-A1B2C-v1", **{"Data Controller(s)": "A COUNCIL; B COUNCIL"})])
    assert [c.name for c in doc.agreements[0].versions[0].controllers] == [name]
    assert doc.warnings == [f"{NAME}: sheet Agreements: row 3: sole data controller but 2 names: "
                            "A COUNCIL; B COUNCIL"]


# --- docs/register.md, trap 3: typography ---

def test_smart_punctuation_kept_not_dropped(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement(**{
        "Applicant Organisation": "ST GEORGE’S UNIVERSITY OF LONDON",
        "Data Controller(s)": "ST GEORGE’S UNIVERSITY OF LONDON; “THE” TRUST – NORTH",
        "Sole/Joint Data Controller": "Joint Data Controller", "Application Title": "“Quoted” – title"})])
    v = only(doc).versions[0]
    assert v.applicant.name == "ST GEORGE’S UNIVERSITY OF LONDON"
    assert [c.name for c in v.controllers] == ["ST GEORGE’S UNIVERSITY OF LONDON", "“THE” TRUST – NORTH"]
    assert v.title == "“Quoted” – title"


def test_nbsp_and_line_breaks_inside_names(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement(**{
        "Applicant Organisation": "UNIVERSITY\u00a0OF  LEEDS\n",
        "Data Controller(s)": "NHS BLOOD AND\nTRANSPLANT\nUNIVERSITY\u00a0OF LEEDS",
        "Sole/Joint Data Controller": "Joint Data Controller"})],
        [dataset(name="Civil\u00a0Registrations  of\nDeath")])
    v = only(doc).versions[0]
    assert v.applicant.name == "UNIVERSITY OF LEEDS"
    assert [c.name for c in v.controllers] == ["NHS BLOOD AND TRANSPLANT", "UNIVERSITY OF LEEDS"]
    assert v.dataset_names() == ["Civil Registrations of Death"]


# --- Datasets: docs/register.md, traps 7 and 8 ---

def test_semicolon_joined_legal_bases_split_and_trimmed_but_verbatim(tmp_path: Path) -> None:
    cell = ("Health and Social Care Act 2012 – s261(7);  National Health Service Act 2006 - s251 - "
            "'Control of patient information'. ;Health and Social Care Act 2012  s261(2)(c);")
    doc = build(tmp_path, [agreement()], [dataset(**{"Legal Basis for Provision of Data": cell})])
    use = only(doc).versions[0].datasets[0]
    assert use.legal_bases == [
        "Health and Social Care Act 2012 – s261(7)",
        "National Health Service Act 2006 - s251 - 'Control of patient information'.",
        "Health and Social Care Act 2012  s261(2)(c)",
    ]
    assert only(doc).versions[0].legal_bases == use.legal_bases


def test_dataset_rows_of_a_version(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement()], [dataset(**{"Type of Data": "Anonymised - ICO Code Compliant",
                                                     "Frequency": "Frequent Adhoc Flow",
                                                     "Common Law Duty of Confidentiality": ""})])
    use = only(doc).versions[0].datasets[0]
    assert (use.name, use.types_of_data, use.sensitivity, use.access_methods, use.confidentiality) == (
        "Civil Registrations of Death", ["Anonymised - ICO Code Compliant"], ["Sensitive"],
        ["Frequent Adhoc Flow"], [])
    assert use.evidence.locator() == "Datasets!2"


def test_duplicated_dataset_rows_collapse_when_exact_and_stay_when_they_differ(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement()], [
        dataset(name="SUS for Commissioners"),
        dataset(name="SUS for Commissioners", **{"Type of Data": "Anonymised - ICO Code Compliant"}),
        dataset(name="SUS  for Commissioners"),
    ])
    uses = only(doc).versions[0].datasets
    assert [(u.name, u.types_of_data, u.evidence.start) for u in uses] == [
        ("SUS for Commissioners", ["Identifiable"], 2),
        ("SUS for Commissioners", ["Anonymised - ICO Code Compliant"], 3)]
    assert doc.warnings == [f"{NAME}: sheet Datasets: row 4: 'SUS for Commissioners' repeats row 2 of the same "
                            "version exactly; collapsed"]


def test_datasets_row_without_agreement_reported(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement()], [dataset("DARS-NIC-2-A1B2C-v1"), dataset("DARS-NIC-2-A1B2C-v1", "X")])
    assert only(doc).versions[0].datasets == []
    assert doc.warnings == [f"{NAME}: sheet Datasets: row 2: 2 rows (rows 2-3) for DARS-NIC-2-A1B2C version 1, "
                            "which has no Agreements row; skipped"]


# --- docs/register.md, trap 9: junk rows ---

def test_junk_rows_and_the_test_record_skipped_and_reported(tmp_path: Path) -> None:
    doc = build(tmp_path,
                [agreement(), agreement("No filters applied"), agreement("DARS-NIC-401994-D5Q7S-v1.0"), {}],
                [dataset(), dataset("No filters applied")],
                [release(), release("DARS-NIC-401994-D5Q7S-v1.0")])
    assert [a.base_reference for a in doc.agreements] == ["DARS-NIC-00574-V2H1F"]
    assert doc.warnings == [
        f"{NAME}: sheet Agreements: row 3: skipped: 'No filters applied' is not a reference number",
        f"{NAME}: sheet Agreements: row 4: skipped: DARS-NIC-401994-D5Q7S-v1.0 is the register's test record",
        f"{NAME}: sheet Datasets: row 3: skipped: 'No filters applied' is not a reference number",
        f"{NAME}: sheet DataReleases: row 3: skipped: DARS-NIC-401994-D5Q7S-v1.0 is the register's test record",
    ]


def test_a_word_without_digits_is_not_a_reference(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement(), agreement("Total")])
    assert doc.warnings == [f"{NAME}: sheet Agreements: row 3: skipped: 'Total' is not a reference number"]


def test_row_with_content_but_no_reference_reported(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement(), agreement("", **{"Application Title": "orphan"})])
    assert doc.warnings == [f"{NAME}: sheet Agreements: row 3: skipped: no reference number"]


# --- DataReleases ---------------------------------------------------------------------------------

def test_release_counts_by_dataset_and_month(tmp_path: Path) -> None:
    months = ["Nov-20", "Dec-20", "Jan-21", "Jan-21", "Feb-21"]
    releases = [release(name="HES APC", month=m, **{"Patient Opt-Outs Applied": "Yes"}) for m in months]
    releases += [release(name="Civil Registrations of Death", month=m) for m in ["Dec-20", "Mar-21"]]
    doc = build(tmp_path, [agreement()], [dataset(), dataset(name="HES APC")], releases)
    v = only(doc).versions[0]
    assert Counter((r.dataset, r.month) for r in v.releases) == {
        ("HES APC", "2020-11"): 1, ("HES APC", "2020-12"): 1, ("HES APC", "2021-01"): 2,
        ("HES APC", "2021-02"): 1, ("Civil Registrations of Death", "2020-12"): 1,
        ("Civil Registrations of Death", "2021-03"): 1}
    assert Counter((r.dataset, r.opt_outs_applied) for r in v.releases) == {
        ("HES APC", True): 5, ("Civil Registrations of Death", False): 2}
    assert (v.first_release, v.last_release) == ("2020-11", "2021-03")
    assert v.opt_outs == ["Yes", "No"]
    first = v.releases[0]
    assert (first.types_of_data, first.sensitivity, first.access_methods, first.legal_bases) == (
        ["Identifiable"], ["Sensitive"], ["Ongoing"], ["Health and Social Care Act 2012 – s261(2)(c)"])
    assert first.file_reference.startswith(REF + "-F")
    assert first.evidence.locator() == "DataReleases!2"
    assert doc.warnings == []


def test_release_months_from_excel_dates(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement()], [dataset()], [release(month=date(2019, 7, 1))])
    assert only(doc).versions[0].releases[0].month == "2019-07"


def test_unparseable_release_month_kept_as_none_and_reported(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement()], [dataset()], [release(month="Julember-19"), release(month="Jul-19")])
    v = only(doc).versions[0]
    assert [r.month for r in v.releases] == [None, "2019-07"]
    assert (v.first_release, v.last_release) == ("2019-07", "2019-07")
    assert doc.warnings == [f"{NAME}: sheet DataReleases: row 2: month 'Julember-19' not understood; left empty"]


@pytest.mark.parametrize(("value", "expected"), [
    ("Jul-19", "2019-07"), ("jul-2019", "2019-07"), ("July 2019", "2019-07"), ("Sept-21", "2021-09"),
    ("2019-07", "2019-07"), ("2019-07-01", "2019-07"), ("07/2019", "2019-07"), ("01/07/2019", "2019-07"),
    (date(2019, 7, 1), "2019-07"), (43647.0, "2019-07"), ("", None), ("Q3 2019", None), ("2019-13", None),
])
def test_parse_month(value: Any, expected: str | None) -> None:
    assert parse_month(value) == expected


def test_release_for_dataset_not_on_the_version_kept_and_reported(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement()], [dataset()],
                [release(), release(name="HES APC", month="Jan-21"), release(name="HES APC", month="Feb-21")])
    assert [r.dataset for r in only(doc).versions[0].releases] == [
        "Civil Registrations of Death", "HES APC", "HES APC"]
    assert doc.warnings == [f"{NAME}: sheet DataReleases: row 3: 2 rows (rows 3-4) release 'HES APC' under "
                            "DARS-NIC-00574-V2H1F version 4.2, which its Datasets rows do not list; kept"]


def test_release_for_reference_without_agreement_reported(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement()], [dataset()], [release("DARS-NIC-2-A1B2C-v1")])
    assert only(doc).versions[0].releases == []
    assert doc.warnings == [f"{NAME}: sheet DataReleases: row 2: 1 row for DARS-NIC-2-A1B2C version 1, "
                            "which has no Agreements row; skipped"]


# --- controlled values ----------------------------------------------------------------------------

def test_unknown_vocabulary_values_are_kept_and_tallied(tmp_path: Path) -> None:
    vocab = Vocabulary.load()
    doc = build(tmp_path, [agreement()], [dataset(Frequency="Quarterly Extract")],
                [release(Frequency="Quarterly Extract", **{"Patient Opt-Outs Applied": "Partly"}),
                 release(month="Aug-21", Frequency="Quarterly Extract")], vocab=vocab)
    v = only(doc).versions[0]
    assert v.datasets[0].access_methods == ["Quarterly Extract"]
    assert v.releases[0].opt_outs_applied is None
    assert vocab.unknown == {("access_method", "Quarterly Extract"): 3, ("opt_out", "Partly"): 1}


def test_known_values_are_not_tallied(tmp_path: Path) -> None:
    vocab = Vocabulary.load()
    build(tmp_path, [agreement()], [dataset(), dataset(name="B", Frequency="One Off")], [release()], vocab=vocab)
    assert vocab.unknown == {}


# --- columns and errors ---------------------------------------------------------------------------

def test_columns_found_by_header_name_not_position(tmp_path: Path) -> None:
    sheets = {"Agreements": [agreement()], "Datasets": [dataset()], "DataReleases": [release()]}
    plain = read_workbook(write_xlsx(tmp_path / NAME, sheets), Vocabulary.load())
    shuffled_headers = {name: list(reversed(columns)) for name, columns in COLUMNS.items()}
    shuffled_headers["Datasets"] = [c.upper() for c in shuffled_headers["Datasets"]]
    (tmp_path / "s").mkdir()
    shuffled = read_workbook(write_xlsx(tmp_path / "s" / NAME, sheets, shuffled_headers), Vocabulary.load())
    assert shuffled.agreements == plain.agreements
    assert plain.agreements[0].versions[0].datasets[0].name == "Civil Registrations of Death"


def test_missing_sheet_is_a_one_line_error(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / NAME, {"Agreements": [agreement()], "Datasets": []})
    with pytest.raises(SourceError) as caught:
        read_workbook(path, Vocabulary.load())
    assert str(caught.value) == (f"{NAME}: sheet DataReleases: missing; expected sheets Agreements, Datasets, "
                                 "DataReleases; found Agreements, Datasets")


def test_renamed_column_is_a_one_line_error(tmp_path: Path) -> None:
    headers = {"Datasets": ["Reference Number", "Dataset Name", "Type of Data", "Sensitive or Non-Sensitive",
                            "Frequency", "Legal Basis for Provision of Data", "Common Law Duty of Confidentiality"]}
    path = write_xlsx(tmp_path / NAME, {"Agreements": [], "Datasets": [], "DataReleases": []}, headers)
    with pytest.raises(SourceError) as caught:
        read_workbook(path, Vocabulary.load())
    assert str(caught.value) == (
        f"{NAME}: sheet Datasets: missing column Dataset; expected Reference Number, Dataset, Type of Data, "
        "Sensitive or Non-Sensitive, Frequency, Legal Basis for Provision of Data, Common Law Duty of "
        "Confidentiality; found Reference Number, Dataset Name, Type of Data, Sensitive or Non-Sensitive, "
        "Frequency, Legal Basis for Provision of Data, Common Law Duty of Confidentiality")
    assert "\n" not in str(caught.value)


def test_empty_sheet_is_an_error(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / NAME, {"Agreements": [], "Datasets": [], "DataReleases": []},
                      {"DataReleases": []})
    with pytest.raises(SourceError, match=r"sheet DataReleases: missing columns File Reference, .*; found no header$"):
        read_workbook(path, Vocabulary.load())


def test_corrupt_xlsx_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(SourceError) as caught:
        read_workbook(path, Vocabulary.load())
    assert str(caught.value) == (f"{NAME}: cannot be read as an .xlsx workbook "
                                 "(corrupt, encrypted or not an Excel file)")


def test_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as caught:
        read_workbook(tmp_path / NAME, Vocabulary.load())
    assert str(caught.value) == f"{NAME}: no such file"


def test_sheet_names_match_case_insensitively(tmp_path: Path) -> None:
    sheets = {"AGREEMENTS": [agreement()], "datasets": [dataset()], "Data Releases": [release()]}
    headers = {"AGREEMENTS": list(COLUMNS["Agreements"]), "datasets": list(COLUMNS["Datasets"]),
               "Data Releases": list(COLUMNS["DataReleases"])}
    doc = read_workbook(write_xlsx(tmp_path / NAME, sheets, headers), Vocabulary.load())
    assert len(only(doc).versions[0].releases) == 1


# --- editions -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("datausesregister_august2026.xlsx", "2026-08"),
    ("internaldatausesregister_february2023", "2023-02"),
    ("datausesregister_sept2022.xlsx", "2022-09"),
    ("DataUsesRegister_May_2024.xlsx", "2024-05"),
    ("datausesregister_2025-11.xlsx", "2025-11"),
    ("datausesregister_sample.xlsx", None),
    ("register.xlsx", None),
])
def test_edition_from_name(name: str, expected: str | None) -> None:
    assert edition_from_name(name) == expected


def test_document_edition_from_name_or_argument(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement()])
    assert (doc.kind, doc.name, doc.edition, doc.path) == ("workbook", NAME, "2026-08", str(tmp_path / NAME))
    again = read_workbook(tmp_path / NAME, Vocabulary.load(), edition="2026-09")
    assert again.edition == "2026-09"


# --- CSV folders ----------------------------------------------------------------------------------

def write_csv(folder: Path, sheets: dict[str, list[dict[str, Any]]], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for sheet, rows in sheets.items():
        with (folder / f"{sheet}.csv").open("w", newline="", encoding=encoding) as out:
            writer = csv.DictWriter(out, fieldnames=list(COLUMNS[sheet]))
            writer.writeheader()
            writer.writerows(rows)
    return folder


def test_csv_folder_reads_like_the_workbook(tmp_path: Path) -> None:
    sheets = {"Agreements": [agreement(**{"DSA Start Date": "01/02/2021", "DSA End Date": "2024-01-31",
                                          "Data Controller(s)": "ST GEORGE’S UNIVERSITY OF LONDON\nNHS ENGLAND",
                                          "Sole/Joint Data Controller": "Joint Data Controller"})],
              "Datasets": [dataset()], "DataReleases": [release(), release(month="Aug-21")]}
    doc = read_csv_folder(write_csv(tmp_path / "datausesregister_march2024", sheets), Vocabulary.load())
    assert (doc.kind, doc.name, doc.edition) == ("workbook", "datausesregister_march2024", "2024-03")
    v = only(doc).versions[0]
    assert (v.start, v.end) == (date(2021, 2, 1), date(2024, 1, 31))
    assert [c.name for c in v.controllers] == ["ST GEORGE’S UNIVERSITY OF LONDON", "NHS ENGLAND"]
    assert [r.month for r in v.releases] == ["2021-07", "2021-08"]
    assert v.releases[1].evidence.locator() == "DataReleases!3"


def test_csv_file_names_match_case_insensitively_and_cp1252_is_accepted(tmp_path: Path) -> None:
    folder = write_csv(tmp_path / "export", {"Agreements": [agreement(**{"Application Title": "It’s"})],
                                             "Datasets": [], "DataReleases": []}, encoding="cp1252")
    (folder / "Agreements.csv").rename(folder / "AGREEMENTS.CSV")
    doc = read_csv_folder(folder, Vocabulary.load())
    assert only(doc).versions[0].title == "It’s"


def test_csv_folder_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    folder = write_csv(tmp_path / "export", {"Agreements": [], "Datasets": []})
    with pytest.raises(SourceError) as caught:
        read_csv_folder(folder, Vocabulary.load())
    assert str(caught.value) == ("export: sheet DataReleases: missing; expected files Agreements.csv, "
                                 "Datasets.csv, DataReleases.csv; found Agreements, Datasets")


def test_a_reference_that_could_walk_a_path_is_skipped_with_its_row(tmp_path: Path) -> None:
    doc = build(tmp_path, [agreement("DARS-NIC-1/../../x-v1"), agreement()], [dataset()])
    assert [a.base_reference for a in doc.agreements] == ["DARS-NIC-00574-V2H1F"]
    assert f"{NAME}: sheet Agreements: row 2: skipped: 'DARS-NIC-1/../../x-v1' is not a register reference " \
           "(expected e.g. DARS-NIC-123456-ABC12)" in doc.warnings

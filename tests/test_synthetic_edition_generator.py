"""The synthetic edition generator (benchmarks/make_edition.py), read back with python_calamine.

Runs at 1 % scale; does not depend on regkg's workbook reader.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.make_edition import (
    AMEND_RATE,
    EDIT_RATE,
    END_RATE,
    NEW_RATE,
    RELEASE_RATE,
    churn_count,
    edition_name,
    generate,
    main,
    series_size,
)
from benchmarks.vocabulary import CCG_NAMES

HEADERS = {
    "Agreements": [
        "Reference Number", "Application Title", "Applicant Organisation", "Applicant Organisation Type",
        "Data Controller(s)", "Sole/Joint Data Controller", "DSA Start Date", "DSA End Date",
        "Does Sublicensing Apply", "For Commercial Purposes", "Objective for Processing",
        "Processing Activities", "Expected Output", "Expected Measurable Benefits", "Yielded Benefits",
    ],
    "Datasets": [
        "Reference Number", "Dataset", "Type of Data", "Sensitive or Non-Sensitive", "Frequency",
        "Legal Basis for Provision of Data", "Common Law Duty of Confidentiality",
    ],
    "DataReleases": [
        "File Reference", "Reference Number", "Dataset", "Type of Data", "Sensitive or Non-Sensitive",
        "Patient Opt-Outs Applied", "Legal Basis for Provision of Data", "Frequency", "Month File Released",
    ],
}
KNOWN = {  # closed vocabularies (ontology/values.ttl); anything else must be planted
    ("Datasets", "Frequency"): {"Ongoing", "One-Off", "Frequent Adhoc Flow", "System Access"},
    ("DataReleases", "Frequency"): {"Ongoing", "One-Off", "Frequent Adhoc Flow", "System Access"},
    ("DataReleases", "Patient Opt-Outs Applied"): {"Yes", "No"},
    ("Datasets", "Type of Data"): {"Identifiable", "Pseudonymised", "Anonymised - ICO Code Compliant"},
    ("DataReleases", "Type of Data"): {"Identifiable", "Pseudonymised", "Anonymised - ICO Code Compliant"},
    ("Datasets", "Sensitive or Non-Sensitive"): {"Sensitive", "Non-Sensitive"},
    ("DataReleases", "Sensitive or Non-Sensitive"): {"Sensitive", "Non-Sensitive"},
    ("Datasets", "Common Law Duty of Confidentiality"): {
        "", "Section 251 NHS Act 2006", "Consent (Reasonable Expectation)",
        "Statutory exemption to flow confidential data without consent",
        "Mixture of confidential data flow(s) with consent and non-confidential data flow(s)"},
    ("Agreements", "Sole/Joint Data Controller"): {"Sole Data Controller", "Joint Data Controller"},
    ("Agreements", "Does Sublicensing Apply"): {"Yes", "No"},
    ("Agreements", "For Commercial Purposes"): {"Yes", "No"},
}
PLANTED_UNKNOWN = {
    ("Datasets", "Frequency", "Quarterly Extract"),
    ("DataReleases", "Frequency", "Quarterly Extract"),
    ("DataReleases", "Patient Opt-Outs Applied", "Partially Applied"),
}
REF = re.compile(r"^DARS-NIC-\d{5,6}-[A-Z0-9]{5}(-v\d+\.\d+)?$")
MONTH = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-(\d\d)$")
SCALE = 0.01


def read(path: Path) -> dict[str, list[list]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def column(sheets, sheet: str, name: str) -> list:
    i = HEADERS[sheet].index(name)
    return [row[i] for row in sheets[sheet][1:]]


def base(ref: str) -> str:
    return re.sub(r"-v\d+\.\d+$", "", ref)


@pytest.fixture(scope="module")
def one_edition(tmp_path_factory) -> Path:
    return generate(SCALE, 1, 42, tmp_path_factory.mktemp("ed"))[0]


@pytest.fixture(scope="module")
def first(one_edition):
    return read(one_edition)


def test_file_name_is_the_month(one_edition):
    assert one_edition.name == "datausesregister_january2026.xlsx"


def test_three_sheets_with_official_headers_in_order(first):
    assert list(first) == ["Agreements", "Datasets", "DataReleases"]
    for sheet, header in HEADERS.items():
        assert first[sheet][0] == header


def test_row_counts_are_in_proportion(first):
    refs = column(first, "Agreements", "Reference Number")
    real = [r for r in refs if r not in ("No filters applied", "DARS-NIC-401994-D5Q7S")]
    assert len({base(r) for r in real}) == round(1950 * SCALE)
    per_base = Counter(base(r) for r in real)
    assert set(per_base.values()) <= set(range(1, 7))
    assert 1.5 <= len(real) / len(per_base) <= 4.0  # ~5,500 versions for ~1,950 agreements
    assert len(first["DataReleases"]) - 1 == round(105_000 * SCALE)
    per_version = Counter(column(first, "Datasets", "Reference Number"))
    assert set(per_version) == set(refs) - {"No filters applied"}
    assert all(1 <= n <= 31 for n in per_version.values())  # 1-30, plus the odd dataset listed twice


def test_references_dates_and_free_text_have_the_registers_shape(first):
    refs = column(first, "Agreements", "Reference Number")
    assert refs[-1] == "No filters applied"
    assert all(REF.match(r) for r in refs[:-1])
    assert any(r.endswith("-v0." + r.rsplit(".", 1)[-1]) for r in refs[:-1])  # versions may start at v0.x
    for name in ("DSA Start Date", "DSA End Date"):
        values = column(first, "Agreements", name)[:-1]
        assert all(isinstance(v, date) for v in values)
    starts, ends = column(first, "Agreements", "DSA Start Date")[:-1], column(first, "Agreements", "DSA End Date")[:-1]
    assert all(s < e for s, e in zip(starts, ends, strict=True))
    for name in ("Objective for Processing", "Processing Activities"):
        lengths = [len(t) for t in column(first, "Agreements", name)[:-1]]
        assert min(lengths) >= 2000 and max(lengths) <= 12_500
    processing = "\n".join(column(first, "Agreements", "Processing Activities"))
    assert re.search(r"will act as a Data Processor\.|Data will be processed by|Data processor 1 |"
                     r"will be conducted by", processing)
    assert "transferred securely to" in processing and "(DSCRO)" in processing


def test_release_rows_have_unique_files_known_references_and_one_bad_month(first):
    files = column(first, "DataReleases", "File Reference")
    assert len(set(files)) == len(files)
    known_refs = set(column(first, "Agreements", "Reference Number"))
    assert set(column(first, "DataReleases", "Reference Number")) <= known_refs
    months = column(first, "DataReleases", "Month File Released")
    bad = [m for m in months if not MONTH.match(m)]
    assert bad == ["Jnu-21"]
    years = {2000 + int(MONTH.match(m).group(2)) for m in months if MONTH.match(m)}
    assert min(years) >= 2016 and max(years) <= 2026
    assert {"Yes", "No"} <= set(column(first, "DataReleases", "Patient Opt-Outs Applied"))


def test_only_planted_values_are_unknown(one_edition, first):
    planted = json.loads(Path(f"{one_edition}.planted.json").read_text(encoding="utf-8"))
    unknown = {(p["sheet"], p["column"], p["value"]) for p in planted if p["kind"] == "unknown-value"}
    assert unknown == PLANTED_UNKNOWN
    found = set()
    for (sheet, name), known in KNOWN.items():
        for value in column(first, sheet, name)[: -1 if sheet == "Agreements" else None]:
            if value not in known:
                found.add((sheet, name, value))
    assert found == PLANTED_UNKNOWN
    kinds = {p["kind"]: p for p in planted}
    assert kinds["junk-row"]["value"] == "No filters applied"
    assert kinds["unparseable-month"]["value"] == "Jnu-21"
    for p in planted:  # each listed row really holds the value
        i = HEADERS[p["sheet"]].index(p["column"])
        for row in p["rows"]:
            assert first[p["sheet"]][row - 1][i] == p["value"]


def test_the_register_quirks_are_planted(first):
    names = set(column(first, "Agreements", "Applicant Organisation"))
    cells = "\n".join(column(first, "Agreements", "Data Controller(s)"))
    assert any("," in n for n in names)  # comma-bearing names, seen whole as applicants
    assert any(sep in cells for sep in ("; ", "\n"))
    legal = column(first, "Datasets", "Legal Basis for Provision of Data")
    assert any("; " in cell for cell in legal)
    datasets = set(column(first, "Datasets", "Dataset"))
    assert "SUS for Commissioners" in datasets


def test_same_seed_same_bytes(tmp_path):
    a = generate(SCALE, 1, 7, tmp_path / "a")[0]
    b = generate(SCALE, 1, 7, tmp_path / "b")[0]
    c = generate(SCALE, 1, 8, tmp_path / "c")[0]
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_the_command_writes_the_edition_named_by_its_month_and_its_sidecar(tmp_path, capsys):
    assert main(["--scale", "0.01", "--editions", "1", "--seed", "42", "-o", str(tmp_path)]) == 0
    assert (tmp_path / "datausesregister_january2026.xlsx").exists()
    assert (tmp_path / "datausesregister_january2026.xlsx.planted.json").exists()


# --- series mode: consecutive monthly editions across the July 2022 CCG -> Sub-ICB rename -------

SERIES_SCALE = 0.02
TEST_RECORD = "DARS-NIC-401994-D5Q7S"


@pytest.fixture(scope="module")
def series(tmp_path_factory) -> list[Path]:
    return generate(SERIES_SCALE, 4, 42, tmp_path_factory.mktemp("series"), start="2022-05")


@pytest.fixture(scope="module")
def series_sheets(series) -> list[dict[str, list[list]]]:
    return [read(p) for p in series]


def versions(sheets) -> dict[str, list]:
    """Agreements rows by version reference (junk row and test record left out)."""
    return {r[0]: r for r in sheets["Agreements"][1:] if r[0] not in ("No filters applied", TEST_RECORD)}


def listed(sheets) -> set[str]:
    return {base(r) for r in versions(sheets)}


def dataset_rows(sheets) -> dict[str, list]:
    out: dict[str, list] = {}
    for row in sheets["Datasets"][1:]:
        out.setdefault(row[0], []).append(row)
    return out


def unplanted_releases(path: Path, sheets) -> dict[str, list]:
    """Release rows by file reference, without the rows a value was planted in."""
    planted = {row for p in json.loads(Path(f"{path}.planted.json").read_text(encoding="utf-8"))
               if p["sheet"] == "DataReleases" for row in p["rows"]}
    return {r[0]: r for i, r in enumerate(sheets["DataReleases"][1:], start=2) if i not in planted}


def churn_of(path: Path) -> dict:
    return json.loads(Path(f"{path}.churn.json").read_text(encoding="utf-8"))


def test_series_file_names_are_consecutive_months(series):
    assert [p.name for p in series] == [f"datausesregister_{m}2022.xlsx" for m in ("may", "june", "july", "august")]
    assert not Path(f"{series[0]}.churn.json").exists()
    assert all(Path(f"{p}.churn.json").exists() for p in series[1:])


def test_churn_counts_are_the_stated_rates(series, series_sheets):
    for k in range(len(series) - 1):
        before, after, churn = series_sheets[k], series_sheets[k + 1], churn_of(series[k + 1])
        n = len(listed(before))
        assert sorted(listed(after) - listed(before)) == churn["added"]
        assert sorted(listed(before) - listed(after)) == churn["ended"]
        assert len(churn["added"]) == churn_count(n, NEW_RATE) == max(1, round(n * 0.02))
        assert len(churn["ended"]) == churn_count(n, END_RATE) == max(1, round(n * 0.01))
        assert len(churn["amended"]) == churn_count(n, AMEND_RATE) == max(1, round(n * 0.02))
        assert len(churn["edited"]) == churn_count(n, EDIT_RATE) == max(1, round(n * 0.0025))
        v1, v2 = versions(before), versions(after)
        for b in churn["amended"]:  # a new version number; the older versions still listed
            old = {r for r in v1 if base(r) == b}
            new = {r for r in v2 if base(r) == b}
            assert old < new and len(new - old) == 1
        new_versions = {r for r in v2 if r not in v1}
        assert {base(r) for r in new_versions} == set(churn["added"]) | set(churn["amended"])


def test_edit_in_place_same_version_number_different_content(series, series_sheets):
    fields = set()
    for k in range(len(series) - 1):
        before, after, churn = series_sheets[k], series_sheets[k + 1], churn_of(series[k + 1])
        v1, v2 = versions(before), versions(after)
        d1, d2 = dataset_rows(before), dataset_rows(after)
        renamed = {r["to"]: r["from"] for r in churn.get("renamed", [])}
        edited = {e["reference"]: e["field"] for e in churn["edited"]}
        assert edited
        for ref, field in edited.items():
            assert ref in v1 and ref in v2  # same version number
            assert (v1[ref], d1[ref]) != (v2[ref], d2[ref])  # different content
            fields.add(field)
            if field == "legal basis":
                assert v1[ref] == v2[ref] and d1[ref] != d2[ref]
            if field == "end date":
                assert v2[ref][7] > v1[ref][7]
        for ref in set(v1) & set(v2) - set(edited):  # nothing else changes in place (but the renames)
            assert v1[ref] == unrename(v2[ref], renamed), ref
            assert d1[ref] == d2[ref], ref
    assert fields


def unrename(row: list, back: dict[str, str]) -> list:
    """An Agreements row with the July 2022 renames undone (``back``: Sub-ICB name -> CCG name)."""
    row = list(row)
    for c in (2, 4):  # applicant, controllers
        for to, frm in sorted(back.items(), key=lambda x: -len(x[0])):
            row[c] = row[c].replace(to, frm)
    if back and row[3] in ("Sub ICB Location", "Integrated Care Board (ICB)"):
        row[3] = "Clinical Commissioning Group (CCG)"
    return row


def test_ccgs_renamed_in_july_2022_keep_their_code(series, series_sheets):
    june, july = series_sheets[1], series_sheets[2]
    columns = [HEADERS["Agreements"].index(c) for c in ("Applicant Organisation", "Data Controller(s)")]
    kinds = HEADERS["Agreements"].index("Applicant Organisation Type")
    assert not any(" ICB - " in r[c] for r in versions(june).values() for c in columns)
    assert {r[kinds] for r in versions(june).values()}.isdisjoint({"Sub ICB Location", "Integrated Care Board (ICB)"})
    assert not any(p.get("renamed") for p in map(churn_of, (series[1], series[3])))
    renamed = churn_of(series[2])["renamed"]
    assert renamed
    back = {r["to"]: r["from"] for r in renamed}
    for r in renamed:  # the Sub-ICB name carries the code; a known CCG's code is the one it had
        code = re.search(r" ICB - (\w+)$", r["to"]).group(1)
        assert r["from"].endswith(" CCG")
        assert CCG_NAMES.get(code, r["from"]) == r["from"]
    assert any(r["from"] == "NHS West Leicestershire CCG" and r["to"].endswith(" ICB - 04V") for r in renamed)
    seen_rename = 0
    for ref, row in versions(june).items():
        new = versions(july).get(ref)
        if new is None or ref in {e["reference"] for e in churn_of(series[2])["edited"]}:
            continue
        undone = unrename(new, back)
        for c in columns:
            assert undone[c] == row[c], ref
            seen_rename += undone[c] != new[c]
        assert not any(" CCG" in new[c] and "CCG" not in row[c] for c in columns)
    assert seen_rename
    july_names = "\n".join(r[c] for r in versions(july).values() for c in columns)
    assert not any(r["from"] in july_names for r in renamed)


def test_releases_accumulate(series, series_sheets):
    for k in range(len(series) - 1):
        r1 = unplanted_releases(series[k], series_sheets[k])
        r2 = unplanted_releases(series[k + 1], series_sheets[k + 1])
        still = listed(series_sheets[k + 1])
        kept = {f: row for f, row in r1.items() if base(row[1]) in still}
        assert kept and all(r2[f] == row for f, row in kept.items() if f in r2)
        files1 = {r[0] for r in series_sheets[k]["DataReleases"][1:]}
        files2 = {r[0] for r in series_sheets[k + 1]["DataReleases"][1:]}
        kept_files = {r[0] for r in series_sheets[k]["DataReleases"][1:] if base(r[1]) in still}
        assert kept_files <= files2  # every release of a still-listed agreement is listed again
        new = files2 - files1
        assert len(new) == churn_count(len(kept_files), RELEASE_RATE)
        month = column(series_sheets[k + 1], "DataReleases", "Month File Released")
        files = column(series_sheets[k + 1], "DataReleases", "File Reference")
        assert {m for f, m in zip(files, month, strict=True) if f in new} <= {
            ("Jun-22", "Jul-22", "Aug-22")[k], "Jnu-21"}


def test_series_same_seed_same_bytes(tmp_path):
    a = generate(0.005, 2, 7, tmp_path / "a", start="2022-06")
    b = generate(0.005, 2, 7, tmp_path / "b", start="2022-06")
    c = generate(0.005, 2, 8, tmp_path / "c", start="2022-06")
    for x, y in zip(a, b, strict=True):
        assert x.read_bytes() == y.read_bytes()
        assert Path(f"{x}.churn.json").exists() == Path(f"{y}.churn.json").exists()
    assert Path(f"{a[1]}.churn.json").read_bytes() == Path(f"{b[1]}.churn.json").read_bytes()
    assert a[1].read_bytes() != c[1].read_bytes()


def test_series_starts_smaller_and_names_span_years(tmp_path):
    assert series_size(1) == 1.0
    assert series_size(63) == pytest.approx(1.01 ** -62)
    assert edition_name(2021 * 12 + 6) == "datausesregister_july2021.xlsx"
    assert edition_name(2026 * 12 + 8) == "datausesregister_september2026.xlsx"

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

from benchmarks.make_edition import generate, main

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
def two_editions(tmp_path_factory) -> list[Path]:
    return generate(SCALE, 2, 42, tmp_path_factory.mktemp("ed"))


@pytest.fixture(scope="module")
def first(two_editions):
    return read(two_editions[0])


def test_file_names_are_consecutive_months(two_editions):
    assert [p.name for p in two_editions] == ["datausesregister_january2026.xlsx",
                                              "datausesregister_february2026.xlsx"]


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


def test_references_dates_and_text(first):
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


def test_releases(first):
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


def test_only_planted_values_are_unknown(two_editions, first):
    planted = json.loads(Path(f"{two_editions[0]}.planted.json").read_text(encoding="utf-8"))
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


def test_quirks_present(first):
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


def test_editions_differ_by_churn(two_editions, first):
    second = read(two_editions[1])
    churn = json.loads(Path(f"{two_editions[1]}.churn.json").read_text(encoding="utf-8"))
    b1 = {base(r) for r in column(first, "Agreements", "Reference Number")}
    b2 = {base(r) for r in column(second, "Agreements", "Reference Number")}
    assert churn["added"] and churn["removed"] and churn["renewed"] and churn["amended"]
    assert set(churn["added"]) == b2 - b1
    assert set(churn["removed"]) == b1 - b2
    v1 = Counter(base(r) for r in column(first, "Agreements", "Reference Number"))
    v2 = Counter(base(r) for r in column(second, "Agreements", "Reference Number"))
    assert all(v2[b] == v1[b] + 1 for b in churn["renewed"])
    rows1 = {r[0]: r for r in first["Agreements"][1:]}
    rows2 = {r[0]: r for r in second["Agreements"][1:]}
    for b in churn["amended"]:  # same newest reference, different content
        ref = max((r for r in rows2 if base(r) == b), key=lambda r: list(rows2).index(r))
        assert ref in rows1 and rows1[ref] != rows2[ref]
    files1 = set(column(first, "DataReleases", "File Reference"))
    files2 = set(column(second, "DataReleases", "File Reference"))
    assert files1 - files2 and files2 - files1  # files of removed agreements gone, new files released
    assert "Feb-26" not in column(first, "DataReleases", "Month File Released")
    assert "Feb-26" in column(second, "DataReleases", "Month File Released")


def test_cli(tmp_path, capsys):
    assert main(["--scale", "0.01", "--editions", "1", "--seed", "42", "-o", str(tmp_path)]) == 0
    assert (tmp_path / "datausesregister_january2026.xlsx").exists()
    assert (tmp_path / "datausesregister_january2026.xlsx.planted.json").exists()

"""The real sample workbook read back to exactly the records it was rebuilt from.

``fixtures/workbook/records/*.json`` are the sample's source records (one file per agreement);
the workbook was made from them, so every version's dates, controllers, datasets, legal bases,
types of data, frequencies and release totals must come back out of it.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from kg.records import Agreement, SourceDocument
from kg.sources.workbook import read_csv_folder, read_workbook
from kg.vocab import Vocabulary

FIXTURES = Path(__file__).parent / "fixtures" / "workbook"
SAMPLE = FIXTURES / "datausesregister_sample.xlsx"
RECORDS = sorted((FIXTURES / "records").glob("*.json"))


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary.load()


@pytest.fixture(scope="module")
def doc(vocab: Vocabulary) -> SourceDocument:
    return read_workbook(SAMPLE, vocab)


def by_base(doc: SourceDocument) -> dict[str, Agreement]:
    return {a.base_reference: a for a in doc.agreements}


def test_sample_reads_cleanly(doc: SourceDocument, vocab: Vocabulary) -> None:
    assert (doc.kind, doc.name, doc.edition) == ("workbook", "datausesregister_sample.xlsx", None)
    assert doc.warnings == []
    assert vocab.unknown == {}
    assert sorted(by_base(doc)) == sorted(json.loads(p.read_text())["base_reference"] for p in RECORDS)


@pytest.mark.parametrize("record_file", RECORDS, ids=lambda p: p.stem)
def test_every_version_as_recorded(doc: SourceDocument, record_file: Path) -> None:
    record = json.loads(record_file.read_text())
    agreement = by_base(doc)[record["base_reference"]]
    assert [v.reference for v in agreement.versions] == [r["reference"] for r in record["versions"]]
    for version, expected in zip(agreement.versions, record["versions"], strict=True):
        assert version.version == expected["version"]
        assert version.key == f"v{expected['version']}"
        assert (version.start, version.end) == (date.fromisoformat(expected["start_date"]),
                                                date.fromisoformat(expected["end_date"]))
        assert [c.name for c in version.controllers] == expected["controllers"]
        assert version.controller_arrangement == expected["controller_basis"].split()[0]
        assert version.applicant.name == expected["organisation"]
        assert version.applicant_types == [expected["organisation_type"]]
        assert version.title == " ".join(expected["title"].split())
        assert (version.sublicensing, version.commercial) == (expected["sublicensing"] == "Yes",
                                                              expected["commercial"] == "Yes")
        assert (version.objective, version.processing, version.expected_outputs, version.expected_benefits,
                version.yielded_benefits) == (expected["objective"], expected["activities"],
                                              expected["expected_output"], expected["expected_benefits"],
                                              expected["yielded_benefits"])
        assert [_use(u) for u in version.datasets] == [_expected_use(d) for d in expected["datasets"]]
        _check_releases(version.releases, expected)


def _use(use: Any) -> tuple[Any, ...]:
    return (use.name, use.types_of_data, use.sensitivity, use.access_methods, use.legal_bases,
            use.confidentiality)


def _expected_use(row: dict[str, str]) -> tuple[Any, ...]:
    def one(value: str) -> list[str]:
        return [value] if value else []
    bases = [b.strip() for b in row["legal_basis"].split(";") if b.strip()]
    return (row["name"], one(row["type_of_data"]), one(row["sensitivity"]), one(row["frequency"]), bases,
            one(row["confidentiality"]))


def _check_releases(releases: list[Any], expected: dict[str, Any]) -> None:
    """Totals per dataset are exact; months lie within each dataset's recorded range."""
    assert len(releases) == expected["files_released"]
    assert Counter(r.dataset for r in releases) == {s["dataset"]: s["files"] for s in expected["releases"]}
    for summary in expected["releases"]:
        mine = [r for r in releases if r.dataset == summary["dataset"]]
        assert {r.opt_outs_applied for r in mine} == {summary["opt_outs_applied"] == "Yes"}
        assert all(summary["first_month"] <= r.month <= summary["last_month"] for r in mine)
        assert min(r.month for r in mine) == summary["first_month"]


def test_comma_name_kept_whole(doc: SourceDocument) -> None:
    for version in by_base(doc)["DARS-NIC-127332-G0J1N"].versions:
        assert [c.name for c in version.controllers] == ["NHS SHROPSHIRE, TELFORD AND WREKIN ICB - M2L0M"]


def test_three_joint_controllers_split(doc: SourceDocument) -> None:
    (version,) = by_base(doc)["DARS-NIC-617755-B4F1L"].versions
    assert version.controller_arrangement == "Joint"
    assert [c.name for c in version.controllers] == [
        "BRIGHTON AND HOVE CITY COUNCIL", "EAST SUSSEX COUNTY COUNCIL", "WEST SUSSEX COUNTY COUNCIL"]
    assert version.datasets[0].legal_bases == [
        "Health and Social Care Act 2012 - s261(5)(d)",
        "Other-Regulation 3 of The Health Service (Control of Patient Information) Regulations 2002"]


def test_versions_ordered_and_latest(doc: SourceDocument) -> None:
    trial = by_base(doc)["DARS-NIC-114652-L3R2T"]
    assert [v.key for v in trial.versions] == ["v0.14", "v1.3"]
    assert trial.latest().key == "v1.3"
    leicester = by_base(doc)["DARS-NIC-199599-S0T5M"]
    assert [(v.key, v.start) for v in leicester.versions] == [("v1.4", date(2018, 12, 20)),
                                                              ("v2.2", date(2021, 4, 23))]
    assert [len(v.datasets) for v in leicester.versions] == [1, 3]


def test_release_counts(doc: SourceDocument) -> None:
    trial = by_base(doc)["DARS-NIC-114652-L3R2T"]
    assert [len(v.releases) for v in trial.versions] == [7, 0]
    assert (trial.versions[0].first_release, trial.versions[0].last_release) == ("2021-07", "2022-07")
    (generations,) = by_base(doc)["DARS-NIC-656751-H5K0Y"].versions
    assert len(generations.releases) == 6
    assert Counter(r.dataset for r in generations.releases) == {d.name: 1 for d in generations.datasets}
    assert {r.month for r in generations.releases} == {"2025-01"}
    assert generations.opt_outs == ["No"]


def test_evidence_points_at_rows(doc: SourceDocument) -> None:
    (version,) = by_base(doc)["DARS-NIC-617755-B4F1L"].versions
    assert version.evidence.locator() == "Agreements!12"
    assert [u.evidence.locator() for u in version.datasets] == ["Datasets!20", "Datasets!21"]


# --- the same sheets as CSV files ---------------------------------------------------------------

def export_csv(xlsx: Path, folder: Path) -> Path:
    """The sample's sheets as CSV files, dates written as text the way a CSV export writes them."""
    folder.mkdir()
    book = CalamineWorkbook.from_path(str(xlsx))
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8-sig") as out:
            csv.writer(out).writerows([[_csv_cell(c) for c in row] for row in rows])
    return folder


def _csv_cell(value: Any) -> Any:
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else value


def _without_source(value: Any) -> Any:
    """Records as plain data with evidence sources blanked (file name vs folder name)."""
    if isinstance(value, dict):
        return {k: (None if k == "source" else _without_source(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_source(v) for v in value]
    return value


def test_csv_folder_gives_the_same_records(doc: SourceDocument, tmp_path: Path) -> None:
    folder = export_csv(SAMPLE, tmp_path / "datausesregister_sample")
    from_csv = read_csv_folder(folder, Vocabulary.load())
    assert from_csv.warnings == []
    assert _without_source([asdict(a) for a in from_csv.agreements]) == _without_source(
        [asdict(a) for a in doc.agreements])

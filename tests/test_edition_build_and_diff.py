"""Editions built side by side: the diff between two, one named graph per edition file, strict mode and
unknown values, and a bad workbook that loses nothing."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg import store as stores
from kg.build import build
from kg.cli import app
from kg.diff import diff
from kg.errors import RegkgError, StrictModeError
from kg.namespace import PREFIX_IRIS, iri_agreement, iri_source
from kg.query import ask
from kg.resources import samples_dir

SAMPLE = samples_dir() / "datausesregister_sample.xlsx"
PAGE = samples_dir() / "nhs_leicester_leicestershire_and_rutland_icb__04v.txt"


def edit(source: Path, target: Path, change) -> Path:
    """Copy a workbook, applying ``change(workbook)``: how a test makes the next edition."""
    workbook = openpyxl.load_workbook(source)
    change(workbook)
    workbook.save(target)
    return target


def drop_reference(workbook, prefix: str) -> None:
    for sheet in workbook:
        column = [c.value for c in sheet[1]].index("Reference Number") + 1
        for row in range(sheet.max_row, 1, -1):
            if str(sheet.cell(row, column).value or "").startswith(prefix):
                sheet.delete_rows(row)


def september(workbook) -> None:
    agreements = workbook["Agreements"]
    rows = {agreements.cell(r, 1).value: r for r in range(2, agreements.max_row + 1)}
    # amended in place: a new end date and title on the same version number (docs/register.md, trap 10)
    row = rows["DARS-NIC-656751-H5K0Y-v1.2"]
    agreements.cell(row, 2).value = "Generations Study (renamed)"
    agreements.cell(row, 8).value = datetime(2028, 5, 2)
    # renewed: a new version of an agreement
    new = [c.value for c in agreements[rows["DARS-NIC-474218-V7G7L-v0.3"]]]
    new[0] = "DARS-NIC-474218-V7G7L-v1.0"
    agreements.append(new)
    # added: a new agreement
    added = [c.value for c in agreements[rows["DARS-NIC-123200-J0L4T-v1.5"]]]
    added[0], added[1] = "DARS-NIC-999999-Z9Z9Z-v0.1", "A new agreement"
    agreements.append(added)
    # removed
    drop_reference(workbook, "DARS-NIC-617755-B4F1L")


@pytest.fixture(scope="module")
def editions(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("editions")
    august = shutil.copy(SAMPLE, folder / "datausesregister_august2026.xlsx")
    return Path(august), edit(SAMPLE, folder / "datausesregister_september2026.xlsx", september)


@pytest.fixture(scope="module")
def two_editions(editions, tmp_path_factory) -> ox.Store:
    path = tmp_path_factory.mktemp("store") / "store"
    build(editions, path)
    return stores.open_store(path)


def test_diff_lists_added_removed_and_each_amended_field_old_to_new(two_editions):
    result = diff(two_editions, "2026-08", "2026-09")
    assert result.columns == ["change", "agreement", "field", "old", "new"]
    assert result.rows == [
        ["added", "DARS-NIC-999999-Z9Z9Z", "title", "", "A new agreement"],
        ["removed", "DARS-NIC-617755-B4F1L", "title",
         "Access to Civil Registration Deaths – Local Authority Collaborative Suicide Prevention Strategy", ""],
        # v1.0 is a new Agreements row with no Datasets rows: its datasets and bases are empty
        ["amended", "DARS-NIC-474218-V7G7L", "versions", "0.3", "0.3; 1.0"],
        ["amended", "DARS-NIC-474218-V7G7L", "datasets", "Permission to Contact", ""],
        ["amended", "DARS-NIC-474218-V7G7L", "legal bases", "Health and Social Care Act 2012 - s261(2)(c)", ""],
        ["amended", "DARS-NIC-656751-H5K0Y", "title", "Generations Study (ODR_2014_317B)",
         "Generations Study (renamed)"],
        ["amended", "DARS-NIC-656751-H5K0Y", "end", "2027-05-02", "2028-05-02"],
    ]


def test_diff_from_the_cli_by_file_name(editions, tmp_path):
    store = tmp_path / "store"
    assert CliRunner().invoke(app, ["build", str(editions[0]), "--store", str(store)]).exit_code == 0
    assert CliRunner().invoke(app, ["build", "--add", str(editions[1]), "--store", str(store)]).exit_code == 0
    result = CliRunner().invoke(app, ["diff", editions[0].name, "2026-09", "--format", "csv", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:3] == [
        "change,agreement,field,old,new", "added,DARS-NIC-999999-Z9Z9Z,title,,A new agreement",
        "removed,DARS-NIC-617755-B4F1L,title,Access to Civil Registration Deaths – Local Authority Collaborative "
        "Suicide Prevention Strategy,"]


def test_diff_names_an_unknown_edition_with_the_closest_ones(two_editions):
    with pytest.raises(RegkgError, match=r"^edition 2019-01 is not in the store; closest: 2026-08, 2026-09$"):
        diff(two_editions, "2019-01", "2026-09")


def test_each_edition_file_is_its_own_named_graph(two_editions):
    rows = two_editions.query("SELECT ?e WHERE { GRAPH ?g { ?g dur:edition ?e } } ORDER BY ?e", prefixes=PREFIX_IRIS)
    assert [r["e"].value for r in rows] == ["2026-08", "2026-09"]


def test_workbook_and_page_share_the_agreement_iri(tmp_path):
    build([SAMPLE, PAGE], tmp_path / "store")
    opened = stores.open_store(tmp_path / "store")
    agreement = ox.NamedNode(iri_agreement("DARS-NIC-199599-S0T5M"))
    graphs = {q.graph_name.value for q in opened.quads_for_pattern(agreement, None, None, None)}
    assert graphs == {iri_source(SAMPLE.name), iri_source(PAGE.name)}
    titles = {r["t"].value for r in opened.query(
        "SELECT ?t WHERE { ?a dct:identifier 'DARS-NIC-199599-S0T5M' ; dct:title ?t }",
        prefixes=PREFIX_IRIS, use_default_graph_as_union=True)}
    assert titles == {"DSfC - NHS West Leicestershire CCG IV RS"}


def with_unknown_frequency(workbook) -> None:
    datasets = workbook["Datasets"]
    column = [c.value for c in datasets[1]].index("Frequency") + 1
    datasets.cell(2, column).value = "Quarterly Extract"


def test_strict_mode_fails_on_unknown_values_and_warnings_list_them(tmp_path):
    odd = edit(SAMPLE, tmp_path / "datausesregister_october2026.xlsx", with_unknown_frequency)
    with pytest.raises(StrictModeError, match=r"access_method: 'Quarterly Extract'"):
        build([odd], tmp_path / "strict", strict=True)
    assert not (tmp_path / "strict").exists()
    result = build([odd], tmp_path / "lenient")
    assert dict(result.unknown_values) == {("access_method", "Quarterly Extract"): 1}
    cli = CliRunner().invoke(app, ["build", str(odd), "--store", str(tmp_path / "cli")])
    assert "1 unknown value(s), kept verbatim:" in cli.output
    assert "access_method: 'Quarterly Extract' ×1" in cli.output


def test_unknown_value_stays_verbatim_in_the_graph(tmp_path):
    odd = edit(SAMPLE, tmp_path / "datausesregister_october2026.xlsx", with_unknown_frequency)
    build([odd], tmp_path / "store")
    values = {r["m"].value for r in stores.open_store(tmp_path / "store").query(
        "SELECT ?m WHERE { ?u a dur:DatasetUse ; dur:accessMethod ?m FILTER(isLiteral(?m)) }",
        prefixes=PREFIX_IRIS, use_default_graph_as_union=True)}
    assert values == {"Quarterly Extract"}


def without_releases(workbook) -> None:
    del workbook["DataReleases"]


def renamed_column(workbook) -> None:
    workbook["Datasets"].cell(1, 2).value = "Data Set Name"


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p.write_bytes(b"PK\x03\x04 this is not a zip archive"),
     "cannot be read as an .xlsx workbook (corrupt, encrypted or not an Excel file)"),
    (lambda p: edit(SAMPLE, p, without_releases), "sheet DataReleases: missing"),
    (lambda p: edit(SAMPLE, p, renamed_column), "sheet Datasets: missing column Dataset"),
])
def test_bad_workbook_is_one_line_and_leaves_the_store(tmp_path, make, message):
    store = tmp_path / "store"
    assert CliRunner().invoke(app, ["build", str(PAGE), "--store", str(store)]).exit_code == 0
    before = sorted((p.name, p.stat().st_size) for p in store.iterdir())
    bad = tmp_path / "datausesregister_july2026.xlsx"
    make(bad)
    result = CliRunner().invoke(app, ["build", "--add", str(bad), "--store", str(store)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: datausesregister_july2026.xlsx") and message in lines[0], lines[0]
    assert sorted((p.name, p.stat().st_size) for p in store.iterdir()) == before


def test_releases_by_dataset_and_month(tmp_path):
    """A workbook with releases of two datasets across two years, opt-outs Yes and No."""

    def releases(workbook) -> None:
        sheet = workbook["DataReleases"]
        header = [c.value for c in sheet[1]]
        template = [c.value for c in sheet[2]]
        sheet.delete_rows(2, sheet.max_row)
        plan = [("Civil Registrations of Death", "Dec-21", "Yes"), ("Civil Registrations of Death", "Dec-21", "No"),
                ("Civil Registrations of Death", "Jan-22", "No"), ("SUS for Commissioners", "Jan-22", "Yes"),
                ("SUS for Commissioners", "Jan-22", "Yes"), ("SUS for Commissioners", "Feb-22", "No")]
        for i, (dataset, month, opt_outs) in enumerate(plan, 1):
            row = dict(zip(header, template, strict=True))
            row.update({"File Reference": f"F{i}", "Reference Number": "DARS-NIC-114652-L3R2T-v0.14",
                        "Dataset": dataset, "Month File Released": month, "Patient Opt-Outs Applied": opt_outs})
            sheet.append([row[h] for h in header])

    build([edit(SAMPLE, tmp_path / "datausesregister_may2022.xlsx", releases)], tmp_path / "store")
    result = ask(stores.open_store(tmp_path / "store"), "releases-per-month")
    counts = {(r[result.columns.index("month")], r[result.columns.index("dataset_label")]):
              r[result.columns.index("files")] for r in result.rows}
    assert counts == {("2021-12", "Civil Registrations of Death"): "2",
                      ("2022-01", "Civil Registrations of Death"): "1",
                      ("2022-01", "SUS for Commissioners"): "2",
                      ("2022-02", "SUS for Commissioners"): "1"}
    rows = stores.open_store(tmp_path / "store").query(
        "SELECT ?o (COUNT(*) AS ?n) WHERE { ?r a dur:Release ; dur:optOutsApplied ?o } GROUP BY ?o ORDER BY ?o",
        prefixes=PREFIX_IRIS, use_default_graph_as_union=True)
    assert [(r["o"].value, r["n"].value) for r in rows] == [("false", "3"), ("true", "3")]

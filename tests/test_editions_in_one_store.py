"""Every edition in one store: content stored once, answers for the newest edition by default,
older editions and all editions on request, history and incremental adds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from test_edition_build_and_diff import SAMPLE, edit, september
from typer.testing import CliRunner

from kg import store as stores
from kg.build import build
from kg.cli import app
from kg.errors import RegkgError
from kg.history import history
from kg.membership import EDITIONS_GRAPH
from kg.namespace import PREFIX_IRIS
from kg.query import ask, run
from kg.scope import EVERY, NEWEST, Scope
from kg.trace import trace

REMOVED, EDITED = "DARS-NIC-617755-B4F1L", "DARS-NIC-656751-H5K0Y"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("history")
    shutil.copy(SAMPLE, folder / "datausesregister_august2026.xlsx")
    edit(SAMPLE, folder / "datausesregister_september2026.xlsx", september)
    return folder


@pytest.fixture(scope="module")
def both(folder, tmp_path_factory) -> ox.Store:
    path = tmp_path_factory.mktemp("store") / "store"
    build([folder], path)  # a folder of editions: read in date order
    return stores.open_store(path)


def agreements(store: ox.Store, scope: Scope = NEWEST) -> list[str]:
    return [r[0] for r in ask(store, "agreements", scope=scope).rows]


def test_default_answers_are_the_newest_editions_agreements_exactly(both):
    assert agreements(both) == ["DARS-NIC-114652-L3R2T", "DARS-NIC-116738-W8J8Q", "DARS-NIC-116829-C2B8N",
                                "DARS-NIC-123200-J0L4T", "DARS-NIC-127332-G0J1N", "DARS-NIC-199599-S0T5M",
                                "DARS-NIC-474218-V7G7L", EDITED, "DARS-NIC-999999-Z9Z9Z"]


def test_an_older_edition_is_answered_when_named(both):
    older = agreements(both, Scope(edition="2026-08"))
    assert REMOVED in older and "DARS-NIC-999999-Z9Z9Z" not in older and len(older) == 9


def test_an_agreement_the_newer_edition_removed_is_only_in_all_editions_and_history(both):
    assert REMOVED not in agreements(both)
    assert REMOVED in agreements(both, EVERY)
    assert not [r for r in ask(both, "processors").rows if r[0] == REMOVED]
    assert history(both, REMOVED).rows == [
        ["2026-08", "listed", "0.7", "versions 0.7; DSA 2024-07-08 → 2027-07-07"],
        ["2026-09", "dropped", "", "no version listed in this edition"]]


def test_an_edit_in_place_keeps_both_contents_with_their_editions(both):
    rows = run(both, """SELECT ?v ?end ?first ?last WHERE {
        ?a dct:identifier "DARS-NIC-656751-H5K0Y" ; dur:hasVersion ?v .
        ?v dur:endDate ?end ; dur:listing ?l . ?l dur:firstEdition ?first OPTIONAL { ?l dur:lastEdition ?last } }
        ORDER BY ?first""", scope=EVERY).rows
    base = "https://w3id.org/regkg/id/agreement/DARS-NIC-656751-H5K0Y/v1.2"
    assert len(rows) == 2
    assert rows[0] == [base, "2027-05-02", "2026-08", "2026-08"]
    assert rows[1][0].startswith(base + "/rev/") and rows[1][1:] == ["2028-05-02", "2026-09", None]
    ends = {r[4] for r in ask(both, "agreements").rows if r[0] == EDITED}
    assert ends == {"2028-05-02"}
    assert {r[4] for r in ask(both, "agreements", scope=Scope(edition="2026-08")).rows if r[0] == EDITED} == {
        "2027-05-02"}


def test_history_lists_versions_and_each_changed_field(both):
    assert history(both, "DARS-NIC-656751-H5K0Y-v1.2").rows == [
        ["2026-08", "listed", "1.2", "versions 1.2; DSA 2024-05-03 → 2027-05-02"],
        ["2026-09", "edited in place", "1.2", "title: Generations Study (ODR_2014_317B) → Generations Study (renamed)"],
        ["2026-09", "edited in place", "1.2", "end: 2027-05-02 → 2028-05-02"]]
    assert history(both, "DARS-NIC-474218-V7G7L").rows[1] == [
        "2026-09", "new version", "1.0", "DSA 2021-06-23 → 2022-06-22"]


def test_history_of_an_unknown_agreement_names_the_closest(both):
    with pytest.raises(RegkgError,
                       match=r"^no agreement DARS-NIC-656751-H5K0X in the store; closest: DARS-NIC-656751-H5K0Y$"):
        history(both, "DARS-NIC-656751-H5K0X")


def test_unchanged_content_is_stored_once(folder, tmp_path):
    one = build([folder / "datausesregister_august2026.xlsx"], tmp_path / "one")
    two = build([folder], tmp_path / "two")
    assert [s.new_versions for s in two.sources] == [12, 3]  # September: a new agreement, a renewal, an edit
    assert two.sources[1].quads < one.sources[0].quads / 5


def test_adding_an_edition_maps_only_its_new_content_and_equals_a_full_build(folder, tmp_path, both):
    path = tmp_path / "store"
    build([folder / "datausesregister_august2026.xlsx"], path)
    result = build([folder / "datausesregister_september2026.xlsx"], path, add=True)
    assert result.sources[0].new_versions == 3
    assert set(stores.open_store(path)) == set(both)


def test_adding_an_edition_already_in_the_store_changes_nothing(folder, tmp_path):
    path = tmp_path / "store"
    build([folder], path)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in path.iterdir())
    cli = CliRunner().invoke(app, ["build", "--add", str(folder / "datausesregister_august2026.xlsx"),
                                   "--store", str(path)])
    assert cli.exit_code == 0, cli.output
    assert "datausesregister_august2026.xlsx: edition 2026-08 is already in the store; nothing changed" in cli.output
    assert sorted((p.name, p.stat().st_mtime_ns) for p in path.iterdir()) == before


def test_an_older_edition_cannot_be_added_after_a_newer_one(folder, tmp_path):
    path = tmp_path / "store"
    build([folder / "datausesregister_september2026.xlsx"], path)
    with pytest.raises(RegkgError, match=r"^edition 2026-08 is older than the store's newest edition 2026-09"):
        build([folder / "datausesregister_august2026.xlsx"], path, add=True)


def test_membership_lives_in_the_editions_graph_only(both):
    rows = both.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?x dur:firstEdition ?e } }", prefixes=PREFIX_IRIS)
    assert [r["g"].value for r in rows] == [EDITIONS_GRAPH]


def test_trace_and_cli_take_an_edition(both, folder, tmp_path):
    newest = {r[0] for r in trace(both, dataset="Civil Registrations of Death").rows}
    older = {r[0] for r in trace(both, dataset="Civil Registrations of Death", scope=Scope(edition="2026-08")).rows}
    assert REMOVED in older - newest
    path = tmp_path / "store"
    build([folder], path)
    cli = CliRunner().invoke(app, ["ask", "agreements", "--edition", "2026-08", "--format", "csv",
                                   "--store", str(path)])
    assert cli.exit_code == 0 and REMOVED in cli.output
    wrong = CliRunner().invoke(app, ["ask", "agreements", "--edition", "2025-13", "--store", str(path)])
    assert wrong.exit_code == 1 and "error: --edition '2025-13': expected a month like 2026-08" in wrong.output
    missing = CliRunner().invoke(app, ["ask", "agreements", "--edition", "2024-01", "--store", str(path)])
    assert "error: edition 2024-01 is not in the store; closest: 2026-08, 2026-09" in missing.output


def without_processing_text(workbook) -> None:
    """October: DARS-NIC-199599-S0T5M v2.2 edited in place, its free text gone (and its processors with it)."""
    september(workbook)
    agreements = workbook["Agreements"]
    header = [c.value for c in agreements[1]]
    for row in range(2, agreements.max_row + 1):
        if agreements.cell(row, 1).value == "DARS-NIC-199599-S0T5M-v2.2":
            for column in ("Objective for Processing", "Processing Activities"):
                agreements.cell(row, header.index(column) + 1).value = "Withdrawn."


def test_named_queries_answer_what_changed_in_an_edition(folder, tmp_path):
    path = tmp_path / "store"
    build([folder], path)
    build([edit(SAMPLE, tmp_path / "datausesregister_october2026.xlsx", without_processing_text)], path, add=True)
    store = stores.open_store(path)
    assert ask(store, "new-in-edition", {"edition": "2026-09"}).rows == [["DARS-NIC-999999-Z9Z9Z", "A new agreement"]]
    assert ask(store, "new-in-edition").rows == []
    assert ask(store, "ended-in-edition", {"edition": "2026-09"}).rows == [
        [REMOVED, "Access to Civil Registration Deaths – Local Authority Collaborative Suicide Prevention Strategy",
         "2026-08"]]
    assert ask(store, "processors-changed").rows == [
        ["DARS-NIC-199599-S0T5M", "dropped", "Lima Networks Ltd", "2026-09"],
        ["DARS-NIC-199599-S0T5M", "dropped", "Microsoft Limited", "2026-09"]]
    assert ask(store, "processors-changed", {"edition": "2026-09"}).rows == []


def test_web_pages_take_an_edition(folder, tmp_path):
    from test_web import fetch, running

    path = tmp_path / "store"
    build([folder], path)
    with running(path) as url:
        status, _, body = fetch(f"{url}/ask/agreements?format=csv&edition=2026-08")
        assert status == 200 and REMOVED in body
        status, _, body = fetch(f"{url}/ask/agreements?format=csv")
        assert status == 200 and REMOVED not in body
        status, _, body = fetch(f"{url}/ask/agreements?edition=2031-01")
        assert status == 400 and "edition 2031-01 is not in the store; closest: 2026-08, 2026-09" in body
        status, _, body = fetch(f"{url}/trace?format=csv&dataset=Civil+Registrations+of+Death&all_editions=1")
        assert status == 200 and REMOVED in body


def test_another_file_of_an_edition_already_in_the_store_is_an_error(folder, tmp_path):
    path = tmp_path / "store"
    build([folder / "datausesregister_august2026.xlsx"], path)
    internal = tmp_path / "internaldatausesregister_august2026.xlsx"
    shutil.copy(folder / "datausesregister_august2026.xlsx", internal)
    with pytest.raises(RegkgError, match=r"^internaldatausesregister_august2026.xlsx: edition 2026-08 is already "
                                         r"in the store, read from datausesregister_august2026.xlsx; "
                                         r"a store holds one series"):
        build([internal], path, add=True)


def test_stats_count_the_content_each_edition_stored_first(both):
    from kg.stats import stats

    rows = {r[0]: r[1:3] + r[4:6] for r in stats(both).rows}
    assert rows["datausesregister_august2026.xlsx"] == ["workbook", "2026-08", "9", "12"]
    assert rows["datausesregister_september2026.xlsx"] == ["workbook", "2026-09", "1", "3"]
    assert rows[EDITIONS_GRAPH] == ["membership", "", "0", "0"]

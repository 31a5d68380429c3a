"""Entity pages, search, editions, a swapped-in store and ``regkg show``, over real HTTP and the real read model."""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from test_edition_build_and_diff import SAMPLE, edit, september
from test_web import cli_output, fetch, running

from kg import readmodel
from kg.build import build
from kg.errors import RegkgError
from kg.register import Register
from kg.resources import samples_dir

REFERENCE = "DARS-NIC-199599-S0T5M"
MLCSU = "NHS Midlands and Lancashire Commissioning Support Unit"
PAGE = "nhs_leicester_leicestershire_and_rutland_icb__04v.txt"
WORKBOOK = "datausesregister_sample.xlsx"
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def base(sample_store_path: Path) -> Iterator[str]:
    with running(sample_store_path) as url:
        yield url


def sheet(row: int) -> dict[str, object]:
    return {"source": WORKBOOK, "sheet": "Agreements", "row": row}


def lines(first: int, last: int) -> dict[str, object]:
    return {"source": PAGE, "line_start": first, "line_end": last}


ICB = "NHS Leicester, Leicestershire and Rutland ICB - 04V"
SUS, MHSDS = "SUS for Commissioners", "Mental Health Services Data Set (MHSDS)"
S261_7 = "Health and Social Care Act 2012 - s261(7)"
S261_OTHER = "Health and Social Care Act 2012 - s261 - 'Other dissemination of information'"
S251 = "National Health Service Act 2006 - s251 - 'Control of patient information'"
KEYS = {SUS: "sus-plus", MHSDS: "mhsds", S261_7: "hsca-2012-s261-7", S261_OTHER: "hsca-2012-s261-other-dissemination",
        S251: "nhs-act-2006-s251"}


def named(*labels: str) -> list[dict[str, str]]:
    """Datasets or legal bases as an agreement page carries them: by key, with their labels."""
    return [{"key": KEYS[label], "label": label} for label in labels]


def party(role: str, org: str, key: str, evidence: str | None, sources: list, versions: list[str],
          datasets: list[str], link: str = "stated") -> dict[str, object]:
    return {"role": role, "organisation": org, "organisation_key": key, "link": link, "evidence": evidence,
            "sources": sources, "versions": versions, "datasets": named(*datasets)}


# --------------------------------------------------------------------------- the agreement page


def test_agreement_json_holds_versions_parties_with_evidence_datasets_and_sources(base):
    status, headers, body = fetch(f"{base}/agreements/{REFERENCE}.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    page = json.loads(body)
    assert (page["kind"], page["key"], page["label"], page["edition"]) == (
        "agreement", REFERENCE, "DSfC - NHS West Leicestershire CCG IV RS", "newest edition")
    versions = [(v["number"], v["reference"], v["start"], v["end"], v["listed"], v["source"]) for v in page["versions"]]
    assert versions == [
        (None, REFERENCE, "2018-12-20", "2021-06-10", True, lines(7, 121)),
        ("1.4", f"{REFERENCE}-v1.4", "2018-12-20", "2021-06-10", True, sheet(9)),
        ("2.2", f"{REFERENCE}-v2.2", "2021-04-23", "2024-04-22", True, sheet(10))]
    assert page["parties"] == [
        party("controller", ICB, "ods/04V", None, [sheet(9), sheet(10)], ["1.4", "2.2"], []),
        party("applicant", ICB, "ods/04V", None, [lines(7, 121), sheet(9), sheet(10)], ["1.4", "2.2", "page"], []),
        party("processor", MLCSU, "nhs-midlands-and-lancashire-csu", f"Data processor 1 {MLCSU}",
              [sheet(9), sheet(10)], ["1.4", "2.2"], [MHSDS, SUS]),
        party("processor", MLCSU, "nhs-midlands-and-lancashire-csu",
              f"Risk Stratification will be conducted by {MLCSU}", [lines(39, 39)], ["page"], [SUS]),
        party("processor", "Prescribing Services Limited", "prescribing-services",
              f"Risk Stratification will be conducted by {MLCSU} and Prescribing Services Limited",
              [sheet(9), sheet(10)], ["1.4", "2.2"], [SUS]),
        party("infrastructure", "Lima Networks Ltd", "lima-networks",
              "Lima Networks Ltd supply IT infrastructure and are therefore listed as a data processor. They supply "
              "support to the system, but do not access data.", [sheet(10)], ["2.2"], [MHSDS, SUS], "inferred"),
        party("infrastructure", "Microsoft Limited", "microsoft",
              f"Microsoft Limited supply Cloud Services for {MLCSU} and are therefore listed as a data processor. "
              "They supply support to the system, but do not access data.", [sheet(10)], ["2.2"], [MHSDS, SUS],
              "inferred")]
    assert page["datasets"] == [
        {"dataset": MHSDS, "dataset_key": "mhsds", "as_listed": ["Mental Health Services Data Set", MHSDS],
         "type_of_data": ["Identifiable"], "legal_bases": named(S261_7), "opt_outs": ["OptOutsApplied"]},
        {"dataset": SUS, "dataset_key": "sus-plus", "as_listed": [SUS],
         "type_of_data": ["AnonymisedICOCompliant", "Identifiable"], "legal_bases": named(S261_OTHER, S261_7, S251),
         "opt_outs": ["OptOutsApplied"]}]
    assert page["purposes"] == [{"key": "invoice-validation", "label": "Invoice Validation"},
                                {"key": "risk-stratification", "label": "Risk Stratification"}]
    assert page["legal_bases"] == [{"key": "hsca-2012-s261-other-dissemination", "label": S261_OTHER},
                                   {"key": "hsca-2012-s261-7", "label": S261_7},
                                   {"key": "nhs-act-2006-s251", "label": S251}]
    assert page["sources"] == [WORKBOOK, PAGE]


def test_agreement_page_links_every_name_and_shows_evidence_with_its_row(base):
    status, _, page = fetch(f"{base}/agreements/{REFERENCE}")
    assert status == 200 and "Shows the newest edition" in page
    assert f'<a href="/organisations/nhs-midlands-and-lancashire-csu">{MLCSU}</a>' in page
    assert '<a href="/organisations/ods/04V">' in page and '<a href="/datasets/sus-plus">' in page
    assert '<a href="/purposes/invoice-validation">' in page and '<a href="/legal-bases/nhs-act-2006-s251">' in page
    assert f"Data processor 1 {MLCSU}" in page
    assert f"{WORKBOOK}, sheet Agreements, row 9" in page and f"{PAGE}, lines 7–121" in page


def test_agreement_page_links_datasets_and_legal_bases_by_key_not_by_label(base):
    _, _, page = fetch(f"{base}/agreements/{REFERENCE}")
    assert f'<td><a href="/datasets/mhsds">{MHSDS}</a>; <a href="/datasets/sus-plus">{SUS}</a></td>' in page
    assert f'<td><a href="/legal-bases/hsca-2012-s261-7">{S261_7}</a></td>' in page


def test_an_agreement_page_costs_eight_queries_however_many_datasets_and_bases_it_names(sample_store_path):
    read = Register(sample_store_path).read
    counts = {}
    for reference in (REFERENCE, "DARS-NIC-114652-L3R2T"):  # 2 datasets with 4 bases; 1 dataset with 1
        queries: list[str] = []
        read.db.set_trace_callback(queries.append)
        read.page("agreement", reference)
        read.db.set_trace_callback(None)
        counts[reference] = len(queries)
    assert counts == {REFERENCE: 8, "DARS-NIC-114652-L3R2T": 8}


def test_the_same_page_by_accept_and_as_csv(base):
    _, headers, body = fetch(f"{base}/agreements/{REFERENCE}", headers={"Accept": "application/json"})
    assert headers["Content-Type"].startswith("application/json") and json.loads(body)["key"] == REFERENCE
    status, headers, body = fetch(f"{base}/agreements/{REFERENCE}.csv")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert [(r["role"], r["organisation"]) for r in rows][:3] == [("controller", ICB), ("applicant", ICB),
                                                                  ("processor", MLCSU)]
    assert rows[2]["evidence"] == f"Data processor 1 {MLCSU}"


def test_an_unknown_agreement_is_404_naming_the_closest(base):
    status, _, body = fetch(f"{base}/agreements/DARS-NIC-199598-S0T5M.json")
    assert (status, body) == (404, "no agreement 'DARS-NIC-199598-S0T5M' in the store; closest: "
                                   f"{REFERENCE}, DARS-NIC-114652-L3R2T, DARS-NIC-617755-B4F1L\n")


def test_graph_iris_resolve_to_their_pages(base):
    host, port = base.removeprefix("http://").split(":")
    for iri_path, page in [("/id/org/ods/04V", "/organisations/ods/04V"), (f"/id/agreement/{REFERENCE}",
                           f"/agreements/{REFERENCE}"), ("/id/dataset/sus-plus", "/datasets/sus-plus")]:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", iri_path)
        response = connection.getresponse()
        assert (response.status, response.getheader("Location")) == (303, page)
        connection.close()
        assert fetch(base + iri_path)[2] == fetch(base + page)[2]


# --------------------------------------------------------------------------- organisations, datasets, terms


def test_organisation_page_lists_its_agreements_by_role_and_the_datasets_it_receives(base):
    page = json.loads(fetch(f"{base}/organisations/nhs-midlands-and-lancashire-csu.json")[2])
    assert [(r["agreement"], r["start"], r["end"]) for r in page["roles"]["processor"]] == [
        ("DARS-NIC-127332-G0J1N", "2019-06-14", "2023-01-31"), (REFERENCE, "2018-12-20", "2024-04-22")]
    assert list(page["roles"]) == ["processor"]
    assert page["datasets"] == [{"key": "mhsds", "label": MHSDS, "agreements": 1},
                                {"key": "sus-plus", "label": SUS, "agreements": 2}]
    assert {"name": "MLCSU", "how": "spelling"} in page["names"]


def test_organisation_page_gives_ods_code_and_name_history(base):
    page = json.loads(fetch(f"{base}/organisations/ods/04V.json")[2])
    assert (page["label"], page["code"], page["type"]) == (ICB, "04V", "Sub ICB Location")
    assert {"name": "NHS West Leicestershire CCG", "how": "former name"} in page["names"]
    assert [r["agreement"] for r in page["roles"]["controller"]] == [REFERENCE]


def test_dataset_page_says_who_receives_it_under_which_legal_bases(base):
    page = json.loads(fetch(f"{base}/datasets/sus-plus.json")[2])
    processors = sorted((r["label"], r["agreements"]) for r in page["recipients"] if r["role"] == "processor")
    assert processors == [("Liaison Financial Services Ltd", 1), (MLCSU, 2),
                          ("NHS North East London Commissioning Support Unit", 2), ("Prescribing Services Limited", 1)]
    assert page["legal_bases"][:2] == [{"key": "hsca-2012-s261-7", "label": S261_7, "agreements": 4},
                                       {"key": "nhs-act-2006-s251", "label": S251, "agreements": 4}]
    assert [a["agreement"] for a in page["agreements"]] == [
        "DARS-NIC-116738-W8J8Q", "DARS-NIC-116829-C2B8N", "DARS-NIC-127332-G0J1N", REFERENCE]


def test_legal_basis_and_purpose_pages_list_their_agreements(base):
    basis = json.loads(fetch(f"{base}/legal-bases/hsca-2012-s261-other-dissemination.json")[2])
    purpose = json.loads(fetch(f"{base}/purposes/invoice-validation.json")[2])
    assert [a["agreement"] for a in basis["agreements"]] == [REFERENCE]
    assert REFERENCE in [a["agreement"] for a in purpose["agreements"]]


def test_releases_by_month_on_the_agreement_page(base):
    page = json.loads(fetch(f"{base}/agreements/DARS-NIC-114652-L3R2T.json")[2])
    columns = {"month", "dataset", "dataset_key", "dataset_label", "files"}
    assert page["releases"] and all(set(r) == columns for r in page["releases"])
    assert sum(r["files"] for r in page["releases"]) == len(json.loads(
        fetch(f"{base}/sparql?" + urlencode({"query": "SELECT ?r WHERE { ?r a dur:Release ; dur:releasedUnder/"
                                             "dct:isVersionOf/dct:identifier 'DARS-NIC-114652-L3R2T' }"}))[2]
    )["results"]["bindings"])


# --------------------------------------------------------------------------- search


def test_search_finds_an_agreement_by_part_of_its_reference(base):
    hits = json.loads(fetch(f"{base}/search?q=199599&format=json")[2])
    assert hits == {"agreement": [{"key": REFERENCE, "label": "DSfC - NHS West Leicestershire CCG IV RS",
                                   "url": f"/agreements/{REFERENCE}"}]}


@pytest.mark.parametrize(("text", "kind", "key"), [
    ("04V", "organisation", "ods/04V"),
    ("West Leicestershire CCG", "organisation", "ods/04V"),
    ("MLCSU", "organisation", "nhs-midlands-and-lancashire-csu"),
    ("SUS Plus", "dataset", "sus-plus"),
    ("Invoice Validation", "purpose", "invoice-validation"),
])
def test_search_finds_organisations_by_any_spelling_or_code_and_datasets_by_any_alias(base, text, kind, key):
    hits = json.loads(fetch(f"{base}/search?{urlencode({'q': text, 'format': 'json'})}")[2])
    assert hits[kind][0]["key"] == key


def test_search_page_groups_results_by_kind(base):
    _, _, page = fetch(f"{base}/search?q=midlands")
    assert '<section class="hits" data-kind="agreement">' in page
    assert page.index('data-kind="agreement"') < page.index('data-kind="organisation"')
    assert f'<a href="/organisations/nhs-midlands-and-lancashire-csu">{MLCSU}</a>' in page


def test_search_for_nothing_known_says_so(base):
    _, _, page = fetch(f"{base}/search?q=zzqqxx")
    assert "Nothing matches every word of “zzqqxx”." in page


# --------------------------------------------------------------------------- editions and a fresh store


@pytest.fixture(scope="module")
def two_editions(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("editions")
    shutil.copy(SAMPLE, folder / "datausesregister_august2026.xlsx")
    edit(SAMPLE, folder / "datausesregister_september2026.xlsx", september)
    build([folder], folder / "store")
    return folder / "store"


def test_pages_answer_for_the_newest_edition_and_for_one_named(two_editions):
    removed = "DARS-NIC-617755-B4F1L"  # listed in 2026-08, dropped in 2026-09
    with running(two_editions) as url:
        newest = json.loads(fetch(f"{url}/agreements/{removed}.json")[2])
        august = json.loads(fetch(f"{url}/agreements/{removed}.json?edition=2026-08")[2])
        status, _, body = fetch(f"{url}/agreements/{removed}.json?edition=2031-01")
        _, _, html = fetch(f"{url}/agreements/{removed}?edition=2026-08")
    # not listed in the newest edition: the page says so, and whose facts it shows
    assert newest["edition"] == "not listed in the newest edition (2026-09); shown as listed in 2026-08"
    assert newest["listed_in_edition"] is False and "listed_in_edition" not in august
    assert august["edition"] == "2026-08"
    assert [v["listed"] for v in newest["versions"]] == [False] and [v["listed"] for v in august["versions"]] == [True]
    assert newest["versions"][0]["editions"] == [{"first": "2026-08", "last": "2026-08"}]
    assert (status, body) == (404, "edition 2031-01 is not in the store; closest: 2026-08, 2026-09\n")
    assert "Shows the 2026-08" in html


def test_an_edition_that_does_not_list_an_agreement_shows_no_facts_as_its_own(two_editions):
    added = "DARS-NIC-999999-Z9Z9Z"  # first listed in 2026-09
    with running(two_editions) as url:
        august = json.loads(fetch(f"{url}/agreements/{added}.json?edition=2026-08")[2])
        _, _, html = fetch(f"{url}/agreements/{added}?edition=2026-08")
    assert august["edition"] == "not listed in the 2026-08 edition; shown as listed in 2026-09 – now"
    assert august["listed_in_edition"] is False
    assert ('<p class="note"><b>not listed in the 2026-08 edition; shown as listed in 2026-09 – now</b>; '
            "another edition:") in html
    assert "Shows the" not in html


def test_downloads_from_an_editions_page_are_of_that_edition(two_editions):
    with running(two_editions) as url:
        _, _, html = fetch(f"{url}/agreements/DARS-NIC-617755-B4F1L?edition=2026-08")
    assert 'href="/agreements/DARS-NIC-617755-B4F1L.json?edition=2026-08"' in html
    assert 'href="/agreements/DARS-NIC-617755-B4F1L.csv?edition=2026-08"' in html


def _same_title(workbook) -> None:
    agreements = workbook["Agreements"]
    for r in range(2, agreements.max_row + 1):
        if str(agreements.cell(r, 1).value).startswith(("DARS-NIC-474218-V7G7L", "DARS-NIC-123200-J0L4T")):
            agreements.cell(r, 2).value = "Benchmarking stroke rehabilitation"


@pytest.fixture(scope="module")
def shared_title(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("shared")
    edit(SAMPLE, folder / "datausesregister_august2026.xlsx", _same_title)
    build([folder], folder / "store")
    return folder / "store"


def test_a_title_two_agreements_share_links_to_neither_and_show_names_both(shared_title):
    with running(shared_title) as url:
        _, _, table = fetch(f"{url}/ask/agreements")
    assert ">Benchmarking stroke rehabilitation<" in table
    assert not re.search(r'href="/agreements/[^"]*">Benchmarking stroke rehabilitation</a>', table)
    for reference in ("DARS-NIC-123200-J0L4T", "DARS-NIC-474218-V7G7L"):  # each reference links to its own page
        assert f'<a href="/agreements/{reference}">{reference}</a>' in table
    with pytest.raises(RegkgError) as raised:
        Register(shared_title).show("benchmarking stroke rehabilitation")
    assert str(raised.value) == (
        "'benchmarking stroke rehabilitation' names 2 things: agreement DARS-NIC-123200-J0L4T (Benchmarking stroke "
        "rehabilitation); agreement DARS-NIC-474218-V7G7L (Benchmarking stroke rehabilitation); give a reference "
        "or a key")


def test_a_running_server_answers_from_a_store_rebuilt_under_it(tmp_path):
    store = tmp_path / "store"
    build([samples_dir() / PAGE], store)
    with running(store) as url:
        assert fetch(f"{url}/agreements/DARS-NIC-114652-L3R2T.json")[0] == 404
        before = fetch(f"{url}/ask/agreements?format=csv")[2]
        build([samples_dir() / PAGE, samples_dir() / WORKBOOK], store)
        status, _, body = fetch(f"{url}/agreements/DARS-NIC-114652-L3R2T.json")
        after = fetch(f"{url}/ask/agreements?format=csv")[2]
        hits = json.loads(fetch(f"{url}/search?q=114652&format=json")[2])
    assert len(before.splitlines()) == 2 and len(after.splitlines()) == 10
    assert status == 200 and json.loads(body)["key"] == "DARS-NIC-114652-L3R2T"
    assert [h["key"] for h in hits["agreement"]] == ["DARS-NIC-114652-L3R2T"]


def test_a_store_without_a_read_model_says_to_rebuild(tmp_path):
    store = tmp_path / "store"
    build([samples_dir() / PAGE], store)
    (store / readmodel.FILENAME).unlink()
    with running(store) as url:
        status, _, page = fetch(f"{url}/agreements/{REFERENCE}")
        home = fetch(f"{url}/")
    assert status == 404 and "rebuild it with `regkg build SOURCES… --store …`" in page
    assert home[0] == 200 and "it was built by an older regkg" in home[2]


# --------------------------------------------------------------------------- the register and `regkg show`


def test_register_show_finds_by_reference_spelling_or_code(sample_store_path):
    register = Register(sample_store_path)
    assert register.show(REFERENCE.lower())["key"] == REFERENCE
    assert register.show("west leicestershire ccg")["key"] == "ods/04V"
    assert register.show("SUS+")["key"] == "sus-plus"


def test_show_prints_the_agreement_page_in_the_terminal(sample_store_path):
    out = cli_output("show", REFERENCE, "--store", str(sample_store_path))
    assert out.splitlines()[0] == f"{REFERENCE}: DSfC - NHS West Leicestershire CCG IV RS (newest edition)"
    assert f"processor: {MLCSU}" in out and f"  “Data processor 1 {MLCSU}”" in out
    assert f"    {WORKBOOK}, sheet Agreements, row 9; {WORKBOOK}, sheet Agreements, row 10" in out


def test_show_prints_a_purpose_with_its_names_and_agreements(sample_store_path):
    out = cli_output("show", "Invoice Validation", "--store", str(sample_store_path))
    assert out.splitlines() == [
        "Invoice Validation (purpose) (newest edition)", "code: IV",
        "names: IV (code); Invoice Validation (name); IV (spelling); Invoice Validation purposes (spelling)",
        "agreements (4):", "  DARS-NIC-116738-W8J8Q  DSfC - NHS Nene CCG: RS & IV",
        "  DARS-NIC-116829-C2B8N  DSfC - NHS Corby CCG; RS & IV.",
        "  DARS-NIC-127332-G0J1N  DSfC - NHS Telford and Wrekin CCG; RS, IV",
        f"  {REFERENCE}  DSfC - NHS West Leicestershire CCG IV RS"]


def test_show_of_an_unknown_name_fails_with_the_closest(sample_store_path):
    from typer.testing import CliRunner

    from kg.cli import app

    result = CliRunner().invoke(app, ["show", "Midlands and Lancashire CSUU", "--store", str(sample_store_path)])
    assert result.exit_code == 1
    assert "no agreement, organisation, dataset, legal basis or purpose 'Midlands and Lancashire CSUU'" in result.output
    assert "closest: Midlands and Lancashire CSU" in result.output


# --------------------------------------------------------------------------- hostile text


@pytest.fixture(scope="module")
def evil_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Leicester page with a script tag in its agreement's title and in its applicant's name."""
    folder = tmp_path_factory.mktemp("evil")
    text = (samples_dir() / PAGE).read_text(encoding="utf-8")
    text = text.replace("DSfC - NHS West Leicestershire CCG IV RS — DARS", f"DSfC {EVIL} IV RS — DARS")
    text = text.replace("NHS Leicester, Leicestershire And Rutland Icb - 04v projects", f"Evil {EVIL} Trust projects")
    (folder / PAGE).write_text(text, encoding="utf-8")
    build([folder / PAGE], folder / "store")
    return folder / "store"


def test_every_page_escapes_script_in_titles_names_and_parameters(evil_store):
    evil = quote(EVIL)
    paths = ["/", f"/agreements/{REFERENCE}", "/organisations/evil-script-alert-1-script-trust", "/datasets/sus-plus",
             "/purposes/invoice-validation", "/legal-bases/nhs-act-2006-s251", f"/search?q={evil}", "/search?q=evil",
             "/ask/agreements", f"/ask/agreements?_sort={evil}&title__exact={evil}&_page={evil}",
             f"/ask/processors-of-dataset?dataset={evil}", f"/ask/agreements?edition={evil}", f"/trace?org={evil}",
             "/trace?org=evil", f"/query?query={evil}", f"/agreements/{evil}", f"/organisations/{evil}",
             f"/datasets/sus-plus?edition={evil}", f"/flows?dataset={evil}", f"/nothing/{evil}"]
    with running(evil_store) as url:
        pages = {path: fetch(url + path) for path in paths}
        flows = fetch(f"{url}/flows")[2]
    for path, (status, _, body) in pages.items():
        assert status < 500, path
        if path.startswith("/flows"):
            assert EVIL not in body, path
        else:
            assert "<script" not in body, path
    assert "DSfC &lt;script&gt;alert(1)&lt;/script&gt; IV RS" in pages[f"/agreements/{REFERENCE}"][2]
    assert "Evil &lt;script&gt;alert(1)&lt;/script&gt; Trust" in pages["/search?q=evil"][2]
    assert EVIL not in flows


def test_register_delegates_to_the_library_as_the_cli_does(sample_store_path):
    register = Register(sample_store_path)
    assert register.ask("agreements").rows[0][0] == "DARS-NIC-114652-L3R2T"
    assert register.query("SELECT ?id WHERE { ?a dcterms:identifier ?id } ORDER BY ?id LIMIT 1").rows == [
        ["DARS-NIC-114652-L3R2T"]]
    assert {r[4] for r in register.trace("SUS+").rows} >= {ICB}
    assert register.history(REFERENCE).columns and register.refresh() is False

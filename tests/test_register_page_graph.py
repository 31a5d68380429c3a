"""A reformatted register page becomes a queryable, valid graph whose every fact traces to the page's lines."""

from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from kg import store as stores
from kg.build import build
from kg.cli import app
from kg.export import export_rdf
from kg.namespace import PREFIX_IRIS, iri_source
from kg.resolve import Resolver
from kg.resources import samples_dir
from kg.validate import validate

PAGE = samples_dir() / "nhs_leicester_leicestershire_and_rutland_icb__04v.txt"
REF = "DARS-NIC-199599-S0T5M"
AGREEMENT = f"https://w3id.org/regkg/id/agreement/{REF}"


@pytest.fixture(scope="module")
def page_store(tmp_path_factory) -> ox.Store:
    path = tmp_path_factory.mktemp("page") / "store"
    build([PAGE], path)
    return stores.open_store(path)


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver.load()


def values(store: ox.Store, sparql: str) -> set[str]:
    """The values of the single projected variable, as strings."""
    return {row[0].value for row in store.query(sparql, prefixes=PREFIX_IRIS, use_default_graph_as_union=True)}


def version_values(store: ox.Store, path: str) -> set[str]:
    return values(store, f"SELECT ?x WHERE {{ <{AGREEMENT}> dur:hasVersion ?v . ?v {path} ?x }}")


def test_the_agreement_has_its_title_and_base_reference(page_store):
    assert values(page_store, f"SELECT ?t WHERE {{ <{AGREEMENT}> dct:title ?t }}") == {
        "DSfC - NHS West Leicestershire CCG IV RS"}
    assert values(page_store, f"SELECT ?i WHERE {{ <{AGREEMENT}> dct:identifier ?i }}") == {REF}


def test_organisation_is_the_icb_with_its_ods_code(page_store):
    org = "https://w3id.org/regkg/id/org/ods/04V"
    assert version_values(page_store, "dur:applicant") == {org}
    assert values(page_store, f"SELECT ?c WHERE {{ <{org}> skos:notation ?c }}") == {"04V"}
    labels = values(page_store, f"SELECT ?l WHERE {{ <{org}> skos:prefLabel ?l }}")
    assert len(labels) == 1
    assert labels.pop().startswith("NHS Leicester, Leicestershire and Rutland ICB")


def test_dataset_labels_stay_as_written_and_resolve_to_one_node_each(page_store, resolver):
    assert version_values(page_store, "dur:usesDataset/dur:datasetLabel") == {
        "SUS for Commissioners", "Mental Health Services Data Set"}
    assert version_values(page_store, "dur:dataset") == {
        resolver.dataset("SUS+").iri, resolver.dataset("MHSDS").iri}


def test_legal_bases_are_three_distinct_nodes(page_store, resolver):
    expected = {
        resolver.legal_bases("National Health Service Act 2006 - s251 - 'Control of patient information'.")[0].iri,
        resolver.legal_bases("Health and Social Care Act 2012 – s261(7)")[0].iri,
        resolver.legal_bases("Health and Social Care Act 2012 - s261 - 'Other dissemination of information'")[0].iri,
    }
    assert len(expected) == 3
    assert version_values(page_store, "dpv:hasLegalBasis") == expected


def test_controlled_values_become_concepts(page_store):
    dur = PREFIX_IRIS["dur"]
    assert version_values(page_store, "dur:optOut") == {dur + "OptOutsApplied"}
    assert version_values(page_store, "dur:typeOfData") == {dur + "Identifiable", dur + "AnonymisedICOCompliant"}
    assert version_values(page_store, "dur:sensitivity") == {dur + "Sensitive"}
    assert version_values(page_store, "dur:accessMethod") == {dur + "FrequentAdhocFlow", dur + "OneOff"}


def test_dates_release_months_flags_and_applicant_types_are_read(page_store):
    assert version_values(page_store, "dur:startDate") == {"2018-12-20"}
    assert version_values(page_store, "dur:endDate") == {"2021-06-10"}
    assert version_values(page_store, "dur:firstRelease") == {"2018-06"}
    assert version_values(page_store, "dur:lastRelease") == {"2021-04"}
    assert version_values(page_store, "dur:sublicensing") == {"false"}
    assert version_values(page_store, "dur:commercial") == {"false"}
    assert version_values(page_store, "dur:applicantType") == {
        "Clinical Commissioning Group (CCG)", "Sub ICB Location"}


def test_unsafe_files_on_the_page_source(page_store):
    assert version_values(page_store, "dur:evidence/prov:wasDerivedFrom/dur:unsafeFileCount") == {"2"}


def test_purposes_named_by_the_page_resolve_to_their_concepts(page_store, resolver):
    assert version_values(page_store, "dpv:hasPurpose") == {
        resolver.purpose("Invoice Validation").iri, resolver.purpose("Risk Stratification").iri}


def test_a_version_traces_to_its_file_and_line_span(page_store):
    rows = list(page_store.query(
        f"SELECT ?file ?start ?end WHERE {{ <{AGREEMENT}> dur:hasVersion/dur:evidence ?e . "
        "?e prov:wasDerivedFrom/dct:title ?file ; dur:lineStart ?start ; dur:lineEnd ?end }",
        prefixes=PREFIX_IRIS, use_default_graph_as_union=True))
    assert [(r["file"].value, int(r["start"].value)) for r in rows] == [(PAGE.name, 7)]
    assert int(rows[0]["end"].value) > 100


def test_validate_passes_on_the_page(page_store):
    report = validate(page_store)
    assert report.conforms, report.text


def test_validate_reports_a_broken_agreement(tmp_path):
    path = tmp_path / "store"
    build([PAGE], path)
    writable = ox.Store(str(path))
    version = ox.NamedNode(f"{AGREEMENT}/page-nhs-leicester-leicestershire-and-rutland-icb-04v")
    writable.add(ox.Quad(version, ox.NamedNode(PREFIX_IRIS["dur"] + "startDate"), ox.Literal("soon"),
                         ox.NamedNode("https://w3id.org/regkg/id/source/broken")))
    writable.flush()
    del writable
    report = validate(stores.open_store(path))
    assert not report.conforms
    assert "A version has at most one DSA start date, an xsd:date." in report.text
    assert version.value in report.text


def turtle(store: ox.Store) -> bytes:
    out = io.BytesIO()
    export_rdf(store, "turtle", out)
    return out.getvalue()


def test_export_reimports_isomorphic(page_store):
    data = turtle(page_store)
    reimported = Graph().parse(data=data, format="turtle")
    direct = Graph().parse(data=ox.serialize(
        page_store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True),
        format=ox.RdfFormat.N_TRIPLES), format="nt")
    assert len(reimported) == len(direct) > 500
    assert isomorphic(reimported, direct)


def test_same_input_gives_identical_exports(tmp_path, page_store):
    build([PAGE], tmp_path / "again")
    assert turtle(stores.open_store(tmp_path / "again")) == turtle(page_store)


@pytest.mark.parametrize(("content", "problem"), [
    (b"\x00\x01\x02PK\x03\x04binary", "not a text page (binary content)"),
    (b"", "empty file"),
    (b"NHS Digital Data Release Register - reformatted\n\nSome Org projects\n\nNothing here.\n",
     "no agreement blocks found"),
])
def test_bad_input_is_one_line_and_loses_nothing(tmp_path, content, problem):
    store = tmp_path / "store"
    assert CliRunner().invoke(app, ["build", str(PAGE), "--store", str(store)]).exit_code == 0
    before = sorted((p.name, p.stat().st_size) for p in store.iterdir())
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    result = CliRunner().invoke(app, ["build", str(bad), "--store", str(store)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "bad.txt" in lines[0] and problem in lines[0]
    assert sorted((p.name, p.stat().st_size) for p in store.iterdir()) == before
    assert values(stores.open_store(store), "SELECT ?i WHERE { ?a dct:identifier ?i }") == {REF}


def test_missing_store_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["stats", "--store", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "no store at" in result.output and "regkg build" in result.output


def test_ask_agreements_prints_the_page_agreement_as_csv(tmp_path):
    store = tmp_path / "store"
    build([PAGE], store)
    result = CliRunner().invoke(app, ["ask", "agreements", "--format", "csv", "--store", str(store)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "agreement,title,organisation,start,end"
    assert lines[1].startswith(f"{REF},DSfC - NHS West Leicestershire CCG IV RS,")
    assert lines[1].endswith(",2018-12-20,2021-06-10")
    assert len(lines) == 2


def test_newer_format_pages_build_with_every_reference_they_list(tmp_path):
    pages = Path(__file__).parent / "fixtures" / "pages"
    manifest = [line.split("\t") for line in (pages / "MANIFEST.tsv").read_text().splitlines()[1:]]
    newer = [pages / name for name, _, fmt in manifest if fmt == "B-newer"]
    result = build(newer, tmp_path / "store")
    assert len(result.sources) == len(newer)
    opened = stores.open_store(tmp_path / "store")
    for path in newer:
        expected = set()
        for line in path.read_text(encoding="utf-8").splitlines():
            if " — " in line and "DARS-NIC-" in line.rsplit(" — ", 1)[1]:
                expected.add(line.rsplit(" — ", 1)[1].strip().upper())
        graph = iri_source(path.name)
        found = values(opened, f"SELECT ?i WHERE {{ GRAPH <{graph}> {{ ?a a dur:DataSharingAgreement ; "
                               "dct:identifier ?i } }")
        assert {f for f in found if f.startswith("DARS-NIC-")} == expected, path.name


def test_register_text_is_never_read_as_terminal_markup(tmp_path):
    """Names like 'BCP COUNCIL [BOURNEMOUTH, …]' hold brackets that rich would take for markup."""
    bad = tmp_path / "[bold]page[red].txt"
    bad.write_bytes(b"")
    result = CliRunner().invoke(app, ["build", str(bad), "--store", str(tmp_path / "store")])
    assert result.exit_code == 1
    assert "[bold]page[red].txt: empty file" in result.output

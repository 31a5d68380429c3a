"""Organisations the vocabulary does not know, found in an agreement's free text:
minted with the name as written, marked extracted, shown by queries and trace like any processor,
and proposed — never merged — for a known organisation by ``regkg orgs --suggest``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build import build
from kg.extract.processors import extract_processors
from kg.names import initials, split_bracket_tail
from kg.namespace import PREFIX_IRIS
from kg.orgs import suggest
from kg.query import ask
from kg.resolve import Resolver
from kg.resources import ontology_dir
from kg.sources.workbook import read_workbook
from kg.store import open_store
from kg.trace import trace
from kg.vocab import Vocabulary

CORPUS = Path(__file__).parent / "fixtures" / "corpus" / "datausesregister_corpus.xlsx"
AGREEMENT = "DARS-NIC-07233-W1M2Q"
UKFAST = "UKFast.net limited"
UKFAST_IRI = "https://w3id.org/regkg/id/org/ukfast-net"
SENTENCE = ("Data will be stored at UKFast.net limited based in the UK, who are named as NAW’s data "
            "storage location in this agreement.")
ONS_SENTENCE = "The organisations involved in this study are ONS (data processor) and the University of Oxford."


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """The corpus workbook built as a user would (undated, so its agreements are current)."""
    path = tmp_path_factory.mktemp("extracted") / "store"
    build([CORPUS], path)
    return open_store(path)


def vocabulary_with(tmp_path: Path, turtle: str) -> Resolver:
    """The project's vocabulary plus one organisation, as a curator would add it."""
    directory = tmp_path / "ontology"
    shutil.copytree(ontology_dir(), directory)
    with (directory / "organisations.ttl").open("a", encoding="utf-8") as f:
        f.write("\n" + turtle)
    return Resolver.load(directory)


def select(store: ox.Store, sparql: str) -> list[tuple[str, ...]]:
    rows = store.query(sparql, prefixes=PREFIX_IRIS, use_default_graph_as_union=True)
    return sorted(tuple(term.value for term in row) for row in rows)


def test_the_extractor_names_ukfast_as_written_as_infrastructure() -> None:
    doc = read_workbook(CORPUS, Vocabulary.load())
    [agreement] = [a for a in doc.agreements if a.base_reference == AGREEMENT]
    findings = [(f.organisation, f.role, f.evidence.text) for v in agreement.versions
                for f in extract_processors(v, Resolver.load(), CORPUS.name)]
    assert findings == [(UKFAST, "infrastructure", SENTENCE)]


def test_minted_processor_is_marked_extracted_and_unresolved_with_its_name_as_written(store) -> None:
    assert select(store, f"""SELECT ?p ?o WHERE {{ <{UKFAST_IRI}> ?p ?o
        FILTER(?p IN (dur:extracted, dur:unresolved, skos:prefLabel, skos:altLabel)) }}""") == [
        ("http://www.w3.org/2004/02/skos/core#prefLabel", UKFAST),
        ("https://w3id.org/regkg/dur#extracted", "true"),
        ("https://w3id.org/regkg/dur#unresolved", "true"),
    ]
    quads = list(store.quads_for_pattern(ox.NamedNode(UKFAST_IRI), ox.NamedNode(PREFIX_IRIS["dur"] + "extracted"),
                                         None, None))
    assert len(quads) == 1  # once per document


def test_only_names_minted_from_processor_findings_are_marked_extracted(store) -> None:
    """Known processors and unresolved names from register fields (a controller) are not."""
    assert select(store, "SELECT ?name WHERE { ?o dur:extracted true ; skos:prefLabel ?name }") == [
        ("Office for National Statistics",), ("Peterborough City Council",), (UKFAST,)]
    assert select(store, "SELECT ?o WHERE { ?o dur:extracted true FILTER NOT EXISTS { ?o dur:unresolved true } }") == []
    assert select(store, """SELECT ?o WHERE { ?o skos:prefLabel "UNIVERSITY COLLEGE LONDON (UCL)" ;
                                                 dur:extracted ?x }""") == []


def test_ask_processors_lists_the_minted_processor_with_its_evidence(store) -> None:
    result = ask(store, "processors")
    column = result.columns.index
    rows = sorted((r[column("agreement")], r[column("version")], r[column("role")], r[column("dataset")],
                   r[column("evidence")]) for r in result.rows if r[column("processor")] == UKFAST)
    assert rows == [
        (AGREEMENT, "3.4", "infrastructure", "Hospital Episode Statistics Admitted Patient Care (HES APC)", SENTENCE),
        (AGREEMENT, "3.4", "infrastructure", "Hospital Episode Statistics Critical Care (HES Critical Care)",
         SENTENCE),
    ]


def test_trace_by_the_name_as_written_shows_the_minted_processor(store) -> None:
    result = trace(store, org=UKFAST)
    column = result.columns.index
    assert sorted((r[column("agreement")], r[column("controller")], r[column("processor")], r[column("role")],
                   r[column("dataset")], r[column("evidence")]) for r in result.rows) == [
        (AGREEMENT, "NEIL WILSON ASSOCIATES LLP", UKFAST, "infrastructure",
         "Hospital Episode Statistics Admitted Patient Care (HES APC)", SENTENCE),
        (AGREEMENT, "NEIL WILSON ASSOCIATES LLP", UKFAST, "infrastructure",
         "Hospital Episode Statistics Critical Care (HES Critical Care)", SENTENCE),
    ]


def test_suggest_proposes_the_minted_name_for_a_known_one_differing_in_legal_form_and_acronym(store, tmp_path):
    resolver = vocabulary_with(tmp_path, """
o:ukfast a org:Organization, dpv:Organisation, skos:Concept ; skos:inScheme dur:OrganisationScheme ;
    skos:prefLabel "UKFast.net Ltd (UKFast)"@en .
""")
    before = len(store)
    rows = [r for r in suggest(store, resolver).rows if r[0] == UKFAST]
    assert rows == [[UKFAST, "UKFast.net Ltd (UKFast)", "same name folded ('ukfast net')",
                     f"{AGREEMENT} v3.4: {SENTENCE}", "", "https://w3id.org/regkg/id/org/ukfast"]]
    assert len(store) == before  # nothing merged


def test_suggest_with_the_project_vocabulary_proposes_a_controller_spelled_with_its_acronym(store) -> None:
    """No extracted name of the corpus is known under another spelling; an unresolved controller is."""
    assert suggest(store).rows == [[
        "UNIVERSITY COLLEGE LONDON (UCL)", "University College London",
        "same name folded ('university college london')", "", "", "https://w3id.org/regkg/id/org/university-college-london"]]


def test_suggest_proposes_an_extracted_acronym_for_the_known_name_it_abbreviates(tmp_path) -> None:
    """An in-memory store holding what a build writes for an extracted ``ONS`` (sentence from
    DARS-NIC-09637-Y8T1N), against a vocabulary that knows the Office for National Statistics."""
    store = ox.Store()
    store.load(f"""
@prefix dur: <{PREFIX_IRIS['dur']}> . @prefix skos: <{PREFIX_IRIS['skos']}> .
@prefix org: <{PREFIX_IRIS['org']}> . @prefix dct: <{PREFIX_IRIS['dct']}> .
<urn:org/ons> a org:Organization ; skos:prefLabel "ONS" ; dur:unresolved true ; dur:extracted true .
<urn:a> dct:identifier "DARS-NIC-09637-Y8T1N" .
<urn:v> dct:isVersionOf <urn:a> ; dur:versionNumber "2" ; dur:processorInvolvement <urn:v/processor/0> .
<urn:v/processor/0> dur:organisation <urn:org/ons> ; dur:evidence [ dur:text "{ONS_SENTENCE}" ] .
""".encode(), format=ox.RdfFormat.TURTLE)
    resolver = vocabulary_with(tmp_path, """
o:ons a org:Organization, dpv:Organisation, skos:Concept ; skos:inScheme dur:OrganisationScheme ;
    skos:prefLabel "Office for National Statistics"@en .
""")
    assert suggest(store, resolver).rows == [[
        "ONS", "Office for National Statistics", "acronym: ONS = initials of 'Office for National Statistics'",
        f"DARS-NIC-09637-Y8T1N v2: {ONS_SENTENCE}", "", "https://w3id.org/regkg/id/org/ons"]]


def test_review_folds_part_a_bracket_and_read_initials() -> None:
    assert split_bracket_tail("UKFast.net Ltd (UKFast)") == ("UKFast.net Ltd", "UKFast")
    assert split_bracket_tail("UKFast.net limited") == ("UKFast.net limited", "")
    assert [initials(n) for n in ("Office for National Statistics", "NHS Blood and Transplant",
                                  "Microsoft Limited", "The Office for National Statistics (ONS)")] == [
        "ONS", "NHSBT", "", "ONS"]

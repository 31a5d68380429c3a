"""At the store level: one node per real thing across every sample, and processors with their evidence."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg.build import build
from kg.cli import app
from kg.namespace import PREFIX_IRIS, iri_agreement
from kg.query import run_text
from kg.resolve import Resolver
from kg.resources import samples_dir
from kg.store import open_store

FIXTURES = Path(__file__).parent / "fixtures"
ALL_SAMPLES = [samples_dir() / "datausesregister_sample.xlsx", FIXTURES / "pages"]


@pytest.fixture(scope="module")
def everything(tmp_path_factory) -> ox.Store:
    """Every real sample: the workbook, the full page and the 45 published pages."""
    path = tmp_path_factory.mktemp("all") / "store"
    build(ALL_SAMPLES, path)
    return open_store(path)


def rows(store: ox.Store, sparql: str) -> list[tuple[str, ...]]:
    result = store.query(sparql, prefixes=PREFIX_IRIS, use_default_graph_as_union=True)
    return [tuple(term.value if term is not None else "" for term in row) for row in result]


def test_no_two_organisation_nodes_share_an_ods_code(everything):
    assert rows(everything, """
        SELECT ?code (COUNT(DISTINCT ?org) AS ?n) WHERE { ?org a org:Organization ; skos:notation ?code }
        GROUP BY ?code HAVING (COUNT(DISTINCT ?org) > 1)""") == []
    codes = {c for (c,) in rows(everything, "SELECT DISTINCT ?c WHERE { ?o a org:Organization ; skos:notation ?c }")}
    assert {"04V", "M2L0M", "78H"} <= codes


def test_every_csu_alias_lands_on_a_known_csu(everything):
    csu_names = rows(everything, """
        SELECT DISTINCT ?org ?name WHERE {
          ?org a org:Organization . { ?org skos:prefLabel ?name } UNION { ?org skos:altLabel ?name }
          FILTER(REGEX(?name, "commissioning supp?ort unit|\\\\bCSU\\\\b", "i"))
        }""")
    assert csu_names, "the samples name commissioning support units"
    unresolved = rows(everything, "SELECT ?o WHERE { ?o dur:unresolved true }")
    assert not {org for org, _ in csu_names} & {o for (o,) in unresolved}
    mlcsu = Resolver.load().organisation("NHS Midlands and Lancashire Commissioning Support Unit").iri
    for alias in ("Midlands & Lancashire CSU", "MLCSU", "Midlands and Lancashire Commissioning Support Unit"):
        assert Resolver.load().organisation(alias).iri == mlcsu


QUERY_BY_DATASET = """# param: dataset (dataset)
SELECT DISTINCT ?agreement WHERE { ?v dur:dataset ?dataset ; dct:isVersionOf/dct:identifier ?agreement }
ORDER BY ?agreement"""


@pytest.mark.parametrize("labels", [
    ("SUS+", "sus for commissioners", "SUS for Commissioners", "Secondary Uses Service for Commissioners"),
    ("HES APC", "Hospital Episode Statistics Admitted Patient Care",
     "Hospital Episode Statistics Admitted Patient Care (HES APC)"),
    ("MHSDS", "Mental Health Services Data Set", "mental health services data set (mhsds)"),
])
def test_a_dataset_by_any_label_finds_the_same_agreements(everything, labels):
    answers = {label: [r[0] for r in run_text(everything, QUERY_BY_DATASET, {"dataset": label}).rows]
               for label in labels}
    first = answers[labels[0]]
    assert first, f"no agreements for {labels[0]}"
    assert all(found == first for found in answers.values()), answers


def test_mhmds_is_not_mhsds(everything):
    r = Resolver.load()
    assert r.dataset("MHMDS").iri != r.dataset("MHSDS").iri


def test_processor_links_from_text_are_distinguishable_from_inferred(everything):
    v22 = iri_agreement("DARS-NIC-199599-S0T5M") + "/v2.2"
    found = rows(everything, f"""
        SELECT ?org ?link ?dataset WHERE {{
          <{v22}> dur:processorInvolvement ?pi . ?pi dur:organisation/skos:prefLabel ?org .
          {{ ?pi dur:statedDataset/skos:notation ?dataset BIND("stated" AS ?link) }}
          UNION {{ ?pi dur:inferredDataset/skos:notation ?dataset BIND("inferred" AS ?link) }}
        }} ORDER BY ?org ?link ?dataset""")
    assert found == [
        ("Lima Networks Ltd", "inferred", "MHSDS"), ("Lima Networks Ltd", "inferred", "SUS+"),
        ("Microsoft Limited", "inferred", "MHSDS"), ("Microsoft Limited", "inferred", "SUS+"),
        ("NHS Midlands and Lancashire Commissioning Support Unit", "stated", "MHSDS"),
        ("NHS Midlands and Lancashire Commissioning Support Unit", "stated", "SUS+"),
        ("Prescribing Services Limited", "stated", "SUS+"),
    ]


def test_processors_named_query_from_the_cli(tmp_path):
    store = tmp_path / "store"
    build([samples_dir() / "datausesregister_sample.xlsx"], store)
    result = CliRunner().invoke(app, ["ask", "processors", "--format", "csv", "--store", str(store)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "agreement,processor,dataset,evidence,role,version,link"
    v14 = [line for line in lines if line.startswith("DARS-NIC-199599-S0T5M,") and ",1.4," in line]
    assert [line.split(",")[1] for line in v14] == [
        "NHS Midlands and Lancashire Commissioning Support Unit", "Prescribing Services Limited"]
    processors = {line.split(",")[1] for line in lines[1:]}
    r = Resolver.load()
    never = {r.organisation(name).label for name in (
        "NHS LEICESTER, LEICESTERSHIRE AND RUTLAND ICB - 04V", "NHS West Leicestershire CCG",
        "Data Services for Commissioners Regional Office", "DSCRO")}
    assert not processors & never
    # 'Blackpool Victoria Hospital' is named in 127332 v2.5 as an infrastructure supplier, never as a processor
    assert all(",infrastructure," in line for line in lines if ",Blackpool Victoria Hospital," in line)


def test_no_version_names_its_own_controller_as_processor(everything):
    assert rows(everything, """
        SELECT ?v ?org WHERE { ?v dpv:hasDataController ?org . { ?v dpv:hasDataProcessor ?org }
                               UNION { ?v dur:hasSubProcessor ?org } }""") == []


def test_processor_roles_are_typed_with_dpv_on_the_role_not_the_organisation(everything):
    v22 = iri_agreement("DARS-NIC-199599-S0T5M") + "/v2.2"
    found = rows(everything, f"""
        SELECT ?org ?type WHERE {{ <{v22}> dur:processorInvolvement ?pi . ?pi dur:organisation/skos:prefLabel ?org ;
          a ?type FILTER(?type IN (dpv:DataProcessor, dpv:DataSubProcessor)) }} ORDER BY ?org""")
    dpv = PREFIX_IRIS["dpv"]
    assert found == [
        ("Lima Networks Ltd", dpv + "DataProcessor"),
        ("Microsoft Limited", dpv + "DataSubProcessor"),
        ("NHS Midlands and Lancashire Commissioning Support Unit", dpv + "DataProcessor"),
        ("Prescribing Services Limited", dpv + "DataProcessor"),
    ]
    assert rows(everything, "SELECT ?o WHERE { ?o a org:Organization , ?t FILTER(?t IN (dpv:DataProcessor, "
                            "dpv:DataSubProcessor)) }") == []


def test_a_dataset_family_covers_its_members(everything):
    """HES is a family: asking for it finds HES APC, OP, A&E and critical care flows."""
    from kg.trace import trace

    r = Resolver.load()
    assert r.dataset("HES").iri == r.dataset("Hospital Episode Statistics").iri
    datasets = {row[2] for row in trace(everything, dataset="HES").rows}
    assert "Hospital Episode Statistics Admitted Patient Care (HES APC)" in datasets
    assert datasets <= {r.dataset(n).label for n in ("HES APC", "HES OP", "HES A&E", "HES CC", "HES")}


def test_every_sample_validates(everything):
    from kg.validate import validate

    report = validate(everything)
    assert report.conforms, report.text

"""Processors from free text: the shared sample agreement, each hard negative, and their datasets."""

from __future__ import annotations

import pytest

from kg.extract.evaluate import PAGE, WORKBOOK, load_versions
from kg.extract.processors import extract_processors
from kg.records import AgreementVersion, DatasetUse, Evidence, OrgMention
from kg.resolve import Resolver

MLCSU = "NHS Midlands and Lancashire Commissioning Support Unit"
PSL = "Prescribing Services Limited"
REF = "DARS-NIC-199599-S0T5M"
LLR = "NHS LEICESTER, LEICESTERSHIRE AND RUTLAND ICB - 04V"


@pytest.fixture(scope="module")
def resolver():
    return Resolver.load()


@pytest.fixture(scope="module")
def versions():
    return load_versions()


def _extract(versions, resolver, kind, version):
    v, name = versions[(kind, REF, version)]
    return {(f.organisation, f.role): f for f in extract_processors(v, resolver, name)}


def _version(objective: str = "", processing: str = "", controllers=(LLR,), title: str = "",
             datasets=("SUS for Commissioners",)) -> AgreementVersion:
    return AgreementVersion(
        reference="DARS-NIC-000000-TEST1", key="v1.0", version="1.0", title=title,
        controllers=[OrgMention(c, "controller") for c in controllers],
        datasets=[DatasetUse(d) for d in datasets], objective=objective, processing=processing,
        evidence=Evidence("test.xlsx", 2, sheet="Agreements"))


def _names(version: AgreementVersion, resolver) -> list[str]:
    return [f.organisation for f in extract_processors(version, resolver, "test.xlsx")]


# --- DARS-NIC-199599-S0T5M, both sources ------------------------------------------------------


def test_page_names_only_the_csu_with_its_sentence(versions, resolver):
    found = _extract(versions, resolver, "page", None)
    assert list(found) == [(MLCSU, "processor")]
    f = found[(MLCSU, "processor")]
    assert f.evidence.text == f"Risk Stratification will be conducted by {MLCSU}"
    assert f.evidence.source == PAGE.name and f.evidence.sheet is None
    assert (f.sub, f.datasets) == (False, ["SUS for Commissioners"])


def test_page_evidence_line_is_the_sentence_line(versions, resolver):
    f = _extract(versions, resolver, "page", None)[(MLCSU, "processor")]
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    assert f.evidence.start == 39
    assert f.evidence.text in lines[f.evidence.start - 1]


def test_workbook_v1_4_csu_and_prescribing_services_not_the_forbidden(versions, resolver):
    found = _extract(versions, resolver, "dur-records", "1.4")
    assert list(found) == [(MLCSU, "processor"), (PSL, "processor")]
    assert found[(MLCSU, "processor")].evidence == Evidence(
        WORKBOOK.name, 9, sheet="Agreements", text=f"Data processor 1 {MLCSU}")
    assert found[(PSL, "processor")].evidence.text == (
        f"Risk Stratification will be conducted by {MLCSU} and Prescribing Services Limited")
    assert [f.datasets for f in found.values()] == [["SUS for Commissioners"], ["SUS for Commissioners"]]
    names = {org for org, _ in found}
    assert not names & {"Lima Networks Ltd", "Blackpool Victoria Hospital"}


def test_workbook_v2_2_processors_and_infrastructure_sub_processors(versions, resolver):
    found = _extract(versions, resolver, "dur-records", "2.2")
    assert list(found) == [(MLCSU, "processor"), (PSL, "processor"), ("Microsoft Limited", "infrastructure"),
                           ("Lima Networks Ltd", "infrastructure")]
    assert found[(MLCSU, "processor")].datasets == ["SUS for Commissioners", "Mental Health Services Data Set (MHSDS)"]
    assert found[(PSL, "processor")].datasets == ["SUS for Commissioners"]
    microsoft = found[("Microsoft Limited", "infrastructure")]
    assert (microsoft.sub, microsoft.datasets) == (True, [])
    assert microsoft.evidence.text == (
        f"Microsoft Limited supply Cloud Services for {MLCSU} and are therefore listed as a data processor. "
        "They supply support to the system, but do not access data.")
    lima = found[("Lima Networks Ltd", "infrastructure")]
    # The text does not say whom Lima supplies, so it is not asserted to be a sub-processor.
    assert (lima.sub, lima.datasets) == (False, [])
    assert lima.evidence.text == ("Lima Networks Ltd supply IT infrastructure and are therefore listed as a data "
                                  "processor. They supply support to the system, but do not access data.")


def test_no_version_names_its_controller_or_the_dscro(versions, resolver):
    dscro = resolver.organisation("DSCRO").iri
    for (kind, ref, _), (v, name) in versions.items():
        banned = {resolver.organisation(c.name).iri for c in v.controllers} | {
            resolver.organisation(LLR).iri, dscro, resolver.organisation("NHS England").iri}
        if kind == "page" or ref == REF:
            banned.add(resolver.organisation("NHS Digital").iri)
        found = {resolver.organisation(f.organisation).iri for f in extract_processors(v, resolver, name)}
        assert not found & banned, (ref, found & banned)


# --- hard negatives, one kind per test ------------------------------------------------------


def test_controller_under_another_name_is_not_a_processor(resolver):
    v = _version(
        objective="Invoice Validation with be conducted by the CCG\n"
                  "Risk Stratification will be conducted by NHS West Leicestershire CCG.\n"
                  "Linkage will be conducted by NHS Leicester, Leicestershire and Rutland ICB.\n"
                  "Audit will be conducted by the CCG and Arden and GEM Commissioning Support Unit.",
        title="DSfC - NHS West Leicestershire CCG   IV RS")
    assert _names(v, resolver) == ["NHS Arden and Greater East Midlands Commissioning Support Unit"]


def test_controller_acronym_is_not_a_processor(resolver):
    v = _version(objective="NHSBT (Host Institution) and QMUL (Sponsor) are joint data controllers. "
                           "NHSBT are the sole data processors.",
                 controllers=("NHS BLOOD AND TRANSPLANT (NHSBT)", "QUEEN MARY UNIVERSITY OF LONDON"))
    assert _names(v, resolver) == []


def test_forbidden_organisations_are_not_processors(resolver):
    v = _version(processing="For clarity, any access by Blackpool Victoria Hospital or Lima networks limited  to "
                            "data held under this agreement would be considered a breach of the agreement.\n"
                            "Risk Stratification-\nData processor 1 NHS Midlands and Lancashire Commissioning Support "
                            "Unit\nIQVIA Ltd will not act as a data processor under this agreement.")
    assert _names(v, resolver) == [MLCSU]


def test_landlord_that_only_supplies_the_building_is_not_a_processor(resolver):
    v = _version(processing="Interxion UK do not access data held under this agreement as they only supply the "
                            "building. Therefore, any access to the data held under this agreement would be "
                            "considered a breach of the agreement.\nData Processor – North and East London "
                            "Commissioning Support Unit")
    assert _names(v, resolver) == ["NHS North East London Commissioning Support Unit"]


def test_employer_is_not_a_processor(resolver):
    v = _version(processing="Analysis will be carried out by staff employed by the University of Leeds.\n"
                            "Data will be processed by employees of Acme Analytics Ltd on their own premises.",
                 controllers=("UNIVERSITY OF LEEDS",))
    assert _names(v, resolver) == []


def test_client_is_not_a_processor(resolver):
    v = _version(objective="Acme Analytics Ltd will act as a data processor for its client Beta Pharma Ltd.",
                 controllers=("ZETA HEALTH LIMITED",))
    assert _names(v, resolver) == ["Acme Analytics Ltd"]


def test_data_source_is_not_a_processor(resolver):
    v = _version(processing="Data supplied by the NHS IC to the University of Bristol will be held securely.\n"
                            "The mortality data is provided by Public Health England.\n"
                            "The data will be processed by NHS Digital before release.\n"
                            "Identifiable GP Data is securely sent from the GP system to the University.",
                 controllers=("UNIVERSITY OF BRISTOL",))
    assert _names(v, resolver) == []


def test_nhs_digital_named_explicitly_as_the_processor_is_one(resolver):
    v = _version(objective="The data will be processed on behalf of the data controller, AstraZeneca UK Limited, "
                           "by NHS Digital as a data processor for the purpose of supporting recruitment.",
                 controllers=("ASTRAZENECA UK LIMITED",))
    assert _names(v, resolver) == ["NHS Digital"]


def test_funder_is_not_a_processor(resolver):
    v = _version(objective="The funder for the study (NIHR HTA) is not a data controller or processor.",
                 controllers=("QUEEN MARY UNIVERSITY OF LONDON",))
    assert _names(v, resolver) == []


def test_software_is_not_a_processor(resolver):
    v = _version(processing="Data will be processed by SPSS software on a secure server.\n"
                            "The linkage will be conducted by Stata.\n"
                            "Risk scores are processed by the risk stratification tool.")
    assert _names(v, resolver) == []


def test_dscro_is_the_route_not_a_processor(resolver):
    v = _version(processing="1. Identifiable SUS+ data is obtained from the SUS Repository by the Data Services "
                            "for Commissioners Regional Office (DSCRO).\n2. Data quality management and "
                            "standardisation of data is completed by the DSCRO.\n3. Pseudonymisation will be "
                            "conducted by the DSCRO.\n4. Data is transferred securely to the DSCRO, who hold the "
                            "SUS+ data.\n5. Data will be processed by the Data Services for Commissioners Regional "
                            "Office before it leaves NHS Digital.")
    assert _names(v, resolver) == []


# --- datasets a processor receives ----------------------------------------------------------


DATASETS = ("SUS for Commissioners", "Mental Health Services Data Set (MHSDS)",
            "Hospital Episode Statistics Admitted Patient Care (HES APC)")


def test_stated_datasets_come_from_the_transfer_sentence(resolver):
    v = _version(processing="Data processor 1 NHS Midlands and Lancashire Commissioning Support Unit\n"
                            "1. Identifiable SUS+ and MHSDS data is transferred securely to NHS Midlands and "
                            "Lancashire Commissioning Support Unit.\n"
                            "Data processor 2 Prescribing services",
                 datasets=DATASETS)
    found = {f.organisation: f.datasets for f in extract_processors(v, resolver, "test.xlsx")}
    assert found == {MLCSU: ["SUS for Commissioners", "Mental Health Services Data Set (MHSDS)"], PSL: []}


def test_transfer_sentence_alone_makes_no_processor(resolver):
    v = _version(processing="Identifiable SUS+ data is transferred securely to Acme Analytics Ltd.", datasets=DATASETS)
    assert _names(v, resolver) == []


def test_workbook_evidence_cites_the_agreements_row(resolver):
    v = _version(objective="Risk Stratification will be conducted by Arden and GEM Commissioning Support Unit.")
    [f] = extract_processors(v, resolver, "test.xlsx")
    assert f.evidence == Evidence("test.xlsx", 2, sheet="Agreements", text=(
        "Risk Stratification will be conducted by Arden and GEM Commissioning Support Unit."))

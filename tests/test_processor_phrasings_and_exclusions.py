"""Processors in text the first extractor never met: each phrasing and each exclusion.

Sentences come from the corpus's dev agreements (tests/fixtures/corpus, reference in each test);
where dev holds no example of a shape the issue lists, the sentence is the issue's own shape with
organisations of the dev texts. Test-split texts are never used here (docs/processors.md).
"""

from __future__ import annotations

import pytest

from kg.extract.organisations import leading_name, shaped_like_organisation, split_names
from kg.extract.processors import extract_processors
from kg.records import AgreementVersion, DatasetUse, Evidence, OrgMention
from kg.resolve import Resolver

MLCSU = "NHS Midlands and Lancashire Commissioning Support Unit"
STW = "NHS SHROPSHIRE, TELFORD AND WREKIN ICB - M2L0M"


@pytest.fixture(scope="module")
def resolver():
    return Resolver.load()


def _version(text: str, controllers=(STW,), title: str = "") -> AgreementVersion:
    return AgreementVersion(
        reference="DARS-NIC-000000-TEST2", key="v1.0", version="1.0", title=title,
        controllers=[OrgMention(c, "controller") for c in controllers],
        datasets=[DatasetUse("Hospital Episode Statistics Admitted Patient Care (HES APC)")], objective="",
        processing=text, evidence=Evidence("test.xlsx", 2, sheet="Agreements"))


def _found(text: str, resolver, controllers=(STW,)) -> list[tuple[str, str]]:
    return [(f.organisation, f.role) for f in extract_processors(_version(text, controllers), resolver, "t.xlsx")]


# --- phrasings --------------------------------------------------------------------------------


def test_agent_clause_names_each_coordinated_processor(resolver):
    # DARS-NIC-127332-G0J1N
    text = ("Invoice validation is provided by NHS Midlands and Lancashire Commissioning Support Unit and "
            "Liaison Financial Services Ltd.")
    assert _found(text, resolver) == [(MLCSU, "processor"), ("Liaison Financial Services Ltd", "processor")]


def test_agent_clause_with_bracketed_roles_names_each_processor(resolver):
    # the shape "completed by A (X), B (Y) and C (Z)"
    text = ("Processing and analysis will be completed by Liaison Financial Services Ltd (invoice validation), "
            "Prescribing Services Limited (risk stratification) and UKFast.net limited (storage).")
    assert [n for n, _ in _found(text, resolver)] == [
        "Liaison Financial Services Ltd", "Prescribing Services Limited", "UKFast.net limited"]


def test_storage_location_is_infrastructure_named_as_written(resolver):
    # DARS-NIC-07233-W1M2Q: a company the vocabulary does not know keeps the name the text gives it
    text = ("Data will be stored at UKFast.net limited based in the UK, who are named as NAW's data storage "
            "location in this agreement. NAW have purchased a dedicated server at this location to store the HES "
            "data. UK FAST personnel can access this server for IT management purposes.")
    [f] = extract_processors(_version(text, ("NEIL WILSON ASSOCIATES LLP",)), resolver, "t.xlsx")
    assert (f.organisation, f.role, f.datasets) == ("UKFast.net limited", "infrastructure", [])
    assert f.evidence.text.startswith("Data will be stored at UKFast.net limited based in the UK")
    assert not resolver.organisation(f.organisation).known


def test_hosting_supplier_in_brackets_is_infrastructure(resolver):
    # the shape "stored in/hosted on … (X)"
    text = "The data will be hosted on a secure cloud platform (UKFast.net limited) in the UK."
    assert _found(text, resolver) == [("UKFast.net limited", "infrastructure")]


def test_supplier_listed_as_processor_is_infrastructure_whatever_it_supplies_to(resolver):
    # DARS-NIC-127332-G0J1N ("supply provide … for"), and the "supply … to"
    text = ("Microsoft UK supply provide Cloud Services for Liaison Financial Services Ltd and NHS Midlands and "
            "Lancashire Commissioning Support Unit, and are therefore listed as a data processor. They supply "
            "support to the system, but do not access data.\n"
            "LIMA Networks Ltd supply IT infrastructure to NHS Midlands and Lancashire Commissioning Support Unit "
            "and are therefore listed as a data processor.")
    assert _found(text, resolver) == [("Microsoft Limited", "infrastructure"), ("Lima Networks Ltd", "infrastructure")]


def test_offsite_back_up_supplier_is_infrastructure(resolver):
    text = "UKFast.net limited provide offsite back-up services for the server holding the data."
    assert _found(text, resolver) == [("UKFast.net limited", "infrastructure")]


def test_relative_clause_names_the_processor(resolver):
    # the shape "a contract is in place between the controller and B, who process the data"
    text = "A contract is in place between the controller and Liaison Financial Services Ltd, who process the data."
    assert _found(text, resolver) == [("Liaison Financial Services Ltd", "processor")]


def test_subject_list_of_processors_leaves_out_the_controller(resolver):
    # the shape "A, B and C are data processors for this study", A the controller
    text = ("University of Leicester, Liaison Financial Services Ltd and Prescribing Services Limited are data "
            "processors for this study.")
    assert _found(text, resolver, ("UNIVERSITY OF LEICESTER",)) == [
        ("Liaison Financial Services Ltd", "processor"), ("Prescribing Services Limited", "processor")]


def test_defined_as_processor_with_reason_names_the_organisation(resolver):
    # the shape "X is defined as a data processor as they process …"
    text = "The University of Leeds is defined as a data processor as they process the linkage for the study."
    assert _found(text, resolver, ("UNIVERSITY OF LEICESTER",)) == [("University of Leeds", "processor")]


def test_subject_will_process_the_data(resolver):
    text = "Liaison Financial Services Ltd will process the pseudonymised data for invoice validation."
    assert _found(text, resolver) == [("Liaison Financial Services Ltd", "processor")]


def test_negation_removes_only_the_names_it_governs(resolver):
    text = "Liaison Financial Services Ltd will process the data; no other organisation will have access to it."
    assert _found(text, resolver) == [("Liaison Financial Services Ltd", "processor")]
    assert _found("Liaison Financial Services Ltd will not process the data.", resolver) == []


# --- exclusions -------------------------------------------------------------------------------


def test_controller_calling_itself_sole_processor_is_not_one(resolver):
    # DARS-NIC-10123-M5K5H
    assert _found("The University of Oxford will be the sole data processor.", resolver,
                  ("UNIVERSITY OF OXFORD",)) == []


def test_controller_storing_the_data_is_not_a_processor(resolver):
    # DARS-NIC-07763-M5K6S, and DARS-NIC-617755-B4F1L (the controller by its acronym)
    assert _found("Data is stored and managed by Cambridgeshire County Council.", resolver,
                  ("CAMBRIDGESHIRE COUNTY COUNCIL",)) == []
    assert _found("Once agreed, the Local Authorities will transfer the data to an environment hosted by ESCC.",
                  resolver, ("BRIGHTON AND HOVE CITY COUNCIL", "EAST SUSSEX COUNTY COUNCIL")) == []


def test_processor_of_another_bodys_source_data_is_not_one(resolver):
    # DARS-NIC-120105-F0K2L
    text = ("This audit is commissioned by the Healthcare Quality Improvement Partnership (HQIP) and University of "
            "Leeds is a data processor for the audit data.")
    assert _found(text, resolver, ("UNIVERSITY OF LEICESTER",)) == []


def test_funder_providing_funding_is_not_a_processor(resolver):
    # DARS-NIC-10123-M5K5H
    text = ("The trial was supported by the NIHR HTA, and the BUPA Foundation and more recently secure long-term "
            "funding has been provided by The Nuffield Department of Population Health.")
    assert _found(text, resolver, ("UNIVERSITY OF OXFORD",)) == []


def test_department_of_the_controller_is_not_a_processor(resolver):
    text = "Analysis will be conducted by the Nuffield Department of Population Health."
    assert _found(text, resolver, ("UNIVERSITY OF OXFORD",)) == []


def test_national_portal_host_is_the_route_not_a_processor(resolver):
    # DARS-NIC-00747-G8G0Z
    text = ("The system is hosted and audited by NHS England meaning that large transfers of data to on-site "
            "servers is reduced.")
    assert _found(text, resolver, ("CHESHIRE EAST COUNCIL",)) == []


# --- names by shape ---------------------------------------------------------------------------


def test_names_are_recognised_by_their_shape():
    assert shaped_like_organisation("UKFast.net limited")
    assert shaped_like_organisation("Office for National Statistics")
    assert shaped_like_organisation("Great Western Hospitals NHS Foundation Trust")
    assert not shaped_like_organisation("UK FAST personnel")
    assert not shaped_like_organisation("Prescribing services")


def test_leading_name_trims_trailing_words(resolver):
    assert leading_name("UKFast.net limited based in the UK", resolver) == "UKFast.net limited"
    assert leading_name("NHS Digital before release", resolver) == "NHS Digital"
    assert leading_name("the data processor", resolver) is None


def test_coordinations_split_without_breaking_names(resolver):
    assert split_names("NHS South, Central and West Commissioning Support Unit", resolver) == [
        "NHS South, Central and West Commissioning Support Unit"]
    assert split_names("both Liaison Financial Services Ltd and the University of Leeds", resolver) == [
        "Liaison Financial Services Ltd", "University of Leeds"]
    assert split_names("UKFast.net limited (hosted by Rackspace Limited)", resolver) == [
        "UKFast.net limited", "Rackspace Limited"]
    assert split_names("Optum Health Solutions (UK) Limited", resolver) == ["Optum Health Solutions (UK) Limited"]

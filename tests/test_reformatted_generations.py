"""Each generation of the reformatted pages, read field by field, and the field-value splitters."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kg.records import OrgMention
from kg.sources.reformatted import (
    normalise_reference,
    parse_page,
    parse_purposes,
    parse_when,
    read_page,
    split_access_methods,
    split_legal_bases,
    split_opt_outs,
    split_sensitivity,
)
from kg.vocab import Vocabulary

PAGES = Path(__file__).parent / "fixtures" / "pages"


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary.load()


def versions(name: str, vocab: Vocabulary):
    doc = read_page(PAGES / name, vocab)
    return doc, [a.versions[0] for a in doc.agreements]


# -- newer (B-newer) -------------------------------------------------------------------------------

def test_newer_ohid(vocab: Vocabulary) -> None:
    doc, [v] = versions("goodtreswork.com__office_for_health_improvement_and_disparities.txt", vocab)
    assert doc.organisation == "Office For Health Improvement And Disparities"
    assert doc.unsafe_files == 29
    assert v.title == "DHSC Data Sharing Agreement managed by OHID."
    assert v.types_of_data == ["Anonymised - ICO Code Compliant", "Identifiable"]
    assert v.opt_outs == ["No"]
    assert v.confidentiality == ["Mixture of confidential data flow(s) with support under section 251 "
                                 "NHS Act 2006 and non-confidential data flow(s)"]
    assert v.legal_bases == ["Health and Social Care Act 2012 – s261(2)(a)",
                             "Health and Social Care Act 2012 - s261(5)(d)"]
    assert (v.commercial, v.applicant_types) == (False, ["Ministerial Department"])
    assert v.sensitivity == ["Sensitive", "Non-Sensitive"]
    assert (v.start, v.end, v.first_release, v.last_release) == (
        date(2022, 11, 4), date(2025, 11, 3), "2023-01", "2024-09")
    assert v.access_methods == ["Ongoing", "One-Off", "System Access"]
    assert v.controllers == [OrgMention("DEPARTMENT OF HEALTH AND SOCIAL CARE", "controller")]
    assert v.sublicensing is False
    assert len(v.datasets) == 19  # item 20 is cut off after its number
    assert v.datasets[4].name == "HES:Civil Registration (Deaths) bridge"
    assert v.objective == "" and v.incomplete


def test_newer_dr_foster(vocab: Vocabulary) -> None:
    doc, [v] = versions("theysolditanyway.com__dr_foster_limited.txt", vocab)
    assert doc.organisation == "Dr. Foster Limited"
    assert v.reference == "DARS-NIC-392201-S6C3W"
    assert v.types_of_data == ["Anonymised - ICO Code Compliant"]  # the TRE placeholder is dropped
    assert v.opt_outs == ["No - data flow is not identifiable", "No"]
    assert v.confidentiality == ["Does not include the flow of confidential data"]
    assert v.legal_bases == ["Health and Social Care Act 2012 - s261 - 'Other dissemination of information'",
                             "Health and Social Care Act 2012 – s261(2)(a)"]
    assert (v.commercial, v.applicant_types) == (True, ["Supplier"])
    assert v.sensitivity == ["Non Sensitive", "Sensitive", "Non-Sensitive"]
    assert (v.start, v.end) == (date(2020, 10, 13), date(2022, 1, 12))
    assert v.access_methods == ["Ongoing", "One-Off"]
    assert [c.name for c in v.controllers] == ["TELSTRA HEALTH UK LIMITED"]
    assert len(v.datasets) == 16
    assert v.objective.startswith("Aim and purpose of this application:\nDr Foster has provided")
    assert v.text_line["objective"] == 49


def test_newer_controllers_deduped_and_flags(vocab: Vocabulary) -> None:
    doc, [v] = versions("theysolditanyway.com__iqvia_solutions_uk_limited.txt", vocab)
    assert len(doc.flags) == 1 and doc.flags[0].startswith("Iqvia Solutions Uk Limited was sent multiple")
    assert [c.name for c in v.controllers] == ["IQVIA SOLUTIONS UK LIMITED", "IQVIA TECHNOLOGY SERVICES LTD.",
                                               "IQVIA LTD"]
    assert v.applicant_types == ["Supplier", "Commercial"]
    assert v.title == "NIC-373563 - IQVIA Solutions UK Limited & IQVIA Technology Services Ltd"
    assert doc.warnings == [f"{doc.name}: line 39: dataset name cut off ('Civil Registration'), left out"]


def test_newer_odd_values(vocab: Vocabulary) -> None:
    _, [phe] = versions("theysolditanyway.com__public_health_england_phe.txt", vocab)
    assert phe.types_of_data == ["Identifiable"] and phe.confidentiality == []  # "Identifiable (, )"
    assert phe.legal_bases[0] == "Other-NHS Regulatons (3)"
    _, [dhsc] = versions("www.theysolditanyway.com__department_of_health_and_social_care.txt", vocab)
    assert dhsc.sublicensing is True and dhsc.other_fields == {"Sublicensing allowed": "No, Yes"}
    _, [agem] = versions("www.theysolditanyway.com__nhs_arden_and_greater_east_midlands_commissioning_support_unit"
                         ".txt", vocab)
    assert agem.commercial is False and agem.applicant_types == []
    assert agem.other_fields["Purposes"].startswith("No, NHS England commission secondary care")
    assert agem.types_of_data == ["Pseudonymised", "Anonymised - ICO Code Compliant"]
    doc, [itsl] = versions("www.theysolditanyway.com__iqvia_technology_services_ltd.txt", vocab)
    assert doc.organisation == "Iqvia Technology Services Ltd."  # no banner line on this page
    assert (itsl.commercial, itsl.applicant_types) == (None, ["Supplier"])
    assert itsl.yielded_benefits.startswith("Clinical trials are often multi-year projects")
    assert itsl.expected_benefits.endswith("• accelerating study start-up through faster si")


# -- compact (B2-newer-compact) --------------------------------------------------------------------

def test_compact_leeds(vocab: Vocabulary) -> None:
    doc, [v] = versions("theysolditanyway.com__leeds_institute_of_health_sciences.txt", vocab)
    assert doc.organisation == "Leeds Institute Of Health Sciences"
    assert doc.unsafe_files == 4 and len(doc.flags) == 1
    assert v.title == "Yorkshire Lung Screening Trial (s251)"
    assert v.opt_outs == ["Yes"]
    assert v.confidentiality == ["Section 251 NHS Act 2006"]  # "(Excuses: …)"
    assert v.types_of_data == ["Identifiable"]  # Type of data: after the dataset list
    assert v.legal_bases == ["National Health Service Act 2006 - s251 - 'Control of patient information'."]
    assert (v.commercial, v.applicant_types) == (False, ["Academic"])
    assert (v.start, v.end, v.first_release, v.last_release) == (
        date(2025, 7, 1), date(2028, 7, 1), "2025-08", "2025-08")
    assert v.access_methods == ["Frequent Adhoc Flow"]
    assert [c.name for c in v.controllers] == ["LEEDS TEACHING HOSPITALS NHS TRUST", "UNIVERSITY OF LEEDS"]
    assert v.dataset_names() == ["Civil Registrations of Death", "NDRS Cancer Consolidated Data Set"]
    assert v.objective.startswith("The University of Leeds requires access")
    assert v.text_line["objective"] == 19


def test_compact_oxfordshire_index_is_not_blocks(vocab: Vocabulary) -> None:
    doc, vs = versions("theysolditanyway.com__nhs_buckinghamshire_oxfordshire_and_berkshire_west_icb__10q.txt",
                       vocab)
    assert doc.organisation == "NHS Buckinghamshire, Oxfordshire And Berkshire West Icb - 10q"
    assert [v.reference for v in vs] == ["DARS-NIC-445826-K3H7D"]
    [v] = vs
    assert v.title == "DSfC - NHS Oxfordshire CCG - RS & IV"
    assert v.opt_outs == ["Yes - patient objections upheld"]
    assert v.types_of_data == ["Identifiable"]
    assert v.legal_bases == ["National Health Service Act 2006 - s251 - 'Control of patient information'.",
                             "Health and Social Care Act 2012 s261(7)"]
    assert (v.start, v.end, v.first_release, v.last_release) == (
        date(2021, 3, 29), date(2024, 3, 28), "2021-03", "2021-05")
    assert v.access_methods == ["One-Off", "Frequent Adhoc Flow"]
    assert v.dataset_names() == ["SUS for Commissioners", "Personal Demographic Service"]
    assert v.objective.startswith("Invoice Validation\nInvoice validation is part")


def test_compact_unknown_label_kept_and_reported(vocab: Vocabulary) -> None:
    doc, [v] = versions("theysolditanyway.com__nhs_cannock_chase_ccg.txt", vocab)
    assert doc.warnings == [f"{doc.name}: line 14: unknown label 'AGD/predecessor discussions:' kept as text"]
    assert v.other_fields["AGD/predecessor discussions"].startswith("IGARD Minutes - 26 January 2023 final.pdf")
    assert v.confidentiality == [
        "Does not include the flow of confidential data",
        "Mixture of confidential data flow(s) with consent and flow(s) with support under section 251 NHS Act 2006",
        "Section 251 NHS Act 2006"]
    assert (v.start, v.end) == (date(2019, 6, 1), date(2022, 6, 1))
    assert v.incomplete and v.datasets == []


# -- older (A-older) -------------------------------------------------------------------------------

def test_older_phe_two_projects(vocab: Vocabulary) -> None:
    doc, [p1, p2] = versions("www.theysolditanyway.com__public_health_england_phe.txt", vocab)
    assert doc.organisation == "Public Health England (phe)" and doc.unsafe_files is None
    assert (p1.title, p1.reference) == ("Project 1", "DARS-NIC-147794-JDPT1")
    assert p1.opt_outs == ["N"]
    assert p1.sensitivity == ["Sensitive", "Non Sensitive"]
    assert (p1.start, p1.end, p1.first_release, p1.last_release) == (None, None, "2016-04", "2016-11")
    assert p1.other_fields == {"When": "2016/04 (or before) — 2016/11."}
    assert p1.access_methods == ["Ongoing"]
    assert p1.legal_bases == ["Other-NHS Regulations (3)"]
    assert p1.types_of_data == ["Identifiable"]
    assert p1.dataset_names() == ["MRIS - Cause of Death Report", "MRIS - Cohort Event Notification Report"]
    assert p1.objective.startswith("Survival analysis of a cohort")
    assert not p1.incomplete and p2.incomplete
    assert p2.opt_outs == ["Y", "N"]
    assert p2.legal_bases == [
        "Other-NHS Regulations (3)",
        "Informed Patient consent to permit the receipt, processing and release of data by the HSCIC",
        "Health and Social Care Act 2012",
        "Section 42(4) of the Statistics and Registration Service Act (2007) as amended by section 287 of the "
        "Health and Social Care Act (2012)"]
    assert (p2.first_release, p2.last_release) == ("2016-04", "2018-05")
    assert len(p2.datasets) == 4


def test_older_unreferenced_and_short_references(vocab: Vocabulary) -> None:
    doc, [p1, p2] = versions("www.theysolditanyway.com__public_health_england_phe__v2.txt", vocab)
    a1, a2 = doc.agreements
    assert not a1.referenced and a1.base_reference.startswith("UNREF-")
    assert (p1.title, p1.reference) == ("Project 1", "PHECancerReg")
    assert p1.opt_outs == ["No - not applicable for this dataset",
                           "No - flow to PHE under a memorandum of understanding",
                           "No - consent provided by participants of research study"]
    assert a2.referenced and a2.base_reference == "DARS-NIC-154590-YG6QH" and p2.reference == "NIC-154590-YG6QH"
    assert p2.objective.startswith("Objective for processing: The diabetic")  # prose, not a label
    again = parse_page((PAGES / doc.name).read_text(encoding="utf-8"), doc.name, vocab)
    assert again.agreements[0].base_reference == a1.base_reference  # stable


def test_older_headless_and_benefits(vocab: Vocabulary) -> None:
    _, [v] = versions("theysolditanyway.com__nhs_england_skipton_house.txt", vocab)
    assert v.opt_outs == ["No - data flow is not identifiable"]
    assert v.confidentiality == ["Does not include the flow of confidential data"]
    assert v.types_of_data == ["Anonymised - ICO code compliant"]
    assert v.access_methods == ["One-Off"]
    assert v.dataset_names() == ["GPES Data for Pandemic Planning and Research (COVID-19)"]
    assert v.objective.startswith("NHS England, also known as")
    _, [h] = versions("theysolditanyway.com__nhs_north_east_hampshire_and_farnham_ccg.txt", vocab)
    assert h.reference == "NIC-116548-M7Z5F" and len(h.datasets) == 20
    assert h.types_of_data == ["Anonymised - ICO code compliant", "Identifiable"]
    assert h.expected_benefits.startswith("Invoice Validation 1. Financial validation")


# -- the 2016 layout (no sample survives: a small realistic page) ----------------------------------

PAGE_2016 = """HSCIC Data Release Register 2016 - reformatted

Example University Hospitals NHS Foundation Trust

Cardiac surgery outcomes audit

HSCIC Id: NIC-12345-ABCDE

Data:

  • Hospital Episode Statistics Admitted Patient Care
  • ONS Mortality Data

Basis: Section 251 approval is in place for the flow of identifiable data

Format: Identifiable

How often: One-Off

Objectives:

To measure mortality within 30 days of cardiac surgery, by hospital.

Output:

Anonymised tables in the annual audit report.

Commissioning support extract

HSCIC Id: NIC-67890

Data: Hospital Episode Statistics Outpatients

Basis: Health and Social Care Act 2012

Format: Pseudonymised

How often: Ongoing

Output:

Monthly reports for commissioners.
"""


def test_2016_layout(vocab: Vocabulary) -> None:
    doc = parse_page(PAGE_2016, "example_2016.txt", vocab)
    assert doc.organisation == "Example University Hospitals NHS Foundation Trust"
    assert [(a.base_reference, a.referenced) for a in doc.agreements] == [
        ("DARS-NIC-12345-ABCDE", True), ("NIC-67890", True)]
    v1, v2 = (a.versions[0] for a in doc.agreements)
    assert (v1.title, v1.reference) == ("Cardiac surgery outcomes audit", "NIC-12345-ABCDE")
    assert v1.dataset_names() == ["Hospital Episode Statistics Admitted Patient Care", "ONS Mortality Data"]
    assert v1.legal_bases == ["Section 251 approval is in place for the flow of identifiable data"]
    assert v1.types_of_data == ["Identifiable"] and v1.access_methods == ["One-Off"]
    assert v1.objective == "To measure mortality within 30 days of cardiac surgery, by hospital."
    assert v1.expected_outputs == "Anonymised tables in the annual audit report."
    assert v2.dataset_names() == ["Hospital Episode Statistics Outpatients"]
    assert v2.types_of_data == ["Pseudonymised"] and v2.access_methods == ["Ongoing"]
    assert v2.expected_outputs == "Monthly reports for commissioners."
    assert not v1.incomplete and not v2.incomplete
    assert doc.warnings == []


# -- value splitters -------------------------------------------------------------------------------

def test_references() -> None:
    assert normalise_reference("DARS-NIC-199599-S0T5M") == "DARS-NIC-199599-S0T5M"
    assert normalise_reference("dars-nic-00574-v2h1f-v4.2") == "DARS-NIC-00574-V2H1F"
    assert normalise_reference("NIC-154590-YG6QH") == "DARS-NIC-154590-YG6QH"
    assert normalise_reference("NIC-373563") == "NIC-373563"
    assert normalise_reference("PHECancerReg") is None


def test_legal_bases_split() -> None:
    assert split_legal_bases(
        "Health and Social Care Act 2012 - s261 - 'Other dissemination of information', , "
        "Health and Social Care Act 2012 – s261(2)(a)") == [
        "Health and Social Care Act 2012 - s261 - 'Other dissemination of information'",
        "Health and Social Care Act 2012 – s261(2)(a)"]
    assert split_legal_bases(", Other-NHS Regulatons (3); Section 42(4) of the Act (2007)") == [
        "Other-NHS Regulatons (3)", "Section 42(4) of the Act (2007)"]
    assert split_legal_bases("Informed Patient consent to permit the receipt, processing and release of "
                             "data by the HSCIC") == [
        "Informed Patient consent to permit the receipt, processing and release of data by the HSCIC"]
    assert split_legal_bases("") == []


def test_opt_outs_split(vocab: Vocabulary) -> None:
    assert split_opt_outs("Yes - patient objections upheld, N, Identifiable, Yes (Section 251, "
                          "Section 251 NHS Act 2006)", vocab) == (
        ["Yes - patient objections upheld", "N", "Yes"], ["Identifiable"],
        ["Section 251", "Section 251 NHS Act 2006"])
    assert split_opt_outs("Identifiable (Consent (Reasonable Expectation))", vocab) == (
        [], ["Identifiable"], ["Consent (Reasonable Expectation)"])
    assert split_opt_outs("Identifiable (, )", vocab) == ([], ["Identifiable"], [])
    assert split_opt_outs("N", vocab) == (["N"], [], [])


def test_purposes() -> None:
    assert parse_purposes("No (Clinical Commissioning Group (CCG), Sub ICB Location)") == (
        False, ["Clinical Commissioning Group (CCG)", "Sub ICB Location"], "")
    assert parse_purposes("Yes (Supplier, Commercial)") == (True, ["Supplier", "Commercial"], "")
    assert parse_purposes("()") == (None, [], "")
    assert parse_purposes("") == (None, [], "")


@pytest.mark.parametrize(("text", "expected"), [
    ("DSA runs 2018-12-20 — 2021-06-10 2018.06 — 2021.04.",
     (date(2018, 12, 20), date(2021, 6, 10), "2018-06", "2021-04", "")),
    ("DSA runs 2024-07-08 — 2027-07-07", (date(2024, 7, 8), date(2027, 7, 7), None, None, "")),
    ("2016.04 — 2016.11.", (None, None, "2016-04", "2016-11", "")),
    ("2016/04 (or before) — 2016/11.", (None, None, "2016-04", "2016-11", "(or before)")),
    ("DSA runs 2019-06 – 2022-06 2018.06 — 2021.05.", (date(2019, 6, 1), date(2022, 6, 1), "2018-06", "2021-05", "")),
    ("DSA runs 2020-01-01 — ", (date(2020, 1, 1), None, None, None, "")),
    ("2016/04 — .", (None, None, "2016-04", None, "")),
    ("DSA runs 2020-01-01 — 2021-01-01 extended by letter", (date(2020, 1, 1), date(2021, 1, 1), None, None,
                                                            "extended by letter")),
])
def test_when_forms(text: str, expected: tuple) -> None:
    when = parse_when(text)
    assert (*when.values(), when.residue) == expected


def test_sensitivity_and_access(vocab: Vocabulary) -> None:
    assert split_sensitivity("Non Sensitive, and Sensitive, and Non-Sensitive") == [
        "Non Sensitive", "Sensitive", "Non-Sensitive"]
    assert split_access_methods("Frequent adhoc flow, Frequent Adhoc Flow, One-Off", vocab) == [
        "Frequent Adhoc Flow", "One-Off"]
    assert split_access_methods("System Access, Ongoing (System access exclusively means data was not "
                                "disseminated, but was accessed under supervision)", vocab) == [
        "System Access", "Ongoing"]
    assert split_access_methods("Weekly", vocab) == ["Weekly"]

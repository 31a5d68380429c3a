"""kg.resolve: one node per real thing, whatever the spelling. Exact assertions; fixtures in tests/fixtures/resolve/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from kg.extract.purposes import find_purposes
from kg.names import fold_org_name, ods_code
from kg.namespace import DUR, ORG, SKOS, slug
from kg.resolve import Resolver
from kg.resources import ontology_dir

FIX = Path(__file__).parent / "fixtures" / "resolve"
ORG_ID = "https://w3id.org/regkg/id/org/"
DS = "https://w3id.org/regkg/id/dataset/"
LB = "https://w3id.org/regkg/id/legal-basis/"
PUR = "https://w3id.org/regkg/id/purpose/"


@pytest.fixture(scope="module")
def r() -> Resolver:
    return Resolver.load()


# --------------------------------------------------------------------------- vocabulary files


@pytest.mark.parametrize("name", ["organisations", "datasets", "legal-bases", "purposes"])
def test_turtle_files_parse_and_every_concept_has_one_preflabel(name):
    g = Graph().parse(ontology_dir() / f"{name}.ttl", format="turtle")
    schemes = set(g.subjects(None, SKOS.ConceptScheme))
    assert len(schemes) == 1
    concepts = set(g.subjects(SKOS.inScheme, next(iter(schemes))))
    assert len(concepts) > 10
    for c in concepts:
        assert len(list(g.objects(c, SKOS.prefLabel))) == 1, c


def test_no_two_organisation_concepts_share_an_ods_code():
    g = Graph().parse(ontology_dir() / "organisations.ttl", format="turtle")
    codes: dict[str, URIRef] = {}
    for s, code in g.subject_objects(SKOS.notation):
        assert str(code) not in codes, (code, s, codes.get(str(code)))
        codes[str(code)] = s
        assert str(s) == f"{ORG_ID}ods/{code}"
    assert {"04V", "M2L0M", "78H", "52R", "10Q", "B2M3M", "15C", "04Y", "X24", "X26"} <= set(codes)


def test_organisation_iris_without_code_are_the_slug_of_the_normalised_preflabel():
    g = Graph().parse(ontology_dir() / "organisations.ttl", format="turtle")
    for s in g.subjects(SKOS.inScheme, DUR.OrganisationScheme):
        if "/org/ods/" in str(s):
            continue
        assert str(s) == ORG_ID + slug(fold_org_name(str(g.value(s, SKOS.prefLabel)))), s


def test_every_csu_is_in_the_vocabulary(r):
    labels = {c.label for c in r.known_organisations()}
    assert {
        "NHS Arden and Greater East Midlands Commissioning Support Unit",
        "NHS Midlands and Lancashire Commissioning Support Unit",
        "NHS North of England Commissioning Support Unit",
        "NHS South, Central and West Commissioning Support Unit",
        "NHS North East London Commissioning Support Unit",
    } <= labels


# --------------------------------------------------------------------------- normalisation traps


# the folds themselves: tests/test_names.py


def test_legal_suffixes_fold(r):
    assert r.organisation("Lima networks limited").iri == r.organisation("LIMA Networks Ltd").iri == (
        ORG_ID + "lima-networks")
    assert r.organisation("Optum Health Solutions (UK) Ltd").iri == r.organisation(
        "OPTUM HEALTH SOLUTIONS UK LIMITED").iri


def test_unknown_names_fold_typography_and_case_but_nothing_else(r):
    a = r.organisation("ST GEORGE\u2019S HOSPITAL")
    b = r.organisation("St George's Hospital")
    assert a.iri == b.iri == ORG_ID + "st-george-s-hospital"
    assert not a.known
    assert r.organisation("ST GEORGE'S HOSPTIAL").iri != a.iri  # a typo is not folded


def test_ods_code_from_names():
    assert ods_code("NHS Leicester, Leicestershire and Rutland ICB - 04V") == "04V"
    assert ods_code("Nhs Leicester, Leicestershire And Rutland Icb - 04v") == "04V"
    assert ods_code("NHS BRISTOL, NORTH SOMERSET AND SOUTH GLOUCESTERSHIRE ICB - 15C") == "15C"
    assert ods_code("NHS SHROPSHIRE, TELFORD AND WREKIN ICB - M2L0M") == "M2L0M"
    assert ods_code("NHS SHROPSHIRE, TELFORD AND WREKIN ICB \u2013 M2L0M") == "M2L0M"
    assert ods_code("FOO - LTD") is None
    assert ods_code("Arden and GEM") is None


def test_icb_spelled_out_is_the_same_name(r):
    assert fold_org_name("NHS X ICB") == fold_org_name("NHS X INTEGRATED CARE BOARD")
    assert r.organisation("NHS LEICESTER, LEICESTERSHIRE AND RUTLAND INTEGRATED CARE BOARD").iri == (
        ORG_ID + "nhs-leicester-leicestershire-and-rutland-icb")


# --------------------------------------------------------------------------- organisations


def test_ccg_and_sub_icb_location_are_one_node_with_two_names(r):
    names = ["NHS WEST LEICESTERSHIRE CCG", "NHS West Leicestershire CCG",
             "NHS Leicester, Leicestershire and Rutland ICB - 04V",
             "Nhs Leicester, Leicestershire And Rutland Icb - 04v",
             "NHS LEICESTER, LEICESTERSHIRE AND RUTLAND ICB - 04V"]
    hits = {r.organisation(n) for n in names}
    assert hits == {r.organisation(names[0])}
    hit = hits.pop()
    assert hit.iri == ORG_ID + "ods/04V" and hit.code == "04V" and hit.known
    assert hit.label == "NHS Leicester, Leicestershire and Rutland ICB - 04V"


def test_name_history_and_parent_icb_of_a_sub_icb_location():
    g = Graph().parse(ontology_dir() / "organisations.ttl", format="turtle")
    node = URIRef(ORG_ID + "ods/04V")
    assert {str(x) for x in g.objects(node, DUR.formerName)} == {"NHS West Leicestershire CCG"}
    records = {str(g.value(rec, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))):
               (g.value(rec, DUR.validFrom), g.value(rec, DUR.validUntil))
               for rec in g.objects(node, DUR.nameRecord)}
    assert {k: (str(a) if a else None, str(b) if b else None) for k, (a, b) in records.items()} == {
        "NHS West Leicestershire CCG": (None, "2022-06-30"),
        "NHS Leicester, Leicestershire and Rutland ICB - 04V": ("2022-07-01", None),
    }
    icb = g.value(node, ORG.subOrganizationOf)
    assert str(icb) == ORG_ID + "nhs-leicester-leicestershire-and-rutland-icb"
    assert icb != node


def test_a_code_not_in_the_vocabulary_still_keys_the_node(r):
    a = r.organisation("NHS Somewhere ICB - 99Z")
    b = r.organisation("NHS SOMEWHERE INTEGRATED CARE BOARD - 99z")
    assert a.iri == b.iri == ORG_ID + "ods/99Z"
    assert not a.known and a.code == "99Z"


def test_predecessors_stay_separate_but_linked():
    g = Graph().parse(ontology_dir() / "organisations.ttl", format="turtle")
    nene = URIRef(ORG_ID + "nhs-nene-ccg")
    assert g.value(nene, DUR.successor) == URIRef(ORG_ID + "ods/78H")
    event = g.value(nene, ORG.changedBy)
    assert str(g.value(event, DUR.successionDate)) == "2020-04-01"


def test_every_csu_alias_in_the_samples_lands_on_its_csu(r):
    aliases = json.loads((FIX / "sample_names.json").read_text())["csu_aliases"]
    for alias, key in aliases.items():
        assert r.organisation(alias).iri == ORG_ID + key, alias


def test_no_two_organisation_nodes_of_the_samples_share_an_ods_code(r):
    names = json.loads((FIX / "sample_names.json").read_text())["organisations"]
    by_code: dict[str, set[str]] = {}
    for n in names:
        hit = r.organisation(n)
        if hit.code:
            by_code.setdefault(hit.code, set()).add(hit.iri)
    assert all(len(iris) == 1 for iris in by_code.values()), by_code
    assert set(by_code) == {"78H", "M2L0M", "04V", "10Q", "52R", "04Y", "B2M3M", "X24", "X26"}


def test_every_sample_organisation_is_in_the_vocabulary(r):
    names = json.loads((FIX / "sample_names.json").read_text())["organisations"]
    assert [n for n in names if not r.organisation(n).known] == []


@pytest.mark.parametrize(("a", "b"), [
    ("University Hospitals Bristol NHS Foundation Trust",
     "University Hospitals Bristol and Weston NHS Foundation Trust"),
    ("IQVIA Ltd", "IQVIA Solutions UK Limited"),
    ("IQVIA Ltd", "IQVIA Technology Services Ltd"),
    ("NHS Leicester, Leicestershire and Rutland ICB", "NHS Leicester, Leicestershire and Rutland ICB - 04V"),
    ("NHS Cannock Chase CCG", "NHS STAFFORDSHIRE AND STOKE-ON-TRENT ICB - 04Y"),
    ("Dr Foster Limited", "Telstra Health UK Limited"),
    ("Public Health England", "Office for Health Improvement and Disparities"),
    ("University of Leeds", "Leeds Teaching Hospitals NHS Trust"),
    ("South Tees Hospitals NHS Foundation Trust", "South Tyneside NHS Foundation Trust"),
    ("NHS South Warwickshire CCG", "NHS Warwickshire North CCG"),
])
def test_near_misses_do_not_merge(r, a, b):
    assert r.organisation(a).iri != r.organisation(b).iri


def test_unresolved_names_are_counted(r):
    fresh = Resolver.load()
    fresh.organisation("Acme Widgets Ltd")
    fresh.organisation("ACME WIDGETS LIMITED")
    fresh.organisation("NHS England")
    assert fresh.unresolved == {("organisation", "Acme Widgets Ltd"): 1, ("organisation", "ACME WIDGETS LIMITED"): 1}


def test_suggest_duplicates_never_merges_and_gives_evidence(r):
    names = ["NHS FOO ICB - 99X", "Nhs Foo Icb - 99x", "NHS FOO INTEGRATED CARE BOARD - 99X",
             "Leeds Teaching Hospital NHS Trust", "Acme Analytics Limited", "NHS England"]
    suggestions = r.suggest_duplicates(names)
    by_reason = {s.reason: s for s in suggestions}
    assert by_reason["shared ODS code"].names == ("NHS FOO ICB - 99X", "Nhs Foo Icb - 99x",
                                                  "NHS FOO INTEGRATED CARE BOARD - 99X")
    assert "99X" in by_reason["shared ODS code"].evidence
    near = by_reason["near spelling"]
    assert near.names[0] == "Leeds Teaching Hospital NHS Trust"
    assert near.target == ORG_ID + "leeds-teaching-hospitals-nhs-trust"
    assert not any("NHS England" in s.names for s in suggestions)
    assert r.organisation("Leeds Teaching Hospital NHS Trust").known is False  # still not merged


# --------------------------------------------------------------------------- datasets


@pytest.mark.parametrize(("name", "key"), [
    ("SUS+", "sus-plus"), ("sus for commissioners", "sus-plus"), ("SUS for Commissioners", "sus-plus"),
    ("HES APC", "hes-apc"), ("Hospital Episode Statistics Admitted Patient Care", "hes-apc"),
    ("Hospital Episode Statistics Admitted Patient Care (HES APC)", "hes-apc"),
    ("HES \u2013 Admitted Patient Care", "hes-apc"),
    ("Hospital Episode Statistics Outpatients (HES OP)", "hes-op"),
    ("Hospital Episode Statistics Accident and Emergency (HES A and E)", "hes-ae"),
    ("Hospital Episode Statistics Critical Care", "hes-critical-care"),
    ("Mental Health Services Data Set", "mhsds"), ("Mental Health Services Data Set (MHSDS)", "mhsds"),
    ("Mental Health Services Dataset", "mhsds"), ("MHSDS", "mhsds"),
    ("Mental Health Minimum Data Set", "mhmds"), ("MHMDS", "mhmds"),
    ("Mental Health Services Data Set (MHSDS) v5.0", "mhsds-v5"),
    ("Maternity Services Data Set (MSDS) v1.5", "msds-v1-5"), ("Maternity Services Data Set (MSDS) v2", "msds-v2"),
    ("MSDS (Maternity Services Data Set) v2.0", "msds-v2"), ("Maternity Services Data Set", "msds"),
    ("Civil Registrations of Death", "civil-registration-deaths"),
    ("Civil Registration - Deaths", "civil-registration-deaths"),
    ("Civil Registration (Deaths) - Secondary Care Cut", "civil-registration-deaths-secondary-care-cut"),
    ("Community Services Data Set (CSDS)", "csds"), ("Emergency Care Data Set (ECDS)", "ecds"),
    ("Diagnostic Imaging Dataset", "did"), ("Improving Access to Psychological Therapies Data Set", "iapt"),
    ("NDRS Cancer Registrations", "ndrs-cancer-registrations"),
    ("Primary Care Mortality Data", "primary-care-mortality-data"),
    ("MRIS - Cause of Death Report", "mris-cause-of-death"),
    ("MRIS \u2013 Cause of Death Report", "mris-cause-of-death"),
    ("GPES Data for Pandemic Planning and Research (COVID-19)", "gdppr"),
    ("Permission to Contact", "permission-to-contact"),
    ("NDRS Linked HES Admitted Patient Care", "ndrs-linked-hes-apc"),
])
def test_dataset_by_any_label(r, name, key):
    hit = r.dataset(name)
    assert (hit.iri, hit.known) == (DS + key, True)


def test_mhmds_is_not_mhsds_and_linked_hes_is_not_hes(r):
    assert r.dataset("Mental Health Minimum Data Set").iri != r.dataset("Mental Health Services Data Set").iri
    assert r.dataset("NDRS Linked HES APC").iri != r.dataset("HES APC").iri
    assert r.dataset("Civil Registrations of Death - Secondary Care Cut").iri != r.dataset(
        "Civil Registrations of Death").iri


def test_msds_versions_are_narrower_concepts():
    g = Graph().parse(ontology_dir() / "datasets.ttl", format="turtle")
    assert set(g.objects(URIRef(DS + "msds"), SKOS.narrower)) == {URIRef(DS + "msds-v1-5"), URIRef(DS + "msds-v2")}
    assert g.value(URIRef(DS + "msds-v2"), SKOS.broader) == URIRef(DS + "msds")


def test_unknown_dataset_keeps_its_own_node(r):
    a = r.dataset("Bespoke Extract : SUS PbR A&E")
    assert not a.known and a.iri == DS + "bespoke-extract-sus-pbr-a-and-e"
    assert a.iri != r.dataset("SUS+").iri
    wrong_acronym = r.dataset("Hospital Episode Statistics Admitted Patient Care (HES OP)")
    assert not wrong_acronym.known


# --------------------------------------------------------------------------- legal bases


def _keys(hits):
    return [h.iri.removeprefix(LB) for h in hits]


@pytest.mark.parametrize("text", [
    "Health and Social Care Act 2012 \u2013 s261(7)", "Health and Social Care Act 2012  s261(7)",
    "Health and Social Care Act 2012 - s261(7)", "Health and Social Care Act 2012 s261(7)",
])
def test_s261_7_in_any_spelling(r, text):
    assert _keys(r.legal_bases(text)) == ["hsca-2012-s261-7"]


@pytest.mark.parametrize("text", [
    "National Health Service Act 2006 - s251 - 'Control of patient information'.",
    "National Health Service Act 2006 - s251 - \u2018Control of patient information\u2019.",
    "Section 251 approval is in place for the flow of identifiable data",
])
def test_s251_spellings(r, text):
    assert _keys(r.legal_bases(text)) == ["nhs-act-2006-s251"]


def test_other_dissemination_is_not_s261_7(r):
    assert _keys(r.legal_bases("Health and Social Care Act 2012 - s261 - 'Other dissemination of information'")) == [
        "hsca-2012-s261-other-dissemination"]


def test_several_bases_in_one_cell(r):
    assert _keys(r.legal_bases(
        "Health and Social Care Act 2012 \u2013 s261(7); National Health Service Act 2006 - s251 - "
        "'Control of patient information'.")) == ["hsca-2012-s261-7", "nhs-act-2006-s251"]
    assert _keys(r.legal_bases("Health and Social Care Act 2012 \u2013 s261(1) and s261(2)(b)(ii)")) == [
        "hsca-2012-s261-1", "hsca-2012-s261-2-b-ii"]
    assert _keys(r.legal_bases(
        "Health and Social Care Act 2012, Health and Social Care Act 2012 \u2013 s261(1) and s261(2)(b)(ii), "
        "Health and Social Care Act 2012 - s261 - 'Other dissemination of information', "
        "Health and Social Care Act 2012 \u2013 s261(2)(a)")) == [
        "hsca-2012", "hsca-2012-s261-1", "hsca-2012-s261-2-b-ii", "hsca-2012-s261-other-dissemination",
        "hsca-2012-s261-2-a"]


def test_copi_srsa_consent_directions(r):
    assert _keys(r.legal_bases("Health and Social Care Act 2012 - s261(5)(d); Other-Regulation 3 of The Health "
                               "Service (Control of Patient Information) Regulations 2002")) == [
        "hsca-2012-s261-5-d", "copi-2002-reg-3"]
    assert _keys(r.legal_bases("CV19: Regulation 3 (4) of the Health Service (Control of Patient Information) "
                               "Regulations 2002")) == ["copi-2002-reg-3-4"]
    assert _keys(r.legal_bases(", Other-NHS Regulatons (3); Section 42(4) of the Statistics and Registration Service "
                               "Act (2007) as amended by section 287 of the Health and Social Care Act (2012)")) == [
        "copi-2002-reg-3", "srsa-2007-s42-4"]
    assert _keys(r.legal_bases("Approved researcher accreditation under section 39(4)(i) and 39(5) of the "
                               "Statistical Registration Service Act 2007 ")) == [
        "srsa-2007-s39-4-i", "srsa-2007-s39-5"]
    assert _keys(r.legal_bases("Informed Patient consent to permit the receipt, processing and release of data by "
                               "the HSCIC, Informed Patient consent to permit the receipt, processing and release of "
                               "data by NHS Digital")) == ["informed-consent"]
    assert _keys(r.legal_bases("NHS England De-Identified Data Analytics and Publication Directions 2023")) == [
        "nhse-deid-directions-2023"]
    assert _keys(r.legal_bases("Statistics and Registration Service Act 2007 - s45A; SRSA 2007 s45C")) == [
        "srsa-2007-s45a", "srsa-2007-s45c"]


def test_uk_gdpr_articles_link_to_dpv(r):
    assert _keys(r.legal_bases("UK GDPR Article 6(1)(e); Article 9(2)(h)")) == ["uk-gdpr-art-6-1-e",
                                                                               "uk-gdpr-art-9-2-h"]
    g = Graph().parse(ontology_dir() / "legal-bases.ttl", format="turtle")
    assert g.value(URIRef(LB + "uk-gdpr-art-6-1-e"), SKOS.closeMatch) == URIRef(
        "https://w3id.org/dpv/legal/eu/gdpr#A6-1-e")
    assert g.value(URIRef(LB + "hsca-2012-s261-7"), SKOS.broader) == URIRef(LB + "hsca-2012")


def test_unknown_basis_is_kept_and_reported(r):
    fresh = Resolver.load()
    hits = fresh.legal_bases("Some Act 1999 paragraph 4")
    assert [(h.iri, h.label, h.known) for h in hits] == [
        (LB + "unresolved-some-act-1999-paragraph-4", "Some Act 1999 paragraph 4", False)]
    assert fresh.unresolved == {("legal_basis", "Some Act 1999 paragraph 4"): 1}
    assert _keys(fresh.legal_bases("Health and Social Care Act 2012 - s261(9)")) == ["unresolved-hsca-2012-s261-9"]
    assert fresh.legal_bases("") == []


# --------------------------------------------------------------------------- purposes


def test_purpose_by_label(r):
    assert r.purpose("Invoice Validation ").iri == PUR + "invoice-validation"
    assert r.purpose("RISK STRATIFICATION").iri == PUR + "risk-stratification"
    assert r.purpose("Data must only be used as stipulated") is None


def test_purposes_from_title_abbreviations_and_headings(r):
    objective = "Invoice Validation\nInvoice validation is part of a process.\n\nRisk Stratification\nMore text."
    found = find_purposes(r, "DSfC - NHS Corby CCG; RS & IV.", objective, "rec.json", 40, title_line=2)
    # headings are the better evidence, so they come first; DSfC names the service, not a purpose
    assert [(p.label, p.evidence.start, p.evidence.text) for p in found] == [
        ("Invoice Validation", 40, "Invoice Validation"),
        ("Risk Stratification", 43, "Risk Stratification"),
    ]
    found = find_purposes(r, "DSfC - NHS Corby CCG; RS & IV.", "", "rec.json", 40, title_line=2)
    assert [(p.label, p.evidence.start, p.evidence.text) for p in found] == [
        ("Risk Stratification", 2, "DSfC - NHS Corby CCG; RS & IV"),
        ("Invoice Validation", 2, "DSfC - NHS Corby CCG; RS & IV"),
    ]
    found = find_purposes(r, "", objective, "rec.json", 40)
    assert [(p.label, p.evidence.start, p.evidence.text) for p in found] == [
        ("Invoice Validation", 40, "Invoice Validation"), ("Risk Stratification", 43, "Risk Stratification")]


def test_iv_is_not_a_purpose_outside_commissioning_titles(r):
    assert find_purposes(r, "A Phase IV trial of something", "", "x", 1) == []


def test_purposes_from_sentences_and_title_phrases(r):
    found = find_purposes(
        r, "Access to Civil Registration Deaths \u2013 Local Authority Collaborative Suicide Prevention Strategy",
        "The Institute of Cancer Research requires access to NHS England data for the purpose of the following "
        "research project:\nGenerations Study", "rec.json", 7)
    assert [(p.label, p.evidence.start) for p in found] == [("Research", 7), ("Suicide prevention", 7)]


def test_purposes_link_to_dpv_health():
    g = Graph().parse(ontology_dir() / "purposes.ttl", format="turtle")
    h = "https://w3id.org/dpv/sector/health#"
    assert URIRef(h + "ReimbursementServicesProvision") in set(g.objects(URIRef(PUR + "invoice-validation"),
                                                                         SKOS.broader))
    assert URIRef(h + "HealthcareManagement") in set(g.objects(URIRef(PUR + "commissioning"), SKOS.closeMatch))


def test_a_bare_ods_code_names_its_organisation(r):
    assert r.organisation("04V").iri == r.organisation("NHS Leicester, Leicestershire and Rutland ICB - 04V").iri
    assert r.organisation("04v").iri.endswith("/org/ods/04V")
    assert r.organisation("m2l0m").iri.endswith("/org/ods/M2L0M")
    assert r.organisation("NHS").iri != r.organisation("04V").iri  # a word is never a code
    assert r.organisation("ABC").code is None


@pytest.mark.parametrize(("text", "key"), [
    ("National Health Service Act 2006  s251  'Control of patient information'.", "nhs-act-2006-s251"),
    ("Health Service (Control of Patient Information) Regulations 2002 - Regulation 5", "copi-2002-reg-5"),
    ("Regulation 5 of the Health Service (Control of Patient Information) Regulations 2002", "copi-2002-reg-5"),
])
def test_legal_basis_spellings_leave_nothing_unresolved(text, key):
    fresh = Resolver.load()
    assert [b.iri.rsplit("/", 1)[-1] for b in fresh.legal_bases(text)] == [key]
    assert fresh.unresolved == {}

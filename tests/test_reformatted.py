"""The reformatted register pages: the full sample page, every fixture page, and the errors."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from kg.errors import SourceError
from kg.sources.reformatted import parse_page, read_page
from kg.vocab import Vocabulary

PAGES = Path(__file__).parent / "fixtures" / "pages"
FULL = PAGES / "full" / "nhs_leicester_leicestershire_and_rutland_icb__04v.txt"


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary.load()


def manifest() -> dict[str, str]:
    rows = (PAGES / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return {r.split("\t")[0]: r.split("\t")[2] for r in rows if r.strip()}


# -- the full page ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def full(vocab: Vocabulary):
    doc = read_page(FULL, vocab)
    return doc, doc.agreements[0].versions[0]


def test_full_page_header(full) -> None:
    doc, _ = full
    assert doc.kind == "page"
    assert doc.name == FULL.name
    assert doc.organisation == "NHS Leicester, Leicestershire And Rutland Icb - 04v"
    assert doc.unsafe_files == 2
    assert doc.flags == []
    assert doc.warnings == []
    assert [a.base_reference for a in doc.agreements] == ["DARS-NIC-199599-S0T5M"]


def test_full_page_identity(full) -> None:
    doc, v = full
    assert doc.agreements[0].referenced
    assert v.reference == "DARS-NIC-199599-S0T5M"
    assert v.key == "page-nhs-leicester-leicestershire-and-rutland-icb-04v"
    assert v.version is None
    assert v.title == "DSfC - NHS West Leicestershire CCG IV RS"
    assert not v.incomplete
    assert (v.evidence.source, v.evidence.start, v.evidence.end) == (FULL.name, 7, 121)


def test_full_page_short_fields(full) -> None:
    _, v = full
    assert v.opt_outs == ["Yes - patient objections upheld"]
    assert v.types_of_data == ["Identifiable", "Anonymised - ICO Code Compliant"]
    assert v.confidentiality == [
        "Section 251", "Section 251 NHS Act 2006",
        "Mixture of confidential data flow(s) with consent and non-confidential data flow(s)"]
    assert v.legal_bases == [
        "Section 251 approval is in place for the flow of identifiable data",
        "National Health Service Act 2006 - s251 - 'Control of patient information'.",
        "Health and Social Care Act 2012 – s261(7)",
        "Health and Social Care Act 2012 - s261 - 'Other dissemination of information'"]
    assert v.commercial is False
    assert v.applicant_types == ["Clinical Commissioning Group (CCG)", "Sub ICB Location"]
    assert v.sensitivity == ["Sensitive"]
    assert (v.start, v.end) == (date(2018, 12, 20), date(2021, 6, 10))
    assert (v.first_release, v.last_release) == ("2018-06", "2021-04")
    assert v.access_methods == ["Frequent Adhoc Flow", "One-Off"]
    assert v.sublicensing is False
    assert v.controllers == []  # the label is missing on this page
    assert v.dataset_names() == ["SUS for Commissioners", "Mental Health Services Data Set"]
    assert [d.evidence.start for d in v.datasets] == [25, 26]
    assert v.purposes == []
    assert v.other_fields == {}


def test_full_page_sections_by_position(full) -> None:
    """Datasets:, Objectives:, Outputs: and Processing: are missing; sections follow by position."""
    _, v = full
    assert v.objective.startswith("Invoice Validation\nInvoice validation is part of a process")
    assert v.objective.endswith("Risk Stratification will be conducted by NHS Midlands and Lancashire "
                                "Commissioning Support Unit")
    assert "Risk Stratification\nRisk stratification is a tool" in v.objective
    assert v.yielded_benefits == ""
    assert v.expected_benefits.startswith("Invoice Validation\n1. Financial validation of activity")
    assert v.expected_benefits.endswith("more effective commissioning of services.")
    assert v.expected_outputs.startswith("Invoice Validation\n1. Addressing poor data quality issues")
    assert v.expected_outputs.endswith("or other adverse care outcomes.")
    assert v.processing.startswith("Data must only be used as stipulated within this Data Sharing Agreement.")
    assert "Risk Stratification will be conducted" in v.objective
    assert "transferred securely to NHS Midlands and Lancashire Commissioning Support Unit" in v.processing
    assert v.processing.endswith("access the data pseudonymised at patient level.")
    assert v.text_line == {"objective": 29, "expected_benefits": 45, "expected_outputs": 62,
                           "processing": 80}


# -- every fixture page ----------------------------------------------------------------------------

def expected_headings(text: str) -> list[str | None]:
    """Block headings found independently of the reader: the written reference, or None."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        if re.match(r"^(?:[-•]|\d+\.)\s", line) or line.startswith("When:"):
            continue  # a project index entry, a list item or a date range, never a block
        if m := re.match(r"^.+\s—\s+(\S+)$", line):
            token = m.group(1)
            found.append(token if re.match(r"(DARS-)?NIC-\d", token) else None)
        elif re.match(r"^Project \d+( — .*)?$", line):
            found.append(None)
    return found


@pytest.mark.parametrize("name", sorted(manifest()))
def test_page_references_equal_block_titles(name: str, vocab: Vocabulary) -> None:
    text = (PAGES / name).read_text(encoding="utf-8")
    doc = read_page(PAGES / name, vocab)
    got = [a.versions[0].reference if a.referenced else None for a in doc.agreements]
    assert got == expected_headings(text)
    for agreement in doc.agreements:
        version = agreement.versions[0]
        assert version.key == "page-" + re.sub(r"[^a-z0-9.]+", "-", Path(name).stem.lower()).strip("-.")
        if agreement.referenced:
            assert agreement.base_reference.startswith(("DARS-NIC-", "NIC-"))
            assert agreement.base_reference.endswith(version.reference.upper().removeprefix("DARS-"))
        else:
            assert re.fullmatch(r"UNREF-[0-9a-f]{10}", agreement.base_reference)


@pytest.mark.parametrize("name", sorted(manifest()))
def test_cut_page_last_block_incomplete(name: str, vocab: Vocabulary) -> None:
    doc = read_page(PAGES / name, vocab)
    flags = [a.versions[0].incomplete for a in doc.agreements]
    if flags:
        assert flags == [False] * (len(flags) - 1) + [True]
    else:  # cut inside the project index: reported, not an error
        assert doc.warnings == [f"{name}: page ends inside its project index, before any agreement block"]


def test_every_generation_is_sampled() -> None:
    assert set(manifest().values()) == {"B-newer", "B2-newer-compact", "A-older"}


def test_same_page_twice_gives_same_records(vocab: Vocabulary) -> None:
    first = read_page(FULL, vocab)
    assert read_page(FULL, vocab).agreements == first.agreements


# -- errors ----------------------------------------------------------------------------------------

def test_binary_file(tmp_path: Path, vocab: Vocabulary) -> None:
    path = tmp_path / "page.txt"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(SourceError) as err:
        read_page(path, vocab)
    assert str(err.value) == "page.txt: not a text page (binary content)"


def test_undecodable_file(tmp_path: Path, vocab: Vocabulary) -> None:
    path = tmp_path / "page.txt"
    path.write_bytes(b"Some projects\n\xff\xfe text")
    with pytest.raises(SourceError) as err:
        read_page(path, vocab)
    assert str(err.value) == "page.txt: not a text page (not UTF-8: undecodable byte at offset 14)"


def test_empty_file(tmp_path: Path, vocab: Vocabulary) -> None:
    path = tmp_path / "empty.txt"
    path.write_text(" \n\n", encoding="utf-8")
    with pytest.raises(SourceError) as err:
        read_page(path, vocab)
    assert str(err.value) == "empty.txt: empty file"


def test_page_without_blocks(tmp_path: Path, vocab: Vocabulary) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Shopping list\n\nmilk, eggs\n", encoding="utf-8")
    with pytest.raises(SourceError) as err:
        read_page(path, vocab)
    assert str(err.value) == ("notes.txt: no agreement blocks found (expected a heading such as "
                              "'<title> — DARS-NIC-…' followed by 'Opt outs honoured:')")
    assert "\n" not in str(err.value)


def test_character_cut_by_truncation_is_not_binary(vocab: Vocabulary) -> None:
    """Pages are cut at a byte count, which may split a multi-byte character at the very end."""
    data = FULL.read_bytes()[:600] + "—".encode()[:2]
    text = data.decode("utf-8", errors="ignore")
    doc = parse_page(text, FULL.name, vocab)
    assert [a.base_reference for a in doc.agreements] == ["DARS-NIC-199599-S0T5M"]
    assert doc.agreements[0].versions[0].incomplete


def test_a_page_cut_inside_a_reference_reads_no_agreement_from_that_block(vocab: Vocabulary) -> None:
    """Cut at 300 bytes, the page ends "— DARS-NIC-19": that is no reference, and no agreement."""
    doc = parse_page(FULL.read_bytes()[:300].decode(), FULL.name, vocab)
    assert doc.agreements == []
    assert doc.warnings[-1] == (
        f"{FULL.name}: line 7: block 'DSfC - NHS West Leicestershire CCG IV RS — DARS-NIC-19' has no whole register "
        "reference (expected e.g. '— DARS-NIC-123456-ABC12'); skipped")


def test_a_reference_that_could_walk_a_path_is_no_reference(vocab: Vocabulary) -> None:
    text = FULL.read_text(encoding="utf-8").replace("DARS-NIC-199599-S0T5M", "DARS-NIC-1/../../x")
    doc = parse_page(text, FULL.name, vocab)
    assert doc.agreements == []
    assert "block 'DSfC - NHS West Leicestershire CCG IV RS — DARS-NIC-1/../../x' has no whole register reference" \
        in doc.warnings[-1]


def test_page_controller_lists_keep_comma_names_whole(vocab: Vocabulary) -> None:
    """The page's Data-controller type uses the workbook's splitter: a comma inside a name never splits it."""
    text = (FULL.read_text(encoding="utf-8")
            .replace("Sublicensing allowed: No", "Data-controller type: NHS BUCKINGHAMSHIRE, OXFORDSHIRE AND "
                     "BERKSHIRE WEST ICB - 10Q, NHS BUCKINGHAMSHIRE, OXFORDSHIRE AND BERKSHIRE WEST ICB - 10Q, "
                     "EAST SUSSEX COUNTY COUNCIL\n\nSublicensing allowed: No"))
    version = parse_page(text, "page.txt", vocab).agreements[0].versions[0]
    assert [c.name for c in version.controllers] == [
        "NHS BUCKINGHAMSHIRE, OXFORDSHIRE AND BERKSHIRE WEST ICB - 10Q", "EAST SUSSEX COUNTY COUNCIL"]

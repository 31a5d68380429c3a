"""NHS Digital's Data Release Register (CSV) as a source: its rows, their lines, the edition its
file name gives, its errors, and its rows joining a workbook's agreement (docs/release-register.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kg.build import NAME_KINDS, build
from kg.errors import SourceError
from kg.namespace import iri_agreement, iri_version
from kg.query import run
from kg.records import DatasetUse, Evidence, Release, SourceDocument
from kg.sources import read_source, source_files
from kg.sources.release_register import edition_from_register_name, read_release_register
from kg.sources.workbook import COLUMNS, read_csv_folder
from kg.store import open_store
from kg.vocab import Vocabulary

FIXTURES = Path(__file__).parent / "fixtures"
EXCERPT = FIXTURES / "release-register" / "releaseregister_sep-nov-2017_excerpt.csv"
CORPUS = FIXTURES / "corpus" / "datausesregister_corpus.xlsx"
NAME = EXCERPT.name
HEADER = "".join(EXCERPT.read_text(encoding="utf-8").splitlines(keepends=True)[:2])  # two physical lines

HES_APC = "Hospital Episode Statistics Admitted Patient Care"
ANON = "Anonymised - ICO code compliant"
HSCA = "Health and Social Care Act 2012"
S251 = "Section 251 approval is in place for the flow of identifiable data"


@pytest.fixture(scope="module")
def excerpt() -> SourceDocument:
    return read_release_register(EXCERPT, Vocabulary.load())


def versions(doc: SourceDocument, base: str) -> list:
    return next(a for a in doc.agreements if a.base_reference == base).versions


def release(file: str, dataset: str, line: int, *, applied: bool, kind: str = ANON,
            sensitivity: str = "Non Sensitive", basis: str = HSCA, access: str = "Ongoing") -> Release:
    return Release(file_reference=file, dataset=dataset, month=None, opt_outs_applied=applied,
                   types_of_data=[kind], sensitivity=[sensitivity], legal_bases=[basis],
                   access_methods=[access], evidence=Evidence(NAME, line))


def test_document(excerpt: SourceDocument) -> None:
    assert (excerpt.kind, excerpt.name, excerpt.edition) == ("release-register", NAME, "2017-11")
    assert len(excerpt.agreements) == 32
    assert sum(len(a.versions) for a in excerpt.agreements) == 34
    assert sum(len(v.releases) for a in excerpt.agreements for v in a.versions) == 279
    assert excerpt.warnings == []


def test_rows_of_one_nic_number_exactly(excerpt: SourceDocument) -> None:
    """DARS-NIC-12828-M0K2D-v0.13, lines 5-9: five files mixing types, sensitivity, bases, opt-outs."""
    [version] = versions(excerpt, "DARS-NIC-12828-M0K2D")
    assert (version.reference, version.key, version.version) == ("DARS-NIC-12828-M0K2D-v0.13", "v0.13", "0.13")
    assert iri_version("DARS-NIC-12828-M0K2D", version.key) == (
        "https://w3id.org/regkg/id/agreement/DARS-NIC-12828-M0K2D/v0.13")
    assert version.applicant is not None
    assert (version.applicant.name, version.applicant.role, version.applicant.evidence) == (
        "IMPERIAL COLLEGE LONDON", "applicant", Evidence(NAME, 5))
    assert version.evidence == Evidence(NAME, 5)
    assert version.releases == [
        release("FILE0020390", "Hospital Episode Statistics Outpatients", 5, applied=False, sensitivity="Sensitive"),
        release("FILE0020403", "Hospital Episode Statistics Accident and Emergency", 6, applied=False,
                sensitivity="Sensitive"),
        release("FILE0020416", "Hospital Episode Statistics Critical Care", 7, applied=True),
        release("FILE0020429", HES_APC, 8, applied=True, kind="Identifiable", sensitivity="Sensitive", basis=S251),
        release("FILE0020448", HES_APC, 9, applied=True, kind="Identifiable", sensitivity="Sensitive", basis=S251),
    ]
    assert version.datasets == [
        DatasetUse("Hospital Episode Statistics Outpatients", [ANON], ["Sensitive"], ["Ongoing"], [HSCA],
                   evidence=Evidence(NAME, 5)),
        DatasetUse("Hospital Episode Statistics Accident and Emergency", [ANON], ["Sensitive"], ["Ongoing"],
                   [HSCA], evidence=Evidence(NAME, 6)),
        DatasetUse("Hospital Episode Statistics Critical Care", [ANON], ["Non Sensitive"], ["Ongoing"], [HSCA],
                   evidence=Evidence(NAME, 7)),
        DatasetUse(HES_APC, ["Identifiable"], ["Sensitive"], ["Ongoing"], [S251], evidence=Evidence(NAME, 8)),
    ]
    # version-level values are the union of its datasets', as the workbook reader makes them
    assert version.types_of_data == [ANON, "Identifiable"]
    assert version.sensitivity == ["Sensitive", "Non Sensitive"]
    assert version.legal_bases == [HSCA, S251]
    assert version.access_methods == ["Ongoing"]
    assert version.opt_outs == ["N", "Y"]
    assert (version.first_release, version.last_release) == (None, None)  # the register gives no month
    assert (version.title, version.controllers, version.start, version.end, version.other_fields) == (
        "", [], None, None, {})


def test_two_versions_of_one_agreement_and_their_lines(excerpt: SourceDocument) -> None:
    """DARS-NIC-07763-M5K6S: v2.3 on lines 258-263 and 265-266, v3.4 on line 264 alone."""
    v23, v34 = versions(excerpt, "DARS-NIC-07763-M5K6S")
    assert [v.key for v in (v23, v34)] == ["v2.3", "v3.4"]
    assert [(r.file_reference, r.evidence.start if r.evidence else None) for r in v23.releases] == [
        ("FILE0028326", 258), ("FILE0028329", 259), ("FILE0028330", 260), ("FILE0028339", 261),
        ("FILE0028342", 262), ("FILE0028343", 263), ("FILE0028355", 265), ("FILE0028356", 266)]
    assert v34.releases == [release("FILE0028352", "Hospital Episode Statistics Outpatients", 264, applied=False)]
    assert [d.name for d in v23.datasets] == [HES_APC, "Hospital Episode Statistics Accident and Emergency",
                                              "Hospital Episode Statistics Outpatients"]


def test_line_numbers_count_the_two_line_header(excerpt: SourceDocument) -> None:
    lines = sorted(r.evidence.start for a in excerpt.agreements for v in a.versions for r in v.releases
                   if r.evidence)
    assert lines == list(range(3, 282))
    [bristol] = versions(excerpt, "DARS-NIC-17875-X7K1V")
    assert [(r.file_reference, r.evidence) for r in bristol.releases] == [
        ("FILE0012064", Evidence(NAME, 3)), ("FILE0012071", Evidence(NAME, 4))]


def test_version_keys_are_the_workbooks(tmp_path: Path) -> None:
    """The same NIC number read by the workbook reader gets the same version key, hence the same IRI."""
    ref = "DARS-NIC-12828-M0K2D-v0.13"
    folder = tmp_path / "workbook"
    folder.mkdir()
    for sheet, columns in COLUMNS.items():
        with (folder / f"{sheet}.csv").open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(columns)
            writer.writerow([ref if c == "Reference Number" else "" for c in columns])
    [book] = read_csv_folder(folder, Vocabulary.load()).agreements
    [register] = [a for a in read_release_register(EXCERPT, Vocabulary.load()).agreements
                  if a.base_reference == book.base_reference]
    assert [v.key for v in register.versions] == [v.key for v in book.versions] == ["v0.13"]


def test_edition_from_the_file_name() -> None:
    assert edition_from_register_name(NAME) == "2017-11"
    assert edition_from_register_name("ReleaseRegister-sep-nov-2017DataReleases.csv") == "2017-11"
    assert edition_from_register_name("releaseregister_dec-feb-2018.csv") == "2018-02"
    assert edition_from_register_name("releaseregister_2017_09to11.csv") == "2017-11"
    assert edition_from_register_name("releaseregister_november2017.csv") == "2017-11"
    assert edition_from_register_name("releaseregister.csv") is None


def test_explicit_edition_overrides_the_file_name() -> None:
    assert read_release_register(EXCERPT, Vocabulary.load(), edition="2017-08").edition == "2017-08"
    assert read_source(EXCERPT, Vocabulary.load(), "2017-08").edition == "2017-08"


def test_a_csv_file_is_read_as_a_release_register() -> None:
    assert read_source(EXCERPT, Vocabulary.load()).kind == "release-register"


def test_a_csv_that_is_not_a_register_is_a_one_line_error(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text('name,"age\nin years"\nAda,36\n', encoding="utf-8")
    with pytest.raises(SourceError) as error:
        read_source(people, Vocabulary.load())
    assert str(error.value) == (
        "people.csv: not a Data Release Register CSV: expected columns RowID, Organisation Name, us, "
        "Data provided to customer, Sensitive or Non-Sensitive, Legal Basis for Provision of Data, "
        "One off release or Ongoing releases, NIC Number, Patient Opt-Outs applied; found name, age in years")


def test_a_register_missing_a_column_names_it(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(HEADER.replace('"NIC Number",', ""), encoding="utf-8")
    with pytest.raises(SourceError, match=r"^register\.csv: not a Data Release Register CSV: missing column "
                                          r"NIC Number; expected columns RowID, .*; found RowID, Organisation Name, "
                                          r"us, Data provided to customer: Identifiable, Anonymised - ICO code "
                                          r"compliant, Aggregated -anonymised, Sensitive"):
        read_source(path, Vocabulary.load())


def test_a_workbook_sheet_on_its_own_says_where_it_belongs(tmp_path: Path) -> None:
    sheet = tmp_path / "Agreements.csv"
    sheet.write_text("Reference Number,Application Title\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"^Agreements\.csv: not a Data Release Register CSV: expected "
                                          r"columns RowID, .*; found Reference Number, Application Title; "
                                          r"a workbook's sheets as CSV files are read from their folder$"):
        read_source(sheet, Vocabulary.load())


def test_an_empty_csv(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(SourceError, match=r"^empty\.csv: empty file; expected a Data Release Register CSV "
                                          r"with columns RowID, "):
        read_source(tmp_path / "empty.csv", Vocabulary.load())


def row(file: str, nic: str, *, opt_out: str = "N", dataset: str = HES_APC,
        organisation: str = "UNIVERSITY OF BRISTOL", kind: str = ANON) -> str:
    cells = [file, organisation, dataset, kind, "Non Sensitive", HSCA, "", "Ongoing", nic, "", opt_out]
    return ",".join(f'"{c}"' if c else "" for c in cells) + "\n"


def test_malformed_rows_are_skipped_and_named_by_line(tmp_path: Path) -> None:
    path = tmp_path / "releaseregister_sep-nov-2017.csv"
    path.write_text(HEADER
                    + row("FILE1", "")                                          # line 3
                    + row("FILE2", "DARS-NIC-17875-X7K1V")                      # line 4
                    + row("FILE3", "DARS-NIC-17875-X7K1V-v1.x")                 # line 5
                    + "\n"                                                      # line 6
                    + row("FILE4", "No filters applied")                        # line 7
                    + row("FILE5", "DARS-NIC-17875-X7K1V-v1.4", dataset="")     # line 8
                    + row("FILE6", "DARS-NIC-401994-D5Q7S-v0.1")                # line 9
                    + row("FILE7", "DARS-NIC-17875-X7K1V-v1.4", opt_out="Maybe")  # line 10
                    + row("FILE7", "DARS-NIC-17875-X7K1V-v1.4", organisation="BRISTOL UNI"),  # line 11
                    encoding="utf-8")
    vocab = Vocabulary.load()
    doc = read_source(path, vocab)
    name = path.name
    assert doc.warnings == [
        f"{name}: line 3: skipped: no NIC number",
        f"{name}: line 4: skipped: NIC number 'DARS-NIC-17875-X7K1V' does not end in a version suffix such as -v1.4",
        f"{name}: line 5: skipped: 'DARS-NIC-17875-X7K1V-v1.x' is not a register reference (expected e.g. "
        "DARS-NIC-123456-ABC12)",
        f"{name}: line 7: skipped: 'No filters applied' is not a reference number",
        f"{name}: line 8: skipped: no dataset for DARS-NIC-17875-X7K1V-v1.4",
        f"{name}: line 9: skipped: DARS-NIC-401994-D5Q7S-v0.1 is the register's test record",
        f"{name}: line 11: organisation 'BRISTOL UNI' differs from 'UNIVERSITY OF BRISTOL' on line 10 for "
        "DARS-NIC-17875-X7K1V-v1.4; first kept",
        f"{name}: line 11: file reference FILE7 repeats line 10; kept",
    ]
    [version] = versions(doc, "DARS-NIC-17875-X7K1V")
    assert [(r.file_reference, r.opt_outs_applied, r.evidence) for r in version.releases] == [
        ("FILE7", None, Evidence(name, 10)), ("FILE7", False, Evidence(name, 11))]
    assert vocab.unknown == {("opt_out", "Maybe"): 1}  # tallied like any unknown value


def test_a_row_spanning_lines_keeps_its_first_and_last_line(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(HEADER + row("FILE1", "DARS-NIC-17875-X7K1V-v1.4", organisation="UNIVERSITY\nOF BRISTOL")
                    + row("FILE2", "DARS-NIC-17875-X7K1V-v1.4"), encoding="utf-8")
    [version] = versions(read_source(path, Vocabulary.load()), "DARS-NIC-17875-X7K1V")
    assert [r.evidence for r in version.releases] == [Evidence("register.csv", 3, 4), Evidence("register.csv", 5)]
    assert version.applicant is not None and version.applicant.name == "UNIVERSITY OF BRISTOL"


def test_a_folder_takes_register_csvs_only(tmp_path: Path) -> None:
    (tmp_path / NAME).write_bytes(EXCERPT.read_bytes())
    (tmp_path / "people.csv").write_text("name,age\nAda,36\n", encoding="utf-8")
    assert source_files([tmp_path]) == [tmp_path / NAME]


PREFIXES = """PREFIX dur: <https://w3id.org/regkg/dur#>
PREFIX dct: <http://purl.org/dc/terms/>
"""


def test_register_rows_join_the_workbooks_agreement(tmp_path: Path) -> None:
    """DARS-NIC-00574-V2H1F: v2.2 in the 2017 register (lines 186-197), v4.2-v7.4 in the corpus workbook."""
    result = build([EXCERPT, CORPUS], tmp_path / "store")
    assert {k: n for k, n in result.unknown_values.items() if k[0] not in NAME_KINDS} == {}
    store = open_store(tmp_path / "store")
    agreement = iri_agreement("DARS-NIC-00574-V2H1F")
    assert agreement == "https://w3id.org/regkg/id/agreement/DARS-NIC-00574-V2H1F"
    under = PREFIXES + f"""SELECT DISTINCT ?file ?version WHERE {{
        ?release dur:fileReference ?file ; dur:releasedUnder ?version .
        {{ ?version dct:isVersionOf <{agreement}> }} UNION {{ <{agreement}> dur:hasVersion ?version }}
    }}"""
    rows = {(file, version) for file, version in run(store, under).rows}
    register = {(f, v) for f, v in rows if f.startswith("FILE")}
    workbook = {(f, v) for f, v in rows if not f.startswith("FILE")}
    assert register == {(f"FILE00{n}", iri_version("DARS-NIC-00574-V2H1F", "v2.2"))
                        for n in (27551, 27554, 27555, 27556, 27564, 27567, 27568, 27569, 27577, 27580, 27581,
                                  27582)}
    assert {v for _, v in workbook} == {iri_version("DARS-NIC-00574-V2H1F", k)
                                         for k in ("v4.2", "v5.2", "v6.2", "v7.4")}
    assert len(workbook) == 98 + 80 + 246 + 140

    # a register release and the workbook's releases of the same dataset name one dataset node
    dataset = PREFIXES + """SELECT DISTINCT ?dataset WHERE {
        ?release dur:fileReference "FILE0027551" ; dur:dataset ?dataset .
        ?other dur:fileReference "DARS-NIC-00574-V2H1F-v4.2-F00029" ; dur:dataset ?dataset .
    }"""
    assert run(store, dataset).rows == [["https://w3id.org/regkg/id/dataset/hes-apc"]]


def test_a_binary_file_named_csv_is_one_short_line(tmp_path):
    path = tmp_path / "releaseregister_sep-nov-2017.csv"
    path.write_bytes(b"\xff\xfe\x00garbage\x00\x00" * 1000)
    with pytest.raises(SourceError) as raised:
        read_source(path, Vocabulary.load())
    message = str(raised.value)
    assert message.startswith(f"{path.name}: not a Data Release Register CSV: expected columns RowID, ")
    assert message.endswith("…") and len(message) < 600

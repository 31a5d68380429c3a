"""The build reports every name no vocabulary lists — organisations, datasets, legal bases — and
--strict fails on them; extraction's candidate names are tries, never counted (docs/identity.md)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from test_edition_build_and_diff import PAGE, SAMPLE, edit
from typer.testing import CliRunner

from kg.build import build, enrich
from kg.cli import app
from kg.errors import StrictModeError
from kg.resolve import Resolver
from kg.resources import samples_dir
from kg.sources import read_source
from kg.vocab import Vocabulary

UNKNOWN_ORG = "ACME WIDGETS LTD"
UNKNOWN_DATASET = "Widget Registry"
UNKNOWN_BASIS = "Widget Act 1999 paragraph 4"


def with_unknown_names(workbook) -> None:
    """Row 2 of Agreements gains an unknown joint controller; row 2 of Datasets an unknown dataset
    and legal basis (its release keeps naming the known dataset)."""
    agreements, datasets = workbook["Agreements"], workbook["Datasets"]
    header = [c.value for c in agreements[1]]
    cell = agreements.cell(2, header.index("Data Controller(s)") + 1)
    cell.value = f"{cell.value}; {UNKNOWN_ORG}"
    header = [c.value for c in datasets[1]]
    datasets.cell(2, header.index("Dataset") + 1).value = UNKNOWN_DATASET
    datasets.cell(2, header.index("Legal Basis for Provision of Data") + 1).value = UNKNOWN_BASIS


@pytest.fixture(scope="module")
def odd(tmp_path_factory) -> Path:
    return edit(SAMPLE, tmp_path_factory.mktemp("odd") / "datausesregister_october2026.xlsx", with_unknown_names)


def test_the_bundled_sample_leaves_no_value_or_name_unresolved(tmp_path):
    assert build([samples_dir()], tmp_path / "store").unknown_values == Counter()


class WatchedResolver(Resolver):
    """The real resolver, keeping a list of the names it was asked to try."""

    tried: list[str]

    def try_organisation(self, name: str):
        self.tried.append(name)
        return super().try_organisation(name)


def test_extraction_tries_candidate_names_without_counting_them():
    resolver, vocab = WatchedResolver.load(), Vocabulary.load()
    resolver.tried = []
    for path in (SAMPLE, PAGE):
        enrich(read_source(path, vocab), resolver)
    assert "DSCRO and the data" in resolver.tried  # a span the extractor tried and rejected
    assert not resolver.try_organisation("DSCRO and the data").known
    assert resolver.unresolved == Counter()


def test_unresolved_organisation_dataset_and_legal_basis_are_counted(odd, tmp_path):
    result = build([odd], tmp_path / "store")
    assert result.unknown_values == Counter({
        ("organisation", UNKNOWN_ORG): 1, ("dataset", UNKNOWN_DATASET): 1, ("legal_basis", UNKNOWN_BASIS): 1})


def test_strict_build_fails_naming_each_unresolved_name_on_its_own_line(odd, tmp_path):
    with pytest.raises(StrictModeError) as failure:
        build([odd], tmp_path / "strict", strict=True)
    assert str(failure.value) == (
        "3 value(s) or name(s) no vocabulary lists (--strict); add them to ontology/*.ttl or build without --strict:\n"
        f"  dataset: '{UNKNOWN_DATASET}' ×1\n"
        f"  legal_basis: '{UNKNOWN_BASIS}' ×1\n"
        f"  organisation: '{UNKNOWN_ORG}' ×1")
    assert not (tmp_path / "strict").exists()


def test_build_command_prints_unresolved_names_and_strict_exits_1(odd, tmp_path):
    runner = CliRunner()
    lenient = runner.invoke(app, ["build", str(odd), "--store", str(tmp_path / "cli")])
    assert lenient.exit_code == 0
    assert ("3 unresolved name(s), each minted as its own node:\n"
            f"  dataset: '{UNKNOWN_DATASET}' ×1\n"
            f"  legal_basis: '{UNKNOWN_BASIS}' ×1\n"
            f"  organisation: '{UNKNOWN_ORG}' ×1\n") in lenient.output
    assert "unknown value(s)" not in lenient.output
    strict = runner.invoke(app, ["build", str(odd), "--store", str(tmp_path / "strict"), "--strict"])
    assert strict.exit_code == 1
    assert strict.output.startswith("error: 3 value(s) or name(s) no vocabulary lists (--strict)")
    assert f"  organisation: '{UNKNOWN_ORG}' ×1" in strict.output
    assert "Traceback" not in strict.output


def test_build_command_shows_the_first_20_unresolved_names_unless_all_warnings(tmp_path):
    many = [f"WIDGET WORKS {n:02d} LTD" for n in range(1, 23)]

    def with_many_controllers(workbook) -> None:
        agreements = workbook["Agreements"]
        header = [c.value for c in agreements[1]]
        agreements.cell(2, header.index("Data Controller(s)") + 1).value = "; ".join(many)

    odd = edit(SAMPLE, tmp_path / "datausesregister_october2026.xlsx", with_many_controllers)
    runner = CliRunner()
    short = runner.invoke(app, ["build", str(odd), "--store", str(tmp_path / "short")]).output
    assert "22 unresolved name(s), each minted as its own node:\n" in short
    assert "  organisation: 'WIDGET WORKS 20 LTD' ×1\n  … and 2 more (--all-warnings shows them)\n" in short
    full = runner.invoke(app, ["build", str(odd), "--store", str(tmp_path / "full"), "--all-warnings"]).output
    assert "  organisation: 'WIDGET WORKS 22 LTD' ×1\n" in full and "… and 2 more" not in full


def test_one_name_past_the_limit_is_shown_rather_than_counted():
    from collections import Counter

    from kg.build import describe_unknowns

    names = Counter({("organisation", f"ORG {n:02d}"): 1 for n in range(1, 22)})
    assert describe_unknowns(names, 20)[-1] == "organisation: 'ORG 21' ×1"
    names[("organisation", "ORG 22")] = 1
    assert describe_unknowns(names, 20)[-2:] == ["organisation: 'ORG 20' ×1", "… and 2 more"]

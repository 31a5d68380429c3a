"""The benchmark's synthetic edition, at 1 % scale, goes through the real build (behaviour, not timing).

The generator plants a few unknown vocabulary values on purpose and lists them in its
``.planted.json`` sidecar; everything else it writes must be known to regkg's vocabularies, so a
strict build fails naming exactly the planted values, and a lenient one reports exactly them.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.make_edition import generate
from kg.build import build
from kg.errors import StrictModeError
from kg.store import open_store
from kg.vocab import Vocabulary

# the sheet column each vocabulary scheme is read from
SCHEMES = {"Frequency": "access_method", "Patient Opt-Outs Applied": "opt_out", "Type of Data": "type_of_data",
           "Sensitive or Non-Sensitive": "sensitivity", "Common Law Duty of Confidentiality": "confidentiality"}


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    return generate(0.01, 1, 42, tmp_path_factory.mktemp("edition"))[0]


@pytest.fixture(scope="module")
def planted(edition) -> set[tuple[str, str]]:
    """(scheme, value) of every unknown value the generator planted on purpose."""
    records = json.loads(Path(f"{edition}.planted.json").read_text(encoding="utf-8"))
    return {(SCHEMES[p["column"]], p["value"]) for p in records if p["kind"] == "unknown-value"}


@pytest.fixture(scope="module")
def lenient(edition, tmp_path_factory):
    store = tmp_path_factory.mktemp("store") / "store"
    return build([edition], store), store


def base_references(edition: Path) -> set[str]:
    rows = CalamineWorkbook.from_path(str(edition)).get_sheet_by_name("Agreements").to_python()
    refs = {row[0] for row in rows[1:]}
    real = {r for r in refs if re.match(r"^DARS-NIC-\d+-[A-Z0-9]+", r) and r != "DARS-NIC-401994-D5Q7S"}
    return {re.sub(r"-v\d+\.\d+$", "", r) for r in real}


def test_planted_values_are_really_unknown(planted):
    vocab = Vocabulary.load()
    assert planted
    assert all(vocab.lookup(scheme, value) is None for scheme, value in planted)


def test_store_holds_every_agreement(edition, lenient):
    result, store = lenient
    expected = len(base_references(edition))
    assert expected == round(1950 * 0.01)
    assert result.sources[0].agreements == expected
    rows = open_store(store).query(
        "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a <https://w3id.org/regkg/dur#DataSharingAgreement> }",
        use_default_graph_as_union=True)
    assert int(next(iter(rows))["n"].value) == expected


def test_lenient_build_reports_exactly_the_planted_values(lenient, planted):
    result, _ = lenient
    assert set(result.unknown_values) == planted
    assert all(n > 0 for n in result.unknown_values.values())


def test_strict_build_names_exactly_the_planted_values(edition, planted, tmp_path):
    with pytest.raises(StrictModeError) as failure:
        build([edition], tmp_path / "strict", strict=True)
    named = set(re.findall(r"(\w+): '([^']*)'", str(failure.value)))
    assert named == planted
    assert str(failure.value).startswith(f"{len(planted)} unknown vocabulary value(s)")
    assert not (tmp_path / "strict").exists()  # nothing was written

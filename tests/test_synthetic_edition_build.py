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
from kg.build import NAME_KINDS, STRICT_SHOWN, build
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
    assert {k for k in result.unknown_values if k[0] not in NAME_KINDS} == planted
    assert all(n > 0 for n in result.unknown_values.values())


def test_strict_build_names_the_planted_values_first(edition, planted, lenient, tmp_path):
    """Values come before the names no vocabulary lists (the generator draws names the curated
    vocabularies lack, so those are there too, counted and cut at STRICT_SHOWN lines)."""
    with pytest.raises(StrictModeError) as failure:
        build([edition], tmp_path / "strict", strict=True)
    lines = str(failure.value).splitlines()
    unknowns = lenient[0].unknown_values
    assert lines[0] == (f"{len(unknowns)} value(s) or name(s) no vocabulary lists (--strict); add them to "
                        "ontology/*.ttl or build without --strict:")
    named = [tuple(m.groups()) for line in lines[1:] if (m := re.match(r"  (\w+): '([^']*)' ×\d+$", line))]
    assert set(named[:len(planted)]) == planted
    assert len(lines) == 1 + STRICT_SHOWN + 1 and lines[-1] == f"  … and {len(unknowns) - STRICT_SHOWN} more"
    assert not (tmp_path / "strict").exists()  # nothing was written


# --- the runner (benchmarks/run.py): its series folders and its reports, without timing anything ----


def test_the_runner_makes_its_series_folders_once_and_reuses_them(tmp_path):
    from benchmarks.run import series

    se = series(tmp_path, 0.005, 3, 42, "2022-06")
    assert se["count"] == 3 and se["newest"].name == "datausesregister_august2022.xlsx"
    assert se["next"].name == "datausesregister_september2022.xlsx"
    assert sorted(p.name for p in se["editions"].glob("*.xlsx")) == sorted(
        ["datausesregister_june2022.xlsx", "datausesregister_july2022.xlsx", "datausesregister_august2022.xlsx"])
    assert all(p.resolve().exists() for p in se["editions"].glob("*.xlsx"))
    assert len(list(se["last12"].glob("*.xlsx"))) == 3
    again = series(tmp_path, 0.005, 3, 42, "2022-06")  # reused, not regenerated
    assert again["newest"].stat().st_mtime == se["newest"].stat().st_mtime


def test_the_runner_report_keeps_sections_it_does_not_write(tmp_path):
    from argparse import Namespace

    from benchmarks.run import STEPS, held_history, history_table, write_results

    q = lambda ms: {"ms": ms, "rows": 3, "params": {}}  # noqa: E731
    r = {"date": "2026-01-01 00:00 UTC", "series": {"count": 63, "newest": "x.xlsx", "generate_s": 2.0},
         "machine": {"nproc": 2, "cpu": "cpu", "memory_gb": 1, "python": "3", "packages": {}},
         "build": {"seconds": 10.0, "cpu": 9.0, "peak_mb": 900.0, "quads": 100, "agreements": 5, "load": 0.0},
         "history": {"seconds": 400.0, "peak_mb": 1400.0, "count": 63},
         "add": {"seconds": 12.0, "peak_mb": 800.0},
         "newest_queries": {"agreements": q(10.0), "trace --org '04V'": q(100.0)},
         "history_queries": {"agreements": q(11.0), "trace --org '04V'": {"ms": None, "rows": None,
                                                                          "killed": "killed after 300 s"}},
         "quads_newest": {"quads": 100, "disk_mb": 1.0}, "quads_history": {"quads": 190, "disk_mb": 2.0}}
    held = dict(held_history(r))
    assert [ok for ok in held.values()] == [True, True, False, False]
    assert any("trace --org '04V' killed after 300 s" in what for what in held)
    assert any(row[0].startswith("quads") and row[3] == "1.9x" for row in history_table(r))
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\nstale-a\n\n## Targets\n\n- stale-b\n\n"
                       "## Profile and analysis\n\nkept A\n\n## History (issue 16)\n\nstale-c\n\n"
                       "## Processor extraction (issue 11)\n\nkept B\n")
    args = Namespace(scale=1.0, editions=63, start="2021-07", steps=list(STEPS), reuse=[], seed=42, timeout=60.0,
                     repeat=5)
    write_results(results, r, args)
    text = results.read_text()
    assert text.count("## History (issue 16)") == 1 and text.count("## Targets") == 1
    assert "kept A" in text and "kept B" in text and "stale-" not in text
    assert text.index("## History") < text.index("## Profile and analysis") < text.index("## Processor extraction")

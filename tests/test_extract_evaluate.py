"""The evaluation harness reaches the issue's targets, and extraction is fast enough for a full edition."""

from __future__ import annotations

import copy
import time

from kg.extract.evaluate import evaluate, format_report, load_resolver, load_versions, main
from kg.extract.processors import extract_processors


def test_harness_reaches_the_targets():
    report = evaluate()
    assert report.precision >= 0.95
    assert report.recall >= 0.90
    assert not any(r.missing_version for r in report.rows)
    assert not any(r.negatives_hit for r in report.rows)
    assert len(report.rows) == 13


def test_report_prints_rows_and_totals(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "DARS-NIC-199599-S0T5M" in out
    assert out.strip().splitlines()[-1].startswith("precision 1.000  recall 1.000")
    assert format_report(evaluate()).count("\n") > 13


def test_full_edition_scale_is_fast():
    """~5,500 versions of 2-12 k characters: the issue asks for well under 2 s of extraction.

    The bound here is CPU time with headroom for a shared CI machine; `python -m kg.extract.evaluate`
    and the report give the measured figure.
    """
    resolver = load_resolver()
    base = [v for v, _ in load_versions().values()]
    versions = [copy.copy(base[i % len(base)]) for i in range(5500)]
    start = time.process_time()
    for v in versions:
        extract_processors(v, resolver, "edition.xlsx")
    assert time.process_time() - start < 6.0

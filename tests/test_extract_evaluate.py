"""The evaluation harness reaches the issue's targets, and extraction is fast enough for a full edition."""

from __future__ import annotations

from kg.extract.evaluate import evaluate, format_report, main


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



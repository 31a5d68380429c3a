"""The evaluation harness: the sample labels stay exact, the corpus is scored per split."""

from __future__ import annotations

from kg.extract.evaluate import evaluate, format_report, load_split, main


def test_samples_keep_every_labelled_processor_and_no_other():
    report = evaluate()
    assert (report.precision, report.recall) == (1.0, 1.0)
    assert not any(r.missing_version for r in report.rows)
    assert not any(r.negatives_hit for r in report.rows)
    assert len(report.rows) == 13


def test_report_prints_rows_and_totals(capsys):
    assert main(["--split", "samples"]) == 0
    out = capsys.readouterr().out
    assert "DARS-NIC-199599-S0T5M" in out
    assert out.strip().splitlines()[-1].startswith("samples: precision 1.000 (17/17)  recall 1.000 (17/17)")
    assert format_report(evaluate()).count("\n") > 13


def test_split_is_fixed_by_agreement_with_the_old_samples_in_dev():
    split = load_split()
    assert (len(split), sum(s == "dev" for s in split.values()), sum(s == "test" for s in split.values())) == (
        30, 19, 11)
    assert split["DARS-NIC-199599-S0T5M"] == "dev"

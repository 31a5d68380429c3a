"""The web benchmark runs on the bundled sample (its figures come from full stores: benchmarks/web_bench.py)."""

from __future__ import annotations

from benchmarks.web_bench import measure


def test_web_benchmark_times_pages_search_and_a_table_on_a_built_store(sample_store_path):
    figures = measure(sample_store_path, 1)
    assert figures["agreements"] == 9 and figures["editions"] == 0
    assert figures["organisation_page"]["key"] and figures["dataset_page"]["key"] == "sus-plus"
    for step in ("agreement_page", "organisation_page", "dataset_page", "legal_basis_page", "search", "table"):
        assert figures[step]["max_ms"] >= 0, step
    assert figures["table"]["rows"] == 20

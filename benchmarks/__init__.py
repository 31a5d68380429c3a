"""Benchmarks: a synthetic full-scale register edition and the benchmark runner."""

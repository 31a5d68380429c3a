"""Session fixtures shared by the test modules (the sample store lives in flows_fixtures.py)."""

from flows_fixtures import browser, resolver, sample_store, sample_store_path  # noqa: F401

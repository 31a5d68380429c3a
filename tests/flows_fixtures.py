"""Shared fixtures for the query, flow, trace, render and browser tests: one sample store per session.

Import the fixtures into a test module (``from flows_fixtures import sample_store, ...``); pytest
puts ``tests/`` on ``sys.path``, so no conftest is needed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest

from kg.build import build
from kg.demo import sample_sources
from kg.resolve import Resolver
from kg.store import open_store


@pytest.fixture(scope="session")
def sample_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled samples (workbook + Leicester page) built once for the whole session."""
    target = tmp_path_factory.mktemp("regkg-sample") / "store"
    build(sample_sources(), target)
    return target


@pytest.fixture(scope="session")
def sample_store(sample_store_path: Path) -> ox.Store:
    return open_store(sample_store_path)


@pytest.fixture(scope="session")
def resolver() -> Resolver:
    return Resolver.load()


def tiny_flow(title: str = "A title", evidence: str = "Processing by X") -> nx.MultiDiGraph:
    """A hand-made flow graph: dataset → source → controller → processor, for render tests."""
    g = nx.MultiDiGraph()
    g.add_node("d", type="dataset", label="Dataset D", role="dataset", roles="", code="")
    g.add_node("s", type="source", label="NHS England", role="source", roles="", code="X24")
    g.add_node("c", type="organisation", label="Controller C", role="controller", roles="controller", code="")
    g.add_node("p", type="organisation", label="Processor P", role="processor", roles="processor", code="")
    common = {"agreement": "DARS-NIC-000001-AAAAA", "title": title, "dataset": "d", "dataset_label": "Dataset D",
              "versions": "1.0", "start": "2020-01-01", "end": "2021-01-01", "legal_basis": "s251",
              "purpose": "Research", "role": "", "evidence": "", "weight": 1}
    g.add_edge("d", "s", key="1", kind="provides", link="stated", **common)
    g.add_edge("s", "c", key="2", kind="release", link="stated", **common)
    g.add_edge("c", "p", key="3", kind="processing", link="inferred", **{**common, "evidence": evidence})
    return g


def hand_flow() -> nx.MultiDiGraph:
    """A flow graph built by hand, NHS England its one source, for the shapes the sample lacks."""
    flow = nx.MultiDiGraph()
    flow.add_node("nhse", type="source", label="NHS England", code="X24", roles="", org_type="", names="")
    return flow


def add_org(flow: nx.MultiDiGraph, iri: str, label: str, org_type: str = "") -> None:
    flow.add_node(iri, type="organisation", label=label, code="", roles="", org_type=org_type, names="")


def add_dataset(flow: nx.MultiDiGraph, iri: str, label: str) -> None:
    flow.add_node(iri, type="dataset", label=label, code="", roles="", org_type="", names="")


def add_step(flow: nx.MultiDiGraph, u: str, w: str, kind: str, dataset: str, versions: str, start: str, *,
             agreement: str = "DARS-NIC-000001-AAAAA", role: str = "", end: str = "2024-03-31") -> None:
    """One flow edge as kg.flows.graph draws it: one agreement, one dataset, its versions and dates."""
    flow.add_edge(u, w, kind=kind, agreement=agreement, title=f"Title of {agreement[-5:]}", dataset=dataset,
                  dataset_label=flow.nodes[dataset]["label"], versions=versions, start=start, end=end,
                  legal_basis="s251", purpose="Research", role=role, link="stated", evidence="", weight=1)


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass
class BrowserPage:
    """A page in a real headless Chromium, and the JavaScript errors it raised."""

    page: Any
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserPage]:
    """Debian's Chromium (never a downloaded browser) driven by Playwright, with a fresh profile."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("no system chromium on PATH (CI installs Debian's `chromium` with apt)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playwright refuses --user-data-dir in launch(); a persistent context is the same fresh profile
        context = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=chromium,
                                                       args=CHROMIUM_ARGS, headless=True)
        try:
            opened = BrowserPage(context.new_page())
            opened.page.on("pageerror", lambda e: opened.errors.append(str(e)))
            yield opened
        finally:
            context.close()


@pytest.fixture(scope="session", name="full_store_path")
def full_store_path_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark's full synthetic edition (scale 1, seed 42: ~1,950 agreements, ~5,600 versions),
    generated and built once per session (~40 s): the size at which flow pictures used to fail.
    Named ``…_fixture`` so a module imports it without shadowing the argument it receives."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.make_edition import generate

    workbook = generate(1.0, 1, 42, tmp_path_factory.mktemp("full-edition"))[0]
    target = tmp_path_factory.mktemp("full-store") / "store"
    build([workbook], target)
    return target


@pytest.fixture(scope="session", name="full_store")
def full_store_fixture(full_store_path: Path) -> ox.Store:
    return open_store(full_store_path)

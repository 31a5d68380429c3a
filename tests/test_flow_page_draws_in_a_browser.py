"""Pages in a real headless Chromium (Debian's, never a downloaded one): vis draws every node; a person browses."""

from __future__ import annotations

from kg import flows
from kg.flows.views import view_graph
from kg.render import render


def test_page_draws_expected_node_count(sample_store, tmp_path, browser):
    flow = flows.flow_graph(sample_store, dataset="SUS+")
    page_file = render(flow, tmp_path / "flows.html", heading="SUS+")
    page = browser.page
    page.goto(page_file.as_uri())
    page.wait_for_function("typeof network !== 'undefined' && network.body !== undefined", timeout=15000)
    count = page.evaluate("network.body.data.nodes.length")
    edges = page.evaluate("network.body.data.edges.length")
    titled = page.evaluate("nodes.get().filter(n => n.title instanceof HTMLElement).length")
    headings = page.evaluate("document.querySelectorAll('h1').length")
    # fitted: every node is drawn inside the visible canvas, and the drawing uses most of it
    box = page.evaluate("""() => {
        const c = document.getElementById('mynetwork').getBoundingClientRect();
        const ps = Object.values(network.getPositions()).map(p => network.canvasToDOM(p));
        const xs = ps.map(p => p.x), ys = ps.map(p => p.y);
        return {w: c.width, h: c.height, top: c.top, bottom: c.bottom, vh: window.innerHeight,
                minx: Math.min(...xs), maxx: Math.max(...xs), miny: Math.min(...ys), maxy: Math.max(...ys)};
    }""")
    drawn = view_graph(flow)  # what render draws: the view, groups and their hidden members included
    assert not browser.errors
    assert count == drawn.number_of_nodes()
    assert edges == drawn.number_of_edges()
    assert titled == count
    assert headings == 1
    assert box["bottom"] <= box["vh"] + 1 and box["h"] >= 0.6 * box["vh"]
    assert box["minx"] >= 0 and box["maxx"] <= box["w"]
    assert box["miny"] >= 0 and box["maxy"] <= box["h"]
    assert box["maxx"] - box["minx"] >= 0.6 * box["w"]


def test_browser_goes_from_search_to_an_agreement_to_its_processor(sample_store_path, browser):
    """Done-when of the browsing issue: home → search "199599" → the agreement → its processor's page."""
    from test_web import running

    page = browser.page
    with running(sample_store_path) as url:
        page.goto(f"{url}/")
        page.fill("input[name=q] >> nth=0", "199599")
        page.press("input[name=q] >> nth=0", "Enter")
        page.wait_for_selector("section.hits")
        page.click("a:has-text('DARS-NIC-199599-S0T5M')")
        page.wait_for_selector("#parties")
        evidence = page.eval_on_selector_all("#parties tr", "rows => rows.map(r => r.innerText)")
        page.click("#parties a:has-text('NHS Midlands and Lancashire Commissioning Support Unit') >> nth=0")
        page.wait_for_selector("table.role")
        heading = page.inner_text("h1")
        agreements = page.eval_on_selector_all("table.role td:first-child a", "cells => cells.map(c => c.textContent)")
        received = page.eval_on_selector_all("#received td:first-child", "cells => cells.map(c => c.textContent)")
    assert not browser.errors
    processor = next(row for row in evidence if "Data processor 1 NHS Midlands and Lancashire" in row)
    assert "datausesregister_sample.xlsx, sheet Agreements, row 9" in processor
    assert heading == "NHS Midlands and Lancashire Commissioning Support Unit"
    assert agreements == ["DARS-NIC-127332-G0J1N", "DARS-NIC-199599-S0T5M"]
    assert received == ["Mental Health Services Data Set (MHSDS)", "SUS for Commissioners"]

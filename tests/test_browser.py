"""The rendered page in a real headless Chromium (Debian's, never a downloaded one): vis draws every node."""

from __future__ import annotations

from kg import flows
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
    assert not browser.errors
    assert count == flow.number_of_nodes()
    assert edges == flows.aggregate(flow).number_of_edges()
    assert titled == count
    assert headings == 1
    assert box["bottom"] <= box["vh"] + 1 and box["h"] >= 0.6 * box["vh"]
    assert box["minx"] >= 0 and box["maxx"] <= box["w"]
    assert box["miny"] >= 0 and box["maxy"] <= box["h"]
    assert box["maxx"] - box["minx"] >= 0.6 * box["w"]

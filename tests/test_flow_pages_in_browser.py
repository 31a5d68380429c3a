"""Flow pages read as a person reads them, in a real headless Chromium (Debian's): on the full synthetic
edition the busiest dataset's page is small, no label overlaps another or leaves the canvas; groups
open on click; a click pins a panel with the evidence; search focuses a node inside a group."""

from __future__ import annotations

from itertools import combinations

import pytest
from flows_fixtures import add_dataset, add_org, add_step, full_store_fixture, full_store_path_fixture, hand_flow  # noqa: F401

from kg import flows
from kg import render as rendering
from kg.flows.analysis import title
from kg.render import render

BUSIEST = "SUS for Commissioners"  # the busiest dataset of the full synthetic edition (benchmarks/run.py)

SHOWN = "nodes.get({filter: n => !n.hidden})"
LABEL_BOXES = f"""() => {{
    const c = document.getElementById('mynetwork').getBoundingClientRect();
    const boxes = {SHOWN}.filter(n => n.label).map(n => {{
        const s = network.body.nodes[n.id].labelModule.size;
        const a = network.canvasToDOM({{x: s.left, y: s.top}});
        const b = network.canvasToDOM({{x: s.left + s.width, y: s.top + s.height}});
        return {{id: n.full, left: a.x, top: a.y, right: b.x, bottom: b.y}};
    }});
    return {{width: c.width, height: c.height, boxes: boxes}};
}}"""


def open_page(browser, path) -> None:
    browser.page.set_viewport_size({"width": 1280, "height": 800})
    browser.page.goto(path.as_uri())
    browser.page.wait_for_function("window.regkgDrawing !== undefined", timeout=20000)


def click_node(page, label: str) -> None:
    """A real mouse click on the node drawn with this full name."""
    where = page.evaluate("""(label) => {
        const n = nodes.get({filter: x => x.full === label && !x.hidden})[0];
        const p = network.canvasToDOM(network.getPosition(n.id));
        const c = document.getElementById('mynetwork').getBoundingClientRect();
        return {x: c.left + p.x, y: c.top + p.y};
    }""", label)
    page.mouse.click(where["x"], where["y"])


@pytest.fixture(scope="module")
def busiest(full_store):
    return flows.flow_graph(full_store, dataset=BUSIEST)


def test_busiest_dataset_page_is_small_and_no_label_overlaps_or_leaves_the_canvas(busiest, tmp_path, browser):
    page_file = render(busiest, tmp_path / "busiest.html", heading=title(busiest))
    assert page_file.stat().st_size <= 2 * 1024 * 1024
    requests: list[str] = []
    browser.page.on("request", lambda r: requests.append(r.url))
    open_page(browser, page_file)
    drawn = browser.page.evaluate(LABEL_BOXES)
    assert not browser.errors
    assert {u.split(":", 1)[0] for u in requests} == {"file"}  # offline: nothing fetched
    assert 20 <= len(drawn["boxes"]) <= 60
    for box in drawn["boxes"]:
        assert box["left"] >= 0 and box["right"] <= drawn["width"], box
        assert box["top"] >= 0 and box["bottom"] <= drawn["height"], box
    for a, b in combinations(drawn["boxes"], 2):
        apart = a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
        assert apart, (a, b)


def test_clicking_a_group_draws_its_organisations(busiest, tmp_path, browser):
    open_page(browser, render(busiest, tmp_path / "busiest.html"))
    page = browser.page
    group = page.evaluate(SHOWN + ".filter(n => n.kind === 'group' && n.layer === 3)[0]")
    members = page.evaluate("(g) => nodes.get({filter: n => n.grp === g}).map(n => n.full)", group["id"])
    assert group["full"].startswith(f"{len(members)} more ICBs and sub-ICB locations")
    click_node(page, group["full"])
    shown = page.evaluate(SHOWN + ".map(n => n.full)")
    assert set(members) <= set(shown) and group["full"] not in shown
    panel = page.inner_text("#regkg-panel")
    assert members[0] in panel and members[-1] in panel
    assert not browser.errors


def test_clicking_a_processor_pins_a_panel_with_the_evidence(sample_store, tmp_path, browser):
    flow = flows.flow_graph(sample_store, dataset="SUS+")
    mlcsu = next(n for n, a in flow.nodes(data=True) if a["label"].startswith("NHS Midlands and Lancashire"))
    evidence = next(a["evidence"] for _, w, a in flow.edges(data=True) if w == mlcsu and a["evidence"])
    open_page(browser, render(flow, tmp_path / "sus.html", link_base="/agreements/"))
    page = browser.page
    assert page.is_hidden("#regkg-panel")
    click_node(page, flow.nodes[mlcsu]["label"])
    page.mouse.move(5, 5)  # the pinned panel stays when the mouse leaves
    panel = page.inner_text("#regkg-panel")
    assert evidence.split("\n")[0] in panel
    assert "DARS-NIC-199599-S0T5M" in panel
    link = page.get_attribute("#regkg-panel a", "href")
    assert link.startswith("/agreements/DARS-NIC-")
    assert not browser.errors


def test_search_opens_the_group_of_the_node_it_finds(busiest, tmp_path, browser):
    open_page(browser, render(busiest, tmp_path / "busiest.html"))
    page = browser.page
    hidden = page.evaluate("nodes.get({filter: n => n.hidden && n.layer === 3})[0].full")
    page.fill("#regkg-search", hidden)
    page.press("#regkg-search", "Enter")
    assert page.evaluate("(l) => nodes.get({filter: n => n.full === l})[0].hidden", hidden) is False
    assert page.evaluate("network.getSelectedNodes().map(id => nodes.get(id).full)") == [hidden]
    assert hidden in page.inner_text("#regkg-panel h2")


def test_highlight_offers_only_what_a_reader_looks_for(sample_store, tmp_path, browser):
    open_page(browser, render(flows.flow_graph(sample_store, dataset="SUS+"), tmp_path / "sus.html"))
    page = browser.page
    options = page.eval_on_selector_all("#regkg-property option", "os => os.map(o => o.value)")
    assert options == ["", "role", "dataset", "legal basis", "organisation type"]
    page.select_option("#regkg-property", "role")
    values = page.eval_on_selector_all("#regkg-value option", "os => os.map(o => o.value)")
    assert {"controller", "processor", "dataset", "source", "route"} <= set(values)
    page.select_option("#regkg-value", "processor")
    faded = page.evaluate("nodes.get({filter: n => n.opacity < 1}).map(n => n.role)")
    assert faded and "processor" not in faded


def test_the_panel_lists_as_many_agreements_as_render_py_says(tmp_path, browser, monkeypatch):
    """A node's panel joins the items of its incoming lines, and lists at most the number the page's
    data carries from kg/render.py, not a copy of it in kg/render.js."""
    monkeypatch.setattr(rendering, "ITEMS", 4)
    flow = hand_flow()
    add_org(flow, "org:c", "Controller C")
    for dataset, agreements in (("HES", "123"), ("SUS", "456")):
        add_dataset(flow, f"d:{dataset}", dataset)
        for i in agreements:
            add_step(flow, "nhse", "org:c", "release", f"d:{dataset}", "1", "2019-04-01",
                     agreement=f"DARS-NIC-00000{i}-AAAAA")
    open_page(browser, render(flow, tmp_path / "six.html"))
    page = browser.page
    page.evaluate("regkg.showNode(nodes.get({filter: n => n.full === 'Controller C'})[0].id)")
    assert page.eval_on_selector_all("#regkg-panel li b", "bs => bs.map(b => b.textContent)") == [
        "DARS-NIC-000001-AAAAA", "DARS-NIC-000002-AAAAA", "DARS-NIC-000003-AAAAA", "DARS-NIC-000004-AAAAA"]
    assert page.inner_text("#regkg-panel p:last-child") == "… and 2 more: `regkg trace` lists them all."
    assert not browser.errors

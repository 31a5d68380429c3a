"""Views of hand-built flow graphs: the organisation asked about, each item's own dates and versions,
the names and roles of collapsed groups, and edge weights."""

from __future__ import annotations

import networkx as nx
import pytest
from flows_fixtures import add_dataset, add_org, add_step, hand_flow

from kg.errors import RegkgError
from kg.flows.views import question, view_graph
from kg.render import PageData


def test_an_organisation_with_no_node_in_the_graph_is_an_error_naming_the_closest():
    flow = hand_flow()
    add_org(flow, "org:c", "Controller C")
    flow.graph.update(org="Controler C", org_iris="org:gone", filters="org=Controler C")
    with pytest.raises(RegkgError) as raised:
        question(flow)
    assert str(raised.value) == ("organisation 'Controler C' has no flows matching org=Controler C; "
                                 "closest: Controller C")


def test_each_item_shows_its_own_dates_and_versions_not_another_datasets():
    """One agreement releases HES in versions 1 and 2 from 2019 and SUS in version 2 from 2021 (when
    its processor is named too): each item keeps its own dates and versions; the agreement only its title."""
    flow = hand_flow()
    add_dataset(flow, "d:hes", "HES")
    add_dataset(flow, "d:sus", "SUS")
    add_org(flow, "org:c", "Controller C")
    add_org(flow, "org:p", "Processor P")
    add_step(flow, "nhse", "org:c", "release", "d:hes", "1; 2", "2019-04-01")
    add_step(flow, "nhse", "org:c", "release", "d:sus", "2", "2021-04-01")
    add_step(flow, "org:c", "org:p", "processing", "d:sus", "2", "2021-04-01", role="processor")
    view = view_graph(flow)
    ref = "DARS-NIC-000001-AAAAA"
    assert view.graph["titles"] == {ref: "Title of AAAAA"}
    into_controller = {i for u in view.predecessors("org:c") for i in view.edges[u, "org:c"]["items"]}
    assert sorted(into_controller) == [
        (ref, "HES", "stated", "", "s251", "Research", "2019-04-01", "2024-03-31", "1; 2"),
        (ref, "SUS", "stated", "", "s251", "Research", "2021-04-01", "2024-03-31", "2")]
    assert view.edges["org:c", "org:p"]["items"] == {
        (ref, "SUS", "stated", "", "s251", "Research", "2021-04-01", "2024-03-31", "2")}
    data = PageData(view, None)  # what the page's panel reads (kg/render.js showItems)
    data.add_edge("e0", into_controller)
    text = {i: t for t, i in data.texts.items()} | {-1: ""}
    assert data.titles == {ref: "Title of AAAAA"}
    assert [[r[0], text[r[1]], r[2], *(text[i] for i in r[3:])] for r in data.items["e0"]["i"]] == [
        [ref, "HES", "s", "", "s251", "Research", "2019-04-01", "2024-03-31", "1; 2"],
        [ref, "SUS", "s", "", "s251", "Research", "2021-04-01", "2024-03-31", "2"]]


def test_an_edges_weight_is_the_number_of_its_agreements_not_of_its_items():
    flow = hand_flow()
    add_dataset(flow, "d:hes", "HES")
    add_dataset(flow, "d:sus", "SUS")
    add_org(flow, "org:c", "Controller C")
    add_org(flow, "org:p", "Processor P")
    for agreement in ("DARS-NIC-000001-AAAAA", "DARS-NIC-000002-BBBBB"):
        add_step(flow, "nhse", "org:c", "release", "d:hes", "1", "2019-04-01", agreement=agreement)
    add_step(flow, "nhse", "org:c", "release", "d:sus", "1", "2019-04-01")
    add_step(flow, "org:c", "org:p", "processing", "d:hes", "1", "2019-04-01", role="processor")
    add_step(flow, "org:c", "org:p", "processing", "d:sus", "1", "2019-04-01", role="processor")
    view = view_graph(flow)
    assert {(u, w): (len(e["items"]), e["weight"]) for u, w, e in view.edges(data=True)} == {
        ("nhse", "d:hes"): (2, 2), ("nhse", "d:sus"): (1, 1), ("d:hes", "org:c"): (2, 2),
        ("d:sus", "org:c"): (1, 1), ("org:c", "org:p"): (2, 1)}


def groups_drawn(view: nx.DiGraph) -> dict[str, tuple[str, str]]:
    return {n: (a["label"], a["role"]) for n, a in view.nodes(data=True) if a["kind"] == "group"}


def test_a_group_says_more_only_when_controllers_of_its_type_are_drawn_beside_it():
    """A company processor is no company controller drawn beside the group of company controllers."""
    flow = hand_flow()
    add_dataset(flow, "d:hes", "HES")
    add_org(flow, "org:p", "Processor P", "Company")
    for i in range(3):
        add_org(flow, f"org:c{i}", f"Company {i}", "Company")
        add_step(flow, "nhse", f"org:c{i}", "release", "d:hes", "1", "2019-04-01", agreement=f"DARS-NIC-00000{i}-AAAAA")
        add_step(flow, f"org:c{i}", "org:p", "processing", "d:hes", "1", "2019-04-01", role="processor",
                 agreement=f"DARS-NIC-00000{i}-AAAAA")
    assert groups_drawn(view_graph(flow, max_nodes=4)) == {"group:3:companies": ("3 companies", "controller")}
    assert groups_drawn(view_graph(flow, max_nodes=5)) == {"group:3:companies": ("2 more companies", "controller")}


def test_sub_processors_and_infrastructure_only_organisations_are_grouped_apart():
    flow = hand_flow()
    add_dataset(flow, "d:hes", "HES")
    add_org(flow, "org:c", "Controller C")
    add_step(flow, "nhse", "org:c", "release", "d:hes", "1", "2019-04-01")
    for iri, role in (("org:s1", "sub-processor"), ("org:s2", "sub-processor"),
                      ("org:i1", "infrastructure"), ("org:i2", "infrastructure")):
        add_org(flow, iri, f"Organisation {iri[-2:]}")
        add_step(flow, "org:c", iri, "processing", "d:hes", "1", "2019-04-01", role=role)
    view = view_graph(flow, max_nodes=5)
    assert groups_drawn(view) == {"group:5:sub-processor": ("2 sub-processors", "sub-processor"),
                                  "group:5:infrastructure": ("2 infrastructure-only organisations", "infrastructure")}
    assert {n: a["group"] for n, a in view.nodes(data=True) if a["group"]} == {
        "org:s1": "group:5:sub-processor", "org:s2": "group:5:sub-processor",
        "org:i1": "group:5:infrastructure", "org:i2": "group:5:infrastructure"}

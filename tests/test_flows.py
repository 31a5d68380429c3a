"""The flow graph of the sample: typed nodes, per-agreement edges, filters, paths, views, export."""

from __future__ import annotations

import networkx as nx
import pytest

from kg import flows
from kg.render import export_graph


@pytest.fixture(scope="module")
def flow(sample_store):
    return flows.flow_graph(sample_store)


def test_nodes_are_typed_and_sources_present(flow):
    types = {a["type"] for _, a in flow.nodes(data=True)}
    assert types == {"source", "dataset", "organisation"}
    sources = sorted(a["label"] for _, a in flow.nodes(data=True) if a["type"] == "source")
    assert sources == ["Data Services for Commissioners Regional Office", "NHS England"]


def test_edges_carry_agreement_basis_and_link(flow):
    kinds = {a["kind"] for *_, a in flow.edges(data=True)}
    assert kinds == {"provides", "route", "release", "processing"}
    for *_, a in flow.edges(data=True):
        assert a["agreement"].startswith("DARS-NIC-") and a["link"] in {"stated", "inferred"}


def test_filter_by_dataset_alias_and_path(sample_store):
    sus = flows.flow_graph(sample_store, dataset="SUS+")
    assert {a["dataset_label"] for *_, a in sus.edges(data=True)} == {"SUS for Commissioners"}
    found = flows.paths(sus, "SUS+", "MLCSU")
    assert [p.agreement for p in found] == ["DARS-NIC-127332-G0J1N", "DARS-NIC-199599-S0T5M"]
    assert found[1].labels == ("SUS for Commissioners", "NHS England",
                               "Data Services for Commissioners Regional Office",
                               "NHS Leicester, Leicestershire and Rutland ICB - 04V",
                               "NHS Midlands and Lancashire Commissioning Support Unit")


def test_filter_by_org_code_and_legal_basis(sample_store):
    leicester = flows.flow_graph(sample_store, org="04V")
    assert {a["agreement"] for *_, a in leicester.edges(data=True)} == {"DARS-NIC-199599-S0T5M"}
    s251 = flows.flow_graph(sample_store, legal_basis="s251")
    assert {a["agreement"] for *_, a in s251.edges(data=True)} == {
        "DARS-NIC-116738-W8J8Q", "DARS-NIC-116829-C2B8N", "DARS-NIC-127332-G0J1N", "DARS-NIC-199599-S0T5M"}


def test_central_processors(flow):
    top = flows.central_organisations(flow)
    assert top[0] == ("NHS Midlands and Lancashire Commissioning Support Unit", 2, 2)


@pytest.mark.parametrize("fmt, reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_export_round_trips(flow, tmp_path, fmt, reader):
    path = tmp_path / f"flows.{fmt}"
    export_graph(flow, fmt, path)
    back = reader(path)
    assert back.number_of_nodes() == flow.number_of_nodes()
    assert back.number_of_edges() == flow.number_of_edges()


def test_dataset_view_groups_controllers_by_type_within_max_nodes(sample_store):
    from kg.flows.views import view_graph, visible

    flow = flows.flow_graph(sample_store)
    view = view_graph(flow, max_nodes=12)
    drawn = visible(view)
    assert drawn.number_of_nodes() <= 12
    groups = {a["label"] for _, a in drawn.nodes(data=True) if a["kind"] == "group"}
    assert groups and all(g.split(" ", 1)[0].isdigit() for g in groups)
    for group in (n for n, a in drawn.nodes(data=True) if a["kind"] == "group"):
        members = [n for n, a in view.nodes(data=True) if a["group"] == group]
        assert view.nodes[group]["members"] == len(members) >= 2
    # unlimited, nothing is grouped: every organisation of the flows is drawn
    assert all(a["kind"] == "node" for _, a in view_graph(flow, max_nodes=None).nodes(data=True))


def test_organisation_view_is_the_ego_network(sample_store):
    from kg.flows.views import question, view_graph

    flow = flows.flow_graph(sample_store, org="MLCSU")
    view = view_graph(flow, question(flow, "processor"))
    labels = {a["label"]: a["role"] for _, a in view.nodes(data=True)}
    assert labels["NHS Midlands and Lancashire Commissioning Support Unit"] == "processor"
    assert {r for r in labels.values()} == {"source", "dataset", "route", "controller", "processor"}
    controllers = sorted(k for k, r in labels.items() if r == "controller")
    assert controllers == ["NHS Leicester, Leicestershire and Rutland ICB - 04V",
                           "NHS Shropshire, Telford and Wrekin ICB - M2L0M"]


def test_organisation_types_come_from_the_vocabulary_else_other(sample_store):
    from kg.flows.views import type_group

    flow = flows.flow_graph(sample_store, dataset="SUS+")
    leicester = next(a for _, a in flow.nodes(data=True) if a["code"] == "04V")
    assert leicester["org_type"] == "Sub ICB Location"  # ontology/organisations.ttl
    assert type_group(leicester["org_type"]) == "ICBs and sub-ICB locations"
    assert type_group("") == type_group("Something new") == "other organisations"


def test_organisation_view_of_a_name_only_the_resolver_knows_draws_that_organisations_flows(sample_store):
    """The page of ``render --org "Leicester ICB - 04V"`` focuses on the ICB the resolver found by its
    ODS code, and draws its flows, not an empty page."""
    from kg.flows.views import view_graph

    view = view_graph(flows.flow_graph(sample_store, org="Leicester ICB - 04V"))
    assert sorted((a["role"], a["label"]) for _, a in view.nodes(data=True)) == [
        ("controller", "NHS Leicester, Leicestershire and Rutland ICB - 04V"),
        ("dataset", "Mental Health Services Data Set (MHSDS)"), ("dataset", "SUS for Commissioners"),
        ("infrastructure", "Lima Networks Ltd"), ("infrastructure", "Microsoft Limited"),
        ("processor", "NHS Midlands and Lancashire Commissioning Support Unit"),
        ("processor", "Prescribing Services Limited"),
        ("route", "Data Services for Commissioners Regional Office"), ("source", "NHS England")]
    assert [a["label"] for _, a in view.nodes(data=True) if a["focus"]] == [
        "NHS Leicester, Leicestershire and Rutland ICB - 04V"]

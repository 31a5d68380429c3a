"""Views of hand-built flow graphs: the organisation asked about, each item's own dates and versions,
the names and roles of collapsed groups, and edge weights."""

from __future__ import annotations

import networkx as nx
import pytest

from kg.errors import RegkgError
from kg.flows.views import question


def hand_flow() -> nx.MultiDiGraph:
    """An empty flow graph with NHS England as its one source."""
    flow = nx.MultiDiGraph()
    flow.add_node("nhse", type="source", label="NHS England", code="X24", roles="", org_type="", names="")
    return flow


def add_org(flow: nx.MultiDiGraph, iri: str, label: str, org_type: str = "") -> None:
    flow.add_node(iri, type="organisation", label=label, code="", roles="", org_type=org_type, names="")


def test_an_organisation_with_no_node_in_the_graph_is_an_error_naming_the_closest():
    flow = hand_flow()
    add_org(flow, "org:c", "Controller C")
    flow.graph.update(org="Controler C", org_iris="org:gone", filters="org=Controler C")
    with pytest.raises(RegkgError) as raised:
        question(flow)
    assert str(raised.value) == ("organisation 'Controler C' has no flows matching org=Controler C; "
                                 "closest: Controller C")

"""Questions asked of a flow graph: which nodes a name means, which organisation the graph was
filtered by, how a dataset reaches an organisation, and which organisations most flows reach.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from kg.errors import RegkgError
from kg.flows.graph import SEP
from kg.names import fold_dataset_name, fold_org_name
from kg.query import closest_text


@dataclass(frozen=True)
class FlowPath:
    agreement: str
    nodes: tuple[str, ...]
    labels: tuple[str, ...]


def find_nodes(flow: nx.MultiDiGraph, text: str) -> set[str]:
    """Nodes whose IRI, label or code matches ``text`` (names folded as the resolver folds them)."""
    key, dkey = fold_org_name(text), fold_dataset_name(text)

    def matches(a: dict) -> bool:
        names = [a.get("label", ""), *a.get("names", "").split(SEP)]
        return a.get("code", "").upper() == text.strip().upper() or any(
            fold_org_name(n) == key if a["type"] != "dataset" else fold_dataset_name(n) == dkey for n in names if n)

    return {n for n, a in flow.nodes(data=True) if n == text or matches(a)}


def asked_orgs(flow: nx.MultiDiGraph) -> frozenset[str]:
    """The nodes of the organisation the graph was filtered by, as the resolver found it when the
    graph was built (ODS code, alias, any spelling): matching the typed text again would miss
    "Leicester ICB - 04V" and answer "no flows" for an organisation that has them.

    None of them in the graph raises rather than draw an empty page or table: the error says what
    was asked and names the organisations drawn most like the text, in case another was meant."""
    found = _org_nodes(flow)
    if not found:
        text = flow.graph.get("org", "")
        names = {a["label"] for _, a in flow.nodes(data=True) if a["type"] == "organisation"}
        raise RegkgError(f"organisation {text!r} has no flows matching {flow.graph.get('filters', '')}"
                         + closest_text(text, names))
    return found


def _org_nodes(flow: nx.MultiDiGraph) -> frozenset[str]:
    """:func:`asked_orgs` without the error, for a title, which falls back on the typed text."""
    return frozenset(n for n in flow.graph.get("org_iris", "").split(SEP) if n in flow)


def paths(flow: nx.MultiDiGraph, dataset: str, target: str) -> list[FlowPath]:
    """How does ``dataset`` reach ``target``? One path per agreement, following that agreement's edges.

    ``dataset`` and ``target`` are node IRIs or labels (see :func:`find_nodes`).
    """
    starts = {n for n in find_nodes(flow, dataset) if flow.nodes[n]["type"] == "dataset"}
    ends = find_nodes(flow, target)
    by_agreement: dict[str, nx.DiGraph] = defaultdict(nx.DiGraph)
    for u, w, a in flow.edges(data=True):
        if a["dataset"] in starts:
            by_agreement[a["agreement"]].add_edge(u, w)
    found = []
    for agreement, g in sorted(by_agreement.items()):
        for s in starts & set(g):
            for t in sorted(ends & set(g)):
                if s != t and nx.has_path(g, s, t):
                    nodes = tuple(nx.shortest_path(g, s, t))
                    found.append(FlowPath(agreement, nodes, tuple(flow.nodes[n]["label"] for n in nodes)))
    return found


def central_organisations(flow: nx.MultiDiGraph, role: str = "processor", top: int = 10) -> list[tuple[str, int, int]]:
    """The organisations of ``role`` most flows reach: (label, agreements, distinct senders).

    Processors are where flows end, so path betweenness says nothing about them; what matters is
    how many agreements and how many controllers route data to them.
    """
    agreements: dict[str, set[str]] = defaultdict(set)
    senders: dict[str, set[str]] = defaultdict(set)
    for u, w, a in flow.edges(data=True):
        if role in flow.nodes[w].get("roles", "").split(SEP):
            agreements[w].add(a["agreement"])
            senders[w].add(u)
    ranked = sorted(agreements, key=lambda n: (-len(agreements[n]), -len(senders[n]), flow.nodes[n]["label"]))
    return [(flow.nodes[n]["label"], len(agreements[n]), len(senders[n])) for n in ranked[:top]]


@dataclass(frozen=True)
class Chain:
    """One agreement's release of one dataset to one controller, with the processors it names.

    ``sources`` is the route the data takes (NHS England, then the DSCRO for commissioning); each of
    ``processing`` is a processor node and the attributes of its processing edge.
    """

    release: dict
    sources: tuple[str, ...]
    controller: str
    processing: tuple[tuple[str, dict], ...]


def chains(flow: nx.MultiDiGraph) -> list[Chain]:
    """Every release of the flow graph joined to the processing of the same agreement and dataset."""
    processing: dict[tuple[str, str, str], list[tuple[str, dict]]] = defaultdict(list)
    routes: dict[str, list[str]] = defaultdict(list)
    for u, w, a in flow.edges(data=True):
        if a["kind"] == "processing":
            processing[u, a["agreement"], a["dataset"]].append((w, a))
        elif a["kind"] == "route" and u not in routes[w]:
            routes[w].append(u)
    return [Chain(a, (*routes[u][:1], u), c, tuple(processing[c, a["agreement"], a["dataset"]]))
            for u, c, a in flow.edges(data=True) if a["kind"] == "release"]


def title(flow: nx.MultiDiGraph) -> str:
    """What a flow graph shows, naming datasets and organisations by name ("Flows of SUS for
    Commissioners with NHS Leicester, … ICB - 04V"), not by the code or spelling that was typed."""
    parts = []
    if flow.graph.get("dataset"):
        datasets = sorted({a["label"] for _, a in flow.nodes(data=True) if a["type"] == "dataset"})
        parts.append(_names(datasets) or flow.graph["dataset"])
    if flow.graph.get("org"):
        orgs = sorted({flow.nodes[n]["label"] for n in _org_nodes(flow)})
        parts.append(("with " if parts else "") + (_names(orgs) or flow.graph["org"]))
    if flow.graph.get("legal_basis"):
        parts.append(f"under {flow.graph['legal_basis']}")
    return "Flows of " + " ".join(parts) if parts else "Data flows"


def _names(names: list[str], shown: int = 2) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more

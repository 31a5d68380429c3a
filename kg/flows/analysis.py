"""Questions asked of a flow graph: which nodes a name means, how a dataset reaches an organisation,
which organisations most flows reach, and the graph with parallel flows collapsed into weighted edges.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from kg.flows.graph import ROLE_ORDER, SEP
from kg.names import fold_dataset_name, fold_org_name


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


def aggregate(flow: nx.MultiDiGraph, max_nodes: int = 2000) -> nx.DiGraph:
    """Collapse parallel flows into one edge weighted by the number of agreements.

    Above ``max_nodes``, the least connected organisations are merged into one "other …" node per
    role, so that a browser can still draw the view.
    """
    g = nx.DiGraph()
    g.add_nodes_from(flow.nodes(data=True))
    g.graph.update(flow.graph)
    for u, w, a in flow.edges(data=True):
        _merge_edge(g, u, w, a)
    if g.number_of_nodes() > max_nodes:
        g = _merge_small(g, max_nodes)
    for _, _, a in g.edges(data=True):
        a["weight"] = len(a["agreement_set"])
        a["agreements"] = SEP.join(sorted(a.pop("agreement_set")))
    return g


def _merge_edge(g: nx.DiGraph, u: str, w: str, a: dict) -> None:
    if not g.has_edge(u, w):
        g.add_edge(u, w, agreement_set=set(), items=[], kind=a.get("kind", ""))
    e = g.edges[u, w]
    e["agreement_set"].update(a.get("agreement_set") or {a["agreement"]})
    e["items"].extend(a.get("items") or [a])


def _merge_small(g: nx.DiGraph, max_nodes: int) -> nx.DiGraph:
    weight = {n: sum(len(d["agreement_set"]) for *_, d in g.edges(n, data=True))
              + sum(len(d["agreement_set"]) for *_, d in g.in_edges(n, data=True)) for n in g}
    orgs = sorted((n for n, a in g.nodes(data=True) if a["type"] == "organisation"), key=lambda n: -weight[n])
    keep_orgs = max(0, max_nodes - (g.number_of_nodes() - len(orgs)) - len(ROLE_ORDER))
    merged = {n: f"other:{g.nodes[n]['role']}" for n in orgs[keep_orgs:]}
    out = nx.DiGraph()
    out.graph.update(g.graph)
    for n, a in g.nodes(data=True):
        if n in merged:
            node = merged[n]
            if node not in out:
                out.add_node(node, type="organisation", role=a["role"], roles=a["role"], code="", count=0,
                             label="")
            out.nodes[node]["count"] += 1
            out.nodes[node]["label"] = f"other {a['role']}s ({out.nodes[node]['count']})"
        else:
            out.add_node(n, **a)
    for u, w, a in g.edges(data=True):
        _merge_edge(out, merged.get(u, u), merged.get(w, w), a)
    return out


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
        orgs = sorted({flow.nodes[n]["label"] for n in find_nodes(flow, flow.graph["org"])})
        parts.append(("with " if parts else "") + (_names(orgs) or flow.graph["org"]))
    if flow.graph.get("legal_basis"):
        parts.append(f"under {flow.graph['legal_basis']}")
    return "Flows of " + " ".join(parts) if parts else "Data flows"


def _names(names: list[str], shown: int = 2) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more

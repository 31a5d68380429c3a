"""The pictures people read: a flow graph cut down to one question and to a size a person can take in.

A full edition's busiest dataset reaches ~110 controllers through ~1,200 releases; drawn as it is,
nobody can see which processor gets it through whom (docs/flows.md).  So a view

- keeps only the flows that answer one question: *by dataset* (where a dataset goes, the default),
  *by organisation* (an organisation's ego network: datasets in, processors and sub-processors out,
  the controllers a processor works for) or *by processor* (which datasets reach it, from whom);
- lays the flows out in layers, ``source → dataset → DSCRO → controller → processor → sub-processor``,
  one edge per pair of nodes weighted by the number of agreements;
- groups controllers by organisation type (ICBs and sub-ICB locations, trusts, universities, …) and
  keeps the busiest datasets and processors, the rest in an "N more" group, so that the picture has
  at most ``max_nodes`` nodes whatever the store holds.

Every member of a group stays in the view (``group`` names the group it is drawn inside), with edges
for each way its ends can be drawn, so a page can expand a group in place without asking again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from kg.errors import RegkgError
from kg.flows.analysis import Chain, asked_orgs, chains
from kg.flows.graph import ROLE_ORDER
from kg.names import fold_org_name

VIEWS = ("dataset", "organisation", "processor")
MAX_NODES = 60
LAYER = {"source": 0, "dataset": 1, "route": 2, "controller": 3, "processor": 4, "sub-processor": 5,
         "infrastructure": 5}
# organisation types as the register and ontology/organisations.ttl spell them, in the groups a reader expects
TYPE_GROUPS = {
    "ICBs and sub-ICB locations": ("Integrated Care Board", "Integrated Care Board (ICB)", "Sub ICB Location",
                                   "Clinical Commissioning Group", "Clinical Commissioning Group (CCG)"),
    "commissioning support units": ("Commissioning Support Unit", "Commissioning Support Unit (CSU)"),
    "NHS trusts": ("NHS Trust", "NHS Foundation Trust", "Hospital"),
    "universities and research": ("University", "University Department", "Academic", "Research"),
    "companies": ("Company", "Commercial"),
    "councils": ("Local Authority",),
    "government and public bodies": ("Government Department", "Arm's Length Body", "Agency", "Executive Agency",
                                     "Agency/Public Body", "Special Health Authority", "Regional Office",
                                     "Screening Service"),
    "charities": ("Charity",),
}
OTHER_TYPE = "other organisations"
_GROUP_OF_TYPE = {fold_org_name(t): group for group, types in TYPE_GROUPS.items() for t in types}
# the name of a top-N group, by the role of its members (controllers are grouped by organisation type)
MORE = {"dataset": "datasets", "processor": "processors", "sub-processor": "sub-processors",
        "infrastructure": "infrastructure-only organisations"}
PEEL = 8  # at most this many of a group's busiest members are drawn beside it: a column, not a list

# agreement, dataset label, link, evidence, legal basis, purpose, start, end, versions: the dates and
# versions are the step's own (a processor named in a later version than the release starts later)
Item = tuple[str, str, str, str, str, str, str, str, str]


def type_group(org_type: str) -> str:
    """The group an organisation type is drawn in; an organisation of no known type is "other"."""
    return _GROUP_OF_TYPE.get(fold_org_name(org_type), OTHER_TYPE) if org_type else OTHER_TYPE


@dataclass(frozen=True)
class Question:
    """What a view answers: ``kind`` is one of :data:`VIEWS`; ``focus`` the organisation's nodes."""

    kind: str = "dataset"
    focus: frozenset[str] = frozenset()


def question(flow: nx.MultiDiGraph, kind: str | None = None) -> Question:
    """The question a flow graph was drawn for: by organisation when it was filtered by one, else by
    dataset; ``kind`` overrides it (``processor`` and ``organisation`` need an organisation).  The
    focus is the organisation the resolver found when the graph was built (:func:`asked_orgs`)."""
    org = flow.graph.get("org") or None
    kind = kind or ("organisation" if org else "dataset")
    if kind not in VIEWS:
        raise RegkgError(f"unknown view {kind!r}; choose one of {', '.join(VIEWS)}")
    if kind != "dataset" and not org:
        raise RegkgError(f"the {kind} view needs an organisation (--org)")
    return Question(kind, asked_orgs(flow) if kind != "dataset" else frozenset())


def view_graph(flow: nx.MultiDiGraph, asked: Question | None = None,
               max_nodes: int | None = MAX_NODES) -> nx.DiGraph:
    """The view of ``flow`` that answers ``asked``: nodes with ``layer``, ``order``, ``weight``
    (agreements) and ``group`` (the collapsed group drawn in its place, or ""), edges with ``items``
    (one :data:`Item` per agreement and dataset) and ``weight``; the graph's ``titles`` maps each agreement
    to its title.  ``max_nodes=None`` groups nothing."""
    asked = asked or question(flow)
    members = _members(flow, _answering(chains(flow), asked))
    hidden = {} if max_nodes is None else _cut(members, asked.focus, max_nodes)
    view = nx.DiGraph(**flow.graph, view=asked.kind, titles=_titles(flow))
    for n, a in members.nodes(data=True):
        view.add_node(n, **a, group=hidden.get(n, ""), focus=n in asked.focus)
    for group, nodes in _groups(hidden).items():
        layer = members.nodes[nodes[0]]["layer"]
        view.add_node(group, **_group_node(members, group, nodes, layer))
    for u, w, a in members.edges(data=True):
        for uu in _ends(u, hidden):
            for ww in _ends(w, hidden):
                if uu != ww:
                    _add_items(view, uu, ww, a["items"])
    for *_, e in view.edges(data=True):  # once: recounted on every merge, an edge of 5,000 took 0.6 s
        e["weight"] = len({i[0] for i in e["items"]})
    _order(view)
    return view


def visible(view: nx.DiGraph) -> nx.DiGraph:
    """The picture as first drawn: groups collapsed, their members and those members' edges left out."""
    shown = [n for n, a in view.nodes(data=True) if not a.get("group")]
    return view.subgraph(shown).copy()


def _answering(found: list[Chain], asked: Question) -> list[Chain]:
    """The chains that answer the question, each limited to the processors that belong in it."""
    if asked.kind == "dataset":
        return found
    kept = []
    for chain in found:
        if asked.kind == "organisation" and chain.controller in asked.focus:
            kept.append(chain)
            continue
        mine = [(p, e) for p, e in chain.processing if p in asked.focus]
        if not mine:
            continue
        if asked.kind == "organisation" and any(e["role"] == "processor" for _, e in mine):
            mine += [(p, e) for p, e in chain.processing if e["role"] != "processor" and p not in asked.focus]
        kept.append(Chain(chain.release, chain.sources, chain.controller, tuple(mine)))
    return kept


def _members(flow: nx.MultiDiGraph, found: list[Chain]) -> nx.DiGraph:
    """Every node of the answer with its layer, and one edge per pair of nodes carrying its items."""
    g = nx.DiGraph()
    roles: dict[str, set[str]] = defaultdict(set)
    for chain in found:
        a = chain.release
        item = (a["agreement"], a["dataset_label"], a["link"], "", a["legal_basis"], a["purpose"], a["start"],
                a["end"], a["versions"])
        steps = [(chain.sources[0], a["dataset"], item, "source", "dataset")]
        last = a["dataset"]
        for route in chain.sources[1:]:
            steps.append((last, route, item, "dataset", "route"))
            last = route
        steps.append((last, chain.controller, item, "", "controller"))
        for p, e in chain.processing:  # sub-processors too: the register does not say whose they are
            done = (a["agreement"], a["dataset_label"], e["link"], e["evidence"], e["legal_basis"], e["purpose"],
                    e["start"], e["end"], e["versions"])
            steps.append((chain.controller, p, done, "", e["role"]))
        for u, w, it, u_role, w_role in steps:
            roles[u].add(u_role)
            roles[w].add(w_role)
            if not g.has_edge(u, w):
                g.add_edge(u, w, items=set())
            g.edges[u, w]["items"].add(it)
    for n in g:
        a = flow.nodes[n]
        role = next((r for r in ("source", "dataset", "route", *ROLE_ORDER) if r in roles[n]), "controller")
        agreements = {i[0] for _, _, e in g.in_edges(n, data=True) for i in e["items"]} | {
            i[0] for _, _, e in g.out_edges(n, data=True) for i in e["items"]}
        g.nodes[n].update(label=a.get("label", n), type=a.get("type", ""), code=a.get("code", ""),
                          roles=a.get("roles", ""), org_type=a.get("org_type", ""), role=role,
                          layer=LAYER[role], weight=len(agreements), kind="node",
                          type_group=type_group(a.get("org_type", "")) if a.get("type") == "organisation" else "")
    return g


def _cut(g: nx.DiGraph, focus: frozenset[str], max_nodes: int) -> dict[str, str]:
    """Which nodes are drawn inside a collapsed group (node → group id) so that at most ``max_nodes``
    are drawn.  Layers are served smallest first, each with an equal share of what is left, so a
    short layer never starves a long one; sources, the DSCRO and the organisation asked about stay."""
    layers: dict[int, list[str]] = defaultdict(list)
    for n, a in g.nodes(data=True):
        if a["layer"] in (1, 3, 4, 5) and n not in focus:
            layers[a["layer"]].append(n)
    left = max_nodes - (g.number_of_nodes() - sum(len(ns) for ns in layers.values()))
    hidden: dict[str, str] = {}
    ordered = sorted(layers.items(), key=lambda kv: (len(kv[1]), kv[0]))
    for i, (_, nodes) in enumerate(ordered):
        grouped, shown = _fit(sorted(nodes, key=lambda n: (-g.nodes[n]["weight"], n)),
                              lambda n: _group_of(g.nodes[n]), max(left // (len(ordered) - i), 1))
        hidden.update(grouped)
        left -= shown
    return hidden


def _fit(nodes: list[str], key, cap: int) -> tuple[dict[str, str], int]:
    """Group ``nodes`` (heaviest first) under ``key`` so that at most ``cap`` are drawn (never fewer
    than one per group): small groups are shown whole, then up to :data:`PEEL` of the heaviest
    members of each other group.  Returns the hidden members (→ group) and how many nodes are drawn."""
    groups: dict[str, list[str]] = defaultdict(list)
    for n in nodes:
        groups[key(n)].append(n)
    if len(nodes) <= cap:
        return {}, len(nodes)
    collapsed = {k: ms for k, ms in groups.items() if len(ms) > 1}
    shown = len(groups)
    for k in sorted(collapsed, key=lambda k: (len(collapsed[k]), k)):
        if shown + len(collapsed[k]) - 1 <= cap:
            shown += len(collapsed.pop(k)) - 1
    peeled: dict[str, int] = defaultdict(int)
    for n in nodes:  # heaviest first: peel them out of their group while there is room
        k = key(n)
        if shown >= cap:
            break
        if k in collapsed and peeled[k] < PEEL:
            peeled[k] += 1
            collapsed[k].remove(n)
            shown += 1
            if len(collapsed[k]) == 1:
                del collapsed[k]
    return {n: k for k, ms in collapsed.items() for n in ms}, shown


def _groups(hidden: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for n, group in hidden.items():
        out[group].append(n)
    return out


def _group_of(a: dict) -> str:
    """The group a node is collapsed into: a controller by organisation type, any other by role, so
    infrastructure-only organisations are not counted as sub-processors (both are layer 5)."""
    return f"group:{a['layer']}:" + (a["type_group"] if a["layer"] == 3 else a["role"])


def _group_node(g: nx.DiGraph, group: str, nodes: list[str], layer: int) -> dict:
    """A collapsed group: "42 ICBs and sub-ICB locations", or "12 more processors" when some of its
    kind are drawn beside it (peeled out, or the organisation asked about), so "more" is never said
    of a group that is all there is."""
    first, inside = g.nodes[nodes[0]], set(nodes)
    name = first["type_group"] if layer == 3 else MORE[first["role"]]
    peeled = any(_group_of(a) == group for n, a in g.nodes(data=True) if a["layer"] == layer and n not in inside)
    return {"label": f"{len(nodes)} {'more ' if peeled else ''}{name}", "kind": "group", "type": "group",
            "role": first["role"], "layer": layer, "group": "", "focus": False,
            "code": "", "roles": "", "org_type": "", "type_group": name if layer == 3 else "",
            "members": len(nodes), "weight": sum(g.nodes[n]["weight"] for n in nodes)}


def _ends(n: str, hidden: dict[str, str]) -> list[str]:
    """The nodes an edge end can be drawn at: the node itself, and its group while that is collapsed."""
    return [n, hidden[n]] if n in hidden else [n]


def _add_items(view: nx.DiGraph, u: str, w: str, items: set[Item]) -> None:
    if not view.has_edge(u, w):
        view.add_edge(u, w, items=set())
    view.edges[u, w]["items"] |= items


def _order(view: nx.DiGraph) -> None:
    """Each node's rank within its layer: the mean rank of the drawn nodes that send to it (fewer
    crossing edges), then weight; a group's members follow their group, so it opens in place."""
    drawn = visible(view)
    rank: dict[str, float] = {}
    for layer in sorted({a["layer"] for _, a in drawn.nodes(data=True)}):
        nodes = [n for n, a in drawn.nodes(data=True) if a["layer"] == layer]

        def key(n: str) -> tuple[float, int, str]:
            placed = [rank[p] for p in drawn.predecessors(n) if p in rank]
            return (sum(placed) / len(placed) if placed else 0.0, -drawn.nodes[n]["weight"],
                    drawn.nodes[n]["label"].casefold())
        nodes.sort(key=key)
        rank.update({n: float(i) for i, n in enumerate(nodes)})
    members: dict[str, list[str]] = defaultdict(list)
    for n, a in view.nodes(data=True):
        if a.get("group"):
            members[a["group"]].append(n)
    for group, ns in members.items():
        ns.sort(key=lambda n: (-view.nodes[n]["weight"], view.nodes[n]["label"].casefold()))
        rank.update({n: rank[group] + (i + 1) / (len(ns) + 1) for i, n in enumerate(ns)})
    for n in view:
        view.nodes[n]["order"] = rank.get(n, 0.0)


def _titles(flow: nx.MultiDiGraph) -> dict[str, str]:
    """Each agreement's title, once (items refer to agreements by reference).  Dates and versions
    are not the agreement's: they differ by dataset and processor, so each item carries its own."""
    found: dict[str, str] = {}
    for *_, a in flow.edges(data=True):
        if a["kind"] == "release":
            found.setdefault(a["agreement"], a["title"])
    return found

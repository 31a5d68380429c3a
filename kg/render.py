"""Flow graph → one self-contained pyvis HTML page (works offline), and GraphML/GEXF files.

DESIGN.md §5: pyvis's ``cdn_resources="in_line"`` embeds vis-network and tom-select but still links
Bootstrap from a CDN, so those tags are stripped; a browser's physics cannot settle thousands of
nodes, so positions are computed here (a layered layout: datasets, sources, controllers,
processors) and physics is off; views above ``MAX_NODES`` are aggregated first.  Tooltips are HTML:
every piece of register text in them is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections import defaultdict
from pathlib import Path

import networkx as nx
from pyvis.network import Network

from kg.flows import SEP, aggregate

MAX_NODES = 2000
STYLE = {  # role -> (colour, vis shape, legend text)
    "dataset": ("#f4a261", "database", "dataset"),
    "source": ("#264653", "diamond", "source (NHS England / DSCRO)"),
    "controller": ("#2a9d8f", "dot", "controller / applicant"),
    "processor": ("#e76f51", "triangle", "processor"),
    "sub-processor": ("#e9c46a", "triangle", "sub-processor"),
    "infrastructure": ("#8d99ae", "square", "infrastructure only"),
}
LAYER = {"dataset": 0, "source": 1, "controller": 3, "processor": 4, "sub-processor": 5, "infrastructure": 5}
TOOLTIP_ITEMS = 8
_REMOTE = re.compile(r"<link\b[^>]*\bhref=\"https?://[^\"]*\"[^>]*>|"
                     r"<script\b[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.I | re.S)


def esc(text: object) -> str:
    return html.escape(str(text or ""), quote=True)


def layout(g: nx.DiGraph, spacing: float = 60.0) -> dict[str, tuple[float, float]]:
    """Layered positions, left to right along the flow; computed once, so the page never has to settle."""
    columns: dict[int, list[str]] = defaultdict(list)
    for n, a in g.nodes(data=True):
        layer = LAYER.get(a.get("role", ""), 3)
        if a.get("type") == "source":
            layer = 1 if not any(g.nodes[p].get("type") == "source" for p in g.predecessors(n)) else 2
        columns[layer].append(n)
    tallest = max((len(c) for c in columns.values()), default=1)
    width = max(400.0, spacing * 6 * math.sqrt(tallest) / 2)
    pos = {}
    for layer, nodes in columns.items():
        nodes.sort(key=lambda n: g.nodes[n].get("label", ""))
        top = -(len(nodes) - 1) * spacing / 2
        for i, n in enumerate(nodes):
            pos[n] = (layer * width / 2, top + i * spacing)
    return pos


def node_title(a: dict) -> str:
    parts = [f"<b>{esc(a.get('label'))}</b>", esc(a.get("type"))]
    if a.get("roles"):
        parts.append("roles: " + esc(a["roles"]))
    if a.get("code"):
        parts.append("ODS code: " + esc(a["code"]))
    return "<br>".join(parts)


def edge_title(e: dict) -> str:
    """Agreements on an aggregated edge: reference, title, dates, bases, purposes, link and evidence."""
    items = sorted(e.get("items", []), key=lambda i: (i.get("agreement", ""), i.get("dataset_label", "")))
    lines = [f"<b>{e.get('weight', len(items))} agreement(s)</b>"]
    for item in items[:TOOLTIP_ITEMS]:
        line = (f"<b>{esc(item.get('agreement'))}</b> {esc(item.get('title'))}<br>"
                f"{esc(item.get('dataset_label'))} · {esc(item.get('kind'))} ({esc(item.get('link'))})<br>"
                f"{esc(item.get('start'))} – {esc(item.get('end'))} · versions {esc(item.get('versions'))}")
        if item.get("legal_basis"):
            line += "<br>legal basis: " + esc(item["legal_basis"])
        if item.get("purpose"):
            line += "<br>purpose: " + esc(item["purpose"])
        if item.get("evidence"):
            line += "<br><i>“" + esc(_clip(item["evidence"], 300)) + "”</i>"
        lines.append(line)
    if len(items) > TOOLTIP_ITEMS:
        lines.append(f"… and {len(items) - TOOLTIP_ITEMS} more")
    return "<hr>".join(lines)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_network(flow: nx.MultiDiGraph | nx.DiGraph, heading: str = "", max_nodes: int = MAX_NODES) -> Network:
    """A pyvis Network of the (aggregated) flow graph, positioned, physics off, filter menu on."""
    g = aggregate(flow, max_nodes) if isinstance(flow, nx.MultiDiGraph) else flow
    net = Network(height="85vh", width="100%", directed=True, cdn_resources="in_line",
                  filter_menu=True, heading=esc(heading))
    positions = layout(g)
    for n, a in g.nodes(data=True):
        colour, shape, _ = STYLE.get(a.get("role", ""), STYLE["controller"])
        x, y = positions[n]
        net.add_node(n, label=_clip(a.get("label", n), 48), title=node_title(a), color=colour, shape=shape,
                     x=x, y=y, type=a.get("type", ""), role=a.get("role", ""))
    for u, w, e in g.edges(data=True):
        weight = int(e.get("weight", 1))
        net.add_edge(u, w, title=edge_title(e), width=min(1 + 1.5 * math.log2(weight + 1), 14),
                     value=weight, kind=e.get("kind", ""), agreements=_clip(e.get("agreements", ""), 500))
    net.set_options(json.dumps({
        "physics": {"enabled": False},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}, "smooth": False,
                  "color": {"inherit": "from"}, "scaling": {"min": 1, "max": 14}},
        "interaction": {"hover": True, "tooltipDelay": 100},
    }))
    return net


def legend_html() -> str:
    items = "".join(f'<span style="margin-right:1.2em"><span style="display:inline-block;width:12px;'
                    f'height:12px;background:{colour};margin-right:4px"></span>{esc(text)} ({shape})</span>'
                    for colour, shape, text in STYLE.values())
    return (f'<div id="regkg-legend" style="font:13px sans-serif;padding:6px">{items}'
            '<span>edge width: number of agreements</span></div>')


# vis shows a string title as plain text; turn ours (built from escaped text) into elements.
_TITLES_AS_HTML = """<script>
(function () {
  function el(s) { var d = document.createElement("div"); d.innerHTML = s; return d; }
  [typeof nodes !== "undefined" ? nodes : null, typeof edges !== "undefined" ? edges : null].forEach(function (ds) {
    if (!ds) return;
    ds.update(ds.get().filter(function (x) { return typeof x.title === "string"; })
                .map(function (x) { return {id: x.id, title: el(x.title)}; }));
  });
})();
</script>"""


def to_html(flow: nx.MultiDiGraph | nx.DiGraph, heading: str = "", max_nodes: int = MAX_NODES) -> str:
    """The page as a string: no remote script or stylesheet left, legend and HTML tooltips added."""
    page = to_network(flow, heading, max_nodes).generate_html()
    page = _REMOTE.sub("", page)
    page = page.replace("<body>", "<body>\n" + legend_html(), 1)
    return page.replace("</body>", _TITLES_AS_HTML + "\n</body>", 1)


def render(flow: nx.MultiDiGraph | nx.DiGraph, path: Path | str, heading: str = "",
           max_nodes: int = MAX_NODES) -> Path:
    """Write the flow graph as one offline HTML file."""
    target = Path(path)
    target.write_text(to_html(flow, heading, max_nodes), encoding="utf-8")
    return target


def scalar_graph(flow: nx.Graph) -> nx.Graph:
    """A copy whose attributes are all strings or numbers, as GraphML and GEXF require."""
    g = flow.copy()

    def clean(attrs: dict) -> None:
        for k, v in list(attrs.items()):
            if v is None:
                attrs[k] = ""
            elif isinstance(v, set | list | tuple):
                attrs[k] = SEP.join(sorted(str(x) for x in v if not isinstance(x, dict)))
            elif not isinstance(v, str | int | float | bool):
                attrs[k] = str(v)

    clean(g.graph)
    for _, a in g.nodes(data=True):
        clean(a)
    for *_, a in g.edges(data=True):
        clean(a)
    return g


def export_graph(flow: nx.Graph, fmt: str, path: Path | str | object) -> None:
    """Write the flow graph for Gephi/Cytoscape: ``graphml`` or ``gexf`` (a path or a binary stream)."""
    g = scalar_graph(flow)
    if fmt == "graphml":
        nx.write_graphml(g, path)
    elif fmt == "gexf":
        nx.write_gexf(g, path)
    else:
        raise ValueError(f"unknown graph format {fmt!r}; choose graphml or gexf")


GRAPH_FORMATS = ("graphml", "gexf")

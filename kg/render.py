"""Flow graph → one self-contained pyvis HTML page (works offline), and GraphML/GEXF files.

Pyvis's ``cdn_resources="in_line"`` embeds vis-network and tom-select but still links
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
import textwrap
from collections import defaultdict
from pathlib import Path

import networkx as nx
from pyvis.network import Network

from kg.flows import SEP, aggregate

MAX_NODES = 2000
STYLE = {  # role -> (colour, vis shape, legend text)
    "dataset": ("#f4a261", "hexagon", "dataset"),
    "source": ("#264653", "diamond", "source (NHS England / DSCRO)"),
    "controller": ("#2a9d8f", "dot", "controller / applicant"),
    "processor": ("#e76f51", "triangle", "processor"),
    "sub-processor": ("#e9c46a", "triangle", "sub-processor"),
    "infrastructure": ("#8d99ae", "square", "infrastructure only"),
}
SIZE = {"dataset": 14, "source": 13}  # vis node size (radius, px); everything else NODE_SIZE
NODE_SIZE = 11
LAYER = {"dataset": 0, "source": 1, "controller": 3, "processor": 4, "sub-processor": 5, "infrastructure": 5}
TOOLTIP_ITEMS = 8
FONT = 14           # label font size (px)
WRAP = 28           # label line length (characters); the full name stays in the tooltip
LABEL_LINES = 3     # at most this many label lines, the last one clipped with "…"
SUB_GAP = 220.0     # between the sub-columns of one tall layer (wider than a wrapped label)
LAYER_GAP = 270.0   # between layers
ASPECT = 1.8        # aim for a drawing about as wide as a landscape screen
_REMOTE = re.compile(r"<link\b[^>]*\bhref=\"https?://[^\"]*\"[^>]*>|"
                     r"<script\b[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.I | re.S)
_PYVIS_HEADING = re.compile(r"\s*<center>\s*<h1>.*?</h1>\s*</center>", re.S)
_COMMENTED_TAGS = re.compile(r"<!--\s*<(?:link|script)\b.*?-->", re.S)  # pyvis's leftover commented-out tags


def esc(text: object) -> str:
    return html.escape(str(text or ""), quote=True)


def wrap_label(text: str, width: int = WRAP, lines: int = LABEL_LINES) -> str:
    """A label broken into lines of about ``width`` characters (vis draws ``\\n`` as a line break)."""
    parts = textwrap.wrap(" ".join(str(text).split()), width, break_long_words=True) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = _clip(parts[-1] + " …", width)
    return "\n".join(parts)


def _layers(g: nx.DiGraph) -> list[list[str]]:
    columns: dict[int, list[str]] = defaultdict(list)
    for n, a in g.nodes(data=True):
        layer = LAYER.get(a.get("role", ""), 3)
        if a.get("type") == "source":
            layer = 1 if not any(g.nodes[p].get("type") == "source" for p in g.predecessors(n)) else 2
        columns[layer].append(n)
    return [columns[k] for k in sorted(columns)]


def _row_height(g: nx.DiGraph, nodes: list[str]) -> float:
    """Vertical room for one node: the shape, then its label lines underneath, then a gap."""
    lines = max((wrap_label(g.nodes[n].get("label", n)).count("\n") + 1 for n in nodes), default=1)
    size = max((SIZE.get(g.nodes[n].get("role", ""), NODE_SIZE) for n in nodes), default=NODE_SIZE)
    return 2 * size + lines * FONT * 1.25 + 22


def layout(g: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Layered positions, left to right along the flow; computed once, so the page never has to settle.

    Each layer is ordered by the mean rank of its nodes' predecessors (fewer crossing edges), rows are
    spaced for the wrapped labels, and a layer taller than the drawing's target aspect allows is
    folded into several sub-columns.
    """
    layers = _layers(g)
    rank: dict[str, float] = {}
    for nodes in layers:
        def key(n: str) -> tuple[float, str]:
            placed = [rank[p] for p in g.predecessors(n) if p in rank]
            return (sum(placed) / len(placed) if placed else 2.0, g.nodes[n].get("label", n).casefold())
        nodes.sort(key=key)
        rank.update({n: i / max(len(nodes) - 1, 1) for i, n in enumerate(nodes)})
    if not layers:
        return {}
    rows = [_row_height(g, nodes) for nodes in layers]
    row = max(rows)

    def extent(per_column: int) -> tuple[float, float]:
        width = sum((math.ceil(len(c) / per_column) - 1) * SUB_GAP for c in layers) + len(layers) * LAYER_GAP
        return width, per_column * row

    tallest = max(len(c) for c in layers)
    per_column = min(range(1, tallest + 1),
                     key=lambda r: (abs(math.log(extent(r)[0] / extent(r)[1] / ASPECT)), -r))
    width, height = extent(per_column)
    stretch = min(max(width / (height * ASPECT), 1.0), 1.8)  # short layers: use the room, not a thin strip
    pos: dict[str, tuple[float, float]] = {}
    x = 0.0
    for nodes, step in zip(layers, rows, strict=True):
        folds = math.ceil(len(nodes) / per_column)
        height = math.ceil(len(nodes) / folds)
        for i, n in enumerate(nodes):
            column, r = divmod(i, height)
            in_column = min(height, len(nodes) - column * height)
            pos[n] = (x + column * SUB_GAP, (r - (in_column - 1) / 2) * step * stretch)
        x += (folds - 1) * SUB_GAP + LAYER_GAP
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


def to_network(flow: nx.MultiDiGraph | nx.DiGraph, max_nodes: int = MAX_NODES) -> Network:
    """A pyvis Network of the (aggregated) flow graph, positioned, physics off, filter menu on.

    The heading is left to :func:`to_html` (pyvis would print its own twice).
    """
    g = aggregate(flow, max_nodes) if isinstance(flow, nx.MultiDiGraph) else flow
    net = Network(height="85vh", width="100%", directed=True, cdn_resources="in_line", filter_menu=True)
    positions = layout(g)
    for n, a in g.nodes(data=True):
        role = a.get("role", "")
        colour, shape, _ = STYLE.get(role, STYLE["controller"])
        x, y = positions[n]
        net.add_node(n, label=wrap_label(a.get("label", n)), title=node_title(a), color=colour, shape=shape,
                     size=SIZE.get(role, NODE_SIZE), x=x, y=y, type=a.get("type", ""), role=role)
    for u, w, e in g.edges(data=True):
        weight = int(e.get("weight", 1))
        net.add_edge(u, w, title=edge_title(e), width=min(1 + 1.5 * math.log2(weight + 1), 14),
                     value=weight, kind=e.get("kind", ""), agreements=_clip(e.get("agreements", ""), 500))
    net.set_options(json.dumps({
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "nodes": {"font": {"size": FONT, "face": "system-ui, sans-serif", "color": "#222",
                           "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "borderWidth": 1},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}, "smooth": False,
                  "color": {"inherit": "from", "opacity": 0.55}, "scaling": {"min": 1, "max": 14},
                  "hoverWidth": 1.5, "selectionWidth": 2},
        "interaction": {"hover": True, "tooltipDelay": 100, "navigationButtons": False, "keyboard": False},
    }))
    return net


def legend_html() -> str:
    items = "".join(f'<span class="regkg-key"><span class="regkg-swatch regkg-{shape}" style="background:{colour}">'
                    f"</span>{esc(text)}</span>"
                    for colour, shape, text in STYLE.values())
    return (f'<div id="regkg-legend">{items}'
            '<span class="regkg-key">line width: number of agreements · hover for details</span></div>')


def header_html(heading: str) -> str:
    """The page's one heading (escaped) and the legend."""
    title = f'<h1 id="regkg-heading">{esc(heading)}</h1>' if heading else ""
    return f'<header id="regkg-header">{title}{legend_html()}</header>'


# Bootstrap is stripped (it is remote), so the few classes pyvis's filter menu uses are styled here.
# The page is a column: header, filter menu, then the network filling the rest of the window.
_STYLE = """<style>
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font: 13px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: #222; background: #fff; }
#regkg-header { padding: 8px 14px 4px; }
#regkg-heading { font-size: 20px; font-weight: 600; margin: 0 0 4px; }
#regkg-legend { display: flex; flex-wrap: wrap; gap: 4px 16px; color: #444; }
.regkg-key { display: inline-flex; align-items: center; white-space: nowrap; }
.regkg-swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 5px;
                border: 1px solid rgba(0, 0, 0, .25); }
.regkg-dot { border-radius: 50%; }
.regkg-diamond { transform: rotate(45deg) scale(.85); border-radius: 1px; }
.regkg-triangle { clip-path: polygon(50% 0, 100% 100%, 0 100%); border: 0; }
.regkg-hexagon { clip-path: polygon(25% 0, 75% 0, 100% 50%, 75% 100%, 25% 100%, 0 50%); border: 0; width: 13px; }
body > .card { flex: 1 1 auto; display: flex; flex-direction: column; min-height: 0; width: 100% !important; }
.card-header { padding: 4px 14px 6px; border-bottom: 1px solid #e5e5e5; }
.card-header .row { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin: 0; }
.card-header .row > div { padding: 0; flex: 0 0 auto; }
.card-header .col-3 { width: 210px; }
.form-select { width: 100%; }
.ts-wrapper { width: 210px; }
.ts-control { min-height: 0; padding: 4px 8px !important; font-size: 13px; border-radius: 4px; }
.ts-dropdown { font-size: 13px; }
.btn { font: inherit; padding: 4px 12px; border-radius: 4px; border: 1px solid #2a6f97; background: #2a6f97;
       color: #fff; cursor: pointer; }
.btn:hover { background: #1f5373; }
#mynetwork { flex: 1 1 auto; float: none !important; height: auto !important; min-height: 420px;
             border: 0 !important; border-top: 1px solid #eee !important; box-sizing: border-box; }
div.vis-tooltip { max-width: 520px; white-space: normal !important; font: 12px/1.4 system-ui, sans-serif;
                  padding: 6px 8px; border-radius: 4px; box-shadow: 0 2px 8px rgba(0, 0, 0, .2); }
div.vis-tooltip hr { border: 0; border-top: 1px solid #ccc; margin: 4px 0; }
</style>"""

# vis shows a string title as plain text; turn ours (built from escaped text) into elements.  Then fit
# the drawing to the canvas, now and whenever the window changes size.
_TITLES_AS_HTML = """<script>
(function () {
  function el(s) { var d = document.createElement("div"); d.innerHTML = s; return d; }
  [typeof nodes !== "undefined" ? nodes : null, typeof edges !== "undefined" ? edges : null].forEach(function (ds) {
    if (!ds) return;
    ds.update(ds.get().filter(function (x) { return typeof x.title === "string"; })
                .map(function (x) { return {id: x.id, title: el(x.title)}; }));
  });
  if (typeof network === "undefined") return;
  function fit() { network.redraw(); network.fit({animation: false}); }
  fit();
  window.addEventListener("load", fit);
  var pending;
  window.addEventListener("resize", function () { clearTimeout(pending); pending = setTimeout(fit, 150); });
})();
</script>"""


def to_html(flow: nx.MultiDiGraph | nx.DiGraph, heading: str = "", max_nodes: int = MAX_NODES) -> str:
    """The page as a string: no remote script or stylesheet, one escaped heading, legend, inline style
    for the filter menu, HTML tooltips, and the drawing fitted to the window."""
    page = to_network(flow, max_nodes).generate_html()
    page = _REMOTE.sub("", page)
    page = _COMMENTED_TAGS.sub("", _PYVIS_HEADING.sub("", page))
    head = (f"<title>{esc(heading or 'regkg data flows')}</title>\n" if "<title>" not in page else "") + _STYLE
    page = page.replace("</head>", head + "\n</head>", 1)
    page = page.replace("<body>", "<body>\n" + header_html(heading), 1)
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

"""A flow view → one self-contained pyvis HTML page (works offline, and served), and GraphML/GEXF files.

The page draws a :mod:`kg.flows.views` view, not the raw flow graph: at most ``max_nodes`` nodes
(groups open on click), laid out in layers left to right by the page itself from the label sizes the
browser measures, so no label overlaps another or leaves the canvas; physics is off (positions are
final).  A click pins a details panel of plain, copyable text; a search box focuses a node; the
highlight control lights up nodes by role, dataset, legal basis or organisation type and fades the
rest, hiding nothing (docs/flows.md).

Pyvis's ``cdn_resources="in_line"`` embeds vis-network but still links Bootstrap from a CDN, so those
tags are stripped.  Register text reaches the page escaped (:func:`html.escape`) or as JSON that the
page's script writes with ``textContent``, never as markup.
"""

from __future__ import annotations

import html
import json
import math
import re
import textwrap
from pathlib import Path

import networkx as nx
from pyvis.network import Network

from kg.flows import SEP
from kg.flows.views import MAX_NODES, question, view_graph, visible

STYLE = {  # role -> (colour, vis shape, legend text)
    "source": ("#264653", "diamond", "source (NHS England)"),
    "dataset": ("#f4a261", "hexagon", "dataset"),
    "route": ("#264653", "diamond", "route (DSCRO)"),
    "controller": ("#2a9d8f", "dot", "controller / applicant"),
    "processor": ("#e76f51", "triangle", "processor"),
    "sub-processor": ("#e9c46a", "triangle", "sub-processor"),
    "infrastructure": ("#8d99ae", "square", "infrastructure only"),
}
SIZE = {"dataset": 14, "source": 13, "route": 13}  # vis node size (radius, px); everything else NODE_SIZE
NODE_SIZE = 11
FONT = 14           # label font size (px)
WRAP = 26           # label line length (characters); the full name is in the panel
LABEL_LINES = 3     # at most this many label lines, the last one clipped with "…"
ITEMS = 60          # agreements the panel lists at most (passed to kg/render.js, which says how many more)
ITEM_BUDGET = 50_000  # items on the whole page: the everything view lists fewer per edge, to stay small
HERE = Path(__file__).resolve().parent
_REMOTE = re.compile(r"<link\b[^>]*\bhref=\"https?://[^\"]*\"[^>]*>|"
                     r"<script\b[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.I | re.S)
_PYVIS_HEADING = re.compile(r"\s*<center>\s*<h1>.*?</h1>\s*</center>", re.S)
_COMMENTED_TAGS = re.compile(r"<!--\s*<(?:link|script)\b.*?-->", re.S)  # pyvis's leftover commented-out tags
_NETWORK_DIV = re.compile(r'<div id="mynetwork"[^>]*></div>')


def esc(text: object) -> str:
    return html.escape(str(text or ""), quote=True)


def wrap_label(text: str, width: int = WRAP, lines: int = LABEL_LINES) -> str:
    """A label broken into lines of about ``width`` characters (vis draws ``\\n`` as a line break)."""
    parts = textwrap.wrap(" ".join(str(text).split()), width, break_long_words=True) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = _clip(parts[-1] + " …", width)
    return "\n".join(parts)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def node_title(a: dict) -> str:
    """The hover line: the name and what a click does (the details are in the panel)."""
    group = a.get("kind") == "group"
    what = "group: click to draw its organisations" if group else f"{a.get('role')}: click for details"
    return f"<b>{esc(a.get('label'))}</b><br>{esc(what)}"


class PageData:
    """What the page's script reads: agreement titles once, texts once, each edge's items by index."""

    def __init__(self, view: nx.DiGraph, link_base: str | None) -> None:
        self.per_edge = max(3, min(ITEMS, ITEM_BUDGET // max(view.number_of_edges(), 1)))
        self.texts: dict[str, int] = {}
        self.items: dict[str, dict] = {}
        self.titles = dict(view.graph.get("titles", {}))
        self.link_base = link_base or ""

    def text(self, value: str) -> int:
        return self.texts.setdefault(value, len(self.texts)) if value else -1

    def add_edge(self, edge_id: str, items: set) -> None:
        """The first ``per_edge`` of ``[agreement, dataset, s(tated)|i(nferred), evidence, legal basis,
        purpose, start, end, versions]`` (texts by index), their count, and every dataset and legal basis
        for the highlight: an edge of the everything view can carry thousands of agreements, so a page
        keeps :data:`ITEMS` per edge, fewer (never under 3) when that would pass :data:`ITEM_BUDGET`."""
        rows = sorted(items)
        self.items[edge_id] = {
            "i": [[ref, self.text(dataset), link[:1], *map(self.text, (evidence, basis, purpose, start, end, versions))]
                  for ref, dataset, link, evidence, basis, purpose, start, end, versions in rows[:self.per_edge]],
            "n": len(rows),
            "d": sorted({self.text(r[1]) for r in rows}),
            "b": sorted({self.text(b) for r in rows for b in r[4].split(SEP) if b})}

    def script(self) -> str:
        data = {"linkBase": self.link_base, "itemsShown": ITEMS, "titles": self.titles, "texts": list(self.texts),
                "items": self.items}
        # "<" as \u003c: no register text can close the script element
        return "<script>var REGKG = " + json.dumps(data, ensure_ascii=False).replace("<", "\\u003c") + ";</script>"


def to_network(view: nx.DiGraph, data: PageData) -> Network:
    """A pyvis Network of the view: every node and edge, those inside collapsed groups hidden."""
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line")
    short = {n: f"n{i}" for i, n in enumerate(view)}  # IRIs are long, and the everything view has 11,000 edges
    for n, a in view.nodes(data=True):
        role = a.get("role", "")
        colour, shape, _ = STYLE.get(role, STYLE["controller"])
        group = a.get("kind") == "group"
        net.add_node(short[n], iri=n, label=wrap_label(a["label"]), title=node_title(a), shape=shape, x=0, y=0,
                     color={"background": "#ffffff" if group else colour, "border": colour},
                     borderWidth=3 if group or a.get("focus") else 1,
                     shapeProperties={"borderDashes": [5, 3] if group else False},
                     size=SIZE.get(role, NODE_SIZE) + (4 if group or a.get("focus") else 0),
                     hidden=bool(a.get("group")), full=a["label"], kind=a.get("kind", "node"), role=role,
                     layer=a["layer"], order=a["order"], grp=short.get(a.get("group", ""), ""),
                     typeGroup=a.get("type_group", ""), code=a.get("code", ""), weight=a.get("weight", 0))
    for i, (u, w, e) in enumerate(view.edges(data=True)):
        edge_id = f"e{i}"
        data.add_edge(edge_id, e["items"])
        weight = e["weight"]
        net.add_edge(short[u], short[w], id=edge_id, width=min(1 + 1.5 * math.log2(weight + 1), 14), weight=weight,
                     hidden=bool(view.nodes[u].get("group") or view.nodes[w].get("group")))
    net.set_options(json.dumps({
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "nodes": {"font": {"size": FONT, "face": "system-ui, sans-serif", "color": "#222",
                           "background": "rgba(255,255,255,0.85)"},
                  "scaling": {"label": {"drawThreshold": 1}}},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
                  "smooth": {"type": "cubicBezier", "forceDirection": "horizontal", "roundness": 0.5},
                  "color": {"inherit": "from", "opacity": 0.55}, "hoverWidth": 1.5, "selectionWidth": 2},
        "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False, "keyboard": False},
    }))
    return net

def legend_html() -> str:
    items = "".join(f'<span class="regkg-key"><span class="regkg-swatch regkg-{shape}" style="background:{colour}">'
                    f"</span>{esc(text)}</span>"
                    for colour, shape, text in STYLE.values())
    group = ('<span class="regkg-key"><span class="regkg-swatch regkg-dot regkg-group"></span>'
             "group: click to open</span>")
    return (f'<div id="regkg-legend">{items}{group}'
            '<span class="regkg-key">line width: number of agreements · click a node or line for details</span></div>')


def header_html(heading: str) -> str:
    """The page's one heading (escaped), the legend and the tools."""
    title = f'<h1 id="regkg-heading">{esc(heading)}</h1>' if heading else ""
    return f'<header id="regkg-header">{title}{legend_html()}{tools_html()}</header>'


def tools_html() -> str:
    """Search, highlight and the collapse button; the highlight offers only what a reader looks for."""
    props = "".join(f'<option value="{esc(p)}">{esc(p)}</option>'
                    for p in ("role", "dataset", "legal basis", "organisation type"))
    return ('<div id="regkg-tools">'
            '<form id="regkg-find"><input id="regkg-search" type="search" placeholder="find a node by name" '
            'aria-label="find a node by name"><button type="submit">find</button></form>'
            f'<label>highlight <select id="regkg-property"><option value="">by …</option>{props}</select></label>'
            '<select id="regkg-value" aria-label="value"><option value="">any</option></select>'
            '<button id="regkg-collapse" type="button">collapse groups</button></div>')


PANEL = ('<aside id="regkg-panel" hidden><button id="regkg-close" type="button" aria-label="close">×</button>'
         '<div id="regkg-panel-body"></div></aside>')


def to_html(flow: nx.MultiDiGraph, heading: str = "", max_nodes: int | None = MAX_NODES, *, view: str | None = None,
            link_base: str | None = None) -> str:
    """The page as a string: one escaped heading, legend, tools, the view, the details panel, and the
    page's script and style inline.  ``view`` is ``dataset``, ``organisation`` or ``processor``
    (default: by organisation when the flow was filtered by one); ``link_base`` (e.g.
    ``"/agreements/"``) makes agreements links when the page is served."""
    drawn = view_graph(flow, question(flow, view), max_nodes)
    data = PageData(drawn, link_base)
    page = to_network(drawn, data).generate_html()
    page = _REMOTE.sub("", page)
    page = _COMMENTED_TAGS.sub("", _PYVIS_HEADING.sub("", page))
    style = "<style>" + (HERE / "render.css").read_text(encoding="utf-8") + "</style>"
    head = (f"<title>{esc(heading or 'regkg data flows')}</title>\n" if "<title>" not in page else "") + style
    page = page.replace("</head>", head + "\n</head>", 1)
    page = page.replace("<body>", "<body>\n" + header_html(heading), 1)
    page = _NETWORK_DIV.sub(lambda m: f'<div id="regkg-main">{m[0]}{PANEL}</div>', page, count=1)
    script = "<script>" + (HERE / "render.js").read_text(encoding="utf-8") + "</script>"
    return page.replace("</body>", data.script() + "\n" + script + "\n</body>", 1)


def render(flow: nx.MultiDiGraph, path: Path | str, heading: str = "", max_nodes: int | None = MAX_NODES, *,
           view: str | None = None, link_base: str | None = None) -> Path:
    """Write the flow view as one offline HTML file."""
    target = Path(path)
    target.write_text(to_html(flow, heading, max_nodes, view=view, link_base=link_base),
                      encoding="utf-8")
    return target


def export_view(flow: nx.MultiDiGraph, fmt: str, path: Path | str | object, max_nodes: int | None = MAX_NODES, *,
                view: str | None = None) -> nx.DiGraph:
    """Write the view for Gephi: grouped as the page first draws it, or (``max_nodes=None``) every
    organisation; either way one edge per pair of nodes, ``weight`` agreements listed in ``agreements``."""
    drawn = view_graph(flow, question(flow, view), max_nodes)
    g = visible(drawn)
    g.graph.pop("titles", None)
    for *_, e in g.edges(data=True):
        e["agreements"] = SEP.join(sorted({i[0] for i in e.pop("items")}))
    export_graph(g, fmt, path)
    return g


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


NETWORK_FORMATS = ("graphml", "gexf")

"""HTML for the small UI: plain strings, every piece of register or user text through :func:`esc`.

Register text is untrusted (titles, organisation names and free text come from a spreadsheet and
web pages), so nothing reaches a page unescaped; the pages load nothing from elsewhere (inline CSS
only), which the server's Content-Security-Policy enforces too.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from urllib.parse import quote, urlencode

from kg.output import compact
from kg.query import NamedQuery, QueryResult

MAX_HTML_ROWS = 1000

STYLE = """
body{font:15px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:78em;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}a{color:#1d5b8f}
table{border-collapse:collapse;font-size:13px;margin:.5em 0}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f0f0f0}tr:nth-child(even) td{background:#fafafa}
textarea{width:100%;font:13px monospace}input[type=text]{width:28em}
.note{color:#555;font-size:13px}.error{color:#a00;white-space:pre-wrap;font-family:monospace}
nav a{margin-right:1em}pre{background:#f6f6f6;padding:.6em;overflow:auto}
"""

EXAMPLE_QUERY = """SELECT ?agreement ?dataset ?basis WHERE {
  ?v dct:isVersionOf/dct:identifier ?agreement ;
     dur:usesDataset ?use .
  ?use dur:dataset/skos:prefLabel ?dataset ;
       dpv:hasLegalBasis/skos:prefLabel ?basis .
} ORDER BY ?agreement ?dataset LIMIT 50"""


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def page(title: str, body: str) -> str:
    """A whole page: inline style, a way home, and the body (already escaped by its builder)."""
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{esc(title)} · regkg</title><style>{STYLE}</style></head><body>"
            f'<nav><a href="/">regkg</a><a href="/flows">flows</a></nav>'
            f"<h1>{esc(title)}</h1>\n{body}\n</body></html>\n")


def table(columns: Sequence[str], rows: Sequence[Sequence[str | None]], *, more: bool = False,
          total: int | None = None, limit: int = MAX_HTML_ROWS) -> str:
    """A result table of at most ``limit`` rows, saying so when rows were left out."""
    shown = rows[:limit]
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in shown)
    if more or len(rows) > limit:
        of = f" of {total:,}" if total is not None else ""
        note = (f"Showing the first {len(shown):,}{of} rows (pages show at most {limit:,}); "
                "ask for CSV or JSON for all of them.")
    else:
        note = f"{len(shown):,} row{'s' if len(shown) != 1 else ''}."
    return f'<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table><p class="note">{esc(note)}</p>'


def cell(value: str | None) -> str:
    """A cell shows the compact form of an IRI (``dur:…``) and keeps the full value as its tooltip."""
    short = compact(value)
    title = f' title="{esc(value)}"' if value and short != value else ""
    return f"<td{title}>{esc(short)}</td>"


def results(markup: str) -> str:
    return f'<section id="results"><h2>Results</h2>{markup}</section>'


def error(message: str) -> str:
    return f'<p class="error">{esc(message)}</p>'


def sparql_form(text: str) -> str:
    return ('<form method="get" action="/"><textarea name="query" rows="9" spellcheck="false">'
            f'{esc(text or EXAMPLE_QUERY)}</textarea><br><button type="submit">Run query</button> '
            '<span class="note">Prefixes dur:, dpv:, prov:, dcat:, org:, skos:, dct:, rdfs:, xsd: are '
            'predeclared; queries see every graph. The same query as JSON, XML, CSV or TSV: '
            '<code>/sparql?query=…</code> (SPARQL 1.1 Protocol).</span></form>')


def format_links(path: str, params: dict[str, str], formats: Iterable[str]) -> str:
    links = [f'<a href="{esc(path + "?" + urlencode({**params, "format": f}))}">{esc(f)}</a>' for f in formats]
    return f'<p class="note">Download: {" · ".join(links)}</p>'


def index(stats: QueryResult, queries: Iterable[NamedQuery], sparql: str = "", results: str = "") -> str:
    """The home page: the query form (and its results), what the store holds, the named queries."""
    body = [sparql_form(sparql), results, "<h2>Named queries</h2>", named_query_list(queries),
            "<h2>Trace</h2>", trace_form(), "<h2>What the store holds</h2>",
            table(stats.columns, stats.rows)]
    return page("regkg: the NHS Data Uses Register as a knowledge graph", "\n".join(body))


def named_query_list(queries: Iterable[NamedQuery]) -> str:
    items = []
    for q in queries:
        params = ", ".join(f"{p.name} ({p.kind})" for p in q.params) or "no parameters"
        items.append(f'<li><a href="/ask/{quote(q.name)}">{esc(q.title)}</a> — {esc(q.question)} '
                     f'<span class="note">[{esc(params)}]</span></li>')
    return f"<ul>{''.join(items)}</ul>"


def trace_form(dataset: str = "", org: str = "") -> str:
    return ('<form method="get" action="/trace">'
            f'<label>dataset <input type="text" name="dataset" value="{esc(dataset)}" placeholder="SUS+"></label> '
            f'<label>organisation <input type="text" name="org" value="{esc(org)}" placeholder="04V"></label> '
            f'{EDITION_FIELD}<button type="submit">Trace</button></form>')


# Every question is asked of the newest edition unless the form names another (docs/history.md).
EDITION_FIELD = ('<label>edition <input type="text" name="edition" size="8" placeholder="newest" '
                 'pattern="[0-9]{4}-[0-9]{2}"></label> ')


def ask_page(query: NamedQuery, values: dict[str, str], results: str) -> str:
    """A named query: its question, a form for its parameters, its results and its SPARQL."""
    fields = "".join(
        f'<p><label>{esc(p.name)} <input type="text" name="{esc(p.name)}" value="{esc(values.get(p.name, ""))}"'
        f'{"" if p.optional else " required"}></label> <span class="note">{esc(p.help)}</span></p>'
        for p in query.params)
    edition = "" if any(p.kind == "edition" for p in query.params) else f"<p>{EDITION_FIELD}</p>"
    form = (f'<form method="get" action="/ask/{quote(query.name)}">{fields}{edition}'
            '<button type="submit">Ask</button></form>')
    body = [f"<p>{esc(query.question)}</p>", form, results,
            f"<details><summary>SPARQL</summary><pre>{esc(query.text)}</pre></details>"]
    return page(query.title, "\n".join(body))


def trace_page(dataset: str, org: str, results: str) -> str:
    flows = urlencode({k: v for k, v in (("dataset", dataset), ("org", org)) if v})
    body = [trace_form(dataset, org), results,
            f'<p><a href="/flows?{esc(flows)}">See these flows as a graph</a></p>' if results else ""]
    return page(f"Flows of {dataset or org}" if dataset or org else "Trace", "\n".join(body))

"""The views: each a small function from a request to a response over the shared :class:`kg.register.Register`.

Like the CLI, they only call the library, so a named query answers the same here as in ``regkg ask``.
Work on the store (SPARQL, named queries, trace, flows) goes through ``App.guarded`` as module-level
functions of the register returning plain data (:mod:`kg.web.work`); the entity pages and search read
the read model (SQLite, milliseconds) directly.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlencode

from markupsafe import Markup

from kg import output, query
from kg.errors import RegkgError
from kg.namespace import ID, PREFIX_IRIS
from kg.readmodel import kind_of
from kg.web import html, sparql, tables, work
from kg.web.messages import Request, Response, html_page, text

if TYPE_CHECKING:
    from kg.web.app import App

TABLE_FORMATS = {"json": "application/json", "csv": "text/csv", "tsv": "text/tab-separated-values"}
ACCEPTED_TABLES = {"text/html": "html", **{media: fmt for fmt, media in TABLE_FORMATS.items()},
                   "application/sparql-results+json": "json"}
SCOPE_PARAMS = ("edition", "all_editions")
EXAMPLE_QUERY = """SELECT ?agreement ?dataset ?basis WHERE {
  ?v dct:isVersionOf/dct:identifier ?agreement ;
     dur:usesDataset ?use .
  ?use dur:dataset/skos:prefLabel ?dataset ;
       dpv:hasLegalBasis/skos:prefLabel ?basis .
} ORDER BY ?agreement ?dataset"""


def route(app: App, request: Request) -> Response:
    """The view for a path; unknown paths are 404 and writes to anything are refused."""
    path = request.path
    if path == "/sparql" or path.startswith("/update"):
        return sparql_view(app, request)
    if request.method != "GET":
        return Response(405, b"only GET here\n", "text/plain; charset=utf-8", {"Allow": "GET, HEAD"})
    views: dict[str, Callable[[App, Request], Response]] = {
        "/": index, "/query": query_page, "/trace": trace, "/flows": flow_page, "/search": search}
    if path in views:
        return views[path](app, request)
    if path == "/favicon.ico":  # browsers ask for it on every page; say "nothing" without a 404 in the log
        return Response(204, b"", "image/x-icon")
    if path.startswith("/ask/"):
        return ask(app, request, unquote(path[len("/ask/"):]))
    if path.startswith("/id/"):
        return resolve_iri(path)
    first, _, rest = path.strip("/").partition("/")
    if first in html.KIND_OF_PATH and rest:
        return entity_page(app, request, html.KIND_OF_PATH[first], unquote(rest))
    return text(404, f"nothing at {path}; start at /")


def page(template: str, status: int = 200, **context: Any) -> Response:
    return html_page(html.render(template, **context), status)


def wanted_format(request: Request, formats: tuple[str, ...] = ("html", *TABLE_FORMATS)) -> str:
    """``?format=`` first, else the best ``Accept`` type we can write; HTML for browsers and ``*/*``."""
    fmt = request.param("format").lower()
    if fmt:
        if fmt not in formats:
            raise sparql.ProtocolError(406, f"unknown format {fmt!r}; choose {', '.join(formats)}")
        return fmt
    for media in sparql.accepted(request.headers.get("accept", "")):
        if ACCEPTED_TABLES.get(media) in formats:
            return ACCEPTED_TABLES[media]
        if media.endswith("/*"):
            break
    return "html"


def linker(app: App) -> html.Linker:
    """Links for table cells, from the read model's labels (none if the store has no read model)."""
    try:
        return html.Linker(app.register.read.link_targets)
    except RegkgError:
        return html.Linker()


# --------------------------------------------------------------------------- SPARQL


def sparql_view(app: App, request: Request) -> Response:
    """The SPARQL 1.1 Protocol query operation, answered in the negotiated format."""
    if request.path != "/sparql":
        raise sparql.ProtocolError(403, "this endpoint is read-only: SPARQL updates are refused")
    parsed = sparql.parse_request(request.method, request.query_string, request.headers.get("content-type", ""),
                                  request.body)
    body, content_type = app.guarded(work.protocol, parsed, request.headers.get("accept", ""))
    return Response(200, body, content_type, {"Vary": "Accept"})


def query_page(app: App, request: Request) -> Response:
    """An ad hoc query from the form, run as ``regkg query`` runs it, shown as a table."""
    sparql_text = request.param("query")
    if not sparql_text:
        return page("table_page.html", title="SPARQL query", form="query_form.html", **query_form(""))
    return table_answer(app, request, ("query", sparql_text, *scope_args(request)), "Query results",
                        dict(title="SPARQL query", form="query_form.html", **query_form(sparql_text)))


def query_form(sparql_text: str) -> dict[str, str]:
    return {"sparql": sparql_text, "example": EXAMPLE_QUERY, "prefixes": ", ".join(f"{p}:" for p in PREFIX_IRIS)}


def scope_args(request: Request) -> tuple[str, bool]:
    return request.param("edition"), request.param("all_editions").lower() in ("1", "true", "on", "yes")


# --------------------------------------------------------------------------- tables


def table_answer(app: App, request: Request, job: tuple, title: str, context: dict[str, Any]) -> Response:
    """A table result as a page (sorted, filtered, paged) or as a whole-result download."""
    fmt = wanted_format(request)
    try:
        result = app.result(job)
    except RegkgError as e:
        if fmt != "html":
            raise
        return page("table_page.html", 400, problem=str(e), **context)
    params = {k: request.param(k) for k in request.params}
    if fmt != "html":
        return table_file(query.QueryResult(result.columns, tables.select(result, params), result.boolean), fmt, title)
    downloads = [(f, request.path + "?" + urlencode({**params, "format": f})) for f in TABLE_FORMATS]
    return page("table_page.html", table=tables.view(result, params, request.path), linker=linker(app),
                downloads=downloads, **context)


def table_file(result: query.QueryResult, fmt: str, title: str) -> Response:
    """JSON, CSV or TSV exactly as the CLI writes them (``kg.output``), for the same rows."""
    buffer = io.StringIO()
    output.write(result, fmt, buffer, title=title)
    return Response(200, buffer.getvalue().encode("utf-8"), TABLE_FORMATS[fmt] + "; charset=utf-8", {"Vary": "Accept"})


def ask(app: App, request: Request, name: str) -> Response:
    """A named query with its parameters bound (never pasted), as a page or a table file."""
    try:
        named = query.get_named_query(name)
    except RegkgError as e:
        return text(404, str(e))
    values = {k: v[-1].strip() for k, v in request.params.items()
              if k != "format" and not tables.is_table_param(k) and v and v[-1].strip()}
    declared = {p.name for p in named.params}
    bound = {k: v for k, v in values.items() if k in declared or k not in SCOPE_PARAMS}
    context = dict(title=named.title, intro=named.question, form="ask_form.html", named=named, values=values)
    if wanted_format(request) == "html" and named.params and not bound and any(not p.optional for p in named.params):
        return page("table_page.html", **context)
    job = ("ask", name, tuple(sorted(bound.items())), *scope_args(request))
    return table_answer(app, request, job, named.title, context)


def trace(app: App, request: Request) -> Response:
    """``regkg trace`` as a table: one row per agreement, dataset, controller and processor."""
    dataset, org = request.param("dataset"), request.param("org")
    title = f"Flows of {dataset or org}" if dataset or org else "Trace a dataset or an organisation"
    context = dict(title=title, form="trace_form.html", dataset=dataset, org=org,
                   edition_param=request.param("edition"))
    if not dataset and not org:
        return page("table_page.html", **context)
    return table_answer(app, request, ("trace", dataset, org, *scope_args(request)), title, context)


def flow_page(app: App, request: Request) -> Response:
    """The offline flow graph page of ``regkg render``, filtered like it, with a form and a way back."""
    filters = {k: request.param(k) for k in ("dataset", "org", "legal_basis")}
    form = html.render("flows_form.html", **filters, edition=request.param("edition"))
    try:
        drawn = app.guarded(work.flows_page, filters, *scope_args(request))
    except RegkgError as e:
        return page("message.html", 400, title="Data flows", problem=str(e), prelude=Markup(form))
    return html_page(drawn.replace("<body>", "<body>\n" + form, 1))


# --------------------------------------------------------------------------- the register, page by page


def index(app: App, request: Request) -> Response:
    """Home: search, the named queries, trace, the SPARQL form and what the store holds."""
    if request.param("query"):  # the form's old address
        return query_page(app, request)
    stats = app.result(("stats",))
    problem = None
    try:
        app.register.read  # noqa: B018 (a store without a read model says so here)
    except RegkgError as e:
        problem = str(e)
    return page("home.html", title="regkg: the NHS Data Uses Register as a knowledge graph", stats=stats,
                queries=query.named_queries().values(), problem=problem, **query_form(""))


def search(app: App, request: Request) -> Response:
    """Agreements, organisations, datasets, legal bases and purposes matching every word, best first."""
    q = request.param("q")
    fmt = wanted_format(request, ("html", "json"))
    try:
        results = app.register.search(q) if q else {}
    except RegkgError as e:
        if fmt == "json":
            raise
        return page("search.html", 400, title="Search", q=q, results={}, problem=str(e))
    if fmt == "json":
        return json_response({kind: [{"key": h.key, "label": h.label, "url": html.url(kind, h.key)} for h in hits]
                              for kind, hits in results.items()})
    return page("search.html", title=f"Search: {q}" if q else "Search", q=q, results=results)


def entity_page(app: App, request: Request, kind: str, key: str) -> Response:
    """An agreement, organisation, dataset, legal basis or purpose: HTML, or the same data as JSON or CSV."""
    fmt = wanted_format(request, ("html", "json", "csv"))
    for suffix in (".json", ".csv"):
        if key.endswith(suffix):
            key, fmt = key[: -len(suffix)], suffix[1:]
    try:
        data = app.register.page(kind, key, request.param("edition") or None)
    except RegkgError as e:
        if fmt != "html":
            return text(404, str(e))
        return page("message.html", 404, title=html.HEADINGS[kind], problem=str(e))
    if fmt == "json":
        return json_response(data)
    if fmt == "csv":
        return csv_response(entity_rows(data))
    read = app.register.read
    edition = request.param("edition")
    return page(f"{'term' if kind in ('legal-basis', 'purpose') else kind}.html", title=data["label"],
                heading=data["label"], page=data, edition=data["edition"], editions=read.editions,
                unlisted=data.get("listed_in_edition") is False,
                same_edition=f"?{urlencode({'edition': edition})}" if edition else "")


def entity_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of an entity page's main table, for its CSV: parties, roles, recipients or agreements."""
    if data["kind"] == "agreement":
        return [{"role": p["role"], "organisation": p["organisation"],
                 "datasets": "; ".join(d["label"] for d in p["datasets"]),
                 "evidence": p["evidence"] or "", "versions": "; ".join(p["versions"]),
                 "source": "; ".join(json.dumps(w) for w in p["sources"])} for p in data["parties"]]
    if data["kind"] == "organisation":
        return [r for rows in data["roles"].values() for r in rows]
    if data["kind"] == "dataset":
        return data["recipients"]
    return data["agreements"]


def json_response(data: object) -> Response:
    return Response(200, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"),
                    "application/json; charset=utf-8", {"Vary": "Accept"})


def csv_response(rows: list[dict[str, Any]]) -> Response:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return Response(200, buffer.getvalue().encode("utf-8"), "text/csv; charset=utf-8", {"Vary": "Accept"})


def resolve_iri(path: str) -> Response:
    """An IRI of the graph (``https://w3id.org/regkg/id/…``) resolves, here, to its page."""
    found = kind_of(f"{ID}{unquote(path[len('/id/'):])}")
    if found is None:
        return text(404, f"no page for {ID}{path[len('/id/'):]}; pages exist for agreements, organisations, "
                         "datasets, legal bases and purposes")
    return Response(303, b"", "text/plain; charset=utf-8", {"Location": html.url(*found)})


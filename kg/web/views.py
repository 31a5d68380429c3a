"""The views: each a small function from a request to a response over the shared core.

Like the CLI, they only call the library (``kg.query``, ``kg.output``, ``kg.trace``, ``kg.flows``,
``kg.render``, ``kg.stats``), so a named query answers the same here as in ``regkg ask``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import unquote

from kg import flows, output, query, render, stats
from kg import trace as tracing
from kg.errors import RegkgError
from kg.scope import Scope, check, scope_of
from kg.web import pages, sparql
from kg.web.messages import Request, Response, html_page, text

if TYPE_CHECKING:
    from kg.web.app import App

TABLE_FORMATS = {"json": "application/json", "csv": "text/csv", "tsv": "text/tab-separated-values"}
ACCEPTED_TABLES = {"text/html": "html", **{media: fmt for fmt, media in TABLE_FORMATS.items()},
                   "application/sparql-results+json": "json"}


def route(app: App, request: Request) -> Response:
    """The view for a path; unknown paths are 404 and writes to anything are refused."""
    path = request.path
    if path == "/sparql" or path.startswith("/update"):
        return sparql_view(app, request)
    if request.method != "GET":
        return Response(405, b"only GET here\n", "text/plain; charset=utf-8", {"Allow": "GET, HEAD"})
    views: dict[str, Callable[[App, Request], Response]] = {"/": index, "/trace": trace, "/flows": flow_page}
    if path in views:
        return views[path](app, request)
    if path == "/favicon.ico":  # browsers ask for it on every page; say "nothing" without a 404 in the log
        return Response(204, b"", "image/x-icon")
    if path.startswith("/ask/"):
        return ask(app, request, unquote(path[len("/ask/"):]))
    return text(404, f"nothing at {path}; start at /")


def sparql_view(app: App, request: Request) -> Response:
    """The SPARQL 1.1 Protocol query operation, answered in the negotiated format."""
    if request.path != "/sparql":
        raise sparql.ProtocolError(403, "this endpoint is read-only: SPARQL updates are refused")
    parsed = sparql.parse_request(request.method, request.query_string, request.headers.get("content-type", ""),
                                  request.body)

    def run() -> tuple[bytes, str]:
        result = sparql.execute(app.store, parsed)
        return sparql.serialize(result, request.headers.get("accept", ""), parsed.format)

    body, content_type = app.guarded(run)
    return Response(200, body, content_type, {"Vary": "Accept"})


def index(app: App, request: Request) -> Response:
    """Home: the SPARQL form (with the results of a submitted query), named queries, trace, stats."""
    text_ = request.param("query")
    results, status = "", 200
    if text_:
        try:
            found = app.guarded(lambda: sparql.table(sparql.execute(app.store, sparql.Request(text_)),
                                                     pages.MAX_HTML_ROWS))
            results = pages.results(pages.table(found.columns, found.rows, more=found.more))
        except sparql.ProtocolError as e:
            results, status = pages.error(e.message), e.status
    markup = pages.index(app.guarded(stats.stats, app.store), query.named_queries().values(), text_, results)
    return html_page(markup, status)


def wanted_format(request: Request) -> str:
    """``?format=`` first, else the best ``Accept`` type we can write; HTML for browsers and ``*/*``."""
    fmt = request.param("format").lower()
    if fmt:
        if fmt not in ("html", *TABLE_FORMATS):
            raise sparql.ProtocolError(406, f"unknown format {fmt!r}; choose html, json, csv or tsv")
        return fmt
    for media in sparql.accepted(request.headers.get("accept", "")):
        if media in ACCEPTED_TABLES:
            return ACCEPTED_TABLES[media]
        if media.endswith("/*"):
            break
    return "html"


def table_response(result: query.QueryResult, fmt: str, title: str) -> Response:
    """JSON, CSV or TSV exactly as the CLI writes them (``kg.output``), for the same rows."""
    buffer = io.StringIO()
    output.write(result, fmt, buffer, title=title)
    return Response(200, buffer.getvalue().encode("utf-8"), TABLE_FORMATS[fmt] + "; charset=utf-8", {"Vary": "Accept"})


def results_html(result: query.QueryResult) -> str:
    return pages.results(pages.table(result.columns, result.rows, total=len(result.rows)))


def ask(app: App, request: Request, name: str) -> Response:
    """A named query with its parameters bound (never pasted), as a page or a table file."""
    try:
        named = query.get_named_query(name)
    except RegkgError as e:
        return text(404, str(e))
    values = {k: v[-1].strip() for k, v in request.params.items() if k != "format" and v and v[-1].strip()}
    fmt = wanted_format(request)
    declared = {p.name for p in named.params}
    bound = {k: v for k, v in values.items() if k in declared or k not in SCOPE_PARAMS}
    if fmt != "html":
        found = app.guarded(query.ask, app.store, name, bound, app.resolver, scope_of_request(app, request))
        return table_response(found, fmt, named.title)
    if named.params and not bound and any(not p.optional for p in named.params):
        return html_page(pages.ask_page(named, values, ""))
    try:
        found = app.guarded(query.ask, app.store, name, bound, app.resolver, scope_of_request(app, request))
        markup = results_html(found) + pages.format_links(request.path, values, TABLE_FORMATS)
        return html_page(pages.ask_page(named, values, markup))
    except RegkgError as e:
        return html_page(pages.ask_page(named, values, pages.error(str(e))), 400)


SCOPE_PARAMS = ("edition", "all_editions")


def scope_of_request(app: App, request: Request) -> Scope:
    """The editions a page answers for: ``?edition=YYYY-MM``, ``?all_editions=1``, else the newest."""
    every = request.param("all_editions").lower() in ("1", "true", "on", "yes")
    return check(app.store, scope_of(request.param("edition") or None, every))


def trace(app: App, request: Request) -> Response:
    """``regkg trace`` as a page: one row per agreement, dataset, controller and processor."""
    dataset, org = request.param("dataset"), request.param("org")
    fmt = wanted_format(request)
    if not dataset and not org:
        return html_page(pages.trace_page("", "", ""))
    try:
        found = app.guarded(tracing.trace, app.store, dataset or None, org or None, app.resolver,
                            scope_of_request(app, request))
    except RegkgError as e:
        if fmt != "html":
            raise
        return html_page(pages.trace_page(dataset, org, pages.error(str(e))), 400)
    if fmt != "html":
        return table_response(found, fmt, f"Flows of {dataset or org}")
    params = {k: v for k, v in (("dataset", dataset), ("org", org)) if v}
    return html_page(pages.trace_page(dataset, org, results_html(found)
                                      + pages.format_links("/trace", params, TABLE_FORMATS)))


def flow_page(app: App, request: Request) -> Response:
    """The offline flow graph page of ``regkg render``, filtered like it."""
    filters = {k: request.param(k) or None for k in ("dataset", "org", "legal_basis")}

    def draw() -> str:
        flow = flows.flow_graph(app.store, resolver=app.resolver, scope=scope_of_request(app, request), **filters)
        heading = "Data flows" + (f" ({flow.graph['filters']})" if flow.graph.get("filters") else "")
        return render.to_html(flow, heading=heading)

    try:
        return html_page(app.guarded(draw))
    except RegkgError as e:
        return html_page(pages.page("Data flows", pages.error(str(e))), 400)

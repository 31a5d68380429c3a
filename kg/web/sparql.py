"""The SPARQL 1.1 Protocol *query* operation, free of HTTP plumbing so it can be tested on its own.

Results are written by pyoxigraph's own serialisers (JSON, XML, CSV, TSV; Turtle, N-Triples…), so
what a client gets is exactly what Oxigraph's server would give.  Queries see the union of all named
graphs, like ``regkg query`` and with its predeclared prefixes, unless the request names its dataset
(``default-graph-uri``, ``named-graph-uri``).  The store is opened read-only; updates are refused before they reach it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import pyoxigraph as ox

from kg import query
from kg.errors import RegkgError

Result = query.Answer
MAX_ANSWER = 64 * 2**20  # bytes of one /sparql answer (a full edition's every triple as JSON is ~600 MB)

# Media types a client may ask for, in our order of preference (the first is the default).
RESULTS_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}
# ``?format=`` shorthands (as Virtuoso and Fuseki offer), so that a plain link can pick a format.
SHORTHANDS = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
              "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
              "ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json"}

# An update begins, after its prologue, with one of these words; a query never does.
_UPDATE = re.compile(
    r"^(?:\s+|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s+[\w.-]*:\s*<[^>]*>)*"
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE)


class ProtocolError(Exception):
    """A request the endpoint answers with an HTTP error status and a plain-text message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message

    def __reduce__(self) -> tuple[type, tuple[int, str]]:
        return ProtocolError, (self.status, self.message)  # raised in a worker process, answered by the server


@dataclass
class Request:
    """The query operation's inputs, however they were sent."""

    query: str
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    format: str | None = None


def parse_request(method: str, query_string: str, content_type: str, body: bytes) -> Request:
    """The query from a GET, a form-encoded POST or an ``application/sparql-query`` POST."""
    params = parse_qs(query_string, keep_blank_values=True)
    media = content_type.split(";")[0].strip().lower()
    if method == "POST" and media == "application/x-www-form-urlencoded":
        params = {**params, **parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)}
    if "update" in params or media == "application/sparql-update":
        raise ProtocolError(403, "this endpoint is read-only: SPARQL updates are refused")
    if method == "POST" and media == "application/sparql-query":
        queries = [body.decode("utf-8", "replace")]
    elif method == "POST" and media != "application/x-www-form-urlencoded":
        raise ProtocolError(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded")
    else:
        queries = params.get("query", [])
    if len(queries) != 1 or not queries[0].strip():
        raise ProtocolError(400, "give exactly one SPARQL query (the `query` parameter); a form is at /")
    return Request(queries[0], params.get("default-graph-uri", []), params.get("named-graph-uri", []),
                   (params.get("format") or [None])[0])


def is_update(text: str) -> bool:
    return bool(_UPDATE.match(text))


def execute(store: ox.Store, request: Request, allow_service: bool = False) -> Result:
    """Run the query (never an update) over the union of all graphs, or over the dataset asked for,
    through the library's one query path (``kg.query.execute``: the same checks, prefixes and errors
    as ``regkg query``)."""
    if is_update(request.query):
        raise ProtocolError(403, "this endpoint is read-only: SPARQL updates are refused")
    try:
        return query.execute(store, request.query, allow_service=allow_service,
                             default_graphs=request.default_graphs, named_graphs=request.named_graphs)
    except RegkgError as e:
        raise ProtocolError(400, str(e)) from None


def accepted(accept: str) -> Iterator[str]:
    """Media types of an ``Accept`` header, best first (q-values honoured, ``q=0`` dropped)."""
    ranked = []
    for position, item in enumerate(accept.split(",")):
        media, *options = (part.strip() for part in item.split(";"))
        q = 1.0
        for option in options:
            key, _, value = option.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranked.append((-q, position, media.lower()))
    return (media for _, _, media in sorted(ranked))


def negotiate(result: Result, accept: str, shorthand: str | None = None) -> tuple[str, object]:
    """The media type and pyoxigraph format to answer with; 406 if we speak none the client accepts."""
    table = GRAPH_TYPES if isinstance(result, ox.QueryTriples) else RESULTS_TYPES
    if shorthand:
        media = SHORTHANDS.get(shorthand.lower(), shorthand)
        if media not in table:
            raise ProtocolError(406, f"format {shorthand!r} does not fit this kind of query; "
                                     f"choose one of {', '.join(table)}")
        return media, table[media]
    default = next(iter(table))
    for media in accepted(accept or "*/*"):
        if media in table:
            return media, table[media]
        if media in ("*/*", "application/*", "text/*"):
            return default, table[default]
    raise ProtocolError(406, f"cannot answer with {accept!r}; choose one of {', '.join(table)}")


class _Capped:
    """A file for Oxigraph's serialiser that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int):
        self.limit, self.size, self.parts = limit, 0, []

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise OverflowError
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def serialize(result: Result, accept: str, shorthand: str | None = None,
              limit: int = MAX_ANSWER) -> tuple[bytes, str]:
    """The result in the negotiated format, by Oxigraph's serialiser, with its Content-Type; an answer
    larger than ``limit`` bytes is an error, not a server holding gigabytes for one client."""
    media, fmt = negotiate(result, accept, shorthand)
    out = _Capped(limit)
    try:
        result.serialize(output=out, format=fmt)
    except OverflowError:
        raise ProtocolError(413, f"the answer is larger than {limit // 2**20} MB; add a LIMIT, or run it with "
                                 "`regkg query`, which has no cap") from None
    body = b"".join(out.parts)
    charset = "; charset=utf-8" if media.startswith("text/") or "json" in media or "xml" in media else ""
    return body, media + charset

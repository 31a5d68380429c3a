"""Remote SPARQL servers, for when a team outgrows one machine: push the store, query the server.

``push`` uploads every named graph of the local store through the SPARQL 1.1 Graph Store Protocol
(``PUT {graph-store}?graph=<iri>`` with an N-Triples body dumped by Oxigraph), so pushing again
replaces each graph rather than adding to it.  Graphs already on the server that the local store
does not hold are left alone.

``RemoteStore`` is rdflib's read-only ``SPARQLStore`` over the server's query endpoint.  Locally a
query sees every named graph, their union being the default graph; a server's default graph is
usually its own, empty one (Oxigraph's unless started with ``--union-default-graph``).  So each
query names its dataset in the protocol: every named graph on the server, as ``default-graph-uri``
and as ``named-graph-uri`` — the same view the local store gives, on any SPARQL 1.1 server.  A
query with its own ``FROM``/``FROM NAMED`` clauses keeps them.

For Oxigraph (``oxigraph serve --location DIR --bind 127.0.0.1:7878``) the endpoint may be the
server's base URL: queries go to ``{base}/query`` and graphs to ``{base}/store``.  Other servers
take their query URL as the endpoint and ``graph_store=`` (``--graph-store``) for uploads, e.g.
Fuseki's ``/ds/sparql`` and ``/ds/data``.
"""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass, field
from http.client import HTTPResponse
from io import BytesIO
from typing import BinaryIO
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

import pyoxigraph as ox
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result
from rdflib.term import Identifier

from kg.errors import RegkgError
from kg.query import OPAQUE_SPANS, QueryResult, run
from kg.store import named_graphs

PUSH_TIMEOUT = 600.0
QUERY_TIMEOUT = 120.0
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"

# A query that names its own dataset: FROM <iri>, FROM NAMED <iri> or FROM with a prefixed name.
OWN_DATASET = re.compile(r"\bFROM\s+(?:NAMED\s+)?(?:<|[\w.-]*:)", re.IGNORECASE)
LIST_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"


@dataclass(frozen=True)
class PushedGraph:
    iri: str
    triples: int
    bytes: int


@dataclass
class PushReport:
    graph_store: str
    graphs: list[PushedGraph] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)


def _base(endpoint: str) -> tuple[str, str]:
    """The endpoint without a trailing slash, and its path; only http(s) URLs are accepted."""
    endpoint = endpoint.strip().rstrip("/")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RegkgError(f"not an http(s) URL: {endpoint!r} (e.g. http://127.0.0.1:7878)")
    return endpoint, parts.path


def query_url(endpoint: str) -> str:
    """The SPARQL query URL: a bare server URL means Oxigraph's ``/query``."""
    url, path = _base(endpoint)
    return url + "/query" if not path else url


def graph_store_url(endpoint: str, graph_store: str | None = None) -> str:
    """The Graph Store Protocol URL: given, or Oxigraph's ``/store`` beside its ``/query``."""
    if graph_store:
        return _base(graph_store)[0]
    url, path = _base(endpoint)
    if not path:
        return url + "/store"
    if path.endswith("/query"):
        return url.removesuffix("/query") + "/store"
    raise RegkgError(f"cannot tell the Graph Store URL of {endpoint}; pass --graph-store URL "
                     "(Oxigraph: BASE/store, Fuseki: BASE/DATASET/data)")


def _open(request: Request, timeout: float, what: str | None = None) -> HTTPResponse:
    """urlopen with one-line errors naming the method, the URL and the HTTP status."""
    what = what or f"{request.get_method()} {request.full_url}"
    try:
        return urlopen(request, timeout=timeout)
    except HTTPError as e:
        detail = " ".join(e.read().decode("utf-8", "replace").split())[:300]
        raise RegkgError(f"{what}: HTTP {e.code} {e.reason}" + (f": {detail}" if detail else "")) from None
    except URLError as e:
        raise RegkgError(f"cannot reach {request.full_url.split('?')[0]}: {e.reason}") from None
    except (TimeoutError, OSError) as e:
        raise RegkgError(f"{what}: {e}") from None


def push(store: ox.Store, endpoint: str, *, graph_store: str | None = None, replace: bool = True,
         timeout: float = PUSH_TIMEOUT) -> PushReport:
    """Upload every named graph of ``store``; ``replace=False`` adds to remote graphs (POST)."""
    url = graph_store_url(endpoint, graph_store)
    report = PushReport(graph_store=url)
    started = time.perf_counter()
    for iri in named_graphs(store):
        graph = ox.NamedNode(iri)
        with tempfile.TemporaryFile() as body:  # spooled to disk: a big graph never sits in memory twice
            store.dump(body, ox.RdfFormat.N_TRIPLES, from_graph=graph)
            size = body.tell()
            body.seek(0)
            _upload(url, iri, body, size, "PUT" if replace else "POST", timeout)
        triples = sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
        report.graphs.append(PushedGraph(iri, triples, size))
    report.seconds = time.perf_counter() - started
    return report


def _upload(url: str, iri: str, body: BinaryIO, size: int, method: str, timeout: float) -> None:
    separator = "&" if "?" in url else "?"
    request = Request(f"{url}{separator}{urlencode({'graph': iri})}", data=body, method=method,
                      headers={"Content-Type": N_TRIPLES, "Content-Length": str(size)})
    _open(request, timeout, what=f"{method} {url} (graph {iri})").close()


class RemoteStore(SPARQLStore):
    """rdflib's read-only SPARQL store over a server, seeing the same dataset a local query sees."""

    def __init__(self, endpoint: str, *, timeout: float = QUERY_TIMEOUT) -> None:
        super().__init__(query_endpoint=query_url(endpoint), context_aware=False, returnFormat="json")
        self.timeout = timeout
        self._graphs: list[str] | None = None

    def graphs(self) -> list[str]:
        """The named graphs on the server (asked once per store)."""
        if self._graphs is None:
            result = self._post([("query", LIST_GRAPHS)])
            self._graphs = sorted(str(row[0]) for row in result)
        return self._graphs

    def _query(self, query: str, default_graph: str | None = None, named_graph: str | None = None) -> Result:
        self._queries += 1
        params = [("query", query)]
        if not declares_dataset(query):
            graphs = self.graphs()
            params += [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]
        return self._post(params)

    def _post(self, params: list[tuple[str, str]]) -> Result:
        assert self.query_endpoint
        request = Request(self.query_endpoint, data=urlencode(params).encode(), method="POST",
                          headers={"Accept": RESULTS_JSON, "Content-Type": "application/x-www-form-urlencoded"})
        with _open(request, self.timeout, what=f"query {self.query_endpoint}") as response:
            content_type = response.headers.get("Content-Type", RESULTS_JSON).split(";")[0].strip()
            body = response.read()
        try:
            return Result.parse(BytesIO(body), content_type=content_type)
        except Exception as e:
            raise RegkgError(f"query {self.query_endpoint}: unreadable {content_type} results ({e})") from None


def declares_dataset(sparql: str) -> bool:
    """Whether the query names its own dataset (FROM …), ignoring comments and strings."""
    code = OPAQUE_SPANS.sub(lambda m: m.group() if m.group().startswith("<") else " ", sparql)
    return bool(OWN_DATASET.search(code))


def remote_graph(endpoint: str, *, timeout: float = QUERY_TIMEOUT) -> Graph:
    """An rdflib Graph over the server, for ``kg.query.run``/``ask``/``run_text``."""
    return Graph(store=RemoteStore(endpoint, timeout=timeout))


def remote_query(endpoint: str, sparql: str, bindings: dict[str, Identifier] | None = None) -> QueryResult:
    """Run a SELECT/ASK query on the server; parameters are bound with ``kg.query.bind_into``."""
    return run(remote_graph(endpoint), sparql, bindings)


def remote_named_graphs(endpoint: str) -> list[str]:
    return RemoteStore(endpoint).graphs()

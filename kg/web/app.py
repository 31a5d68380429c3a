"""The HTTP server: routing, guards and headers around the views (standard library only).

One :class:`kg.register.Register` (the read-only store, its read model, the resolver) is opened at
start and shared by every request thread; each request first lets it notice a store that a build has
swapped in since (one ``stat``).  Work on the store runs in ``WORKERS`` worker processes
(``kg.workers``), each with its own view of the store: a query past ``QUERY_TIMEOUT`` seconds has its
worker killed and replaced, so a runaway query never keeps its slot (docs/security.md).
Table results are kept (``RESULTS`` of them, per store generation), so sorting, filtering and paging
a result never runs its query again.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

from kg.errors import RegkgError
from kg.query import QueryResult
from kg.register import Register
from kg.web import work
from kg.web.messages import PAGE_CSP, Request, Response, text
from kg.web.sparql import ProtocolError
from kg.web.views import route
from kg.workers import Busy, TimedOut, WorkerPool

T = TypeVar("T")

QUERY_TIMEOUT = 30.0
WORKERS = 4
MAX_BODY = 1 << 20
IDLE_TIMEOUT = 30.0
RESULTS = 32
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


class App:
    """The shared state of a running server: the register, the query workers and the kept results."""

    def __init__(self, register: Register, timeout: float = QUERY_TIMEOUT, workers: int = WORKERS):
        self.register = register
        self.timeout = timeout
        self.pool = WorkerPool(partial(Register, allow_service=register.allow_service), register.path,
                               size=workers, timeout=timeout)
        self.results: OrderedDict[tuple, QueryResult] = OrderedDict()
        self.results_lock = threading.Lock()

    def result(self, job: tuple) -> QueryResult:
        """The table of ``job`` (see ``kg.web.work.table``), computed once per store generation."""
        key = (self.register.generation, *job)
        with self.results_lock:
            if key in self.results:
                self.results.move_to_end(key)
                return self.results[key]
        found = self.guarded(work.table, job)
        with self.results_lock:
            self.results[key] = found
            while len(self.results) > RESULTS:
                self.results.popitem(last=False)
        return found

    def guarded(self, job: Callable[..., T], *args: object) -> T:
        """``job(register, *args)`` in a worker process, waiting at most ``timeout`` seconds for it;
        a busy server or a query past its time answers 503."""
        try:
            return self.pool.run(job, *args)
        except (Busy, TimedOut) as e:
            raise ProtocolError(503, str(e)) from None

    def close(self) -> None:
        self.pool.close()


class Server(ThreadingHTTPServer):
    """A threading HTTP server that carries the :class:`App` its handlers use."""

    daemon_threads = True
    request_queue_size = 2048  # the listen backlog: a burst of clients waits rather than being refused

    def __init__(self, address: tuple[str, int], app: App):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        super().__init__(address, Handler)

    def server_close(self) -> None:
        super().server_close()
        self.app.close()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def make_server(store_path: Path | str | None = None, host: str = "127.0.0.1", port: int = 8808,
                *, timeout: float = QUERY_TIMEOUT, workers: int = WORKERS, allow_service: bool = False) -> Server:
    """The server ``regkg serve`` runs (and the tests start on port 0): store opened read-only."""
    return Server((host, port), App(Register(store_path, allow_service=allow_service), timeout=timeout,
                                    workers=workers))


def serve(server: Server) -> None:
    """Serve until Ctrl-C, then close the socket."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def allowed_host(host_header: str, bound: str) -> bool:
    """On a loopback server only loopback Host names are served: a DNS-rebinding page gets nothing."""
    if not is_loopback(bound):
        return True
    name = urlsplit("//" + host_header).hostname or ""
    return name.lower() in LOOPBACK_NAMES or is_loopback(name)


class Handler(BaseHTTPRequestHandler):
    """Parses the request, hands it to a view, writes the response with the security headers."""

    server: Server
    server_version = "regkg"
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT  # a connection that sends nothing for this long is closed

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_HEAD(self) -> None:
        self.dispatch("HEAD")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def refuse(self) -> None:
        self.send(Response(405, b"read-only: only GET and POST are served\n", "text/plain; charset=utf-8",
                           {"Allow": "GET, HEAD, POST"}), "GET")

    do_PUT = do_DELETE = do_PATCH = refuse

    def dispatch(self, method: str) -> None:
        try:
            request = self.read_request(method)
            if not allowed_host(self.headers.get("Host", ""), str(self.server.server_address[0])):
                raise ProtocolError(403, "unexpected Host header: this server answers only to localhost")
            self.server.app.register.refresh()
            response = route(self.server.app, request)
        except ProtocolError as e:
            response = text(e.status, e.message)
        except RegkgError as e:
            response = text(400, str(e))
        except Exception:  # a bug answers 500 and is logged, rather than dropping the connection
            traceback.print_exc(file=sys.stderr)
            response = text(500, "internal error (details in the server log)")
        self.send(response, method)

    def read_request(self, method: str) -> Request:
        parts = urlsplit(self.path)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            raise ProtocolError(400, "Content-Length is not a number") from None
        if length > MAX_BODY:
            self.close_connection = True
            raise ProtocolError(413, f"request body larger than {MAX_BODY:,} bytes")
        body = self.rfile.read(length) if length > 0 else b""
        return Request("GET" if method == "HEAD" else method, parts.path, parts.query,
                       {k.lower(): v for k, v in self.headers.items()}, body,
                       parse_qs(parts.query, keep_blank_values=True))

    def send(self, response: Response, method: str) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "no-referrer")
        for name, value in {"Content-Security-Policy": PAGE_CSP, **response.headers}.items():
            self.send_header(name, value)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)

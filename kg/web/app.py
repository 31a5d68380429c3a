"""The HTTP server: routing, guards and headers around the views (standard library only).

One :class:`kg.register.Register` (the read-only store, its read model, the resolver) is opened at
start and shared by every request thread; each request first lets it notice a store that a build has
swapped in since (one ``stat``).  Work on the store runs in a worker thread and the request stops
waiting after ``QUERY_TIMEOUT`` seconds (Oxigraph releases the GIL while it evaluates, so the wait is
honoured; a runaway query itself runs on in the background, and at most ``WORKERS`` run at once).
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

T = TypeVar("T")

QUERY_TIMEOUT = 30.0
WORKERS = 4
MAX_BODY = 1 << 20
RESULTS = 32
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


class App:
    """The shared state of a running server: the register, the query slots and the kept results."""

    def __init__(self, register: Register, timeout: float = QUERY_TIMEOUT):
        self.register = register
        self.timeout = timeout
        self.slots = threading.BoundedSemaphore(WORKERS)
        self.results: OrderedDict[tuple, QueryResult] = OrderedDict()
        self.results_lock = threading.Lock()

    def result(self, job: tuple) -> QueryResult:
        """The table of ``job`` (see ``kg.web.work.table``), computed once per store generation."""
        key = (self.register.generation, *job)
        with self.results_lock:
            if key in self.results:
                self.results.move_to_end(key)
                return self.results[key]
        found = self.guarded(work.table, self.register, job)
        with self.results_lock:
            self.results[key] = found
            while len(self.results) > RESULTS:
                self.results.popitem(last=False)
        return found

    def guarded(self, job: Callable[..., T], *args: object) -> T:
        """Run store work in a daemon thread; the request waits at most ``timeout`` seconds for it.

        Daemon threads (not a pool) so that a runaway query never holds up Ctrl-C; the slots bound
        how many run at once.
        """
        if not self.slots.acquire(timeout=self.timeout):
            raise ProtocolError(503, f"the server is busy with {WORKERS} long queries; try again later")
        outcome: dict[str, object] = {}

        def run() -> None:
            try:
                outcome["value"] = job(*args)
            except BaseException as e:
                forget_locals(e)
                outcome["error"] = e
            finally:
                self.slots.release()

        worker = threading.Thread(target=run, name="regkg-query", daemon=True)
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            raise ProtocolError(503, f"the query took longer than {self.timeout:g} s; the server stopped "
                                     "waiting for it (narrow it, or run it with `regkg query`)")
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        return outcome["value"]  # type: ignore[return-value]


def forget_locals(error: BaseException | None) -> None:
    """Clear the frames of an error's traceback (and its causes) on the thread that raised it.

    Oxigraph's query results may only be dropped on the thread that made them; a traceback handed to
    the request thread would otherwise carry them there in its frames' locals.
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        traceback.clear_frames(error.__traceback__)
        if error.__cause__ is not None:
            forget_locals(error.__cause__)
        error = error.__context__


class Server(ThreadingHTTPServer):
    """A threading HTTP server that carries the :class:`App` its handlers use."""

    daemon_threads = True
    request_queue_size = 2048  # the listen backlog: a burst of clients waits rather than being refused

    def __init__(self, address: tuple[str, int], app: App):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        super().__init__(address, Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def make_server(store_path: Path | str | None = None, host: str = "127.0.0.1", port: int = 8808,
                *, timeout: float = QUERY_TIMEOUT) -> Server:
    """The server ``regkg serve`` runs (and the tests start on port 0): store opened read-only."""
    return Server((host, port), App(Register(store_path), timeout=timeout))


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
        length = int(self.headers.get("Content-Length") or 0)
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

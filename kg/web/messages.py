"""Requests and responses as plain values, so views are functions that tests can call directly."""

from __future__ import annotations

from dataclasses import dataclass, field

PAGE_CSP = "default-src 'self' 'unsafe-inline'"


@dataclass
class Request:
    """What a view needs of an HTTP request, already parsed."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes = b""
    params: dict[str, list[str]] = field(default_factory=dict)

    def param(self, name: str) -> str:
        """The last value given for ``name`` (forms repeat nothing we use), stripped; "" if absent."""
        return (self.params.get(name) or [""])[-1].strip()


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def text(status: int, message: str) -> Response:
    return Response(status, (message + "\n").encode("utf-8"), "text/plain; charset=utf-8")


def html_page(markup: str, status: int = 200) -> Response:
    return Response(status, markup.encode("utf-8"), "text/html; charset=utf-8", {"Content-Security-Policy": PAGE_CSP})

"""The store work of the web: module-level functions of the register that return plain, picklable data.

``App.guarded`` runs each of them in a worker process (``kg.workers.WorkerPool``), which passes its own
:class:`kg.register.Register` first; arguments and answers travel pickled, so they are plain data.
"""

from __future__ import annotations

from kg import render
from kg.errors import RegkgError
from kg.flows.analysis import title
from kg.query import QueryResult
from kg.register import Register
from kg.web import sparql


def protocol(register: Register, request: sparql.Request, accept: str) -> tuple[bytes, str]:
    """A SPARQL Protocol query, serialised in the negotiated format."""
    return sparql.serialize(sparql.execute(register.store, request, register.allow_service), accept, request.format)


# rows of one web table: a result is built whole in a worker, sent to the server and kept there for
# sorting and paging, so an unbounded SELECT could hold the server's memory (docs/security.md)
MAX_TABLE_ROWS = 200_000


def table(register: Register, job: tuple) -> QueryResult:
    """The result of one table job: ``("query", sparql, edition, every)``, ``("ask", name, values, edition,
    every)``, ``("trace", dataset, org, edition, every)`` or ``("stats",)``."""
    kind, *args = job
    if kind == "stats":
        return register.stats()
    *head, edition, every = args
    scope = register.scope(edition or None, every)
    if kind == "query":
        return register.query(head[0], scope=scope, max_rows=MAX_TABLE_ROWS)
    if kind == "ask":
        return register.ask(head[0], dict(head[1]), scope, max_rows=MAX_TABLE_ROWS)
    if kind == "trace":
        return register.trace(head[0] or None, head[1] or None, scope)
    raise RegkgError(f"no table job {kind!r}")


def flows_page(register: Register, filters: dict[str, str], edition: str, every: bool) -> str:
    """The flow graph page of ``regkg render`` for ``filters``, as HTML."""
    flow = register.flows(register.scope(edition or None, every), **{k: v or None for k, v in filters.items()})
    return render.to_html(flow, heading=title(flow), link_base="/agreements/")

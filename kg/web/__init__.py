"""``regkg serve``: the register as pages, search and tables, and a read-only SPARQL 1.1 endpoint (docs/web.md).

Standard library HTTP server, Jinja2 templates.  Modules: :mod:`kg.web.app` (server, guards, security
headers, the shared :class:`kg.register.Register`), :mod:`kg.web.views` (one function per route),
:mod:`kg.web.work` (the store work, run under the timeout), :mod:`kg.web.tables` (sort, facets, pages),
:mod:`kg.web.sparql` (the protocol), :mod:`kg.web.html` (templates and links).
"""

from kg.web.app import QUERY_TIMEOUT, App, Server, make_server, serve

__all__ = ["QUERY_TIMEOUT", "App", "Server", "make_server", "serve"]

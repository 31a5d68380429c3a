"""``regkg serve``: a read-only SPARQL 1.1 Protocol endpoint and a small HTML UI over the store.

Standard library only (``http.server``).  Modules: :mod:`kg.web.sparql` (the protocol: parsing,
content negotiation, Oxigraph's serialisers), :mod:`kg.web.views` (one function per route over the
same core as the CLI), :mod:`kg.web.pages` (escaped HTML), :mod:`kg.web.app` (server, guards,
security headers).
"""

from kg.web.app import QUERY_TIMEOUT, App, Server, make_server, serve

__all__ = ["QUERY_TIMEOUT", "App", "Server", "make_server", "serve"]

"""One core object holding the store, the resolver and the vocabulary, for every reader of a built store.

The web server, every ``regkg`` command and the tutorial notebook ask the register
through a :class:`Register`: it checks at once that the built store is there, opens it read-only, and
loads the read model, the resolver and the vocabulary, each once and at first use (the web server's
own process never queries the store, so never opens it), and delegates each question to the library
module that answers it (``kg.query``, ``kg.scope``, ``kg.flows``, ``kg.trace``, ``kg.readmodel``).  A
build swaps a new store in by switching a link (``kg.store.swap_in``); :meth:`Register.refresh`
notices that by one ``stat`` (``kg.store.generation``) and forgets the store and its read model, which
reopen at their next use, so a long-running reader answers from the data it was last given.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from kg import query as queries
from kg import readmodel, stats
from kg import store as stores
from kg.errors import RegkgError
from kg.scope import NEWEST, Scope, check, scope_of

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph as ox
    from rdflib import Graph

    from kg.build import BuildResult
    from kg.remote import PushReport
    from kg.resolve import Resolver
    from kg.validate import ValidationReport
    from kg.vocab import Vocabulary


class Register:
    """The built store at ``store_path`` (the default store if None), its read model, resolver and vocabulary."""

    def __init__(self, store_path: Path | str | None = None, *, allow_service: bool = False,
                 endpoint: str | None = None):
        self.endpoint = endpoint  # a SPARQL server that stands in for the store (`--endpoint`)
        self.path = stores.resolve_path(store_path)
        self.allow_service = allow_service  # let SERVICE clauses call other servers (docs/security.md)
        self._lock = threading.Lock()
        self._resolver: Resolver | None = None
        self._vocabulary: Vocabulary | None = None
        self._read: readmodel.ReadModel | None = None
        self._store: ox.Store | Graph | None = None
        if endpoint:
            from kg import remote

            self._store = remote.remote_graph(endpoint)
        else:
            stores.require(self.path)  # a missing store is an error now, not at the first question
        self._generation = "" if endpoint else stores.generation(self.path)

    @staticmethod
    def build(sources: Iterable[Path | str], store_path: Path | str | None = None, **options: Any) -> BuildResult:
        """Build (or with ``add=True`` extend) the store at ``store_path`` from register sources; open
        the result with ``Register(result.store)``."""
        from kg.build import build

        return build(sources, store_path, **options)

    def refresh(self) -> bool:
        """Forget the store and its read model if a build swapped a new one in (they reopen at their
        next use); True if it did.  Cheap enough for every request: one ``stat`` of the store's marker.
        """
        if self.endpoint or stores.generation(self.path) == self._generation:
            return False
        with self._lock:
            self._generation = stores.generation(self.path)
            self._store, self._read = None, None
        return True

    @property
    def generation(self) -> str:
        return self._generation

    @property
    def store(self) -> ox.Store:
        """The local store (an rdflib Graph over the server when the register is remote), opened at
        first use: the web server's own process never queries it (its workers do), so never opens it."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = stores.open_store(self.path)
        return self._store  # type: ignore[return-value]

    @property
    def resolver(self) -> Resolver:
        if self._resolver is None:
            from kg.resolve import Resolver

            self._resolver = Resolver.load()
        return self._resolver

    @property
    def vocabulary(self) -> Vocabulary:
        if self._vocabulary is None:
            from kg.vocab import Vocabulary

            self._vocabulary = Vocabulary.load()
        return self._vocabulary

    @property
    def read(self) -> readmodel.ReadModel:
        """The read model built with the store; a store built before it had one is an error saying to rebuild."""
        current = self._read
        if current is None:
            current = self._read = readmodel.ReadModel(Path(self.path) / readmodel.FILENAME)
        return current

    # ----------------------------------------------------------------- the graph (SPARQL)

    def scope(self, edition: str | None = None, every: bool = False) -> Scope:
        """The scope of ``--edition``/``--all-editions`` (the newest edition when neither), checked
        against the editions a local store holds."""
        chosen = scope_of(edition, every)
        return chosen if self.endpoint else check(self.store, chosen)

    def query(self, sparql: str, values: dict[str, str] | None = None, scope: Scope = NEWEST,
              max_rows: int | None = None) -> queries.QueryResult:
        """An ad hoc SELECT or ASK, exactly as ``regkg query`` runs it (same prefixes, same errors); more
        than ``max_rows`` rows is an error, not a table held whole in memory."""
        return queries.run_text(self.store, sparql, values, self.resolver, scope, allow_service=self.allow_service,
                                max_rows=max_rows)

    def ask(self, name: str, values: dict[str, str] | None = None, scope: Scope = NEWEST,
            max_rows: int | None = None) -> queries.QueryResult:
        """A named query with its parameters bound, as ``regkg ask`` runs it."""
        return queries.ask(self.store, name, values, self.resolver, scope, max_rows=max_rows)

    def trace(self, dataset: str | None = None, org: str | None = None, scope: Scope = NEWEST) -> queries.QueryResult:
        from kg.trace import trace

        return trace(self.store, dataset, org, self.resolver, scope)

    def trace_flow(self, dataset: str | None = None, org: str | None = None,
                   scope: Scope = NEWEST) -> tuple[queries.QueryResult, nx.MultiDiGraph]:
        """The trace table and the flow graph it was read from (one fetch for both)."""
        from kg.trace import trace_flow

        return trace_flow(self.store, dataset=dataset, org=org, resolver=self.resolver, scope=scope)

    def flows(self, scope: Scope = NEWEST, **filters: str | None) -> nx.MultiDiGraph:
        from kg.flows import flow_graph

        return flow_graph(self.store, resolver=self.resolver, scope=scope, **filters)

    def stats(self) -> queries.QueryResult:
        return stats.stats(self.store)

    def organisations(self) -> queries.QueryResult:
        """Every organisation, with its codes, kinds and the names it was written as."""
        from kg import orgs

        return orgs.organisations(self.store)

    def suggest(self) -> queries.QueryResult:
        """Known organisations that unresolved names may be (for review; never merged)."""
        from kg import orgs

        return orgs.suggest(self.store)

    def validate(self) -> ValidationReport:
        """The store checked against the SHACL shapes (ontology/shapes.ttl)."""
        from kg.validate import validate

        return validate(self.store)

    def export(self, fmt: str, output: BinaryIO | Path) -> None:
        """The graph as RDF (turtle, nt, jsonld, trig, nquads), or the flow graph as GraphML/GEXF."""
        from kg.export import export_rdf
        from kg.render import NETWORK_FORMATS, export_graph

        if fmt in NETWORK_FORMATS:
            export_graph(self.flows(), fmt, output)
        else:
            export_rdf(self.store, fmt, output)

    def push(self, endpoint: str, graph_store: str | None = None) -> PushReport:
        """Every named graph uploaded to a SPARQL server (each replaced there, never duplicated)."""
        from kg import remote

        return remote.push(self.store, endpoint, graph_store=graph_store)

    def diff(self, old: str, new: str) -> queries.QueryResult:
        """What changed between two editions, as ``regkg diff``."""
        from kg.diff import diff

        return diff(self.store, old, new)

    def history(self, reference: str) -> queries.QueryResult:
        """An agreement's timeline across editions, as ``regkg history``."""
        from kg.history import history

        return history(self.store, reference)

    # ----------------------------------------------------------------- the read model (pages, search)

    def show(self, ref_or_name: str, edition: str | None = None) -> dict[str, Any]:
        """The page of an agreement (by reference) or of anything named (by any spelling or code)."""
        kind, key = self.read.find(ref_or_name)
        return self.read.page(kind, key, edition)

    def page(self, kind: str, key: str, edition: str | None = None) -> dict[str, Any]:
        if kind not in readmodel.KINDS:
            raise RegkgError(f"no kind of page {kind!r}; known: {', '.join(readmodel.KINDS)}")
        return self.read.page(kind, key, edition)

    def search(self, text: str, per_kind: int = 10) -> dict[str, list[readmodel.Hit]]:
        return self.read.search(text, per_kind)

"""Which editions list which content: runs of consecutive editions, kept in one named graph.

Content is stored once (``kg.content``); this module records, compactly, which editions list it
(docs/history.md).  A version content's listing is a run of consecutive editions, a node with a first
and (once it stops being listed) a last edition; a content listed again after a gap gets a second run.
A version is also its agreement's *latest* over runs of its own.  A release row carries its first
edition and, once dropped, its last.  What holds in the newest edition is also stated directly, so
that the default (current) answers need no interval arithmetic: ``?v dur:current true``,
``?a dur:latestVersion ?v``, and the agreement's current title and controllers.

Everything here lives in the editions graph, the only graph a later ``build --add`` changes: the new
state is serialised whole and compared with the old one, and only the difference is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.errors import RegkgError
from kg.graph import DCT, DPV, DUR, RDF, boolean, node, text
from kg.namespace import iri_edition, iri_graph
from kg.store import select_values

EDITIONS_GRAPH = iri_graph("editions")
_GRAPH = node(EDITIONS_GRAPH)
_TRUE = boolean(True)


@dataclass
class Run:
    """Consecutive editions listing one thing; ``last`` is None while the newest edition lists it."""

    first: str
    last: str | None = None


@dataclass
class Edition:
    """What one edition lists: version contents, each agreement's latest content, release rows, and
    the agreement-level facts that hold while that content is the latest (title, controllers)."""

    name: str
    contents: set[str] = field(default_factory=set)
    latest: dict[str, str] = field(default_factory=dict)  # agreement IRI -> content IRI
    releases: set[str] = field(default_factory=set)
    facts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # agreement -> (predicate, object)


@dataclass
class Membership:
    """Listing runs of every version content and release, and the newest edition's facts."""

    editions: list[str] = field(default_factory=list)
    listed: dict[str, list[Run]] = field(default_factory=dict)  # content IRI -> runs
    latest: dict[str, list[Run]] = field(default_factory=dict)  # content IRI -> runs as latest
    agreement_of: dict[str, str] = field(default_factory=dict)  # content IRI -> agreement IRI
    releases: dict[str, Run] = field(default_factory=dict)
    facts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # edition -> the file it was read from

    @property
    def newest(self) -> str | None:
        return self.editions[-1] if self.editions else None

    def check_next(self, name: str, file: str) -> bool:
        """False when edition ``name`` is already recorded from ``file``; an error when another file
        gave that edition (two publications of one month are two series) or it is older than the
        newest edition."""
        if name in self.editions:
            if self.files.get(name, file) != file:
                raise RegkgError(
                    f"{file}: edition {name} is already in the store, read from {self.files[name]}; "
                    "a store holds one series of editions (build another store for another register)")
            return False
        if self.newest and name < self.newest:
            raise RegkgError(
                f"edition {name} is older than the store's newest edition {self.newest}: editions are added "
                "in date order; rebuild from all of them (`regkg build FOLDER`), which sorts them")
        return True

    def observe(self, edition: Edition, file: str) -> None:
        """Record the next edition, read from ``file``: open runs for what it lists anew, close runs
        for what it dropped."""
        previous = self.newest
        self.files[edition.name] = file
        _advance(self.listed, edition.contents, edition.name, previous)
        _advance(self.latest, set(edition.latest.values()), edition.name, previous)
        for agreement, content in edition.latest.items():
            self.agreement_of[content] = agreement
        for iri, run in self.releases.items():
            if run.last is None and iri not in edition.releases:
                run.last = previous
        for iri in edition.releases:
            run = self.releases.get(iri)
            if run is None:
                self.releases[iri] = Run(edition.name)
            elif run.last is not None:
                run.last = None  # listed again after a gap: the run reopens (docs/history.md)
        self.facts = edition.facts
        self.editions.append(edition.name)

    def lines(self) -> Iterator[str]:
        """The editions graph as N-Quads lines."""
        for i, name in enumerate(self.editions):
            e = node(iri_edition(name))
            yield _quad(e, RDF.type, DUR.Edition)
            yield _quad(e, DUR.edition, text(name))
            if i:
                yield _quad(e, DUR.previousEdition, text(self.editions[i - 1]))
        for content, runs in self.listed.items():
            yield from _runs(content, runs, DUR.listing, "listing")
            if runs[-1].last is None:
                yield _quad(node(content), DUR.current, _TRUE)
        for content, runs in self.latest.items():
            yield from _runs(content, runs, DUR.latestListing, "latest")
            if runs[-1].last is None:
                yield _quad(node(self.agreement_of[content]), DUR.latestVersion, node(content))
        for iri, run in self.releases.items():
            yield _quad(node(iri), DUR.firstEdition, text(run.first))
            if run.last:
                yield _quad(node(iri), DUR.lastEdition, text(run.last))
        for agreement, facts in self.facts.items():
            for predicate, obj in facts:
                yield _quad(node(agreement), predicate, obj)

    @classmethod
    def of_store(cls, store: ox.Store) -> Membership:
        """The membership an existing store records, read back from its editions graph in one pass
        (a few hundred thousand quads; per-pattern SPARQL cost several times more)."""
        m = cls()
        quads: dict[str, list[ox.Quad]] = {}
        for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(EDITIONS_GRAPH)):
            quads.setdefault(quad.predicate.value, []).append(quad)

        def of(term: str) -> list[ox.Quad]:
            return quads.get(term[1:-1], [])

        m.editions = sorted(q.object.value for q in of(DUR.edition))
        m.files = {e: name for e, name in select_values(
            store, "SELECT ?e ?name WHERE { ?g a dur:SourceFile ; dur:edition ?e ; dct:title ?name }")}
        first = {q.subject.value: q.object.value for q in of(DUR.firstEdition)}
        last = {q.subject.value: q.object.value for q in of(DUR.lastEdition)}
        runs: set[str] = set()
        for predicate, target in ((DUR.listing, m.listed), (DUR.latestListing, m.latest)):
            for q in sorted(of(predicate), key=lambda q: (q.subject.value, first[q.object.value])):
                runs.add(q.object.value)
                target.setdefault(q.subject.value, []).append(Run(first[q.object.value], last.get(q.object.value)))
        m.releases = {iri: Run(f, last.get(iri)) for iri, f in first.items() if iri not in runs}
        m.agreement_of = {q.object.value: q.subject.value for q in of(DUR.latestVersion)}
        for predicate in FACT_PREDICATES:
            for q in of(predicate):
                obj = text(q.object.value) if isinstance(q.object, ox.Literal) else node(q.object.value)
                m.facts.setdefault(q.subject.value, []).append((predicate, obj))
        return m


FACT_PREDICATES = (DCT.title, DPV.hasDataController)


def agreement_facts(title: str, controllers: Iterable[str]) -> list[tuple[str, str]]:
    """An agreement's current facts, from its latest version: its title and controllers (IRIs)."""
    facts = [(DCT.title, text(title))] if title else []
    return facts + [(DPV.hasDataController, node(c)) for c in dict.fromkeys(controllers)]


def _advance(runs: dict[str, list[Run]], listed: set[str], name: str, previous: str | None) -> None:
    for key, its in runs.items():
        if its[-1].last is None and key not in listed:
            its[-1].last = previous
    for key in listed:
        its = runs.setdefault(key, [])
        if not its or its[-1].last is not None:
            its.append(Run(name))


def _runs(content: str, runs: list[Run], predicate: str, kind: str) -> Iterator[str]:
    for run in runs:
        n = node(f"{content}/{kind}/{run.first}")
        yield _quad(node(content), predicate, n)
        yield _quad(n, DUR.firstEdition, text(run.first))
        if run.last:
            yield _quad(n, DUR.lastEdition, text(run.last))


def _quad(s: str, p: str, o: str) -> str:
    return f"{s} {p} {o} {_GRAPH} .\n"


def write_changes(store: ox.Store, before: set[str], now: set[str], spool: Path) -> int:
    """Make the store's editions graph hold the lines ``now``, given those it held (``before``): only
    the difference is written, so adding an edition touches what changed, not the whole store."""
    removed = before - now
    if removed:
        for quad in ox.parse("".join(sorted(removed)).encode("utf-8"), format=ox.RdfFormat.N_QUADS):
            store.remove(quad)
    added = now - before
    if added:
        spool.write_text("".join(sorted(added)), encoding="utf-8")
        store.bulk_load(path=str(spool), format=ox.RdfFormat.N_QUADS)
    return len(removed) + len(added)

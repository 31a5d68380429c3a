"""The main job: source files → records → resolution/extraction → quads → a new store.

Every source is read and checked before the store is touched; its quads are then made and loaded
into a staging store, which is swapped in only when all of it loaded (``kg.store.swap_in``), so bad
input loses nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg import store as stores
from kg.errors import StrictModeError
from kg.extract.processors import extract_processors
from kg.graph import iter_document_quads
from kg.namespace import iri_source
from kg.records import SourceDocument
from kg.resolve import Resolver
from kg.resources import vocabulary_files
from kg.sources import read_source, source_files
from kg.vocab import Vocabulary

ONTOLOGY_GRAPH = iri_source("ontology")


@dataclass
class SourceSummary:
    name: str
    kind: str
    edition: str | None
    agreements: int
    versions: int
    quads: int


@dataclass
class BuildResult:
    store: Path
    sources: list[SourceSummary] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unknown_values: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def quads(self) -> int:
        return sum(s.quads for s in self.sources)


Progress = Callable[[str], None]


def enrich(doc: SourceDocument, resolver: Resolver) -> None:
    """Add what the text says but no field holds: purposes and processors, with evidence."""
    for agreement in doc.agreements:
        for version in agreement.versions:
            if not version.purposes:
                version.purposes = resolver.find_purposes(
                    version.title, version.objective, doc.name, version.text_line.get("objective", 0))
            version.processors = extract_processors(version, resolver, doc.name)


def read_all(paths: Iterable[Path], vocab: Vocabulary, edition: str | None = None,
             progress: Progress | None = None) -> list[SourceDocument]:
    docs = []
    for path in source_files(paths):
        if progress:
            progress(f"reading {path.name}")
        docs.append(read_source(path, vocab, edition))
    return docs


def build(paths: Iterable[Path | str], store: Path | str | None = None, *, add: bool = False,
          strict: bool = False, edition: str | None = None,
          progress: Progress | None = None) -> BuildResult:
    """Build (or with ``add``, extend) the store from ``paths``: files or folders of sources."""
    vocab = Vocabulary.load()
    resolver = Resolver.load()
    target = stores.resolve_path(store)
    docs = read_all([Path(p) for p in paths], vocab, edition, progress)
    result = BuildResult(store=target)
    for doc in docs:
        if progress:
            progress(f"mapping {doc.name}")
        enrich(doc, resolver)
        result.warnings.extend(doc.warnings)
    if strict and vocab.unknown:  # the readers tally every unknown value; mapping adds none
        raise StrictModeError(f"{len(vocab.unknown)} unknown vocabulary value(s): "
                              + "; ".join(f"{s}: {v!r}" for s, v in sorted(vocab.unknown)))
    # Quads stream from the records into the staging store, one agreement at a time: a full
    # edition's ~1.7 million quads held in one list took ~0.9 GB (profiled).
    with stores.swap_in(target, copy_existing=add) as writable:
        stores.load_turtle(writable, vocabulary_files(), ONTOLOGY_GRAPH)
        for doc in docs:
            graph_iri = iri_source(doc.name)
            if progress:
                progress(f"loading {graph_iri.rsplit('/', 1)[-1]}")
            counted = _Counted(iter_document_quads(doc, resolver, vocab))
            stores.replace_graph(writable, graph_iri, counted)
            result.sources.append(_summary(doc, counted.n))
    result.unknown_values = vocab.unknown + Counter(
        {k: n for k, n in resolver.unresolved.items() if k[0] == "legal_basis"})
    return result


class _Counted:
    """An iterator that counts what passed through it."""

    def __init__(self, items: Iterator[ox.Quad]) -> None:
        self._items = items
        self.n = 0

    def __iter__(self) -> Iterator[ox.Quad]:
        for item in self._items:
            self.n += 1
            yield item


def _summary(doc: SourceDocument, quads: int) -> SourceSummary:
    return SourceSummary(
        name=doc.name, kind=doc.kind, edition=doc.edition, agreements=len(doc.agreements),
        versions=sum(len(a.versions) for a in doc.agreements), quads=quads)

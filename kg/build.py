"""The main job: source files → records → resolution/extraction → quads → a new store.

Each source is read, checked and mapped to an N-Quads spool file in turn, so only one source's
records are in memory at once (twelve full editions held together took 4.3 GB).  Only then is a
staging store loaded from the spools and swapped in (``kg.store.swap_in``): bad input anywhere
fails before any store is touched, and loses nothing.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

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


def build(paths: Iterable[Path | str], store: Path | str | None = None, *, add: bool = False,
          strict: bool = False, edition: str | None = None,
          progress: Progress | None = None) -> BuildResult:
    """Build (or with ``add``, extend) the store from ``paths``: files or folders of sources."""
    vocab = Vocabulary.load()
    resolver = Resolver.load()
    target = stores.resolve_path(store)
    files = source_files([Path(p) for p in paths])  # a missing path fails before any work
    result = BuildResult(store=target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".regkg-spool-", dir=target.parent) as scratch:
        spools = [_spool(path, Path(scratch) / f"{i}.nq", vocab, resolver, edition, strict, result, progress)
                  for i, path in enumerate(files)]
        with stores.swap_in(target, copy_existing=add) as writable:
            stores.load_turtle(writable, vocabulary_files(), ONTOLOGY_GRAPH)
            for graph_iri, spool in spools:
                if progress:
                    progress(f"loading {graph_iri.rsplit('/', 1)[-1]}")
                stores.replace_graph(writable, graph_iri, spool)
    result.unknown_values = vocab.unknown + Counter(
        {k: n for k, n in resolver.unresolved.items() if k[0] == "legal_basis"})
    return result


def _spool(path: Path, spool: Path, vocab: Vocabulary, resolver: Resolver, edition: str | None,
           strict: bool, result: BuildResult, progress: Progress | None) -> tuple[str, Path]:
    """Read, check and map one source into an N-Quads file; its records are dropped on return."""
    if progress:
        progress(f"reading {path.name}")
    doc = read_source(path, vocab, edition)
    if strict and vocab.unknown:  # the readers tally every unknown value; mapping adds none
        raise StrictModeError(f"{len(vocab.unknown)} unknown vocabulary value(s): "
                              + "; ".join(f"{s}: {v!r}" for s, v in sorted(vocab.unknown)))
    if progress:
        progress(f"mapping {doc.name}")
    enrich(doc, resolver)
    result.warnings.extend(doc.warnings)
    counted = _Counted(iter_document_quads(doc, resolver, vocab))
    with spool.open("w", encoding="utf-8") as out:
        out.writelines(counted)
    result.sources.append(_summary(doc, counted.n))
    return iri_source(doc.name), spool


class _Counted:
    """An iterator that counts what passed through it."""

    def __init__(self, items: Iterator[str]) -> None:
        self._items = items
        self.n = 0

    def __iter__(self) -> Iterator[str]:
        for item in self._items:
            self.n += 1
            yield item


def _summary(doc: SourceDocument, quads: int) -> SourceSummary:
    return SourceSummary(
        name=doc.name, kind=doc.kind, edition=doc.edition, agreements=len(doc.agreements),
        versions=sum(len(a.versions) for a in doc.agreements), quads=quads)

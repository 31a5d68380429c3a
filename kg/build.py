"""The main job: source files → records → resolution/extraction → quads → a new store.

Each source is read, checked and mapped to an N-Quads spool file in turn, so only one source's
records are in memory at once (twelve full editions held together took 4.3 GB).  Only then is a
staging store loaded from the spools and swapped in (``kg.store.swap_in``): bad input anywhere
fails before any store is touched, and loses nothing.

Editions are read in date order, one at a time, and only what the store does not hold yet is
resolved, extracted and mapped (``kg.content``); which editions list what is recorded in the
editions graph (``kg.membership``).  ``--add`` starts from the existing store's content and
membership, so an edition costs what changed in it (docs/history.md).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg import readmodel
from kg import store as stores
from kg.content import ContentIndex, Plan
from kg.errors import SourceError, StrictModeError
from kg.extract.processors import extract_processors
from kg.extract.purposes import find_purposes
from kg.graph import iter_document_quads
from kg.membership import Edition, Membership, agreement_facts, write_changes
from kg.namespace import iri_agreement, iri_source
from kg.records import SourceDocument
from kg.resolve import Resolver
from kg.resources import vocabulary_files
from kg.sources import read_source, source_files
from kg.sources.workbook import edition_from_name
from kg.vocab import Vocabulary

ONTOLOGY_GRAPH = iri_source("ontology")
NOTHING_READ = ("no agreement read; expected a Data Uses Register workbook, a Data Release Register CSV or a "
                "reformatted register page")


@dataclass
class SourceSummary:
    name: str
    kind: str
    edition: str | None
    agreements: int
    versions: int
    quads: int
    new_versions: int | None = None  # editions: versions whose content the store did not hold yet
    skipped: bool = False  # an edition the store already records: nothing was read into it


# Kinds of ``BuildResult.unknown_values`` that are names minted as their own nodes; the other kinds
# are controlled-value schemes (``kg.vocab.SCHEMES``), whose unknown values are kept verbatim.
NAME_KINDS = ("organisation", "dataset", "legal_basis")
STRICT_SHOWN = 20  # unknowns named in a --strict failure; the count says how many more


@dataclass
class BuildResult:
    store: Path
    sources: list[SourceSummary] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # (kind, text) → mentions mapped: controlled values no vocabulary lists, and the organisations
    # (controllers, applicants), datasets and legal bases that matched no concept and were minted.
    # Extraction's candidate names are not counted: they are tries, not mentions.
    unknown_values: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def quads(self) -> int:
        return sum(s.quads for s in self.sources)


Progress = Callable[[str], None]


def enrich(doc: SourceDocument, resolver: Resolver, plan: Plan | None = None) -> None:
    """Add what the text says but no field holds: purposes and processors, with evidence.

    With a ``plan``, only versions whose content is new: the rest are already in the store, extracted.
    """
    for agreement in doc.agreements:
        for version in agreement.versions:
            if plan is not None and not plan.is_new(version):
                continue
            if not version.purposes:
                version.purposes = find_purposes(
                    resolver, version.title, version.objective, doc.name, version.text_line.get("objective", 0))
            version.processors = extract_processors(version, resolver, doc.name)


def build(paths: Iterable[Path | str], store: Path | str | None = None, *, add: bool = False,
          strict: bool = False, edition: str | None = None,
          progress: Progress | None = None) -> BuildResult:
    """Build (or with ``add``, extend) the store from ``paths``: files or folders of sources."""
    vocab = Vocabulary.load()
    resolver = Resolver.load()
    target = stores.location(stores.resolve_path(store))
    files = sorted(source_files([Path(p) for p in paths]), key=lambda p: (edition or edition_from_name(p.name) or "",))
    result = BuildResult(store=target)
    stores.check_target(target)  # before the lock file is made beside it
    with stores.writer_lock(target):
        _build(files, target, add, strict, edition, vocab, resolver, result, progress)
    result.unknown_values = _unknowns(vocab, resolver)
    return result


def _unknowns(vocab: Vocabulary, resolver: Resolver) -> Counter[tuple[str, str]]:
    return vocab.unknown + resolver.unresolved


def describe_unknowns(unknowns: Counter[tuple[str, str]], limit: int | None = None) -> list[str]:
    """One line per unknown value or unresolved name (``kind: 'text' ×n``): values first (a few,
    each a likely source error), then names, each sorted; past ``limit`` lines, one more saying how
    many were left out."""
    order = sorted(unknowns.items(), key=lambda item: (item[0][0] in NAME_KINDS, item[0]))
    lines = [f"{kind}: {text!r} ×{n}" for (kind, text), n in order]
    if limit is not None and len(lines) > limit + 1:  # "… and 1 more" would say no more than the line itself
        lines[limit:] = [f"… and {len(lines) - limit} more"]
    return lines


def _build(files: list[Path], target: Path, add: bool, strict: bool, edition: str | None, vocab: Vocabulary,
           resolver: Resolver, result: BuildResult, progress: Progress | None) -> None:
    """``build`` once it holds the store's writer lock (the target is checked again under it)."""
    stores.check_target(target)
    stores.remove_leftovers(target)
    # adding to a store of an older layout fails in open_store, with the rebuild to run
    state = _State.of(target if add and (target / "CURRENT").exists() else None)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}.spool-", dir=target.parent) as scratch:
        spools = [spool for i, path in enumerate(files)
                  if (spool := _spool(path, Path(scratch) / f"{i}.nq", vocab, resolver, edition, strict, result,
                                      state, progress)) is not None]
        if not result.sources:
            raise SourceError(", ".join(p.name for p in files), NOTHING_READ)
        membership = set(state.membership.lines())
        if spools or not add or membership != state.before:
            # an add compacts nothing: a full compaction of a many-edition store cost ~6 s, for a few
            # per cent of new quads (RocksDB compacts them in the background)
            with stores.swap_in(target, copy_existing=add, optimize=not add) as staging:
                writable = staging.store
                stores.load_turtle(writable, vocabulary_files(), ONTOLOGY_GRAPH)
                for graph_iri, spool in spools:
                    if progress:
                        progress(f"loading {graph_iri.rsplit('/', 1)[-1]}")
                    stores.replace_graph(writable, graph_iri, spool)
                write_changes(writable, state.before, membership, Path(scratch) / "editions.nq")
                readmodel.write(writable, staging.folder / readmodel.FILENAME)  # pages and search (docs/web.md)


@dataclass
class _State:
    """What the store already holds (content and membership), extended edition by edition."""

    index: ContentIndex
    membership: Membership
    before: set[str]

    @classmethod
    def of(cls, existing: Path | None) -> _State:
        if existing is None:
            return cls(ContentIndex(), Membership(), set())
        store = stores.open_store(existing)
        membership = Membership.of_store(store)
        return cls(ContentIndex.of_store(store, membership.releases), membership, set(membership.lines()))


def _edition(doc: SourceDocument, plan: Plan, resolver: Resolver) -> Edition:
    """What ``doc`` lists, as content IRIs, for the membership record."""
    listed = Edition(doc.edition or "", releases=set(plan.releases.values()))
    for agreement in doc.agreements:
        a = iri_agreement(agreement.base_reference)
        listed.contents.update(plan.content(v) for v in agreement.versions)
        latest = agreement.latest()
        listed.latest[a] = plan.content(latest)
        controllers = [resolver.try_organisation(c.name).iri for c in latest.controllers]  # counted when mapped
        listed.facts[a] = agreement_facts(latest.title, controllers)
    return listed


def _spool(path: Path, spool: Path, vocab: Vocabulary, resolver: Resolver, edition: str | None,
           strict: bool, result: BuildResult, state: _State, progress: Progress | None) -> tuple[str, Path] | None:
    """Read, check and map one source into an N-Quads file; its records are dropped on return.

    An edition the store already records is skipped (None): adding it again changes nothing.
    """
    if progress:
        progress(f"reading {path.name}")
    doc = read_source(path, vocab, edition)
    if not doc.agreements:  # a build that reads nothing at all fails (``_build``); one empty source is a warning
        result.warnings.append(f"{doc.name}: {NOTHING_READ}")
        return None
    plan = None
    if doc.edition and doc.kind != "page":
        if not state.membership.check_next(doc.edition, doc.name):
            result.sources.append(_summary(doc, 0, skipped=True))
            return None
        plan = state.index.plan(doc)
    if progress:
        progress(f"mapping {doc.name}")
    enrich(doc, resolver, plan)
    result.warnings.extend(doc.warnings)
    counted = _Counted(iter_document_quads(doc, resolver, vocab, plan))
    with spool.open("w", encoding="utf-8") as out:
        out.writelines(counted)
    if strict and (unknowns := _unknowns(vocab, resolver)):  # before any store is touched
        raise StrictModeError("\n  ".join([
            f"{len(unknowns)} value(s) or name(s) no vocabulary lists (--strict); add them to ontology/*.ttl "
            "or build without --strict:", *describe_unknowns(unknowns, STRICT_SHOWN)]))
    if plan is not None:
        state.membership.observe(_edition(doc, plan, resolver), doc.name)
    result.sources.append(_summary(doc, counted.n, plan))
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


def _summary(doc: SourceDocument, quads: int, plan: Plan | None = None, skipped: bool = False) -> SourceSummary:
    return SourceSummary(
        name=doc.name, kind=doc.kind, edition=doc.edition, agreements=len(doc.agreements),
        versions=sum(len(a.versions) for a in doc.agreements), quads=quads,
        new_versions=len(plan.new_versions) if plan is not None else None, skipped=skipped)

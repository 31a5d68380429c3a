"""One node per real thing: organisations, datasets, legal bases and purposes.

``Resolver.load()`` reads the curated vocabularies in ``ontology/`` (organisations.ttl,
datasets.ttl, legal-bases.ttl, purposes.ttl) once; its methods turn a name as a source wrote it
into the IRI of the node it denotes::

    r = Resolver.load()
    r.organisation("NHS WEST LEICESTERSHIRE CCG").iri   # .../org/ods/04V
    r.dataset("sus for commissioners").iri              # .../dataset/sus-plus
    [b.iri for b in r.legal_bases("HSCA 2012 – s261(1) and s261(2)(b)(ii)")]

Identity is never guessed. A name matches a concept only through a fold of :mod:`kg.names` or a
label listed in the vocabulary; an ODS code written in a name is the strongest evidence
(docs/identity.md). Anything else becomes its own node (``known=False``), is counted in
``unresolved`` for the build's report, and may be *suggested* as a duplicate for review
(:meth:`Resolver.suggest_duplicates`) — never merged.

Only what the graph mints is counted: ``organisation``, ``dataset`` and ``legal_bases`` tally an
unknown name; ``try_organisation`` and ``try_dataset`` answer the same without tallying, for
extraction's candidate names and for reviews, which mint nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kg.names import bare_code, fold_dataset_name, fold_org_name, ods_code, tidy_name
from kg.namespace import iri_dataset, iri_organisation, slug
from kg.resolve import legal_bases as lb
from kg.resolve.vocab import Concept, LabelIndex, VocabularyError, load_all

__all__ = ["Resolved", "Resolver", "Suggestion", "VocabularyError"]


@dataclass(frozen=True)
class Resolved:
    iri: str  # the node's IRI
    label: str  # preferred label (vocabulary prefLabel, or the cleaned name for unknowns)
    known: bool  # True when found in the curated vocabulary
    code: str | None = None  # ODS code (organisations)


@dataclass(frozen=True)
class Suggestion:
    """Names that may denote one organisation, for a person to accept into organisations.ttl."""

    names: tuple[str, ...]  # the names as given (unresolved, or one unresolved + a known label)
    reason: str  # "shared ODS code" | "same name as a coded organisation" | "token overlap" | ...
    evidence: str  # what was compared, in words
    score: float  # 1.0 for code evidence; the overlap otherwise
    target: str | None = None  # IRI of a known concept the names may belong to


_ACRONYM_TAIL = re.compile(r"^(?P<base>.*?)\s*\((?P<acr>[^()]{2,40})\)\s*(?P<ver>v\s*\d+(?:\.\d+)*)?$", re.I)
_STOP = {"the", "and", "of", "for", "nhs", "in", "on", "at", "uk", "a"}


class Resolver:
    def __init__(self, indexes: dict[str, LabelIndex]):
        self._orgs = indexes["organisation"]
        self._datasets = indexes["dataset"]
        self._bases = indexes["legal_basis"]
        self._purposes = indexes["purpose"]
        self.unresolved: Counter = Counter()
        self._cache: dict[tuple[str, str], Resolved] = {}
        self._purpose_cache: dict[str, Resolved | None] = {}
        self._bases_cache: dict[str, tuple[tuple[Resolved, ...], tuple[tuple[str, str], ...]]] = {}

    @classmethod
    def load(cls, ontology_dir: Path | None = None) -> Resolver:
        if ontology_dir is None:
            from kg.resources import ontology_dir as default_dir

            ontology_dir = default_dir()
        return cls(load_all(Path(ontology_dir)))

    def _cached(self, kind: str, name: str, find: Callable[[str], Resolved]) -> Resolved:
        """``find(name)``, once per name: extraction tries the same spans for every version."""
        hit = self._cache.get((kind, name))
        if hit is None:
            hit = self._cache[(kind, name)] = find(name)
        return hit

    def _tallied(self, kind: str, hit: Resolved) -> Resolved:
        if not hit.known:
            self.unresolved[(kind, hit.label)] += 1
        return hit

    # ------------------------------------------------------------------ organisations

    def organisation(self, name: str) -> Resolved:
        """The organisation ``name`` denotes; an unknown one is tallied in ``unresolved`` (the graph
        mints it)."""
        return self._tallied("organisation", self.try_organisation(name))

    def try_organisation(self, name: str) -> Resolved:
        """Like ``organisation``, without tallying an unknown name: a candidate, not a mention."""
        return self._cached("organisation", name, self._organisation)

    def _organisation(self, name: str) -> Resolved:
        cleaned = tidy_name(name)
        code = ods_code(cleaned) or bare_code(cleaned)
        if code:
            iri = self._orgs.by_code.get(code)
            if iri:
                return self._known(self._orgs.concepts[iri])
            return Resolved(iri_organisation(f"ods/{code}"), cleaned, False, code)
        concept = self._orgs.lookup(cleaned)
        if concept:
            return self._known(concept)
        return Resolved(iri_organisation(slug(fold_org_name(cleaned))), cleaned, False)

    @staticmethod
    def _known(concept: Concept) -> Resolved:
        return Resolved(concept.iri, concept.label, True,
                        concept.notation if "/org/ods/" in concept.iri else None)

    # ------------------------------------------------------------------ datasets

    def dataset(self, name: str) -> Resolved:
        """The dataset ``name`` denotes; an unknown one is tallied in ``unresolved`` (the graph mints it)."""
        return self._tallied("dataset", self.try_dataset(name))

    def try_dataset(self, name: str) -> Resolved:
        """Like ``dataset``, without tallying an unknown name: a candidate, not a mention."""
        return self._cached("dataset", name, self._dataset)

    def _dataset(self, name: str) -> Resolved:
        cleaned = tidy_name(name)
        concept = self._datasets.lookup(cleaned)
        if concept is None:
            # "Full Name (ACR)" where "Full Name" is known and ACR is one of that concept's labels.
            m = _ACRONYM_TAIL.match(cleaned)
            if m:
                base = m.group("base") + (f" {m.group('ver')}" if m.group("ver") else "")
                candidate = self._datasets.lookup(base)
                acronym = fold_dataset_name(m.group("acr"))
                if candidate and acronym in {fold_dataset_name(x) for x in candidate.labels()}:
                    concept = candidate
        if concept:
            return Resolved(concept.iri, concept.label, True)
        return Resolved(iri_dataset(slug(fold_dataset_name(cleaned))), cleaned, False)

    # ------------------------------------------------------------------ legal bases

    def legal_bases(self, text: str) -> list[Resolved]:
        """Every basis ``text`` names, in order of appearance; unknown text → one unresolved basis.

        Answers are cached per text (a full edition asks ~66,000 times about a few dozen cells;
        profiled: scanning them was half of the mapping time); unresolved ones are tallied per call.
        """
        found, unresolved = self._bases_of(text)
        for key in unresolved:
            self.unresolved[key] += 1
        return list(found)

    def try_legal_bases(self, text: str) -> list[Resolved]:
        """Like ``legal_bases``, without tallying unknown text: what a user typed, not a mention."""
        return list(self._bases_of(text)[0])

    def _bases_of(self, text: str) -> tuple[tuple[Resolved, ...], tuple[tuple[str, str], ...]]:
        hit = self._bases_cache.get(text)
        if hit is None:
            hit = self._bases_cache[text] = self._legal_bases(text)
        return hit

    def _legal_bases(self, text: str) -> tuple[tuple[Resolved, ...], tuple[tuple[str, str], ...]]:
        if not tidy_name(text):
            return (), ()
        hits, leftovers = lb.scan(text)
        out: list[Resolved] = []
        unresolved: list[tuple[str, str]] = []
        for hit in hits:
            iri = lb.iri(hit.key)
            concept = self._bases.concepts.get(iri)
            if concept:
                out.append(Resolved(iri, concept.label, True))
            else:  # a section of a known Act that the vocabulary does not list (yet)
                out.append(Resolved(lb.iri("unresolved-" + hit.key), tidy_name(hit.text), False))
                unresolved.append(("legal_basis", hit.key))
        for piece in leftovers:
            concept = self._bases.lookup(piece)
            if concept:
                out.append(Resolved(concept.iri, concept.label, True))
            else:
                out.append(Resolved(lb.unresolved_iri(piece), piece, False))
                unresolved.append(("legal_basis", piece))
        seen: set[str] = set()
        return tuple(r for r in out if not (r.iri in seen or seen.add(r.iri))), tuple(unresolved)

    # ------------------------------------------------------------------ purposes

    def purpose(self, label: str) -> Resolved | None:
        """The purpose a heading or short phrase names, or None if it names none."""
        if label not in self._purpose_cache:  # asked for every short line of every objective
            concept = self._purposes.lookup(label)
            self._purpose_cache[label] = Resolved(concept.iri, concept.label, True) if concept else None
        return self._purpose_cache[label]

    def purpose_concepts(self) -> list[Concept]:
        return list(self._purposes.concepts.values())

    # ------------------------------------------------------------------ review

    def suggest_duplicates(self, names: Iterable[str]) -> list[Suggestion]:
        """Likely duplicates among the names that do not resolve to the vocabulary. Never merges."""
        from kg.resolve.organisations import suggest

        return suggest(self, list(names))

    def known_organisations(self) -> list[Concept]:
        return list(self._orgs.concepts.values())

    @staticmethod
    def tokens(name: str) -> frozenset[str]:
        return frozenset(t for t in fold_org_name(name).split() if t not in _STOP)

"""Content identity across editions: which versions and releases of an edition the store already holds.

Monthly editions repeat almost everything (docs/history.md): a version's content is stored once,
under the IRI of its first content, and each later edition that lists the same content only records
that it does.  Content is compared by a hash of what the source says about it, leaving out what is
derived (extracted processors and purposes) or edition-specific (row numbers, release months that
summarise the DataReleases sheet).  A version edited in place (same number, new content) gets a
second content node, ``…/v1.4/rev/<hash>``, beside the first; both keep the editions that listed them.
Releases are keyed the same way by file reference and content, the hash part of their IRI.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.namespace import DUR, RDF, iri_agreement, iri_release, iri_version
from kg.records import AgreementVersion, Release, SourceDocument
from kg.store import select_values


def _digest(*parts: object) -> str:
    """A digest of field values: strings, None, booleans, dates, and lists or tuples of them.

    Fields are joined with separator characters the register never uses; cheaper than ``repr`` of a
    tuple (a full edition hashes ~100,000 release rows).
    """
    return hashlib.sha1("\x1f".join(map(_part, parts)).encode("utf-8", "replace")).hexdigest()


def _part(value: object) -> str:
    if isinstance(value, list | tuple):
        return "\x1e".join(map(_part, value))
    return "\x00" if value is None else str(value)


def version_hash(version: AgreementVersion, kind: str) -> str:
    """What a source says about a version, as a digest; the same content in two editions hashes alike."""
    uses = [(u.name, u.types_of_data, u.sensitivity, u.access_methods, u.legal_bases, u.confidentiality)
            for u in version.datasets]
    return _digest(
        kind, version.reference, version.version, version.title,
        version.applicant.name if version.applicant else None, version.applicant_types,
        [c.name for c in version.controllers], version.controller_arrangement,
        version.start, version.end, version.sublicensing, version.commercial, version.opt_outs,
        uses, version.objective, version.processing, version.expected_outputs, version.expected_benefits,
        version.yielded_benefits, sorted(version.other_fields.items()), version.incomplete)


def release_hash(release: Release, version_iri: str) -> str:
    """A release row's content (its row number left out), with the version it was released under.

    Written out field by field: the generic ``_digest`` cost ~3 s over a full edition's releases.
    """
    r, lists = release, "\x1f".join(map("\x1e".join, (release.types_of_data, release.sensitivity,
                                                        release.legal_bases, release.access_methods)))
    key = f"{version_iri}\x1f{r.file_reference}\x1f{r.dataset}\x1f{r.month}\x1f{r.opt_outs_applied}\x1f{lists}"
    return hashlib.sha1(key.encode("utf-8", "replace")).hexdigest()


@dataclass
class Plan:
    """How one edition's records map onto the store: the IRI of each version's and release's content,
    and which of them are new (only those are mapped to triples)."""

    contents: dict[int, str] = field(default_factory=dict)  # id(version) -> content IRI
    new_versions: set[int] = field(default_factory=set)
    releases: dict[int, str] = field(default_factory=dict)  # id(release) -> release IRI
    new_releases: set[int] = field(default_factory=set)
    new_agreements: set[str] = field(default_factory=set)
    hashes: dict[int, str] = field(default_factory=dict)  # id(version) -> content hash
    described: set[str] = field(default_factory=set)  # the index's: node descriptions the store holds

    def content(self, version: AgreementVersion) -> str:
        return self.contents[id(version)]

    def is_new(self, version: AgreementVersion) -> bool:
        return id(version) in self.new_versions


@dataclass
class ContentIndex:
    """The version contents, releases and agreements a store holds, found by content hash."""

    by_hash: dict[str, str] = field(default_factory=dict)  # content hash -> content IRI
    taken: set[str] = field(default_factory=set)  # content IRIs in use
    releases: set[str] = field(default_factory=set)
    agreements: set[str] = field(default_factory=set)
    described: set[str] = field(default_factory=set)  # kg.graph's keys: minted nodes, their spellings

    @classmethod
    def of_store(cls, store: ox.Store, releases: Iterable[str]) -> ContentIndex:
        """What an existing store holds (one pattern per kind: a few hundred thousand rows at most);
        its release rows are the ones the editions graph records (``kg.membership``), already read."""
        index = cls(releases=set(releases))
        for quad in store.quads_for_pattern(None, _term(DUR.contentHash), None, None):
            index.by_hash[quad.object.value] = quad.subject.value
            index.taken.add(quad.subject.value)
        index.agreements = {q.subject.value for q in store.quads_for_pattern(
            None, _TYPE, _term(DUR.DataSharingAgreement), None)}
        index.described = described_keys(store)
        return index

    def plan(self, doc: SourceDocument) -> Plan:
        """Content IRIs for every version and release of ``doc``; what the index lacks is new, and is
        added to the index (so that the next edition of the same build finds it)."""
        plan = Plan(described=self.described)
        for agreement in doc.agreements:
            a = iri_agreement(agreement.base_reference)
            if a not in self.agreements:
                self.agreements.add(a)
                plan.new_agreements.add(a)
            for version in agreement.versions:
                self._plan_version(plan, doc.kind, agreement.base_reference, version)
        return plan

    def _plan_version(self, plan: Plan, kind: str, base: str, version: AgreementVersion) -> None:
        digest = version_hash(version, kind)
        plan.hashes[id(version)] = digest
        logical = iri_version(base, version.key)
        content = self.by_hash.get(digest)
        if content is None:
            content = logical if logical not in self.taken else f"{logical}/rev/{digest[:10]}"
            self.by_hash[digest] = content
            self.taken.add(content)
            plan.new_versions.add(id(version))
        plan.contents[id(version)] = content
        for index, release in enumerate(version.releases, 1):
            digest = release_hash(release, logical)[:10]
            iri = (f"{iri_release(release.file_reference)}/{digest}" if release.file_reference
                   else f"{content}/release/{index}")
            plan.releases[id(release)] = iri
            if iri not in self.releases:
                self.releases.add(iri)
                plan.new_releases.add(id(release))




_TYPE = ox.NamedNode(str(RDF.type))


def _term(iri: object) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


DESCRIBED = """
SELECT ?x ?name ?minted WHERE {
  { ?x skos:altLabel ?name } UNION { ?x dur:unresolved true ; skos:prefLabel|rdfs:label ?name BIND(true AS ?minted) }
}"""


def described_keys(store: ox.Store) -> set[str]:
    """The ``kg.graph`` description keys of what a store already describes: each spelling of a node
    (``iri\nname``), each minted node (``iri``), and each minted processor (``iri\nextracted``)."""
    keys: set[str] = set()
    for iri, name, minted in select_values(store, DESCRIBED):
        keys.add(f"{iri}\n{name}")
        if minted:
            keys.add(iri)
    keys |= {f"{row[0]}\nextracted" for row in select_values(store, "SELECT ?x WHERE { ?x dur:extracted true }")}
    return keys

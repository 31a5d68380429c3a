"""Records → N-Quads: the only module that knows the ontology's shape.

A full register edition is ~1.7 million quads.  They are written as N-Quads text, which Oxigraph's
bulk loader parses natively: building pyoxigraph ``Quad`` objects in Python cost four times as much
(profiled: ~9 µs a quad against ~2 µs a line).  Terms are serialised here, once each, with the
escaping N-Quads requires; every IRI comes from ``kg.namespace`` and is a function of the input
alone, so the same source always yields the identical graph.

Layout (see ontology/regkg.ttl and docs/history.md): an agreement has versions; a version carries its
controllers, dates, values, dataset uses, legal bases, purposes, processors, releases and an evidence
node pointing at the source file (whose IRI is also the named graph holding all of it).

An edition (a workbook, a release register) is mapped against a ``kg.content.Plan``: only content the
store does not hold yet is written, under its content IRI, and which editions list what is recorded
apart (``kg.membership``).  A reformatted page is undated: it is written whole, its versions listed
in every edition (a listing with no first or last edition).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import lru_cache

from kg import namespace as ns
from kg.content import Plan
from kg.namespace import (
    iri_agreement,
    iri_release,
    iri_source,
    iri_version,
    slug,
)
from kg.records import (
    Agreement,
    AgreementVersion,
    DatasetUse,
    Evidence,
    ProcessorFinding,
    Release,
    SourceDocument,
)
from kg.resolve import Resolved, Resolver
from kg.vocab import Vocabulary

# A serialised N-Quads term: "<iri>" or a quoted literal.  Plain IRI strings (not starting with
# "<") are accepted where a node is expected and serialised on the way.
Term = str

_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
# Backslash first, so that the escapes added after it are not escaped again.
_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"))


@lru_cache(maxsize=200_000)
def node(iri: str) -> Term:
    """``<iri>``, refusing characters an IRI cannot hold (they would break the N-Quads line)."""
    if _NOT_IN_IRI.search(iri):
        raise ValueError(f"not an IRI: {iri!r}")
    return f"<{iri}>"


class _Terms:
    """A namespace whose terms are serialised nodes, each made once on first use.

    rdflib's ``Namespace.__getattr__`` builds and validates a new ``URIRef`` on every access
    (profiled: ~1.4 million accesses, a fifth of the mapping time of a full edition); after the
    first access of a name here it is a plain instance attribute.
    """

    def __init__(self, base: object) -> None:
        self._base = str(base)

    def __getattr__(self, name: str) -> Term:
        if name.startswith("__"):
            raise AttributeError(name)
        term = node(self._base + name)
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> Term:
        return getattr(self, name)


DCAT, DCT, DPV, DUR, ORG, PROV, RDF, RDFS, SKOS, XSD = (
    _Terms(n) for n in (ns.DCAT, ns.DCT, ns.DPV, ns.DUR, ns.ORG, ns.PROV, ns.RDF, ns.RDFS, ns.SKOS, ns.XSD))
A = RDF.type
_XSD = {name: XSD[name] for name in ("date", "gYearMonth", "boolean", "integer")}
_TRUE = f'"true"^^{_XSD["boolean"]}'
_FALSE = f'"false"^^{_XSD["boolean"]}'


def text(value: str) -> Term:
    """A plain literal; register text may hold anything, so quotes, backslashes and line breaks
    are escaped, and a lone surrogate (which UTF-8 cannot encode) becomes "?".

    ``str.replace`` per character, each only when present: ``str.translate`` with a table looks up
    every character of the long free-text fields (profiled: 40 % of mapping an edition).
    """
    escaped = value
    for char, escape in _ESCAPES:
        if char in escaped:
            escaped = escaped.replace(char, escape)
    if not escaped.isascii():
        escaped = escaped.encode("utf-8", "replace").decode("utf-8")
    return f'"{escaped}"'


def typed(value: str, xsd_name: str) -> Term:
    return f"{text(value)}^^{_XSD[xsd_name]}"


def boolean(value: bool) -> Term:
    return _TRUE if value else _FALSE


def integer(value: int) -> Term:
    return typed(str(value), "integer")


def day(value: date) -> Term:
    return typed(value.isoformat(), "date")


def month(value: str) -> Term:
    return typed(value, "gYearMonth")


VALUE_PREDICATES = {
    "opt_out": DUR.optOut,
    "type_of_data": DUR.typeOfData,
    "confidentiality": DUR.confidentiality,
    "sensitivity": DUR.sensitivity,
    "access_method": DUR.accessMethod,
}


class GraphWriter:
    """Collects the N-Quads lines of one source document, in its own named graph."""

    def __init__(self, doc: SourceDocument, resolver: Resolver, vocab: Vocabulary,
                 plan: Plan | None = None) -> None:
        self.doc = doc
        self.plan = plan
        self.resolver = resolver
        self.vocab = vocab
        self.graph_iri = iri_source(doc.name)
        self._graph = node(self.graph_iri)
        self.quads: list[str] = []
        # an edition shares the store's record of what is described: a label written in one edition's
        # graph and again in the next would be read once per graph by every query over the union
        # of graphs (docs/history.md); a page's graph is replaced whole, so it describes its own.
        self._described: set[str] = plan.described if plan is not None else set()
        self._values: dict[tuple[str, str], Term] = {}

    def add(self, s: str, p: Term, o: str) -> None:
        """One quad; ``p`` is a term of this module's namespaces; ``s``/``o`` plain IRIs or terms."""
        subject = s if s[0] == "<" else node(s)
        obj = o if o[0] in '<"' else node(o)
        self.quads.append(f"{subject} {p} {obj} {self._graph} .\n")

    def add_values(self, subject: str, scheme: str, values: Iterable[str]) -> None:
        """Controlled values become their concept; unknown ones stay verbatim (readers tally them)."""
        predicate = VALUE_PREDICATES[scheme]
        for value in values:
            obj = self._values.get((scheme, value))
            if obj is None:  # looked up once per distinct value (profiled: ~300,000 lookups an edition)
                concept = self.vocab.lookup(scheme, value)
                obj = self._values[(scheme, value)] = node(concept) if concept else text(value)
            self.add(subject, predicate, obj)

    def once(self, iri: str) -> bool:
        """True the first time ``iri`` is described in this document, or for an edition in the store
        (nodes shared by versions and editions)."""
        if iri in self._described:
            return False
        self._described.add(iri)
        return True


def iter_document_quads(doc: SourceDocument, resolver: Resolver, vocab: Vocabulary,
                        plan: Plan | None = None) -> Iterator[str]:
    """The N-Quads lines of one source document, in its own named graph, one agreement at a time, so
    that they can be written as they are made.

    A full edition is ~1.7 million quads; held at once they took ~0.9 GB (profiled), while an
    agreement's quads are a few thousand at most.
    """
    w = GraphWriter(doc, resolver, vocab, plan)
    _source(w)
    for agreement in doc.agreements:
        if plan is None:
            _agreement(w, agreement)
        else:
            _edition_agreement(w, agreement, plan)
        yield from w.quads
        w.quads.clear()
    yield from w.quads


def _source(w: GraphWriter) -> None:
    doc, g = w.doc, w.graph_iri
    w.add(g, RDF.type, DUR.SourceFile)
    w.add(g, DCT.title, text(doc.name))
    w.add(g, DUR.sourceKind, text(doc.kind))
    if doc.edition:
        w.add(g, DUR.edition, text(doc.edition))
    if doc.organisation:
        w.add(g, DUR.pageOrganisation, _organisation(w, doc.organisation))
    if doc.unsafe_files is not None:
        w.add(g, DUR.unsafeFileCount, integer(doc.unsafe_files))
    for flag in doc.flags:
        w.add(g, DUR.flag, text(flag))


def _agreement_node(w: GraphWriter, a: str, agreement: Agreement) -> None:
    w.add(a, RDF.type, DUR.DataSharingAgreement)
    w.add(a, DCT.identifier, text(agreement.base_reference))
    if not agreement.referenced:
        w.add(a, DUR.unreferenced, boolean(True))


def _agreement(w: GraphWriter, agreement: Agreement) -> None:
    """A page's agreement, written whole; its versions are listed in every edition (undated)."""
    a = iri_agreement(agreement.base_reference)
    latest = agreement.latest()
    _agreement_node(w, a, agreement)
    if latest.title:
        w.add(a, DCT.title, text(latest.title))
    for version in agreement.versions:
        v = _version(w, agreement, version, iri_version(agreement.base_reference, version.key))
        w.add(a, DUR.hasVersion, v)
        w.add(v, DUR.versionNode, v)
        w.add(v, DUR.current, _TRUE)
        w.add(v, DUR.listing, f"{v}/listing/undated")
        _releases(w, v, version, lambda index, release, v=v: _release_iri(v, index, release))
    latest_iri = iri_version(agreement.base_reference, latest.key)
    w.add(a, DUR.latestVersion, latest_iri)
    w.add(latest_iri, DUR.latestListing, f"{latest_iri}/latest/undated")
    for controller in latest.controllers:
        w.add(a, DPV.hasDataController, _organisation(w, controller.name))


def _edition_agreement(w: GraphWriter, agreement: Agreement, plan: Plan) -> None:
    """An edition's agreement: only what the store does not hold yet (``plan``)."""
    a = iri_agreement(agreement.base_reference)
    if a in plan.new_agreements:
        _agreement_node(w, a, agreement)
    for version in agreement.versions:
        content, logical = plan.content(version), iri_version(agreement.base_reference, version.key)
        if plan.is_new(version):
            _version(w, agreement, version, content)
            w.add(a, DUR.hasVersion, content)
            w.add(content, DUR.contentHash, text(plan.hashes[id(version)]))
            w.add(content, DUR.versionNode, logical)
        _releases(w, logical, version, lambda index, release: plan.releases[id(release)]
                  if id(release) in plan.new_releases else None)


def _release_iri(v: str, index: int, release: Release) -> str:
    return iri_release(release.file_reference) if release.file_reference else f"{v}/release/{index}"


def _releases(w: GraphWriter, v: str, version: AgreementVersion,
              iri_of: Callable[[int, Release], str | None]) -> None:
    """The version's release rows; ``iri_of(index, release)`` names each, or None to skip it."""
    version_node = node(v)
    for index, release in enumerate(version.releases, 1):
        r = iri_of(index, release)
        if r is not None:
            _release(w, version_node, r, release)


def _version(w: GraphWriter, agreement: Agreement, version: AgreementVersion, v: str) -> str:
    w.add(v, RDF.type, DUR.AgreementVersion)
    w.add(v, DCT.isVersionOf, iri_agreement(agreement.base_reference))
    w.add(v, DUR.reference, text(version.reference))
    if version.version:
        w.add(v, DUR.versionNumber, text(version.version))
    if version.title:
        w.add(v, DCT.title, text(version.title))
    _parties(w, v, version)
    _terms(w, v, version)
    _texts(w, v, version)
    dataset_iris = [_dataset_use(w, v, i, use) for i, use in enumerate(version.datasets, 1)]
    with_uses = {basis for use in version.datasets for basis in use.legal_bases}
    for basis in version.legal_bases:
        if basis in with_uses:  # mapped with its dataset use (a workbook's version lists its uses' bases)
            continue
        for resolved in w.resolver.legal_bases(basis):
            w.add(v, DPV.hasLegalBasis, _legal_basis(w, resolved))
    _purposes(w, v, version)
    for i, finding in enumerate(version.processors, 1):
        _processor(w, v, i, finding, dataset_iris)
    for label, value in version.other_fields.items():
        f = f"{v}/field/{slug(label)}"
        w.add(v, DUR.otherField, f)
        w.add(f, RDF.type, DUR.OtherField)
        w.add(f, DUR.fieldLabel, text(label))
        w.add(f, RDF.value, text(value))
    if version.incomplete:
        w.add(v, DUR.incomplete, boolean(True))
    if version.evidence:
        _evidence(w, v, f"{v}/evidence", version.evidence)
    return v


def _parties(w: GraphWriter, v: str, version: AgreementVersion) -> None:
    applicant = version.applicant.name if version.applicant else w.doc.organisation
    if applicant:
        w.add(v, DUR.applicant, _organisation(w, applicant))
    for kind in version.applicant_types:
        w.add(v, DUR.applicantType, text(kind))
    for controller in version.controllers:
        w.add(v, DPV.hasDataController, _organisation(w, controller.name))
    if version.controller_arrangement:
        w.add(v, DUR.controllerArrangement, text(version.controller_arrangement))


def _terms(w: GraphWriter, v: str, version: AgreementVersion) -> None:
    if version.start:
        w.add(v, DUR.startDate, day(version.start))
    if version.end:
        w.add(v, DUR.endDate, day(version.end))
    if w.plan is None:  # an edition's release months summarise its release rows, which grow monthly
        if version.first_release:
            w.add(v, DUR.firstRelease, month(version.first_release))
        if version.last_release:
            w.add(v, DUR.lastRelease, month(version.last_release))
    if version.sublicensing is not None:
        w.add(v, DUR.sublicensing, boolean(version.sublicensing))
    if version.commercial is not None:
        w.add(v, DUR.commercial, boolean(version.commercial))
    w.add_values(v, "opt_out", version.opt_outs)
    w.add_values(v, "type_of_data", version.types_of_data)
    w.add_values(v, "confidentiality", version.confidentiality)
    w.add_values(v, "sensitivity", version.sensitivity)
    w.add_values(v, "access_method", version.access_methods)


TEXT_FIELDS = (
    ("objective", DUR.objective),
    ("processing", DUR.processingActivities),
    ("expected_outputs", DUR.expectedOutputs),
    ("expected_benefits", DUR.expectedBenefits),
    ("yielded_benefits", DUR.yieldedBenefits),
)


def _texts(w: GraphWriter, v: str, version: AgreementVersion) -> None:
    for attribute, predicate in TEXT_FIELDS:
        value = getattr(version, attribute)
        if value:
            w.add(v, predicate, text(value))


def _dataset_use(w: GraphWriter, v: str, index: int, use: DatasetUse) -> Term:
    u = f"{v}/dataset/{index}"
    dataset = _dataset(w, use.name)
    w.add(v, DUR.usesDataset, u)
    w.add(v, DUR.dataset, dataset)
    w.add(u, RDF.type, DUR.DatasetUse)
    w.add(u, DUR.dataset, dataset)
    w.add(u, DUR.datasetLabel, text(use.name))
    w.add_values(u, "type_of_data", use.types_of_data)
    w.add_values(u, "sensitivity", use.sensitivity)
    w.add_values(u, "access_method", use.access_methods)
    w.add_values(u, "confidentiality", use.confidentiality)
    for basis in use.legal_bases:
        for resolved in w.resolver.legal_bases(basis):
            legal = _legal_basis(w, resolved)
            w.add(u, DPV.hasLegalBasis, legal)
            w.add(v, DPV.hasLegalBasis, legal)
    if use.evidence and use.evidence.sheet:
        w.add(u, DUR.row, integer(use.evidence.start))
    return dataset


def _purposes(w: GraphWriter, v: str, version: AgreementVersion) -> None:
    for purpose in version.purposes:
        resolved = w.resolver.purpose(purpose.label)
        if resolved is None:
            continue
        statement = f"{v}/purpose/{slug(resolved.label)}"
        w.add(v, DPV.hasPurpose, resolved.iri)
        if not w.once(statement):
            continue
        w.add(v, DUR.purposeStatement, statement)
        w.add(statement, RDF.type, DUR.PurposeStatement)
        w.add(statement, DUR.purpose, resolved.iri)
        if purpose.evidence:
            _evidence(w, statement, f"{statement}/evidence", purpose.evidence)


def _processor(w: GraphWriter, v: str, index: int, finding: ProcessorFinding,
               version_datasets: list[Term]) -> None:
    resolved = w.resolver.try_organisation(finding.organisation)  # extracted, not a source field: not counted
    org = _named(w, resolved, finding.organisation, ORGANISATION_TYPES)
    if not resolved.known and w.once(f"{resolved.iri}\nextracted"):
        # a name the vocabulary does not know, read from free text (docs/processors.md): marked so a
        # reviewer can find it; its evidence is on the involvement below
        w.add(org, DUR.extracted, boolean(True))
    involvement = f"{v}/processor/{index}"
    w.add(v, DUR.hasSubProcessor if finding.sub else DPV.hasDataProcessor, org)
    w.add(v, DUR.processorInvolvement, involvement)
    w.add(involvement, RDF.type, DUR.ProcessorInvolvement)
    # the role node, not the organisation, is the (sub-)processor: roles belong to an agreement version
    w.add(involvement, RDF.type, DPV.DataSubProcessor if finding.sub else DPV.DataProcessor)
    w.add(involvement, DUR.organisation, org)
    w.add(involvement, DUR.role, DUR.InfrastructureOnly if finding.role == "infrastructure" else DUR.ProcessesData)
    w.add(involvement, DUR.subProcessor, boolean(finding.sub))
    if finding.datasets:
        for name in finding.datasets:
            w.add(involvement, DUR.statedDataset, _dataset(w, name))
    else:
        for dataset in dict.fromkeys(version_datasets):
            w.add(involvement, DUR.inferredDataset, dataset)
    _evidence(w, involvement, f"{involvement}/evidence", finding.evidence)


def _release(w: GraphWriter, v: Term, r_iri: str, release: Release) -> None:
    r = node(r_iri)
    w.add(r, RDF.type, DUR.Release)
    w.add(r, DUR.releasedUnder, v)
    w.add(r, DUR.dataset, _dataset(w, release.dataset))
    if release.file_reference:
        w.add(r, DUR.fileReference, text(release.file_reference))
    if release.month:
        w.add(r, DUR.month, month(release.month))
    if release.opt_outs_applied is not None:
        w.add(r, DUR.optOutsApplied, boolean(release.opt_outs_applied))
    w.add_values(r, "type_of_data", release.types_of_data)
    if release.evidence:
        w.add(r, DUR.row, integer(release.evidence.start))


def _evidence(w: GraphWriter, subject: str, e: str, evidence: Evidence) -> None:
    w.add(subject, DUR.evidence, e)
    w.add(e, RDF.type, DUR.Evidence)
    w.add(e, PROV.wasDerivedFrom, w.graph_iri)
    if evidence.sheet:
        w.add(e, DUR.sheet, text(evidence.sheet))
        w.add(e, DUR.row, integer(evidence.start))
    else:
        w.add(e, DUR.lineStart, integer(evidence.start))
        w.add(e, DUR.lineEnd, integer(evidence.end or evidence.start))
    if evidence.text:
        w.add(e, DUR.text, text(evidence.text))


ORGANISATION_TYPES = (ORG.Organization, DPV.Organisation)
DATASET_TYPES = (DCAT.Dataset, SKOS.Concept)


def _organisation(w: GraphWriter, name: str) -> Term:
    return _named(w, w.resolver.organisation(name), name, ORGANISATION_TYPES)


def _dataset(w: GraphWriter, name: str) -> Term:
    return _named(w, w.resolver.dataset(name), name, DATASET_TYPES)


def _named(w: GraphWriter, resolved: Resolved, name: str, types: tuple[Term, ...]) -> Term:
    """The node a name resolved to.  A known node is described by its vocabulary; an unknown one is
    described here, once.  Every spelling seen becomes an altLabel, so the source's words stay findable."""
    n = node(resolved.iri)
    if w.once(f"{resolved.iri}\n{name}"):
        if not resolved.known and w.once(resolved.iri):
            for kind in types:
                w.add(n, RDF.type, kind)
            w.add(n, SKOS.prefLabel, text(resolved.label))
            w.add(n, DUR.unresolved, boolean(True))
            if resolved.code:
                w.add(n, SKOS.notation, text(resolved.code))
        if name != resolved.label:
            w.add(n, SKOS.altLabel, text(name))
    return n


def _legal_basis(w: GraphWriter, resolved: Resolved) -> Term:
    b = node(resolved.iri)
    if not resolved.known and w.once(resolved.iri):
        w.add(b, RDF.type, DPV.LegalBasis)
        w.add(b, RDF.type, SKOS.Concept)
        w.add(b, RDFS.label, text(resolved.label))
        w.add(b, DUR.unresolved, boolean(True))
    return b

"""The store projected into a networkx flow graph: who passes which dataset to whom, per agreement.

Nodes are typed: ``source`` (NHS England, and the DSCRO for commissioning agreements), ``dataset``
and ``organisation`` (with the roles it takes in the agreements shown, and its type).  Edges are flow
steps of one agreement for one dataset::

    dataset ─provides→ NHS England ─[route→ DSCRO]─release→ controller ─processing→ processor

Every edge carries the agreement, its versions and dates, legal bases, purposes and whether the
register *states* the link or regkg *inferred* it (a controller taken from the applicant because the
source names none; a processor linked to all of its version's datasets).  The material comes from
:mod:`kg.flows.fetch`; filters are applied here, in Python.  All attribute values are strings or
numbers, so the graph can be written to GraphML/GEXF as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import pyoxigraph as ox

from kg.errors import RegkgError
from kg.flows.fetch import (
    Q_VERSIONS_OF_DATASETS,
    Q_VERSIONS_OF_ORGS,
    Labels,
    Version,
    fetch_labels,
    fetch_versions,
    select,
)
from kg.names import fold_dataset_name, fold_org_name
from kg.namespace import ID
from kg.query import closest_text
from kg.resolve import Resolver
from kg.scope import NEWEST, Scope

SEP = "; "
DATASET_IRI, ORG_IRI, LEGAL_BASIS_IRI = str(ID["dataset/"]), str(ID["org/"]), str(ID["legal-basis/"])
SOURCE_LABELS = {"nhs-england": "NHS England", "dscro": "Data Services for Commissioners Regional Office"}
ROLE_ORDER = ("controller", "processor", "sub-processor", "infrastructure")


@dataclass
class Filters:
    """Resolved filters: sets of IRIs (None means no filter)."""

    datasets: set[str] | None = None
    orgs: set[str] | None = None
    bases: set[str] | None = None


def resolve_filters(labels: Labels, resolver: Resolver, dataset: str | None = None,
                    org: str | None = None, legal_basis: str | None = None) -> Filters:
    """Turn the user's text into node IRIs: any label, spelling or (organisations) ODS code."""
    filters = Filters()
    if dataset:
        key = fold_dataset_name(dataset)
        filters.datasets = {resolver.try_dataset(dataset).iri} | {
            x for x, names in labels.names.items() if any(fold_dataset_name(n) == key for n in names)
            and x.startswith(DATASET_IRI)}
        filters.datasets |= {x for x, broader in labels.broader.items() if broader & filters.datasets}
    if org:
        key, code = fold_org_name(org), org.strip().upper()
        filters.orgs = {resolver.try_organisation(org).iri} | {
            x for x, names in labels.names.items() if x.startswith(ORG_IRI) and (
                labels.code.get(x, "").upper() == code or any(fold_org_name(n) == key for n in names))}
    if legal_basis:
        filters.bases = {b.iri for b in resolver.try_legal_bases(legal_basis)}
    for kind, text, iris, prefix in (("dataset", dataset, filters.datasets, DATASET_IRI),
                                     ("organisation", org, filters.orgs, ORG_IRI),
                                     ("legal basis", legal_basis, filters.bases, LEGAL_BASIS_IRI)):
        if text and not iris & labels.names.keys():  # a misspelling would draw "no flows" as a fact
            names = {n for x, ns in labels.names.items() if x.startswith(prefix) for n in ns}
            raise RegkgError(f"no {kind} {text!r} in the store" + closest_text(text, names))
    return filters


def _join(values: Iterable[str]) -> str:
    return SEP.join(sorted({v for v in values if v}))


class FlowBuilder:
    """Accumulates flow edges per (from, to, agreement, dataset, kind), merging versions."""

    def __init__(self, labels: Labels, sources: dict[str, str]) -> None:
        self.labels = labels
        self.sources = sources  # "nhs-england"/"dscro" -> node id
        self.edges: dict[tuple[str, str, str], dict] = {}
        self.nodes: dict[str, dict] = {}

    def node(self, iri: str, kind: str, role: str = "") -> str:
        attrs = self.nodes.setdefault(iri, {"type": kind, "label": self.labels.of(iri),
                                            "code": self.labels.code.get(iri, ""), "roles": set(),
                                            "org_type": self.labels.org_type.get(iri, ""),
                                            "names": _join(self.labels.names.get(iri, ()))})
        if role:
            attrs["roles"].add(role)
        return iri

    def edge(self, u: str, w: str, kind: str, version: Version, dataset: str, *, link: str,
             role: str = "", bases: Iterable[str] = (), evidence: str = "") -> None:
        key = f"{version.agreement}|{kind}|{self.labels.of(dataset)}"
        e = self.edges.setdefault((u, w, key), {
            "kind": kind, "agreement": version.agreement, "title": "", "dataset": dataset,
            "dataset_label": self.labels.of(dataset), "versions": set(), "starts": set(), "ends": set(),
            "bases": set(), "purposes": set(), "links": set(), "role": role, "evidence": set()})
        e["title"] = e["title"] or version.title
        e["versions"].add(version.number or "unnumbered")
        e["starts"].add(version.start)
        e["ends"].add(version.end)
        e["bases"].update(self.labels.of(b) for b in bases)
        e["purposes"].update(self.labels.of(p) for p in version.purposes)
        e["links"].add(link)
        if evidence:
            e["evidence"].add(evidence)

    def add_version(self, v: Version) -> None:
        controllers = [(c, "stated") for c in v.controllers] or [(a, "inferred") for a in v.applicants]
        datasets = dict(v.datasets)
        for p in v.processors:
            datasets.setdefault(p["d"], set())
        for dataset, use_bases in datasets.items():
            bases = use_bases or v.bases
            route = self._route(v, dataset, bases)
            for c, link in controllers:
                self.node(c, "organisation", "controller")
                self.edge(route, c, "release", v, dataset, link=link, role="controller", bases=bases)
                for p in v.processors:
                    if p["d"] == dataset and p["org"] != c:
                        self.node(p["org"], "organisation", p["role"])
                        self.edge(c, p["org"], "processing", v, dataset, link=p["link"], role=p["role"],
                                  bases=bases, evidence=p.get("evidence", ""))

    def _route(self, v: Version, dataset: str, bases: Iterable[str]) -> str:
        """dataset → NHS England (→ DSCRO for commissioning); returns the node the controller gets it from."""
        self.node(dataset, "dataset")
        nhse = self.node(self.sources["nhs-england"], "source")
        self.edge(dataset, nhse, "provides", v, dataset, link="stated", bases=bases)
        if not v.dscro:
            return nhse
        dscro = self.node(self.sources["dscro"], "source")
        self.edge(nhse, dscro, "route", v, dataset, link="stated", bases=bases)
        return dscro

    def graph(self) -> nx.MultiDiGraph:
        g = nx.MultiDiGraph()
        for iri, attrs in self.nodes.items():
            roles = [r for r in ROLE_ORDER if r in attrs["roles"]]
            g.add_node(iri, type=attrs["type"], label=attrs["label"], code=attrs["code"],
                       role=roles[0] if roles else attrs["type"], roles=SEP.join(roles),
                       names=attrs["names"], org_type=attrs["org_type"])
        for (u, w, key), e in self.edges.items():
            g.add_edge(u, w, key=key, kind=e["kind"], agreement=e["agreement"], title=e["title"],
                       dataset=e["dataset"], dataset_label=e["dataset_label"],
                       versions=_join(e["versions"]), start=min(e["starts"] - {""}, default=""),
                       end=max(e["ends"] - {""}, default=""), legal_basis=_join(e["bases"]),
                       purpose=_join(e["purposes"]), role=e["role"],
                       link="stated" if "stated" in e["links"] else "inferred",
                       evidence="\n".join(sorted(e["evidence"])), weight=1)
        return g


def source_nodes(resolver: Resolver) -> dict[str, str]:
    """The two data routes as nodes, identified through the organisation vocabulary."""
    return {key: resolver.try_organisation(label).iri for key, label in SOURCE_LABELS.items()}


def _keep(v: Version, filters: Filters, labels: Labels) -> bool:
    if filters.orgs is not None:
        parties = set(v.controllers) | set(v.applicants) | {p["org"] for p in v.processors}
        if not parties & filters.orgs:
            return False
    if filters.bases is not None:
        cited = set(v.bases) | {b for bs in v.datasets.values() for b in bs}
        widened = cited | {a for b in cited for a in labels.broader.get(b, ())}
        if not widened & filters.bases:
            return False
    return True


def _restrict(v: Version, filters: Filters) -> Version:
    """The version limited to the filtered datasets (processor links included)."""
    if filters.datasets is None:
        return v
    keep = filters.datasets
    return Version(**{**v.__dict__, "datasets": {d: b for d, b in v.datasets.items() if d in keep},
                      "processors": [p for p in v.processors if p["d"] in keep]})


def _candidates(store: ox.Store, filters: Filters) -> set[str] | None:
    """The versions a dataset or organisation filter can keep (a superset), or None for all."""
    found: set[str] | None = None
    for iris, sparql, var in ((filters.datasets, Q_VERSIONS_OF_DATASETS, "d"), (filters.orgs, Q_VERSIONS_OF_ORGS, "o")):
        if iris is None:
            continue
        hits = {row["v"] for row in select(store, sparql, {var: iris})} if iris else set()
        found = hits if found is None else found & hits
    return found


def flow_graph(store: ox.Store, dataset: str | None = None, org: str | None = None,
               legal_basis: str | None = None, resolver: Resolver | None = None,
               scope: Scope = NEWEST) -> nx.MultiDiGraph:
    """The flow graph of ``scope`` (the newest edition by default), or of the agreements matching the filters."""
    resolver = resolver or Resolver.load()
    labels = fetch_labels(store)
    filters = resolve_filters(labels, resolver, dataset, org, legal_basis)
    builder = FlowBuilder(labels, source_nodes(resolver))
    for key, iri in builder.sources.items():
        labels.label.setdefault(iri, SOURCE_LABELS[key])
    # organisation and legal-basis filters look at every processor and dataset use of a version, so
    # only a view filtered by dataset alone fetches just that dataset's uses and processor links
    narrow = filters.datasets if filters.bases is None and filters.orgs is None else None
    for v in fetch_versions(store, _candidates(store, filters), narrow, scope).values():
        if _keep(v, filters, labels):
            builder.add_version(_restrict(v, filters))
    for iri in builder.sources.values():
        if iri in builder.nodes:
            builder.nodes[iri]["type"] = "source"
    g = builder.graph()
    asked = {"dataset": dataset or "", "org": org or "", "legal_basis": legal_basis or ""}
    # the organisation as the resolver found it (ODS code, alias, any spelling): the typed text,
    # matched again later by a weaker rule, would miss it (kg.flows.analysis.asked_orgs)
    g.graph.update(asked, filters=SEP.join(f"{k}={v}" for k, v in asked.items() if v),
                   org_iris=SEP.join(sorted(filters.orgs or ())))
    return g



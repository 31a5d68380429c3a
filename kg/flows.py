"""The store projected into a networkx flow graph: who passes which dataset to whom, per agreement.

Nodes are typed: ``source`` (NHS England, and the DSCRO for commissioning agreements), ``dataset``
and ``organisation`` (with the roles it takes in the agreements shown).  Edges are flow steps of one
agreement for one dataset::

    dataset ─provides→ NHS England ─[route→ DSCRO]─release→ controller ─processing→ processor

Every edge carries the agreement, its versions and dates, legal bases, purposes and whether the
register *states* the link or regkg *inferred* it (a controller taken from the applicant because the
source names none; a processor linked to all of its version's datasets).  The graph is fetched with a
handful of SPARQL queries over the whole store (a full edition has ~5,500 versions), never one query
per node, then filtered in Python.  All attribute values are strings or numbers, so the graph can be
written to GraphML/GEXF as it is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx
import pyoxigraph as ox

from kg.errors import RegkgError
from kg.namespace import ID, PREFIX_IRIS
from kg.query import closest_text
from kg.resolve import Resolver
from kg.resolve.names import dataset_key, org_key
from kg.scope import NEWEST, Scope, expand

SEP = "; "
DATASET_IRI, ORG_IRI, LEGAL_BASIS_IRI = str(ID["dataset/"]), str(ID["org/"]), str(ID["legal-basis/"])
SOURCE_LABELS = {"nhs-england": "NHS England", "dscro": "Data Services for Commissioners Regional Office"}
ROLE_ORDER = ("controller", "processor", "sub-processor", "infrastructure")

Q_VERSIONS = """
SELECT ?v ?agreement ?vtitle ?atitle ?vn ?start ?end WHERE {
  ?a a dur:DataSharingAgreement ; dct:identifier ?agreement ; dur:hasVersion ?v .
  # EDITION ?v
  OPTIONAL { ?v dct:title ?vtitle } OPTIONAL { ?a dct:title ?atitle }
  OPTIONAL { ?v dur:versionNumber ?vn }
  OPTIONAL { ?v dur:startDate ?start } OPTIONAL { ?v dur:endDate ?end }
}"""
Q_PARTIES = """
SELECT ?v ?org ?kind WHERE {
  { ?v a dur:AgreementVersion ; dpv:hasDataController ?org BIND("controller" AS ?kind) }
  UNION { ?v a dur:AgreementVersion ; dur:applicant ?org BIND("applicant" AS ?kind) }
}"""
Q_USES = """
SELECT ?v ?d ?b WHERE { ?v dur:usesDataset ?u . ?u dur:dataset ?d . OPTIONAL { ?u dpv:hasLegalBasis ?b } }"""
Q_VERSION_TERMS = """
SELECT ?v ?b ?p WHERE {
  { ?v dpv:hasLegalBasis ?b } UNION { ?v dpv:hasPurpose ?p }
  ?v a dur:AgreementVersion .
}"""
Q_DSCRO = """
SELECT DISTINCT ?v WHERE {
  { ?v dpv:hasPurpose ?q . ?q skos:broader* ?p . ?p skos:notation "DSfC" }
  UNION { ?v dct:title ?t FILTER(STRSTARTS(LCASE(STR(?t)), "dsfc")) }
  ?v a dur:AgreementVersion .
}"""
Q_PROCESSORS = """
SELECT ?v ?pi ?org ?role ?d ?link ?evidence WHERE {
  ?v dur:processorInvolvement ?pi .
  ?pi dur:organisation ?org ; dur:role ?r ; dur:subProcessor ?sub .
  { ?pi dur:statedDataset ?d BIND("stated" AS ?link) } UNION { ?pi dur:inferredDataset ?d BIND("inferred" AS ?link) }
  OPTIONAL { ?pi dur:evidence/dur:text ?evidence }
  BIND(IF(?r = dur:InfrastructureOnly, "infrastructure", IF(?sub, "sub-processor", "processor")) AS ?role)
}"""
Q_LABELS = """
SELECT ?x ?pref ?label ?alt ?code WHERE {
  { ?x skos:prefLabel ?pref } UNION { ?x rdfs:label ?label } UNION { ?x skos:altLabel ?alt }
  UNION { ?x skos:notation ?code } UNION { ?x org:identifier ?code }
}"""
# versions that can contribute to a filtered view: a superset, so that ``_keep``/``_restrict`` decide as before
Q_VERSIONS_OF_DATASETS = """
SELECT DISTINCT ?v WHERE {
  { ?u dur:dataset ?d . ?v dur:usesDataset ?u }
  UNION { ?pi dur:statedDataset ?d . ?v dur:processorInvolvement ?pi }
  UNION { ?pi dur:inferredDataset ?d . ?v dur:processorInvolvement ?pi }
}"""
Q_VERSIONS_OF_ORGS = """
SELECT DISTINCT ?v WHERE {
  { ?v dpv:hasDataController ?o } UNION { ?v dur:applicant ?o }
  UNION { ?pi dur:organisation ?o . ?v dur:processorInvolvement ?pi }
}"""
# broader concepts of legal bases (an Act covers its sections) and datasets (HES covers HES APC, …)
Q_BROADER = "SELECT ?x ?b WHERE { VALUES ?t { dpv:LegalBasis dcat:Dataset } ?x a ?t ; skos:broader+ ?b }"


VALUES_LIMIT = 500  # versions; see fetch_versions


def select(store: ox.Store, sparql: str, values: dict[str, Iterable[str]] | None = None) -> list[dict[str, str]]:
    """Run a SELECT over the union of all graphs; unbound values are left out of each row.

    ``values`` limits variables to sets of IRIs (a ``VALUES`` block opening the WHERE group).
    """
    for name, iris in (values or {}).items():
        block = " ".join(str(ox.NamedNode(iri)) for iri in sorted(iris))
        sparql = sparql.replace("WHERE {", f"WHERE {{ VALUES ?{name} {{ {block} }}", 1)
    result = store.query(sparql, prefixes=PREFIX_IRIS, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [{n: t.value for n, t in zip(names, s, strict=True) if t is not None} for s in result]


@dataclass
class Version:
    iri: str
    agreement: str
    title: str = ""
    number: str = ""
    start: str = ""
    end: str = ""
    controllers: list[str] = field(default_factory=list)
    applicants: list[str] = field(default_factory=list)
    datasets: dict[str, set[str]] = field(default_factory=dict)  # dataset -> use-level legal bases
    bases: set[str] = field(default_factory=set)
    purposes: set[str] = field(default_factory=set)
    dscro: bool = False
    processors: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Labels:
    """Display labels, codes and every spelling of the store's nodes (for filters by any label)."""

    label: dict[str, str] = field(default_factory=dict)
    code: dict[str, str] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    broader: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def of(self, iri: str) -> str:
        return self.label.get(iri) or iri.rstrip("/").rsplit("/", 1)[-1]


def fetch_versions(store: ox.Store, only: set[str] | None = None,
                   datasets: set[str] | None = None, scope: Scope = NEWEST) -> dict[str, Version]:
    """Every agreement version of ``scope`` (or those in ``only``) with its parties, datasets, bases,
    purposes and processors.

    A filtered view fetches only the versions that can take part in it: the busiest dataset is in a
    fifth of a full edition's versions, and fetching all of them (every processor's evidence text
    included) was ~13 s of the 16 s of its render (profiled).  ``datasets`` limits dataset uses and
    processor links to those datasets (for a view that keeps no others).
    """
    def rows(sparql: str) -> list[dict[str, str]]:
        """Dataset uses and processor links: those of ``datasets`` if given, else of ``only``."""
        if datasets is not None:
            return select(store, sparql, {"d": datasets})
        return select(store, sparql, None if only is None else {"v": only})

    def per_version(sparql: str) -> list[dict[str, str]]:
        """A query of a few rows per version: a long VALUES list costs more than it saves (measured:
        1,834 of 5,628 versions took 1.7 s through VALUES, 0.6 s for all), so only short lists are sent."""
        small = only is not None and len(only) <= VALUES_LIMIT
        return select(store, sparql, {"v": only} if small else None)

    versions: dict[str, Version] = {}
    if only is not None and not only:
        return versions
    for row in select(store, expand(Q_VERSIONS, scope)):  # always all: their order is the order flows are added in
        if only is not None and row["v"] not in only:
            continue
        v = versions.setdefault(row["v"], Version(row["v"], row["agreement"]))
        v.title = v.title or row.get("vtitle") or row.get("atitle", "")
        v.number, v.start, v.end = row.get("vn", ""), row.get("start", ""), row.get("end", "")
    for row in per_version(Q_PARTIES):
        if row["v"] in versions:
            bucket = versions[row["v"]].controllers if row["kind"] == "controller" else versions[row["v"]].applicants
            if row["org"] not in bucket:
                bucket.append(row["org"])
    for row in rows(Q_USES):
        if row["v"] in versions:
            bases = versions[row["v"]].datasets.setdefault(row["d"], set())
            if "b" in row:
                bases.add(row["b"])
    for row in per_version(Q_VERSION_TERMS):
        if row["v"] in versions:
            target = versions[row["v"]]
            if "b" in row:
                target.bases.add(row["b"])
            if "p" in row:
                target.purposes.add(row["p"])
    for row in per_version(Q_DSCRO):
        if row["v"] in versions:
            versions[row["v"]].dscro = True
    for row in rows(Q_PROCESSORS):
        if row["v"] in versions:
            versions[row["v"]].processors.append(row)
    return versions


def fetch_labels(store: ox.Store) -> Labels:
    labels = Labels()
    fallback: dict[str, str] = {}
    for row in select(store, Q_LABELS):
        x = row["x"]
        if "pref" in row:
            labels.label[x] = min(labels.label.get(x, row["pref"]), row["pref"])
        if "label" in row:
            fallback[x] = min(fallback.get(x, row["label"]), row["label"])
        if "code" in row:
            labels.code[x] = row["code"]
        for name in (row.get("pref"), row.get("label"), row.get("alt"), row.get("code")):
            if name:
                labels.names[x].add(name)
    for x, text in fallback.items():
        labels.label.setdefault(x, text)
    for row in select(store, Q_BROADER):
        labels.broader[row["x"]].add(row["b"])
    return labels


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
        key = dataset_key(dataset)
        filters.datasets = {resolver.dataset(dataset).iri} | {
            x for x, names in labels.names.items() if any(dataset_key(n) == key for n in names)
            and x.startswith(DATASET_IRI)}
        filters.datasets |= {x for x, broader in labels.broader.items() if broader & filters.datasets}
    if org:
        key, code = org_key(org), org.strip().upper()
        filters.orgs = {resolver.organisation(org).iri} | {
            x for x, names in labels.names.items() if x.startswith(ORG_IRI) and (
                labels.code.get(x, "").upper() == code or any(org_key(n) == key for n in names))}
    if legal_basis:
        filters.bases = {b.iri for b in resolver.legal_bases(legal_basis)}
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
                       names=attrs["names"])
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
    return {key: resolver.organisation(label).iri for key, label in SOURCE_LABELS.items()}


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
    g.graph["filters"] = SEP.join(f"{k}={v}" for k, v in
                                  (("dataset", dataset), ("org", org), ("legal_basis", legal_basis)) if v)
    return g


# --------------------------------------------------------------------------- questions on the graph

@dataclass(frozen=True)
class FlowPath:
    agreement: str
    nodes: tuple[str, ...]
    labels: tuple[str, ...]


def find_nodes(flow: nx.MultiDiGraph, text: str) -> set[str]:
    """Nodes whose IRI, label or code matches ``text`` (names folded as the resolver folds them)."""
    key, dkey = org_key(text), dataset_key(text)

    def matches(a: dict) -> bool:
        names = [a.get("label", ""), *a.get("names", "").split(SEP)]
        return a.get("code", "").upper() == text.strip().upper() or any(
            org_key(n) == key if a["type"] != "dataset" else dataset_key(n) == dkey for n in names if n)

    return {n for n, a in flow.nodes(data=True) if n == text or matches(a)}


def paths(flow: nx.MultiDiGraph, dataset: str, target: str) -> list[FlowPath]:
    """How does ``dataset`` reach ``target``? One path per agreement, following that agreement's edges.

    ``dataset`` and ``target`` are node IRIs or labels (see :func:`find_nodes`).
    """
    starts = {n for n in find_nodes(flow, dataset) if flow.nodes[n]["type"] == "dataset"}
    ends = find_nodes(flow, target)
    by_agreement: dict[str, nx.DiGraph] = defaultdict(nx.DiGraph)
    for u, w, a in flow.edges(data=True):
        if a["dataset"] in starts:
            by_agreement[a["agreement"]].add_edge(u, w)
    found = []
    for agreement, g in sorted(by_agreement.items()):
        for s in starts & set(g):
            for t in sorted(ends & set(g)):
                if s != t and nx.has_path(g, s, t):
                    nodes = tuple(nx.shortest_path(g, s, t))
                    found.append(FlowPath(agreement, nodes, tuple(flow.nodes[n]["label"] for n in nodes)))
    return found


def aggregate(flow: nx.MultiDiGraph, max_nodes: int = 2000) -> nx.DiGraph:
    """Collapse parallel flows into one edge weighted by the number of agreements.

    Above ``max_nodes``, the least connected organisations are merged into one "other …" node per
    role, so that a browser can still draw the view.
    """
    g = nx.DiGraph()
    g.add_nodes_from(flow.nodes(data=True))
    g.graph.update(flow.graph)
    for u, w, a in flow.edges(data=True):
        _merge_edge(g, u, w, a)
    if g.number_of_nodes() > max_nodes:
        g = _merge_small(g, max_nodes)
    for _, _, a in g.edges(data=True):
        a["weight"] = len(a["agreement_set"])
        a["agreements"] = SEP.join(sorted(a.pop("agreement_set")))
    return g


def _merge_edge(g: nx.DiGraph, u: str, w: str, a: dict) -> None:
    if not g.has_edge(u, w):
        g.add_edge(u, w, agreement_set=set(), items=[], kind=a.get("kind", ""))
    e = g.edges[u, w]
    e["agreement_set"].update(a.get("agreement_set") or {a["agreement"]})
    e["items"].extend(a.get("items") or [a])


def _merge_small(g: nx.DiGraph, max_nodes: int) -> nx.DiGraph:
    weight = {n: sum(len(d["agreement_set"]) for *_, d in g.edges(n, data=True))
              + sum(len(d["agreement_set"]) for *_, d in g.in_edges(n, data=True)) for n in g}
    orgs = sorted((n for n, a in g.nodes(data=True) if a["type"] == "organisation"), key=lambda n: -weight[n])
    keep_orgs = max(0, max_nodes - (g.number_of_nodes() - len(orgs)) - len(ROLE_ORDER))
    merged = {n: f"other:{g.nodes[n]['role']}" for n in orgs[keep_orgs:]}
    out = nx.DiGraph()
    out.graph.update(g.graph)
    for n, a in g.nodes(data=True):
        if n in merged:
            node = merged[n]
            if node not in out:
                out.add_node(node, type="organisation", role=a["role"], roles=a["role"], code="", count=0,
                             label="")
            out.nodes[node]["count"] += 1
            out.nodes[node]["label"] = f"other {a['role']}s ({out.nodes[node]['count']})"
        else:
            out.add_node(n, **a)
    for u, w, a in g.edges(data=True):
        _merge_edge(out, merged.get(u, u), merged.get(w, w), a)
    return out


def central_organisations(flow: nx.MultiDiGraph, role: str = "processor", top: int = 10) -> list[tuple[str, int, int]]:
    """The organisations of ``role`` most flows reach: (label, agreements, distinct senders).

    Processors are where flows end, so path betweenness says nothing about them; what matters is
    how many agreements and how many controllers route data to them.
    """
    agreements: dict[str, set[str]] = defaultdict(set)
    senders: dict[str, set[str]] = defaultdict(set)
    for u, w, a in flow.edges(data=True):
        if role in flow.nodes[w].get("roles", "").split(SEP):
            agreements[w].add(a["agreement"])
            senders[w].add(u)
    ranked = sorted(agreements, key=lambda n: (-len(agreements[n]), -len(senders[n]), flow.nodes[n]["label"]))
    return [(flow.nodes[n]["label"], len(agreements[n]), len(senders[n])) for n in ranked[:top]]

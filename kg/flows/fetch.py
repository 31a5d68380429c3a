"""Fetching a flow graph's material from the store: agreement versions with their parties, datasets,
legal bases, purposes and processors, and the labels, codes and organisation types of every node.

A handful of SPARQL queries over the whole store (a full edition has ~5,500 versions), never one
query per node; versions are scoped by edition through :mod:`kg.scope`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.namespace import PREFIX_IRIS
from kg.scope import NEWEST, Scope, expand

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
# an organisation's type: the curated one (ontology/organisations.ttl), else what its applications say
Q_ORG_TYPES = """
SELECT ?o ?t ?kind WHERE {
  { ?o dur:orgType ?t BIND("curated" AS ?kind) }
  UNION { ?v dur:applicant ?o ; dur:applicantType ?t BIND("applicant" AS ?kind) }
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
    org_type: dict[str, str] = field(default_factory=dict)

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
    """Labels, codes, spellings, broader concepts and organisation types of every node in the store."""
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
    labels.org_type = fetch_org_types(store)
    return labels


def fetch_org_types(store: ox.Store) -> dict[str, str]:
    """Each organisation's type: its curated ``dur:orgType``, else the type most often given on the
    agreements it applied for (the register's "organisation type" column), ties broken by name."""
    curated: dict[str, str] = {}
    applied: dict[str, Counter[str]] = defaultdict(Counter)
    for row in select(store, Q_ORG_TYPES):
        if row["kind"] == "curated":
            curated[row["o"]] = min(curated.get(row["o"], row["t"]), row["t"])
        else:
            applied[row["o"]][row["t"]] += 1
    types = {o: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for o, c in applied.items()}
    return {**types, **curated}

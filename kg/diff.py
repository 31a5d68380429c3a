"""What changed between two editions: agreements added, removed and amended (and in which fields).

Computed in SPARQL over the editions' named graphs, so it works on any store holding both.  The
graphs are bound as Oxigraph substitutions, which must be projected: hence ``?old ?new`` in each
SELECT.
Version IRIs depend only on reference and version number, so a version edited in place between
editions (REGISTER.md §A, trap 10) shows as the same node with different values.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.errors import RegkgError
from kg.namespace import DCT, DPV, DUR, PREFIX_IRIS
from kg.query import QueryResult

FIELDS = {
    DCT.title: "title",
    DUR.startDate: "start",
    DUR.endDate: "end",
    DUR.applicant: "applicant",
    DPV.hasDataController: "controllers",
    DPV.hasDataProcessor: "processors",
    DUR.hasSubProcessor: "sub-processors",
    DUR.sublicensing: "sublicensing",
    DUR.commercial: "commercial",
    DUR.dataset: "datasets",
    DPV.hasLegalBasis: "legal bases",
    DPV.hasPurpose: "purposes",
    DUR.objective: "objective",
    DUR.processingActivities: "processing activities",
    DUR.expectedOutputs: "expected outputs",
    DUR.expectedBenefits: "expected benefits",
    DUR.yieldedBenefits: "yielded benefits",
    DUR.hasVersion: "versions",
}

FIELD_NAMES = {str(p): name for p, name in FIELDS.items()}

GRAPH_OF_EDITION = """
SELECT DISTINCT ?g ?name WHERE {
  GRAPH ?g { ?g a dur:SourceFile . OPTIONAL { ?g dur:edition ?edition } OPTIONAL { ?g dct:title ?title } }
  FILTER(?edition = ?name || ?title = ?name || STR(?g) = ?name)
}
"""

MEMBERSHIP = """
SELECT ?agreement ?change ?old ?new WHERE {
  { GRAPH ?new { ?a a dur:DataSharingAgreement ; dct:identifier ?agreement }
    FILTER NOT EXISTS { GRAPH ?old { ?a a dur:DataSharingAgreement } } BIND("added" AS ?change) }
  UNION
  { GRAPH ?old { ?a a dur:DataSharingAgreement ; dct:identifier ?agreement }
    FILTER NOT EXISTS { GRAPH ?new { ?a a dur:DataSharingAgreement } } BIND("removed" AS ?change) }
}
"""

# The newest version of each edition is compared field by field (so a renewal that changes
# nothing else shows as "versions" only, and an edit in place shows the fields it touched).
AMENDED = """
SELECT ?agreement ?p ?old ?new WHERE {
  GRAPH ?old { ?a a dur:DataSharingAgreement ; dct:identifier ?agreement ; dur:latestVersion ?vo }
  GRAPH ?new { ?a dur:latestVersion ?vn }
  {
    VALUES ?p { %s }
    { GRAPH ?new { ?vn ?p ?o } FILTER NOT EXISTS { GRAPH ?old { ?vo ?p ?o } } }
    UNION
    { GRAPH ?old { ?vo ?p ?o } FILTER NOT EXISTS { GRAPH ?new { ?vn ?p ?o } } }
  } UNION {
    { GRAPH ?new { ?a dur:hasVersion ?v } FILTER NOT EXISTS { GRAPH ?old { ?a dur:hasVersion ?v } } }
    UNION
    { GRAPH ?old { ?a dur:hasVersion ?v } FILTER NOT EXISTS { GRAPH ?new { ?a dur:hasVersion ?v } } }
    BIND(dur:hasVersion AS ?p)
  }
}
"""


def edition_graph(store: ox.Store, name: str) -> ox.NamedNode:
    """The named graph of an edition given as ``2026-08``, a file name or a graph IRI."""
    rows = list(store.query(GRAPH_OF_EDITION, prefixes=PREFIX_IRIS,
                            substitutions={ox.Variable("name"): ox.Literal(name)}))
    if len(rows) != 1:
        found = "no source" if not rows else f"{len(rows)} sources"
        raise RegkgError(f"edition {name!r}: {found} with that edition, file name or graph IRI "
                         "(see `regkg stats`)")
    return rows[0]["g"]


def diff(store: ox.Store, old: str, new: str) -> QueryResult:
    """Rows ``change, agreement, fields``: added, removed, or amended with the fields that changed."""
    graphs = {ox.Variable("old"): edition_graph(store, old), ox.Variable("new"): edition_graph(store, new)}
    rows = [[r["change"].value, r["agreement"].value, ""]
            for r in store.query(MEMBERSHIP, prefixes=PREFIX_IRIS, substitutions=graphs)]
    changed: dict[str, set[str]] = {}
    values = " ".join(f"<{p}>" for p in FIELDS if p != DUR.hasVersion)
    for r in store.query(AMENDED % values, prefixes=PREFIX_IRIS, substitutions=graphs):
        changed.setdefault(r["agreement"].value, set()).add(FIELD_NAMES[r["p"].value])
    rows += [["amended", agreement, ", ".join(sorted(fields))] for agreement, fields in changed.items()]
    order = {"added": 0, "removed": 1, "amended": 2}
    return QueryResult(["change", "agreement", "fields"], sorted(rows, key=lambda r: (order[r[0]], r[1])))

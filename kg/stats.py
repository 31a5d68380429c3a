"""What a store holds, per source graph: the numbers people check after a build.

An edition's graph holds the content first stored from it (later editions listing the same content
add none; docs/history.md); the editions graph holds which editions list what.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.membership import EDITIONS_GRAPH
from kg.namespace import DUR, PREFIX_IRIS
from kg.query import QueryResult

COUNTED = {
    "agreements": DUR.DataSharingAgreement,
    "versions": DUR.AgreementVersion,
    "dataset_uses": DUR.DatasetUse,
    "releases": DUR.Release,
    "processor_links": DUR.ProcessorInvolvement,
}

STATS = """
SELECT ?g ?title ?kind ?edition (COUNT(*) AS ?triples) WHERE {
  GRAPH ?g { ?s ?p ?o }
  OPTIONAL { GRAPH ?g { ?g dct:title ?title ; dur:sourceKind ?kind OPTIONAL { ?g dur:edition ?edition } } }
} GROUP BY ?g ?title ?kind ?edition ORDER BY ?title ?g
"""

TYPE_COUNTS = """
SELECT ?g ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?type } VALUES ?type { %s } }
GROUP BY ?g ?type
"""


def stats(store: ox.Store) -> QueryResult:
    """One row per named graph: its file, kind, edition, triples and counts of the main kinds of node."""
    types = " ".join(f"<{t}>" for t in COUNTED.values())
    counts: dict[tuple[str, str], int] = {
        (row["g"].value, row["type"].value): int(row["n"].value)
        for row in store.query(TYPE_COUNTS % types, prefixes=PREFIX_IRIS)}
    result = QueryResult(["source", "kind", "edition", "triples", *COUNTED])
    for row in store.query(STATS, prefixes=PREFIX_IRIS):
        graph = row["g"].value
        result.rows.append([
            row["title"].value if row["title"] else graph,
            row["kind"].value if row["kind"] else ("membership" if graph == EDITIONS_GRAPH else "vocabulary"),
            row["edition"].value if row["edition"] else "",
            row["triples"].value,
            *(str(counts.get((graph, str(t)), 0)) for t in COUNTED.values())])
    return result

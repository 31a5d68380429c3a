"""The organisations a store holds, and likely duplicates among the unresolved ones, for review.

Identity is never guessed: ``suggest`` only lists candidates with their evidence, for a person to
accept into ontology/organisations.ttl.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.namespace import PREFIX_IRIS
from kg.query import QueryResult
from kg.resolve import Resolver

ORGANISATIONS = """
SELECT ?org ?label ?code ?unresolved (COUNT(DISTINCT ?a) AS ?agreements) WHERE {
  ?org a org:Organization .
  OPTIONAL { ?org skos:prefLabel ?label }
  OPTIONAL { ?org skos:notation ?code }
  BIND(EXISTS { ?org dur:unresolved true } AS ?unresolved)
  ?v (dpv:hasDataController|dpv:hasDataProcessor|dur:hasSubProcessor|dur:applicant) ?org ;
     dct:isVersionOf ?a .
} GROUP BY ?org ?label ?code ?unresolved ORDER BY DESC(?agreements) ?label
"""

UNRESOLVED_NAMES = """
SELECT DISTINCT ?name WHERE {
  ?org dur:unresolved true ; a org:Organization .
  { ?org skos:prefLabel ?name } UNION { ?org skos:altLabel ?name }
} ORDER BY ?name
"""


def organisations(store: ox.Store) -> QueryResult:
    """Organisations taking part in agreements: label, ODS code, whether the vocabulary knows them,
    and how many agreements they are applicant, controller or processor in."""
    result = QueryResult(["organisation", "label", "code", "in_vocabulary", "agreements"])
    for row in store.query(ORGANISATIONS, prefixes=PREFIX_IRIS, use_default_graph_as_union=True):
        result.rows.append([
            row["org"].value, row["label"].value if row["label"] else "",
            row["code"].value if row["code"] else "",
            "no" if row["unresolved"].value == "true" else "yes", row["agreements"].value])
    return result


def suggest(store: ox.Store, resolver: Resolver | None = None) -> QueryResult:
    """Likely duplicates among the names that did not resolve, with the evidence for each."""
    resolver = resolver or Resolver.load()
    names = [row["name"].value for row in
             store.query(UNRESOLVED_NAMES, prefixes=PREFIX_IRIS, use_default_graph_as_union=True)]
    result = QueryResult(["names", "reason", "evidence", "score", "target"])
    for s in resolver.suggest_duplicates(names):
        result.rows.append([" | ".join(s.names), s.reason, s.evidence, f"{s.score:.2f}", s.target or ""])
    return result

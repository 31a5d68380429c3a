"""The store as files: RDF serialisations of the union graph or of every named graph."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from kg.namespace import PREFIX_IRIS

GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}
DATASET_FORMATS = {
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
}
RDF_FORMATS = (*GRAPH_FORMATS, *DATASET_FORMATS)


def union_triples(store: ox.Store) -> ox.QueryTriples:
    """Every triple of every graph, once: what a reader of a single-graph format should see."""
    return store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)


def export_rdf(store: ox.Store, fmt: str, output: BinaryIO | Path) -> None:
    """Write the graph (turtle, nt, jsonld) or the dataset with its named graphs (trig, nquads)."""
    target = str(output) if isinstance(output, Path) else output
    prefixes = {p: ns for p, ns in PREFIX_IRIS.items() if p != "id"}
    if fmt in DATASET_FORMATS:
        store.dump(target, DATASET_FORMATS[fmt], prefixes=prefixes if fmt == "trig" else None)
        return
    union = ox.Store()  # in memory: query results serialise without prefixes, a store dumps with them
    union.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in union_triples(store))
    union.dump(target, GRAPH_FORMATS[fmt], from_graph=ox.DefaultGraph(),
               prefixes=prefixes if fmt != "nt" else None)

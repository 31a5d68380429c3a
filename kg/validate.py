"""SHACL validation of a built store against ontology/shapes.ttl (pyshacl, no inference).

Inference stays off (RDFS inference made validation ~12× slower, as measured when regkg was designed), which is why the
graph keeps every ``rdf:type`` explicit.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import Graph

from kg.export import union_triples
from kg.resources import shapes_file


@dataclass
class ValidationReport:
    conforms: bool
    text: str


def validate(store: ox.Store) -> ValidationReport:
    data = Graph().parse(data=union_triples(store).serialize(format=ox.RdfFormat.N_TRIPLES),
                         format="nt")
    shapes = Graph().parse(shapes_file(), format="turtle")
    conforms, _, text = shacl_validate(data, shacl_graph=shapes, inference="none", advanced=False)
    return ValidationReport(bool(conforms), text)

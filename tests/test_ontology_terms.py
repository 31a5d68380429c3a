"""The vocabulary as code: every term the project uses is declared, every Turtle file parses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from kg.namespace import DUR
from kg.resources import ontology_dir, queries_dir

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for path in sorted(ontology_dir().glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def used_terms() -> set[str]:
    """``dur:`` terms written in the Turtle, the named queries and the code (``DUR.x``)."""
    terms: set[str] = set()
    for path in [*ontology_dir().glob("*.ttl"), *queries_dir().glob("*.rq")]:
        terms |= set(re.findall(r"\bdur:([A-Za-z]\w*)", path.read_text(encoding="utf-8")))
    for path in (ROOT / "kg").rglob("*.py"):
        terms |= set(re.findall(r"\bDUR\.([A-Za-z]\w*)", path.read_text(encoding="utf-8")))
    return terms


def test_every_used_term_is_declared_with_a_label(ontology):
    undeclared = sorted(t for t in used_terms()
                        if (URIRef(DUR[t]), RDF.type, None) not in ontology and not t.endswith("Shape"))
    assert undeclared == []
    unlabelled = sorted(t for t in used_terms() if not t.endswith("Shape")
                        and not any(ontology.objects(URIRef(DUR[t]), p) for p in (
                            URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
                            URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"))))
    assert unlabelled == []


def test_agreement_class_is_aligned_to_dpv_and_prov(ontology):
    supers = {str(o) for o in ontology.objects(URIRef(DUR.DataSharingAgreement),
                                               URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"))}
    assert supers == {"https://w3id.org/dpv#Process", "https://w3id.org/dpv#LegalAgreement",
                      "http://www.w3.org/ns/prov#Plan"}

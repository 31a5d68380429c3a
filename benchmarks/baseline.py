"""The obvious pipeline, for comparison with regkg: openpyxl, rdflib's in-memory graph, rdflib's SPARQL.

What it does (and what it shares with regkg, so that the comparison isolates reading, graph
building, storage and querying — not the register-specific logic):

* **reading**: openpyxl in read-only mode reads the three sheets row by row (``values_only``); the
  rows are handed to regkg's own row → record logic (``kg.sources.workbook._Reader``), exactly as
  regkg hands it the rows python-calamine read.  Same records, same warnings.
* **enrichment**: regkg's own ``kg.build.enrich`` (purposes via ``kg.resolve``, processors via
  ``kg.extract.processors``) — identical work on both sides.
* **graph building**: regkg's mapping (``kg.graph.iter_document_quads``) decides *which* triples
  exist; each is converted to rdflib terms (``URIRef``/``Literal``) and added one by one to
  rdflib's default in-memory ``Dataset`` (``Memory`` store, one named graph per source, the default
  graph the union, as regkg queries it).  The ontology files are parsed into their graph too.
* **storage**: none beyond memory (rdflib's ``Memory`` store); regkg writes an on-disk Oxigraph store.
* **querying**: the same named queries, bound the same way (``kg.query.bind``/``bind_into``), run by
  rdflib's own SPARQL engine (``kg.query.run`` given an rdflib graph).

So the baseline does strictly less than regkg (it persists nothing); every difference in time is
reading, term building, storage and query evaluation.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pyoxigraph as ox
from openpyxl import load_workbook
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import XSD

from kg.build import ONTOLOGY_GRAPH, enrich
from kg.graph import iter_document_quads
from kg.namespace import iri_source
from kg.records import SourceDocument
from kg.resolve import Resolver
from kg.resources import vocabulary_files
from kg.sources.workbook import _match_sheet, _RawSheet, _Reader
from kg.vocab import Vocabulary

_XSD_STRING = str(XSD.string)


def read_openpyxl(path: Path, vocab: Vocabulary) -> SourceDocument:
    """The workbook read with openpyxl (read-only), turned into records by regkg's row logic."""
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = {name: _RawSheet([list(row) for row in book[name].iter_rows(values_only=True)])
                  for name in book.sheetnames if _match_sheet(name) is not None}
    finally:
        book.close()
    enabled = gc.isenabled()
    gc.disable()  # regkg's reader does the same while building records
    try:
        return _Reader(Path(path), vocab, None).read(sheets)
    finally:
        if enabled:
            gc.enable()


def _term(t: ox.NamedNode | ox.Literal) -> URIRef | Literal:
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if t.language:
        return Literal(t.value, lang=t.language)
    datatype = t.datatype.value
    return Literal(t.value) if datatype == _XSD_STRING else Literal(t.value, datatype=URIRef(datatype))


def build_graph(path: Path) -> tuple[Dataset, int]:
    """One edition as an rdflib in-memory Dataset; returns it and the number of quads added."""
    vocab, resolver = Vocabulary.load(), Resolver.load()
    doc = read_openpyxl(Path(path), vocab)
    enrich(doc, resolver)
    ds = Dataset(default_union=True)
    onto = ds.graph(URIRef(ONTOLOGY_GRAPH))
    for file in vocabulary_files():
        onto.parse(file, format="turtle")
    graph = ds.graph(URIRef(iri_source(doc.name)))
    n = 0
    nquads = "".join(iter_document_quads(doc, resolver, vocab)).encode()  # regkg's mapping, as text
    for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        graph.add((_term(q.subject), _term(q.predicate), _term(q.object)))
        n += 1
    return ds, n

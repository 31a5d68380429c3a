"""The curated vocabularies (ontology/*.ttl) as lookup tables, read once per ontology folder.

Every concept contributes its prefLabel, altLabels and notation under a matching key (see
:mod:`kg.resolve.names`). Two concepts claiming one key is a vocabulary error, reported at load time
rather than resolved by picking one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from kg.namespace import DUR, SKOS
from kg.resolve.names import dataset_key, label_key, ods_code, org_key

FILES = {
    "organisation": ("organisations.ttl", DUR.OrganisationScheme, org_key),
    "dataset": ("datasets.ttl", DUR.DatasetScheme, dataset_key),
    "legal_basis": ("legal-bases.ttl", DUR.LegalBasisScheme, label_key),
    "purpose": ("purposes.ttl", DUR.PurposeScheme, label_key),
}


class VocabularyError(ValueError):
    """Two concepts of one scheme share a label (or an ODS code): the vocabulary must be fixed."""


@dataclass
class Concept:
    iri: str
    label: str
    alt_labels: list[str] = field(default_factory=list)
    notation: str | None = None
    broader: list[str] = field(default_factory=list)

    def labels(self) -> list[str]:
        return [self.label, *self.alt_labels, *([self.notation] if self.notation else [])]


@dataclass
class Index:
    kind: str
    key: Callable[[str], str]
    concepts: dict[str, Concept] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    by_code: dict[str, str] = field(default_factory=dict)

    def add_key(self, text: str, iri: str) -> None:
        k = self.key(text)
        if not k:
            return
        other = self.by_key.setdefault(k, iri)
        if other != iri:
            raise VocabularyError(f"{self.kind}: label {text!r} names both <{other}> and <{iri}>")

    def lookup(self, text: str) -> Concept | None:
        iri = self.by_key.get(self.key(text))
        return self.concepts[iri] if iri else None


def _literal_texts(graph: Graph, s: URIRef, p: URIRef) -> list[str]:
    return sorted(str(o) for o in graph.objects(s, p))


def load_index(kind: str, directory: Path) -> Index:
    filename, scheme, key = FILES[kind]
    graph = Graph()
    graph.parse(directory / filename, format="turtle")
    index = Index(kind, key)
    for s in sorted(set(graph.subjects(SKOS.inScheme, scheme))):
        iri = str(s)
        labels = _literal_texts(graph, s, SKOS.prefLabel)
        if len(labels) != 1:
            raise VocabularyError(f"{kind}: <{iri}> needs exactly one skos:prefLabel, has {labels}")
        notations = _literal_texts(graph, s, SKOS.notation)
        concept = Concept(iri, labels[0], _literal_texts(graph, s, SKOS.altLabel),
                          notations[0] if notations else None,
                          sorted(str(o) for o in graph.objects(s, SKOS.broader)))
        index.concepts[iri] = concept
    for iri, concept in index.concepts.items():
        for text in concept.labels():
            if kind == "organisation" and text == concept.notation:
                other = index.by_code.setdefault(text.upper(), iri)
                if other != iri:
                    raise VocabularyError(f"ODS code {text} is claimed by <{other}> and <{iri}>")
                continue
            if kind == "organisation" and ods_code(text):
                # "... ICB - 04V": identified by its code; its bare name may be another body (the ICB)
                if ods_code(text) != (concept.notation or "").upper():
                    raise VocabularyError(f"<{iri}>: label {text!r} carries a code other than its notation")
                continue
            index.add_key(text, iri)
    return index


_CACHE: dict[Path, dict[str, Index]] = {}


def load_all(directory: Path) -> dict[str, Index]:
    directory = directory.resolve()
    if directory not in _CACHE:
        _CACHE[directory] = {kind: load_index(kind, directory) for kind in FILES}
    return _CACHE[directory]

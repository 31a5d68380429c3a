"""The curated vocabularies (ontology/*.ttl) as label indexes (``kg.vocab.LabelIndex``), read once
per ontology folder.

Every concept contributes its prefLabel, altLabels and notation under the fold of ``kg.names`` its
kind matches by (docs/identity.md). Two concepts claiming one key is a vocabulary error, reported
at load time rather than resolved by picking one.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from kg.names import fold_dataset_name, fold_org_name, fold_words, ods_code
from kg.namespace import DUR
from kg.vocab import Concept, LabelIndex, VocabularyError, read_concepts

__all__ = ["FILES", "Concept", "LabelIndex", "VocabularyError", "load_all", "load_index"]

FILES = {
    "organisation": ("organisations.ttl", DUR.OrganisationScheme, fold_org_name),
    "dataset": ("datasets.ttl", DUR.DatasetScheme, fold_dataset_name),
    "legal_basis": ("legal-bases.ttl", DUR.LegalBasisScheme, fold_words),
    "purpose": ("purposes.ttl", DUR.PurposeScheme, fold_words),
}


def load_index(kind: str, directory: Path) -> LabelIndex:
    filename, scheme, fold = FILES[kind]
    graph = Graph()
    graph.parse(directory / filename, format="turtle")
    index = LabelIndex(kind, fold)
    for concept in read_concepts(graph, scheme, kind):
        index.concepts[concept.iri] = concept
    for iri, concept in index.concepts.items():
        for text in concept.labels():
            if kind == "organisation" and _coded(index, concept, text):
                continue
            index.add_key(text, iri)
    return index


def _coded(index: LabelIndex, concept: Concept, text: str) -> bool:
    """True when an organisation's label is (or carries) its ODS code, indexed by that code alone.

    ``… ICB - 04V`` is identified by its code; its bare name may be another body (the ICB).
    """
    if text == concept.notation:
        other = index.by_code.setdefault(text.upper(), concept.iri)
        if other != concept.iri:
            raise VocabularyError(f"ODS code {text} is claimed by <{other}> and <{concept.iri}>")
        return True
    if ods_code(text):
        if ods_code(text) != (concept.notation or "").upper():
            raise VocabularyError(f"<{concept.iri}>: label {text!r} carries a code other than its notation")
        return True
    return False


_CACHE: dict[Path, dict[str, LabelIndex]] = {}


def load_all(directory: Path) -> dict[str, LabelIndex]:
    directory = directory.resolve()
    if directory not in _CACHE:
        _CACHE[directory] = {kind: load_index(kind, directory) for kind in FILES}
    return _CACHE[directory]

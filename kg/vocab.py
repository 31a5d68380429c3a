"""Vocabularies as label indexes: the register's controlled values, and the one index class every
vocabulary uses (the curated ones of ``kg.resolve`` too).

The controlled values (ontology/values.ttl) let readers tell an opt-out answer from a type of data
from a confidentiality wording inside one merged page field, and let the graph turn a value into
its concept.  A value that matches no label is kept verbatim and counted in ``unknown`` — never
guessed.  Labels match by a fold of ``kg.names`` (docs/identity.md), one per vocabulary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from rdflib import Graph, URIRef

from kg.names import fold_value
from kg.namespace import DUR, SKOS
from kg.resources import ontology_dir

SCHEMES = {
    "opt_out": DUR.OptOutScheme,
    "type_of_data": DUR.TypeOfDataScheme,
    "confidentiality": DUR.ConfidentialityScheme,
    "sensitivity": DUR.SensitivityScheme,
    "access_method": DUR.AccessMethodScheme,
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
class LabelIndex:
    """The concepts of one scheme by the fold of each of their labels.

    Two concepts claiming one folded label is a vocabulary error, raised when the label is added
    rather than resolved by picking one.
    """

    kind: str
    fold: Callable[[str], str]
    concepts: dict[str, Concept] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    by_code: dict[str, str] = field(default_factory=dict)

    def add_key(self, text: str, iri: str) -> None:
        key = self.fold(text)
        if not key:
            return
        other = self.by_key.setdefault(key, iri)
        if other != iri:
            raise VocabularyError(f"{self.kind}: label {text!r} names both <{other}> and <{iri}>")

    def lookup(self, text: str) -> Concept | None:
        iri = self.by_key.get(self.fold(text))
        return self.concepts[iri] if iri else None


def read_concepts(graph: Graph, scheme: URIRef, kind: str) -> list[Concept]:
    """Every concept ``graph`` puts in ``scheme``, in IRI order; each needs exactly one prefLabel."""
    concepts = []
    for s in sorted(set(graph.subjects(SKOS.inScheme, scheme))):
        labels = _texts(graph, s, SKOS.prefLabel)
        if len(labels) != 1:
            raise VocabularyError(f"{kind}: <{s}> needs exactly one skos:prefLabel, has {labels}")
        notations = _texts(graph, s, SKOS.notation)
        concepts.append(Concept(str(s), labels[0], _texts(graph, s, SKOS.altLabel),
                                notations[0] if notations else None, _texts(graph, s, SKOS.broader)))
    return concepts


def _texts(graph: Graph, s: URIRef, p: URIRef) -> list[str]:
    return sorted(str(o) for o in graph.objects(s, p))


class Vocabulary:
    """A label index for each scheme in ``SCHEMES``, plus the tally of unknown values."""

    def __init__(self, indexes: dict[str, LabelIndex]) -> None:
        self._indexes = indexes
        self._labels = {iri: c.label for index in indexes.values() for iri, c in index.concepts.items()}
        self.unknown: Counter[tuple[str, str]] = Counter()

    @classmethod
    def load(cls) -> Vocabulary:
        return cls(_indexes())

    def lookup(self, scheme: str, text: str) -> str | None:
        """The concept IRI for ``text`` in ``scheme``, or None (without counting it unknown)."""
        concept = self._indexes[scheme].lookup(text)
        return concept.iri if concept else None

    def concept(self, scheme: str, text: str) -> str | None:
        """Like ``lookup`` but an unmatched value is tallied in ``unknown`` for the warning summary."""
        iri = self.lookup(scheme, text)
        if iri is None and text.strip():
            self.unknown[(scheme, text.strip())] += 1
        return iri

    def classify(self, text: str) -> str | None:
        """Which scheme ``text`` belongs to, if any (for fields that merge several schemes)."""
        return next((name for name, index in self._indexes.items() if index.lookup(text)), None)

    def label(self, iri: str) -> str:
        """The preferred label of a concept, for showing normalised values to people."""
        return self._labels[iri]

    def applies_opt_outs(self, iri: str) -> bool | None:
        return _opt_out_flags().get(iri)


@cache
def _values_graph() -> Graph:
    return Graph().parse(ontology_dir() / "values.ttl", format="turtle")


@cache
def _indexes() -> dict[str, LabelIndex]:
    """One index per scheme; values fold by ``fold_value`` (their dashes carry structure)."""
    graph = _values_graph()
    indexes = {}
    for name, scheme in SCHEMES.items():
        index = indexes[name] = LabelIndex(name, fold_value)
        for concept in read_concepts(graph, scheme, name):
            index.concepts[concept.iri] = concept
            for label in [concept.label, *concept.alt_labels]:
                index.add_key(label, concept.iri)
    return indexes


@cache
def _opt_out_flags() -> dict[str, bool]:
    graph = _values_graph()
    return {str(s): bool(o.toPython()) for s, o in graph.subject_objects(DUR.appliesOptOuts)}

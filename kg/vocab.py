"""The register's controlled values (ontology/values.ttl) as lookup tables.

Readers use this to tell an opt-out answer from a type of data from a confidentiality wording
inside one merged page field, and the graph uses it to turn a value into its concept.  A value
that matches no label is kept verbatim and counted in ``unknown`` — never guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from rdflib import Graph

from kg.namespace import DUR, SKOS
from kg.resources import ontology_dir

SCHEMES = {
    "opt_out": DUR.OptOutScheme,
    "type_of_data": DUR.TypeOfDataScheme,
    "confidentiality": DUR.ConfidentialityScheme,
    "sensitivity": DUR.SensitivityScheme,
    "access_method": DUR.AccessMethodScheme,
}


def label_key(text: str) -> str:
    """Fold a value for matching: case, dashes, quotes and runs of white space do not count."""
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u00a0", " ")
    text = re.sub(r"\s*-\s*", " - ", text)
    return re.sub(r"\s+", " ", text).strip().lower()


class Vocabulary:
    """Label → concept tables for each scheme in ``SCHEMES``, plus the tally of unknown values."""

    def __init__(self, tables: dict[str, dict[str, str]], labels: dict[str, str]) -> None:
        self._tables = tables
        self._labels = labels
        self.unknown: Counter[tuple[str, str]] = Counter()

    @classmethod
    def load(cls) -> Vocabulary:
        tables, labels = _tables()
        return cls(tables, labels)

    def lookup(self, scheme: str, text: str) -> str | None:
        """The concept IRI for ``text`` in ``scheme``, or None (without counting it unknown)."""
        return self._tables[scheme].get(label_key(text))

    def concept(self, scheme: str, text: str) -> str | None:
        """Like ``lookup`` but an unmatched value is tallied in ``unknown`` for the warning summary."""
        iri = self.lookup(scheme, text)
        if iri is None and text.strip():
            self.unknown[(scheme, text.strip())] += 1
        return iri

    def classify(self, text: str) -> str | None:
        """Which scheme ``text`` belongs to, if any (for fields that merge several schemes)."""
        key = label_key(text)
        return next((name for name, table in self._tables.items() if key in table), None)

    def label(self, iri: str) -> str:
        """The preferred label of a concept, for showing normalised values to people."""
        return self._labels[iri]

    def applies_opt_outs(self, iri: str) -> bool | None:
        return _opt_out_flags().get(iri)


@cache
def _values_graph() -> Graph:
    return Graph().parse(ontology_dir() / "values.ttl", format="turtle")


@cache
def _tables() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    graph = _values_graph()
    tables: dict[str, dict[str, str]] = {name: {} for name in SCHEMES}
    labels: dict[str, str] = {}
    for name, scheme in SCHEMES.items():
        for concept in graph.subjects(SKOS.inScheme, scheme):
            for prop in (SKOS.prefLabel, SKOS.altLabel):
                for label in graph.objects(concept, prop):
                    tables[name][label_key(str(label))] = str(concept)
            labels[str(concept)] = str(graph.value(concept, SKOS.prefLabel))
    return tables, labels


@cache
def _opt_out_flags() -> dict[str, bool]:
    graph = _values_graph()
    return {str(s): bool(o.toPython()) for s, o in graph.subject_objects(DUR.appliesOptOuts)}

"""A stand-in for ``kg.resolve.Resolver`` while that module is being written.

Only the harness and the tests use it, and only when ``kg.resolve`` cannot be imported: it lets
the extractor be evaluated on its own.  Organisations are matched on a folded key plus the few
aliases the labelled set needs; datasets on the labels of ``ontology/datasets.ttl``.  It makes no
claim to be a resolver — unknown names get an IRI from their folded key and ``known=False``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kg.namespace import SKOS, iri_dataset, iri_organisation, slug
from kg.resources import ontology_dir

_ORG_ALIASES: dict[str, list[str]] = {
    "NHS Midlands and Lancashire Commissioning Support Unit": [
        "Midlands and Lancashire Commissioning Support Unit", "Midlands and Lancashire CSU",
        "Midlands & Lancashire CSU", "MLCSU"],
    "Prescribing Services Limited": ["Prescribing services", "Prescribing Services Ltd"],
    "Lima Networks Ltd": ["Lima networks limited", "LIMA Networks Ltd", "Lima Networks Limited"],
    "Microsoft Limited": ["Microsoft UK", "Microsoft Ltd"],
    "Blackpool Victoria Hospital": [],
    "Liaison Financial Services Ltd": ["Liaison Financial Services Limited"],
    "NHS North and East London Commissioning Support Unit": [
        "North and East London Commissioning Support Unit", "North East London Commissioning Support Unit",
        "North East London Commissioning Suport Unit"],
    "NHS Digital": ["Health and Social Care Information Centre", "HSCIC"],
    "NHS Blood and Transplant": ["NHSBT", "NHS BLOOD AND TRANSPLANT (NHSBT)"],
    "NHS Leicester, Leicestershire and Rutland ICB - 04V": ["NHS West Leicestershire CCG"],
    "NHS Shropshire, Telford and Wrekin ICB - M2L0M": ["NHS Telford and Wrekin CCG"],
    "NHS Northamptonshire ICB - 78H": ["NHS Nene CCG", "NHS Corby CCG"],
    "Interxion UK": ["Interxion"],
    "IQVIA Ltd": ["IQVIA"],
    "AstraZeneca UK Limited": [],
    "Queen Mary University of London": ["QMUL"],
    "London School of Hygiene and Tropical Medicine": ["LSHTM"],
    "The Institute of Cancer Research": ["ICR"],
}
_CODE = re.compile(r"\s+-\s*([A-Za-z0-9]{3}|[A-Za-z0-9]{5})$")


@dataclass(frozen=True)
class Resolved:
    """Same fields as ``kg.resolve.Resolved``."""

    iri: str
    label: str
    known: bool
    code: str | None = None


def _key(name: str) -> str:
    name = re.sub(r"[\u2018\u2019]", "'", name or "").replace("&", " and ")
    name = _CODE.sub("", name.strip())
    name = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)
    name = re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()
    return re.sub(r"\s+(?:limited|ltd|plc|inc)$", "", name)


def _code(name: str) -> str | None:
    m = _CODE.search((name or "").strip())
    return m.group(1).upper() if m and any(c.isdigit() for c in m.group(1)) else None


class FallbackResolver:
    """Folded-key lookup over a fixed alias table (organisations) and datasets.ttl (datasets)."""

    def __init__(self) -> None:
        self._orgs: dict[str, tuple[str, str | None]] = {}
        for label, aliases in _ORG_ALIASES.items():
            for name in (label, *aliases):
                self._orgs[_key(name)] = (label, _code(label))
        self._codes = {code: label for label, code in self._orgs.values() if code}
        self._datasets = _dataset_labels()

    @classmethod
    def load(cls) -> FallbackResolver:
        return cls()

    def organisation(self, name: str) -> Resolved:
        code = _code(name)
        if code and code in self._codes:
            label = self._codes[code]
            return Resolved(iri_organisation(slug(label)), label, True, code)
        hit = self._orgs.get(_key(name))
        if hit:
            return Resolved(iri_organisation(slug(hit[0])), hit[0], True, hit[1])
        return Resolved(iri_organisation(slug(_key(name))), name.strip(), False, code)

    def dataset(self, name: str) -> Resolved:
        hit = self._datasets.get(_key(name))
        if hit:
            return Resolved(hit[0], hit[1], True)
        return Resolved(iri_dataset(slug(_key(name))), name.strip(), False)


@cache
def _dataset_labels() -> dict[str, tuple[str, str]]:
    """Folded pref/alt label → (IRI, prefLabel) from ``ontology/datasets.ttl``, if present."""
    path = ontology_dir() / "datasets.ttl"
    if not path.exists():
        return {}
    from rdflib import Graph

    graph = Graph().parse(path, format="turtle")
    pref = {str(s): str(o) for s, o in graph.subject_objects(SKOS.prefLabel)}
    out: dict[str, tuple[str, str]] = {}
    for prop in (SKOS.prefLabel, SKOS.altLabel, SKOS.notation):
        for s, o in graph.subject_objects(prop):
            out.setdefault(_key(str(o)), (str(s), pref.get(str(s), str(o))))
    return out

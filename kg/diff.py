"""What changed between two editions: agreements added and removed, and every changed field, old → new.

Each edition's agreements and their latest versions come from the editions graph (``kg.scope``), so
the comparison costs what the two editions list, however many editions the store holds.  Two
editions listing the same content list the same node (content is stored once); an edit in place is a
second content node of the same version, and its changed fields show here like any amendment.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
from rdflib import Literal

from kg.errors import RegkgError
from kg.namespace import DCT, DPV, DUR
from kg.query import QueryResult, run
from kg.records import version_sort_key
from kg.scope import EDITION_FORMAT, Scope, check

FIELDS = {
    DCT.title: "title",
    DUR.startDate: "start",
    DUR.endDate: "end",
    DUR.applicant: "applicant",
    DPV.hasDataController: "controllers",
    DPV.hasDataProcessor: "processors",
    DUR.hasSubProcessor: "sub-processors",
    DUR.sublicensing: "sublicensing",
    DUR.commercial: "commercial",
    DUR.dataset: "datasets",
    DPV.hasLegalBasis: "legal bases",
    DPV.hasPurpose: "purposes",
    DUR.objective: "objective",
    DUR.processingActivities: "processing activities",
    DUR.expectedOutputs: "expected outputs",
    DUR.expectedBenefits: "expected benefits",
    DUR.yieldedBenefits: "yielded benefits",
}
FIELD_NAMES = {str(p): name for p, name in FIELDS.items()}
ORDER = list(FIELDS.values())
SEP = "; "

LISTED = """
SELECT ?agreement ?latest ?vn WHERE {
  ?a dct:identifier ?agreement ; dur:hasVersion ?v .
  # EDITION ?v
  { SELECT ?a ?latest WHERE {
    # LATEST ?a ?latest
  } }
  OPTIONAL { ?v dur:versionNumber ?vn }
}"""

VALUES = """
SELECT ?c ?p ?value WHERE {
  VALUES ?p { %s }
  ?c ?p ?o .
  OPTIONAL { ?o skos:prefLabel ?pref } OPTIONAL { ?o rdfs:label ?label }
  BIND(STR(COALESCE(?pref, ?label, ?o)) AS ?value)
}"""


FILE_EDITION = "SELECT ?e WHERE { ?g a dur:SourceFile ; dct:title ?name ; dur:edition ?e }"


def edition_scope(store: ox.Store, name: str) -> Scope:
    """The scope of one edition, named YYYY-MM or by its file's name; an unknown one is an error naming
    the closest editions the store has."""
    if not EDITION_FORMAT.match(name):
        found = run(store, FILE_EDITION, {"name": Literal(name)}).rows
        if not found:
            raise RegkgError(f"edition {name!r}: expected YYYY-MM or the file name of an edition in the store")
        name = found[0][0]
    return check(store, Scope(edition=name))


def listed(store: ox.Store, scope: Scope) -> dict[str, tuple[set[str], set[str]]]:
    """Agreement reference → (its latest content IRIs, its listed version numbers) in ``scope``."""
    out: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for agreement, latest, number in run(store, LISTED, scope=scope).rows:
        out[agreement][0].add(latest)
        if number:
            out[agreement][1].add(number)
    return dict(out)


def content_values(store: ox.Store, contents: set[str]) -> dict[str, dict[str, set[str]]]:
    """Content IRI → field name → values (labels for nodes), for the fields ``diff`` compares."""
    if not contents:
        return {}
    predicates = " ".join(f"<{p}>" for p in FIELDS)
    block = " ".join(str(ox.NamedNode(c)) for c in sorted(contents))
    sparql = VALUES.replace("WHERE {", f"WHERE {{ VALUES ?c {{ {block} }}", 1) % predicates
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for content, predicate, value in run(store, sparql).rows:
        out[content][FIELD_NAMES[predicate]].add(value)
    return out


def changes(old: dict[str, set[str]], new: dict[str, set[str]]) -> list[tuple[str, str, str]]:
    """(field, old, new) for each field whose values differ, in a fixed order."""
    return [(name, _join(old.get(name, set())), _join(new.get(name, set())))
            for name in ORDER if old.get(name, set()) != new.get(name, set())]


def merged(values: dict[str, dict[str, set[str]]], contents: set[str]) -> dict[str, set[str]]:
    """The field values of one or more contents (an agreement a page and a workbook both list)."""
    out: dict[str, set[str]] = defaultdict(set)
    for content in contents:
        for name, vals in values.get(content, {}).items():
            out[name] |= vals
    return out


def diff(store: ox.Store, old: str, new: str) -> QueryResult:
    """Rows ``change, agreement, field, old, new``: added and removed agreements (with their title),
    and for each amended one every field whose value changed, with both values."""
    if old == new:
        raise RegkgError(f"diff {old} {new}: give two different editions")
    before, after = listed(store, edition_scope(store, old)), listed(store, edition_scope(store, new))
    amended = [a for a in sorted(before.keys() & after.keys()) if before[a] != after[a]]
    values = content_values(store, {c for a in set(before) ^ set(after) | set(amended)
                                    for c in (before.get(a, (set(),))[0] | after.get(a, (set(),))[0])})
    rows = [["added", a, "title", "", _join(merged(values, after[a][0]).get("title", set()))]
            for a in sorted(after.keys() - before.keys())]
    rows += [["removed", a, "title", _join(merged(values, before[a][0]).get("title", set())), ""]
             for a in sorted(before.keys() - after.keys())]
    for a in amended:
        (old_latest, old_numbers), (new_latest, new_numbers) = before[a], after[a]
        if old_numbers != new_numbers:
            rows.append(["amended", a, "versions", versions_text(old_numbers), versions_text(new_numbers)])
        for name, was, now in changes(merged(values, old_latest), merged(values, new_latest)):
            rows.append(["amended", a, name, was, now])
    return QueryResult(["change", "agreement", "field", "old", "new"], rows)


def _join(values: set[str]) -> str:
    return SEP.join(sorted(values))


def versions_text(numbers: set[str]) -> str:
    """Version numbers in version order (0.7 before 0.14)."""
    return SEP.join(sorted(numbers, key=version_sort_key))

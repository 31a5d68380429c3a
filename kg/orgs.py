"""The organisations a store holds, and the known organisations or other unresolved names each
unresolved one may be, for review.

A name minted because the vocabulary did not know it (often extracted from an agreement's text,
``dur:extracted``) is compared with every known label by fixed rules — the same name once legal
form, a leading The, case, punctuation and a trailing bracket are set aside; an acronym against the
initials of a name — then by the resolver's similarity suggestions.  Identity is never guessed:
``suggest`` only lists candidates with their evidence, for a person to accept into
ontology/organisations.ttl.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pyoxigraph as ox

from kg.names import fold_org_name, initials, split_bracket_tail, tidy_name
from kg.namespace import PREFIX_IRIS
from kg.query import QueryResult
from kg.resolve import Resolver
from kg.vocab import Concept

ORGANISATIONS = """
SELECT ?org ?label ?code ?unresolved (COUNT(DISTINCT ?a) AS ?agreements) WHERE {
  ?org a org:Organization .
  OPTIONAL { ?org skos:prefLabel ?label }
  OPTIONAL { ?org skos:notation ?code }
  BIND(EXISTS { ?org dur:unresolved true } AS ?unresolved)
  ?v (dpv:hasDataController|dpv:hasDataProcessor|dur:hasSubProcessor|dur:applicant) ?org ;
     dct:isVersionOf ?a .
} GROUP BY ?org ?label ?code ?unresolved ORDER BY DESC(?agreements) ?label
"""

UNRESOLVED_NAMES = """
SELECT DISTINCT ?name WHERE {
  ?org dur:unresolved true ; a org:Organization .
  { ?org skos:prefLabel ?name } UNION { ?org skos:altLabel ?name }
} ORDER BY ?name
"""

# Where each name of an extracted organisation was read: agreement, version and sentence.
EXTRACTED_EVIDENCE = """
SELECT DISTINCT ?name ?agreement ?version ?sentence WHERE {
  ?org dur:extracted true ; skos:prefLabel|skos:altLabel ?name .
  ?pi dur:organisation ?org ; dur:evidence/dur:text ?sentence .
  ?v dur:processorInvolvement ?pi ; dct:isVersionOf/dct:identifier ?agreement .
  OPTIONAL { ?v dur:versionNumber ?vn }
  BIND(COALESCE(?vn, "") AS ?version)
} ORDER BY ?name ?agreement ?version ?sentence
"""

SUGGEST_COLUMNS = ["name", "candidate", "reason", "evidence", "score", "target"]
_ACRONYM = re.compile(r"[A-Z][A-Z&]{1,9}")


def organisations(store: ox.Store) -> QueryResult:
    """Organisations taking part in agreements: label, ODS code, whether the vocabulary knows them,
    and how many agreements they are applicant, controller or processor in."""
    result = QueryResult(["organisation", "label", "code", "in_vocabulary", "agreements"])
    for row in store.query(ORGANISATIONS, prefixes=PREFIX_IRIS, use_default_graph_as_union=True):
        result.rows.append([
            row["org"].value, row["label"].value if row["label"] else "",
            row["code"].value if row["code"] else "",
            "no" if row["unresolved"].value == "true" else "yes", row["agreements"].value])
    return result


def suggest(store: ox.Store, resolver: Resolver | None = None) -> QueryResult:
    """Known organisations an unresolved name may be, then likely duplicates among unresolved names.

    One row per (name, candidate): the rule that matched, and — for a name extracted from free
    text — the agreement and sentence it was read in, so a reviewer can judge without the source.
    Rule rows (same folded name, acronym) have no score: they match or they do not.  Nothing is
    merged: accepting a row means adding a label to ontology/organisations.ttl.
    """
    resolver = resolver or Resolver.load()
    names = [row["name"].value for row in
             store.query(UNRESOLVED_NAMES, prefixes=PREFIX_IRIS, use_default_graph_as_union=True)]
    read_in = _extracted_evidence(store)
    result = QueryResult(list(SUGGEST_COLUMNS))
    covered: set[tuple[str, str]] = set()
    known = _KnownNames(resolver)
    for name in names:
        for concept, reason in known.matches(name):
            covered.add((tidy_name(name), concept.iri))
            result.rows.append([name, concept.label, reason, read_in.get(tidy_name(name), ""), "", concept.iri])
    for s in resolver.suggest_duplicates(names):
        if (s.names[0], s.target) not in covered:
            result.rows.append([s.names[0], " | ".join(s.names[1:]), f"{s.reason}: {s.evidence}",
                                read_in.get(s.names[0], ""), f"{s.score:.2f}", s.target or ""])
    return result


def _extracted_evidence(store: ox.Store) -> dict[str, str]:
    """Each extracted name (cleaned, as the resolver gives it) → ``AGREEMENT vX: sentence``, the
    first agreement it was read in."""
    found: dict[str, str] = {}
    for row in store.query(EXTRACTED_EVIDENCE, prefixes=PREFIX_IRIS, use_default_graph_as_union=True):
        version = f" v{row['version'].value}" if row["version"].value else ""
        found.setdefault(tidy_name(row["name"].value),
                         f"{row['agreement'].value}{version}: {row['sentence'].value}")
    return found


class _KnownNames:
    """The vocabulary's organisation labels indexed by the review folds of kg.names: a
    name without legal form, leading The, case, punctuation or bracket; its acronym as written; the
    initials of its words."""

    def __init__(self, resolver: Resolver) -> None:
        self.folded: dict[str, list[Concept]] = defaultdict(list)
        self.written: dict[str, list[Concept]] = defaultdict(list)
        self.initials: dict[str, list[Concept]] = defaultdict(list)
        for concept in resolver.known_organisations():
            for label in [concept.label, *concept.alt_labels]:
                self.folded[_folded(label)].append(concept)
                for acronym in _written_acronyms(label):
                    self.written[acronym].append(concept)
                if initials(label):
                    self.initials[initials(label)].append(concept)

    def matches(self, name: str) -> list[tuple[Concept, str]]:
        """Known concepts ``name`` may denote, each once, with the rule that matched."""
        found: dict[str, tuple[Concept, str]] = {}
        key = _folded(name)
        for concept in self.folded.get(key, []) if key else []:
            found.setdefault(concept.iri, (concept, f"same name folded ({key!r})"))
        for acronym in _written_acronyms(name):
            for concept in self.initials.get(acronym, []):
                found.setdefault(concept.iri, (concept, f"acronym: {acronym} = initials of {concept.label!r}"))
        for concept in self.written.get(initials(name), []) if initials(name) else []:
            found.setdefault(concept.iri, (concept, f"acronym: initials of {name!r} = {initials(name)}"))
        return list(found.values())


def _folded(name: str) -> str:
    """The organisation key of ``name`` without a trailing bracket (``UKFast.net Ltd (UKFast)``
    and ``UKFast.net limited`` both give ``ukfast net``)."""
    return fold_org_name(split_bracket_tail(name)[0])


def _written_acronyms(name: str) -> list[str]:
    """Acronyms ``name`` writes: the whole name (``ONS``) or its trailing bracket (``… (ONS)``)."""
    whole = tidy_name(name)
    return [a for a in dict.fromkeys([whole, split_bracket_tail(name)[1]]) if _ACRONYM.fullmatch(a)]

"""One agreement through the editions: when it was listed, its versions, and what changed when.

The editions graph records, for each of the agreement's version contents, the runs of editions that
listed it and listed it as the latest (docs/history.md); walking the store's editions in order turns
those runs into a timeline.  Field changes between consecutive latest contents are ``kg.diff``'s.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Literal

from kg.diff import changes, content_values, merged, versions_text
from kg.errors import RegkgError
from kg.query import QueryResult, run
from kg.scope import editions
from kg.sources.workbook import split_reference

RUNS = """
SELECT ?v ?kind ?first ?last ?vn ?start ?end WHERE {
  ?a dct:identifier ?agreement ; dur:hasVersion ?v .
  { ?v dur:listing ?run BIND("listed" AS ?kind) } UNION { ?v dur:latestListing ?run BIND("latest" AS ?kind) }
  OPTIONAL { ?run dur:firstEdition ?first } OPTIONAL { ?run dur:lastEdition ?last }
  OPTIONAL { ?v dur:versionNumber ?vn } OPTIONAL { ?v dur:startDate ?start } OPTIONAL { ?v dur:endDate ?end }
}"""
REFERENCES = "SELECT ?r WHERE { ?a a dur:DataSharingAgreement ; dct:identifier ?r }"


@dataclass
class _Content:
    number: str
    start: str
    end: str
    listed: list[tuple[str, str | None]] = field(default_factory=list)  # runs (first, last)
    latest: list[tuple[str, str | None]] = field(default_factory=list)


def history(store: ox.Store, reference: str) -> QueryResult:
    """Rows ``edition, event, version, detail`` for the agreement ``reference`` (any version suffix ignored)."""
    base = split_reference(reference.strip())[0]
    contents = _contents(store, base)
    names = editions(store)
    rows: list[list[str]] = []
    previous: tuple[set[str], set[str]] = (set(), set())
    for name in names:
        now = ({c for c, x in contents.items() if _covers(x.listed, name)},
               {c for c, x in contents.items() if _covers(x.latest, name)})
        rows += _events(store, name, previous, now, contents)
        previous = now
    undated = [c for c, x in contents.items() if any(first is None for first, _ in x.listed)]
    rows += [["undated", "listed", contents[c].number, "on an undated source (a page or an undated workbook)"]
             for c in undated]
    return QueryResult(["edition", "event", "version", "detail"], rows)


def _contents(store: ox.Store, base: str) -> dict[str, _Content]:
    result = run(store, RUNS, {"agreement": Literal(base)})
    if not result.rows:
        known = [r[0] for r in run(store, REFERENCES).rows]
        close = difflib.get_close_matches(base, known, n=3, cutoff=0.8)
        raise RegkgError(f"no agreement {base} in the store" + (f"; closest: {', '.join(close)}" if close else ""))
    out: dict[str, _Content] = {}
    for v, kind, first, last, number, start, end in result.rows:
        content = out.setdefault(v, _Content(number or "", start or "", end or ""))
        (content.listed if kind == "listed" else content.latest).append((first, last))
    return out


def _covers(runs: list[tuple[str | None, str | None]], name: str) -> bool:
    """Whether a run lists edition ``name`` (an undated run lists none of the dated editions here)."""
    return any(first is not None and first <= name and (last is None or name <= last) for first, last in runs)


def _events(store: ox.Store, name: str, before: tuple[set[str], set[str]], now: tuple[set[str], set[str]],
            contents: dict[str, _Content]) -> list[list[str]]:
    (was_listed, was_latest), (listed, latest) = before, now
    if listed == was_listed and latest == was_latest:
        return []
    numbers = {contents[c].number for c in listed}
    if not listed:
        return [[name, "dropped", "", "no version listed in this edition"]]
    if not was_listed:
        head = contents[min(latest)] if latest else None
        detail = f"versions {versions_text(numbers)}" + (f"; DSA {head.start} → {head.end}" if head else "")
        return [[name, "listed", head.number if head else "", detail]]
    rows = [[name, "new version", contents[c].number, f"DSA {contents[c].start} → {contents[c].end}"]
            for c in sorted(listed - was_listed) if contents[c].number not in
            {contents[o].number for o in was_listed}]
    rows += [[name, "version dropped", contents[c].number, ""] for c in sorted(was_listed - listed)
             if contents[c].number not in numbers]
    if latest != was_latest and was_latest:
        values = content_values(store, latest | was_latest)
        same_number = {contents[c].number for c in latest} == {contents[c].number for c in was_latest}
        event = "edited in place" if same_number else "changed"
        for field_name, old, new in changes(merged(values, was_latest), merged(values, latest)):
            rows.append([name, event, "; ".join(sorted({contents[c].number for c in latest})),
                         f"{field_name}: {old or '—'} → {new or '—'}"])
    return rows

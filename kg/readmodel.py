"""The read model: what entity pages and search show, materialised from the store at build time.

SPARQL over the whole register takes 0.2–7 s in Oxigraph (per-term dictionary reads, string sorts);
a page must answer in well under 200 ms.  So ``regkg build`` writes, beside the graph in the same
generation folder (and so swapped in atomically with it), one SQLite file of plain tables — versions,
parties with their evidence, dataset uses, releases by month, every spelling of every name — and an
FTS5 index for search, as Datasette serves tables.  The graph stays the source of truth and the ad
hoc interface; this file is only ever rebuilt from it (docs/web.md).

Which versions each edition lists is one table (``listed``): the newest edition under the key ``""``
(``dur:current``), and every named edition from the listing runs of the editions graph
(docs/history.md), so a page for ``?edition=YYYY-MM`` costs what the newest edition's costs.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import RegkgError
from kg.namespace import ID, PREFIX_IRIS
from kg.query import closest_text
from kg.scope import scope_of, unknown_edition

FILENAME = "readmodel.sqlite"
LAYOUT = "1"
NEWEST = ""  # the key of the newest edition in ``listed``
KINDS = {"agreement": "agreement/", "organisation": "org/", "dataset": "dataset/",
         "legal-basis": "legal-basis/", "purpose": "purpose/"}
# a release row listed in the edition keyed by the four parameters (``NEWEST``: never dropped; docs/history.md)
RELEASE_LISTED = ("((? = '' AND r.last IS NULL) OR (? != '' AND (r.first IS NULL OR r.first <= ?) "
                  "AND (r.last IS NULL OR r.last >= ?)))")
ROLE_ORDER = ("controller", "applicant", "processor", "sub-processor", "infrastructure")
REFERENCE = re.compile(r"^(DARS-[A-Z]+-\d+-[A-Z0-9]+)", re.IGNORECASE)
FIND_SHOWN = 10  # the things a shared name names, listed in its error (a title is shared by up to 22)

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE entity(iri TEXT PRIMARY KEY, kind TEXT, key TEXT, label TEXT, code TEXT, type TEXT, comment TEXT);
CREATE UNIQUE INDEX entity_key ON entity(kind, key);
CREATE TABLE name(iri TEXT, name TEXT, how TEXT);
CREATE INDEX name_iri ON name(iri);
CREATE INDEX name_fold ON name(name COLLATE NOCASE);
CREATE TABLE version(iri TEXT PRIMARY KEY, agreement TEXT, node TEXT, number TEXT, reference TEXT, title TEXT,
  start TEXT, end TEXT, current INTEGER, facts TEXT, objective TEXT, source TEXT, sheet TEXT, row INTEGER,
  line_start INTEGER, line_end INTEGER, runs TEXT);
CREATE INDEX version_agreement ON version(agreement);
CREATE INDEX version_node ON version(node);
CREATE TABLE listed(edition TEXT, version TEXT, PRIMARY KEY(edition, version)) WITHOUT ROWID;
CREATE INDEX listed_version ON listed(version);
CREATE TABLE party(version TEXT, org TEXT, role TEXT, link TEXT, datasets TEXT, evidence TEXT, source TEXT,
  sheet TEXT, row INTEGER, line_start INTEGER, line_end INTEGER);
CREATE INDEX party_org ON party(org);
CREATE INDEX party_version ON party(version);
CREATE TABLE use(version TEXT, dataset TEXT, label TEXT, bases TEXT, type_of_data TEXT, sensitivity TEXT,
  access TEXT, row INTEGER);
CREATE INDEX use_dataset ON use(dataset);
CREATE INDEX use_version ON use(version);
CREATE TABLE term(version TEXT, kind TEXT, iri TEXT);
CREATE INDEX term_iri ON term(iri);
CREATE INDEX term_version ON term(version);
CREATE TABLE release(node TEXT, dataset TEXT, month TEXT, first TEXT, last TEXT, files INTEGER);
CREATE INDEX release_node ON release(node);
CREATE INDEX release_dataset ON release(dataset);
CREATE VIRTUAL TABLE search USING fts5(kind UNINDEXED, iri UNINDEXED, label, body, tokenize='unicode61');
"""

# Properties of a version shown as its facts (name on the page: predicate).
FACTS = {"commercial": "dur:commercial", "sublicensing": "dur:sublicensing", "applicant type": "dur:applicantType",
         "controller arrangement": "dur:controllerArrangement", "type of data": "dur:typeOfData",
         "sensitivity": "dur:sensitivity", "opt-outs": "dur:optOut", "access": "dur:accessMethod",
         "confidentiality": "dur:confidentiality", "first release": "dur:firstRelease",
         "last release": "dur:lastRelease"}
VERSION_FIELDS = {"number": "dur:versionNumber", "reference": "dur:reference", "title": "dct:title",
                  "start": "dur:startDate", "end": "dur:endDate", "current": "dur:current", "node": "dur:versionNode",
                  "agreement": "dct:isVersionOf", "evidence": "dur:evidence", "listing": "dur:listing",
                  "objective": "dur:objective",
                  "controller": "dpv:hasDataController", "applicant": "dur:applicant",
                  "legal-basis": "dpv:hasLegalBasis", "purpose": "dpv:hasPurpose"}
EVIDENCE_FIELDS = {"source": "prov:wasDerivedFrom", "sheet": "dur:sheet", "row": "dur:row",
                   "line_start": "dur:lineStart", "line_end": "dur:lineEnd", "text": "dur:text"}
PROCESSOR_FIELDS = {"org": "dur:organisation", "role": "dur:role", "sub": "dur:subProcessor",
                    "stated": "dur:statedDataset", "inferred": "dur:inferredDataset", "evidence": "dur:evidence"}
USE_FIELDS = {"dataset": "dur:dataset", "label": "dur:datasetLabel", "bases": "dpv:hasLegalBasis",
              "type_of_data": "dur:typeOfData", "sensitivity": "dur:sensitivity", "access": "dur:accessMethod",
              "row": "dur:row"}
NAME_PREDICATES = {"skos:prefLabel": "name", "skos:altLabel": "spelling", "rdfs:label": "spelling",
                   "skos:notation": "code", "org:identifier": "ODS code", "dur:formerName": "former name"}

Props = dict[str, dict[str, list[str]]]


# --------------------------------------------------------------------------- writing (at build time)


def write(store: ox.Store, path: Path) -> None:
    """Materialise the read model of ``store`` into the SQLite file ``path`` (replaced if present)."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.executescript(SCHEMA)
        _Writer(store, db).write()
        db.commit()
        db.execute("VACUUM")
    finally:
        db.close()


def _props(store: ox.Store, subjects: set[str], fields: dict[str, str]) -> Props:
    """``{subject: {field: [values]}}`` for ``subjects``, read one predicate at a time.

    Measured on a full edition: one ``VALUES ?p … ?s ?p ?o`` query over the versions took 13 s (a join and
    a DISTINCT over every long text); one ``?s <p> ?o`` per predicate, filtered here, a few seconds in all.
    """
    found: Props = defaultdict(lambda: defaultdict(list))
    for name, curie in fields.items():
        seen: set[tuple[str, str]] = set()
        for s, o in _pairs(store, curie):
            if s in subjects and (s, o) not in seen:
                seen.add((s, o))
                found[s][name].append(o)
    return found


def _pairs(store: ox.Store, curie: str) -> Iterator[tuple[str, str]]:
    """Every (subject, object) of one predicate, in any graph."""
    for s, o in store.query(f"SELECT ?s ?o WHERE {{ ?s {curie} ?o }}", prefixes=PREFIX_IRIS,
                            use_default_graph_as_union=True):
        yield s.value, o.value


def _typed(store: ox.Store, *classes: str) -> set[str]:
    """The subjects of any of ``classes`` (CURIEs)."""
    return {s.value for c in classes for (s,) in store.query(f"SELECT ?s WHERE {{ ?s a {c} }}", prefixes=PREFIX_IRIS,
                                                               use_default_graph_as_union=True)}


def _links(store: ox.Store, curie: str) -> dict[str, str]:
    """``{object: subject}`` of one predicate: the owner of each node it points at (a use, an evidence…)."""
    return {o: s for s, o in _pairs(store, curie)}


def _expand(curie: str) -> str:
    prefix, local = curie.split(":", 1)
    return PREFIX_IRIS[prefix] + local


def _select(store: ox.Store, sparql: str) -> Iterator[list[str | None]]:
    for row in store.query(sparql, prefixes=PREFIX_IRIS, use_default_graph_as_union=True):
        yield [None if t is None else t.value for t in row]


def _one(values: dict[str, list[str]], name: str) -> str | None:
    found = sorted(values.get(name, []))
    return found[-1] if found else None


def kind_of(iri: str) -> tuple[str, str] | None:
    """``(kind, key)`` of one of regkg's entity IRIs (``…/id/org/ods/04V`` → organisation, ods/04V)."""
    for kind, prefix in KINDS.items():
        if iri.startswith(f"{ID}{prefix}"):
            key = iri[len(f"{ID}{prefix}"):]
            return (kind, key) if kind != "agreement" or "/" not in key else None
    return None


def short(iri: str | None) -> str | None:
    """A vocabulary term without its namespace (``dur:OptOutsApplied`` → OptOutsApplied)."""
    return None if iri is None else re.split(r"[#/]", iri)[-1]


class _Writer:
    """One pass over the store: each kind of node fetched by one query, then written as rows."""

    def __init__(self, store: ox.Store, db: sqlite3.Connection):
        self.store, self.db = store, db
        self.labels: dict[str, str] = {}

    def write(self) -> None:
        editions = sorted(r[0] for r in _select(self.store, "SELECT DISTINCT ?e WHERE { ?x a dur:Edition ; "
                                                             "dur:edition ?e }") if r[0])
        self.db.executemany("INSERT INTO meta VALUES (?, ?)", [("layout", LAYOUT), ("editions", json.dumps(editions))])
        self._entities()
        sources = {s: _one(v, "title") or s.rsplit("/", 1)[-1] for s, v in
                   _props(self.store, _typed(self.store, "dur:SourceFile"), {"title": "dct:title"}).items()}
        versions = _props(self.store, _typed(self.store, "dur:AgreementVersion"), {**VERSION_FIELDS, **FACTS})
        evidence = _props(self.store, set(_links(self.store, "dur:evidence")), EVIDENCE_FIELDS)
        self._versions(versions, evidence, sources, editions)
        self._processors(evidence, sources)
        self._uses()
        self._releases()
        self.db.execute("UPDATE entity SET label = coalesce((SELECT title FROM version v WHERE v.agreement = "
                        "entity.iri ORDER BY current DESC, start DESC, number DESC LIMIT 1), label) "
                        "WHERE kind = 'agreement'")
        self._search(versions)

    def _entities(self) -> None:
        names = _props(self.store, _typed(self.store, "dur:DataSharingAgreement", "dpv:Organisation", "dcat:Dataset",
                                          "dpv:LegalBasis", "dpv:Purpose"),
                       {**{p: p for p in NAME_PREDICATES}, "type": "dur:orgType", "comment": "rdfs:comment",
                        "title": "dct:title", "identifier": "dct:identifier"})
        rows, spellings = [], []
        for iri, values in names.items():
            found = kind_of(iri)
            if found is None:
                continue
            kind, key = found
            label = (_one(values, "skos:prefLabel") or _one(values, "title") or _one(values, "rdfs:label")
                     or _one(values, "identifier") or key)
            code = _one(values, "org:identifier") or _one(values, "skos:notation")
            self.labels[iri] = label
            rows.append((iri, kind, key, label, code, "; ".join(sorted(set(values.get("type", [])))),
                         _one(values, "comment")))
            spellings.extend((iri, n, how) for p, how in NAME_PREDICATES.items()
                             for n in sorted(set(values.get(p, []))))
            spellings.extend((iri, t, "title") for t in sorted(set(values.get("title", []))))
        self.db.executemany("INSERT INTO entity VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        self.db.executemany("INSERT INTO name VALUES (?, ?, ?)", spellings)

    def _versions(self, versions: Props, evidence: Props, sources: dict[str, str], editions: list[str]) -> None:
        runs = _props(self.store, set(_links(self.store, "dur:listing")),
                      {"first": "dur:firstEdition", "last": "dur:lastEdition"})
        rows, listed, parties, terms = [], [], [], []
        for iri, v in versions.items():
            where = _read_from(evidence.get(_one(v, "evidence") or "", {}), sources)
            spans = sorted((_one(runs.get(r, {}), "first"), _one(runs.get(r, {}), "last"))
                           for r in v.get("listing", []))
            facts = {name: sorted({short(x) if x.startswith("http") else x for x in v.get(name, [])})
                     for name in FACTS}
            current = _one(v, "current") == "true"
            rows.append((iri, _one(v, "agreement"), _one(v, "node") or iri, _one(v, "number"), _one(v, "reference"),
                         _one(v, "title"), _one(v, "start"), _one(v, "end"), int(current),
                         json.dumps({k: x for k, x in facts.items() if x}), _one(v, "objective"), *where,
                         json.dumps(spans)))
            listed.extend((e, iri) for e in _editions_of(spans, editions, current))
            parties.extend((iri, org, role, "stated", None, None, *where)
                           for role in ("controller", "applicant") for org in sorted(set(v.get(role, []))))
            terms.extend((iri, kind, t) for kind in ("legal-basis", "purpose") for t in sorted(set(v.get(kind, []))))
        self.db.executemany(f"INSERT INTO version VALUES ({', '.join('?' * 17)})", rows)
        self.db.executemany("INSERT OR IGNORE INTO listed VALUES (?, ?)", listed)
        self.db.executemany(f"INSERT INTO party VALUES ({', '.join('?' * 11)})", parties)
        self.db.executemany("INSERT INTO term VALUES (?, ?, ?)", terms)

    def _processors(self, evidence: Props, sources: dict[str, str]) -> None:
        owner = _links(self.store, "dur:processorInvolvement")
        involvements = _props(self.store, set(owner), PROCESSOR_FIELDS)
        rows = []
        for pi, p in involvements.items():
            ev = evidence.get(_one(p, "evidence") or "", {})
            role = ("infrastructure" if (_one(p, "role") or "").endswith("InfrastructureOnly")
                    else "sub-processor" if _one(p, "sub") == "true" else "processor")
            link = "stated" if p.get("stated") else "inferred"
            datasets = sorted(set(p.get("stated", []) or p.get("inferred", [])))
            rows.append((owner[pi], _one(p, "org"), role, link, json.dumps(datasets), _one(ev, "text"),
                         *_read_from(ev, sources)))
        self.db.executemany(f"INSERT INTO party VALUES ({', '.join('?' * 11)})", rows)

    def _uses(self) -> None:
        owner = _links(self.store, "dur:usesDataset")
        uses = _props(self.store, set(owner), USE_FIELDS)
        self.db.executemany("INSERT INTO use VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            (owner[u], _one(x, "dataset"), _one(x, "label"), json.dumps(sorted(set(x.get("bases", [])))),
             "; ".join(sorted({short(t) or "" for t in x.get("type_of_data", [])})),
             "; ".join(sorted({short(t) or "" for t in x.get("sensitivity", [])})),
             "; ".join(sorted({short(t) or "" for t in x.get("access", [])})), _int(_one(x, "row")))
            for u, x in uses.items()])
        # a legal basis a dataset use names, as a term of its version: a legal basis's page is one index look-up
        self.db.executemany("INSERT INTO term VALUES (?, 'use-legal-basis', ?)", sorted(
            {(owner[u], b) for u, x in uses.items() for b in x.get("bases", [])}))

    def _releases(self) -> None:
        """Release rows counted by version, dataset, month and listing run (105,000 rows in a full edition)."""
        rows = _props(self.store, _typed(self.store, "dur:Release"), {
            "node": "dur:releasedUnder", "dataset": "dur:dataset", "month": "dur:month",
            "first": "dur:firstEdition", "last": "dur:lastEdition"})
        counted = Counter((_one(r, "node"), _one(r, "dataset"), _one(r, "month"), _one(r, "first"), _one(r, "last"))
                          for r in rows.values())
        self.db.executemany("INSERT INTO release VALUES (?, ?, ?, ?, ?, ?)", [(*k, n) for k, n in counted.items()])

    def _search(self, versions: Props) -> None:
        """One FTS row per entity: its label, then every spelling (and an agreement's titles and objective)."""
        text: dict[str, list[str]] = defaultdict(list)
        for iri, name in self.db.execute("SELECT iri, name FROM name"):
            text[iri].append(name)
        for v in versions.values():
            agreement = _one(v, "agreement") or ""
            text[agreement].extend(v.get("title", []) + v.get("reference", []) + v.get("objective", [])[:1])
        rows = self.db.execute("SELECT kind, iri, label, key FROM entity").fetchall()
        self.db.executemany("INSERT INTO search VALUES (?, ?, ?, ?)", [
            (kind, iri, label, "\n".join(dict.fromkeys([key, *text.get(iri, [])]))) for kind, iri, label, key in rows])


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _read_from(evidence: dict[str, list[str]], sources: dict[str, str]) -> tuple[Any, ...]:
    """The source, sheet, row and first and last line of one evidence node: the columns of ``_where``."""
    return (sources.get(_one(evidence, "source") or "", ""), _one(evidence, "sheet"), _int(_one(evidence, "row")),
            _int(_one(evidence, "line_start")), _int(_one(evidence, "line_end")))


def _editions_of(spans: list[tuple[str | None, str | None]], editions: list[str], current: bool) -> Iterator[str]:
    """The edition keys a version with these listing runs is listed in (an undated run: every edition)."""
    if current:
        yield NEWEST
    for edition in editions:
        if any((first is None or first <= edition) and (last is None or last >= edition) for first, last in spans):
            yield edition


# --------------------------------------------------------------------------- reading (pages, search, show)


@dataclass(frozen=True)
class Hit:
    kind: str
    key: str
    label: str
    detail: str


class ReadModel:
    """Read-only access to one read model file: one connection, shared by the server's threads
    (opened read-only and immutable, with ``check_same_thread=False``; this SQLite is built
    serialised, ``sqlite3.threadsafety == 3``)."""

    def __init__(self, path: Path):
        if not path.exists():
            raise RegkgError(f"the store has no read model ({path.name}): it was built by an older regkg; "
                             "rebuild it with `regkg build SOURCES… --store …` to browse and search it")
        self.path = path
        self.db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.editions: list[str] = json.loads(self._meta("editions") or "[]")

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        self.db.close()

    def rows(self, sql: str, *args: object) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute(sql, args)]

    # ----------------------------------------------------------------- editions

    def edition_key(self, edition: str | None) -> str:
        """The ``listed`` key of ``edition`` (None or the newest: ``""``); an unknown one names the closest."""
        if not edition or (self.editions and edition == self.editions[-1]):
            return NEWEST
        if edition not in self.editions:
            scope_of(edition)  # a malformed month is its own error
            raise unknown_edition(edition, self.editions)
        return edition

    def edition_label(self, key: str) -> str:
        return key or (f"newest edition ({self.editions[-1]})" if self.editions else "newest edition")

    def edition_phrase(self, key: str) -> str:
        """The edition as a sentence names it: ``newest edition (2026-09)``, ``2026-08 edition``."""
        return self.edition_label(key) if key == NEWEST else f"{key} edition"

    # ----------------------------------------------------------------- entities

    def entity(self, kind: str, key: str) -> dict[str, Any]:
        """The entity row of ``kind``/``key``; an unknown key is an error naming the closest labels."""
        row = self.db.execute("SELECT * FROM entity WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        if row is None and kind == "agreement":
            row = self.db.execute("SELECT * FROM entity WHERE kind = ? AND key = ? COLLATE NOCASE",
                                  (kind, key)).fetchone()
        if row is None:
            labels = [r[0] for r in self.db.execute("SELECT key FROM entity WHERE kind = ? UNION "
                                                    "SELECT label FROM entity WHERE kind = ?", (kind, kind))]
            raise RegkgError(f"no {kind} {key!r} in the store" + closest_text(key, labels))
        return dict(row)

    def names_of(self, iri: str) -> list[dict[str, str]]:
        return self.rows("SELECT DISTINCT name, how FROM name WHERE iri = ? ORDER BY how, name", iri)

    def find(self, text: str) -> tuple[str, str]:
        """``(kind, key)`` of an agreement reference, or of the one thing a spelling, code or key names.

        A name several things carry (a title shared by agreements, a spelling of two organisations) is
        an error naming them, never a silent pick: the page shown would be published as the answer.
        One organisation among them still wins, as before: asking for an organisation by its name should
        not fail because an agreement's title or a dataset's alias repeats it.
        """
        text = text.strip()
        match = REFERENCE.match(text)
        if match:
            return "agreement", self.entity("agreement", match[1].upper())["key"]
        found = self.db.execute("SELECT DISTINCT e.kind, e.key, e.label FROM name n JOIN entity e ON e.iri = n.iri "
                                "WHERE n.name = ? COLLATE NOCASE ORDER BY e.kind, e.key", (text,)).fetchall()
        if not found:
            found = self.db.execute("SELECT kind, key, label FROM entity WHERE key = ? COLLATE NOCASE "
                                    "ORDER BY kind, key", (text,)).fetchall()
        if not found:
            labels = [r[0] for r in self.db.execute("SELECT DISTINCT name FROM name")]
            raise RegkgError(f"no agreement, organisation, dataset, legal basis or purpose {text!r} in the store"
                             + closest_text(text, labels))
        organisations = [r for r in found if r[0] == "organisation"]
        if len(found) > 1 and len(organisations) != 1:
            shown = "; ".join(f"{kind} {key} ({label})" for kind, key, label in found[:FIND_SHOWN])
            more = f"; and {len(found) - FIND_SHOWN} more" if len(found) > FIND_SHOWN else ""
            raise RegkgError(f"{text!r} names {len(found)} things: {shown}{more}; give a reference or a key")
        kind, key, _ = organisations[0] if organisations else found[0]
        return kind, key

    @cached_property
    def link_targets(self) -> dict[str, tuple[str, str]]:
        """Every entity's kind and key by IRI and by label: what turns a table cell into a link."""
        found: dict[str, tuple[str, str]] = {}
        for iri, kind, key in self.db.execute("SELECT iri, kind, key FROM entity"):
            found[iri] = (kind, key)
        # a label links only when one entity carries it: 266 titles of a full edition are shared by
        # several agreements, and a link to one of them would be a wrong answer
        for label, kind, key in self.db.execute("SELECT label, kind, key FROM entity GROUP BY label "
                                                "HAVING count(*) = 1"):
            found[label] = (kind, key)
        return found

    # ----------------------------------------------------------------- search

    def search(self, text: str, per_kind: int = 10) -> dict[str, list[Hit]]:
        """Agreements, organisations, datasets, legal bases and purposes matching every word of ``text``,
        grouped by kind, best first: an exact key or name, then FTS5's bm25 rank."""
        words = re.findall(r"\w+", text)
        if not words:
            return {}
        match = " ".join(f'"{w}"*' for w in words)
        exact = {r[0] for r in self.db.execute(
            "SELECT iri FROM name WHERE name = ? COLLATE NOCASE UNION SELECT iri FROM entity WHERE key = ? "
            "COLLATE NOCASE OR label = ? COLLATE NOCASE", (text.strip(),) * 3)}
        # ranks first, without snippets: a snippet of every match (an objective each) cost 200 ms on "DARS-NIC-1"
        ranked = self.db.execute("SELECT rowid, kind, iri FROM search WHERE search MATCH ? "
                                 "ORDER BY bm25(search, 0, 0, 10.0, 1.0)", (match,)).fetchall()
        grouped: dict[str, list[tuple[int, str]]] = {}
        for rowid, kind, iri in sorted(ranked, key=lambda r: r[2] not in exact):
            chosen = grouped.setdefault(kind, [])
            if len(chosen) < per_kind:
                chosen.append((rowid, iri))
        rowids = [rowid for chosen in grouped.values() for rowid, _ in chosen]
        details = dict(self.db.execute(
            f"SELECT s.rowid, e.key || char(0) || e.label || char(0) || snippet(search, 3, '', '', '…', 12) "
            f"FROM search s JOIN entity e ON e.iri = s.iri WHERE search MATCH ? AND s.rowid IN ({_marks(rowids)})",
            (match, *rowids)).fetchall())
        return {k: [Hit(k, *details[rowid].split("\0")) for rowid, _ in grouped[k]] for k in KINDS if k in grouped}

    # ----------------------------------------------------------------- pages

    def page(self, kind: str, key: str, edition: str | None = None) -> dict[str, Any]:
        """The content of an entity's page, as plain data (the web's HTML, JSON and CSV, and ``regkg show``)."""
        entity = self.entity(kind, key)
        ek = self.edition_key(edition)
        data: dict[str, Any] = {"kind": kind, "key": entity["key"], "iri": entity["iri"], "label": entity["label"],
                                "edition": self.edition_label(ek)}
        builders = {"agreement": self._agreement, "organisation": self._organisation, "dataset": self._dataset}
        data.update(builders.get(kind, self._term)(entity, ek))
        return data

    def _agreement(self, entity: dict[str, Any], ek: str) -> dict[str, Any]:
        versions = self.rows("SELECT v.*, EXISTS(SELECT 1 FROM listed l WHERE l.version = v.iri AND l.edition = ?) "
                             "AS listed FROM version v WHERE v.agreement = ? ORDER BY v.start, v.number, v.iri",
                             ek, entity["iri"])
        shown = [v for v in versions if v["listed"]]
        unlisted = {}
        if not shown:  # said on the page, never shown as that edition's facts
            shown = versions
            unlisted = {"listed_in_edition": False, "edition": f"not listed in the {self.edition_phrase(ek)}; "
                        f"shown as listed in {_runs_text(versions)}"}
        iris = [v["iri"] for v in shown]
        nodes = sorted({v["node"] for v in shown})
        parties = self.rows(
            f"SELECT p.*, e.key AS org_key, e.label AS org_label, v.number FROM party p "
            f"JOIN version v ON v.iri = p.version LEFT JOIN entity e ON e.iri = p.org "
            f"WHERE p.version IN ({_marks(iris)})", *iris)
        uses = self.rows(f"SELECT u.*, e.key AS dataset_key, e.label AS dataset_label, v.facts FROM use u "
                         f"JOIN version v ON v.iri = u.version LEFT JOIN entity e ON e.iri = u.dataset "
                         f"WHERE u.version IN ({_marks(iris)}) ORDER BY dataset_label", *iris)
        named = self._named({*(d for r in parties for d in json.loads(r["datasets"] or "[]")),
                             *(b for r in uses for b in json.loads(r["bases"]))})
        return unlisted | {
            "versions": [self._version(v) for v in versions],
            "parties": _parties(parties, named),
            "datasets": _uses(uses, named),
            "purposes": self._terms(iris, "purpose"),
            "legal_bases": self._terms(iris, "legal-basis"),
            "releases": self.rows(
                f"SELECT r.month, r.dataset, e.key AS dataset_key, e.label AS dataset_label, SUM(r.files) AS files "
                f"FROM release r LEFT JOIN entity e ON e.iri = r.dataset WHERE r.node IN ({_marks(nodes)}) "
                f"AND {RELEASE_LISTED} GROUP BY r.month, r.dataset ORDER BY r.month, dataset_label",
                *nodes, *[ek] * 4),
            "sources": sorted({v["source"] for v in versions if v["source"]}),
        }

    def _version(self, v: dict[str, Any]) -> dict[str, Any]:
        return {"iri": v["iri"], "number": v["number"], "reference": v["reference"], "title": v["title"],
                "start": v["start"], "end": v["end"], "current": bool(v["current"]), "listed": bool(v["listed"]),
                "editions": [{"first": f, "last": la} for f, la in json.loads(v["runs"])],
                "facts": json.loads(v["facts"]), "objective": v["objective"], "source": _where(v)}

    def _named(self, iris: set[str]) -> dict[str, dict[str, str | None]]:
        """``{iri: {"key", "label"}}`` of entities named on a page, by one query: a page links them by
        key (a label may be shared), and an IRI the read model does not know shows as itself, unlinked."""
        found: dict[str, dict[str, str | None]] = {iri: {"key": None, "label": iri} for iri in iris}
        wanted = sorted(iris)
        for iri, key, label in self.db.execute(f"SELECT iri, key, label FROM entity WHERE iri IN ({_marks(wanted)})",
                                               wanted):
            found[iri] = {"key": key, "label": label}
        return found

    def _terms(self, versions: list[str], kind: str) -> list[dict[str, str]]:
        return self.rows(f"SELECT DISTINCT e.key, e.label FROM term t JOIN entity e ON e.iri = t.iri "
                         f"WHERE t.kind = ? AND t.version IN ({_marks(versions)}) ORDER BY e.label", kind, *versions)

    def _organisation(self, entity: dict[str, Any], ek: str) -> dict[str, Any]:
        roles = self.rows(
            "SELECT p.role, a.key AS agreement, a.label AS title, group_concat(DISTINCT v.number) AS versions, "
            "min(v.start) AS start, max(v.end) AS end FROM party p JOIN listed l ON l.version = p.version "
            "AND l.edition = ? JOIN version v ON v.iri = p.version JOIN entity a ON a.iri = v.agreement "
            "WHERE p.org = ? GROUP BY p.role, a.key ORDER BY p.role, a.key", ek, entity["iri"])
        received = self.rows(
            "SELECT d.key, d.label, count(DISTINCT v.agreement) AS agreements FROM ("
            "  SELECT u.dataset AS dataset, p.version AS version FROM party p JOIN use u ON u.version = p.version "
            "  WHERE p.org = ? AND p.role IN ('controller', 'applicant') "
            "  UNION SELECT j.value, p.version FROM party p, json_each(p.datasets) j "
            "  WHERE p.org = ? AND p.role NOT IN ('controller', 'applicant')) x "
            "JOIN listed l ON l.version = x.version AND l.edition = ? JOIN version v ON v.iri = x.version "
            "JOIN entity d ON d.iri = x.dataset GROUP BY d.key ORDER BY d.label", entity["iri"], entity["iri"], ek)
        return {"code": entity["code"], "type": entity["type"], "comment": entity["comment"],
                "names": self.names_of(entity["iri"]),
                "roles": {role: [r for r in roles if r["role"] == role] for role in ROLE_ORDER
                          if any(r["role"] == role for r in roles)},
                "datasets": received}

    def _dataset(self, entity: dict[str, Any], ek: str) -> dict[str, Any]:
        recipients = self.rows(
            "SELECT o.key, o.label, p.role, count(DISTINCT v.agreement) AS agreements FROM use u "
            "JOIN listed l ON l.version = u.version AND l.edition = ? JOIN version v ON v.iri = u.version "
            "JOIN party p ON p.version = u.version AND (p.role IN ('controller', 'applicant') "
            "  OR EXISTS (SELECT 1 FROM json_each(p.datasets) j WHERE j.value = u.dataset)) "
            "JOIN entity o ON o.iri = p.org WHERE u.dataset = ? GROUP BY o.key, p.role ORDER BY p.role, o.label",
            ek, entity["iri"])
        bases = self.rows(
            "SELECT b.key, b.label, count(DISTINCT v.agreement) AS agreements FROM use u, json_each(u.bases) j "
            "JOIN listed l ON l.version = u.version AND l.edition = ? JOIN version v ON v.iri = u.version "
            "JOIN entity b ON b.iri = j.value WHERE u.dataset = ? GROUP BY b.key ORDER BY agreements DESC, b.label",
            ek, entity["iri"])
        by_year = self.rows(
            "SELECT substr(r.month, 1, 4) AS year, SUM(r.files) AS files FROM release r WHERE r.dataset = ? "
            f"AND {RELEASE_LISTED} AND r.node IN (SELECT v.node FROM listed l JOIN version v ON v.iri = l.version "
            "WHERE l.edition = ?) GROUP BY year ORDER BY year", entity["iri"], *[ek] * 5)
        agreements = self.rows(
            "SELECT a.key AS agreement, a.label AS title, min(v.start) AS start, max(v.end) AS end FROM use u "
            "JOIN listed l ON l.version = u.version AND l.edition = ? JOIN version v ON v.iri = u.version "
            "JOIN entity a ON a.iri = v.agreement WHERE u.dataset = ? GROUP BY a.key ORDER BY a.key",
            ek, entity["iri"])
        return {"code": entity["code"], "comment": entity["comment"], "names": self.names_of(entity["iri"]),
                "recipients": recipients, "legal_bases": bases, "releases_by_year": by_year, "agreements": agreements}

    def _term(self, entity: dict[str, Any], ek: str) -> dict[str, Any]:
        """A legal basis or purpose: the agreements whose versions (or dataset uses) name it."""
        agreements = self.rows(
            "SELECT a.key AS agreement, a.label AS title, min(v.start) AS start, max(v.end) AS end FROM term t "
            "JOIN listed l ON l.version = t.version AND l.edition = ? JOIN version v ON v.iri = t.version "
            "JOIN entity a ON a.iri = v.agreement WHERE t.iri = ? GROUP BY a.key ORDER BY a.key", ek, entity["iri"])
        return {"code": entity["code"], "comment": entity["comment"], "names": self.names_of(entity["iri"]),
                "agreements": agreements}


def _parties(rows: list[dict[str, Any]], named: dict[str, dict[str, str | None]]) -> list[dict[str, Any]]:
    """Party rows merged by role, organisation and evidence sentence, each with its versions and sources."""
    merged: dict[tuple, dict[str, Any]] = {}
    datasets: dict[tuple, set[str]] = defaultdict(set)
    for r in rows:
        key = (r["role"], r["org"], r["evidence"] or "")
        item = merged.setdefault(key, {"role": r["role"], "organisation": r["org_label"] or r["org"],
                                       "organisation_key": r["org_key"], "link": r["link"],
                                       "evidence": r["evidence"], "sources": [], "versions": [], "datasets": []})
        if _where(r) not in item["sources"]:
            item["sources"].append(_where(r))
        item["versions"] = sorted({*item["versions"], r["number"] or "page"})
        datasets[key].update(json.loads(r["datasets"] or "[]"))
    for key, item in merged.items():
        item["datasets"] = _by_label(datasets[key], named)
    return sorted(merged.values(),
                  key=lambda p: (ROLE_ORDER.index(p["role"]), p["organisation"], p["evidence"] or ""))


def _uses(rows: list[dict[str, Any]], named: dict[str, dict[str, str | None]]) -> list[dict[str, Any]]:
    """Dataset use rows merged by dataset: how it was listed, its types of data, legal bases and opt-outs."""
    merged: dict[str, dict[str, Any]] = {}
    for r in rows:
        item = merged.setdefault(r["dataset"], {"dataset": r["dataset_label"] or r["label"],
                                                "dataset_key": r["dataset_key"], "as_listed": set(),
                                                "type_of_data": set(), "legal_bases": set(), "opt_outs": set()})
        item["as_listed"].add(r["label"] or "")
        item["type_of_data"].update(filter(None, (r["type_of_data"] or "").split("; ")))
        item["legal_bases"].update(json.loads(r["bases"]))
        item["opt_outs"].update(json.loads(r["facts"]).get("opt-outs", []))
    return [{k: (_by_label(x, named) if k == "legal_bases" else sorted(x)) if isinstance(x, set) else x
             for k, x in item.items()} for item in merged.values()]


def _by_label(iris: set[str], named: dict[str, dict[str, str | None]]) -> list[dict[str, str | None]]:
    return sorted((named[i] for i in iris), key=lambda n: (n["label"] or "", n["key"] or ""))


def listing_run(first: str | None, last: str | None) -> str:
    """One listing run of a version as the pages word it: ``2025-09 – now``, ``2026-08``, ``every edition``."""
    if not (first or last):
        return "every edition"
    if first and first == last:
        return first
    return f"{first or '…'} – {last or 'now'}"


def _runs_text(versions: list[dict[str, Any]]) -> str:
    """The editions that listed any of ``versions`` (``2025-09 – 2026-08; 2026-09``), or its undated source."""
    runs = sorted({(first or "", last or "") for v in versions for first, last in json.loads(v["runs"])})
    return "; ".join(listing_run(first or None, last or None) for first, last in runs) or "its undated source"


def _marks(items: list[Any]) -> str:
    """Placeholders for an ``IN (…)`` of ``items`` (``NULL`` for none: an empty IN is no SQL)."""
    return ", ".join("?" * len(items)) or "NULL"


def _where(row: dict[str, Any]) -> dict[str, Any]:
    """Where a fact was read: the source file and its sheet row or page lines."""
    return {k: row[k] for k in ("source", "sheet", "row", "line_start", "line_end") if row.get(k) not in (None, "")}

"""SPARQL over the store: ad hoc queries and the named queries of ``queries/*.rq``.

Parameters are always *bound* (rdflib ``initBindings``, which oxrdflib hands to Oxigraph as
substitutions), never pasted into query text, so a value such as ``"} ; DROP`` cannot change a
query's shape.  Each named query starts with a header comment::

    # title: Processors of a dataset
    # question: Which processors receive a dataset, under which agreements?
    # param: dataset (dataset) any label of a dataset, e.g. SUS+
    # example: regkg ask processors-of-dataset --param dataset="SUS+"

Parameter kinds turn the user's text into an RDF term: ``dataset``, ``org``, ``legal-basis`` and
``purpose`` go through the resolver (any label or code); ``date`` becomes ``xsd:date``; ``text``
a plain literal; ``iri`` an IRI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Identifier

from kg.errors import RegkgError
from kg.namespace import PREFIXES, XSD
from kg.resolve import Resolver
from kg.resources import queries_dir
from kg.store import as_dataset


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    help: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    question: str
    params: tuple[Param, ...]
    example: str
    text: str


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[str | None]] = field(default_factory=list)
    boolean: bool | None = None


HEADER = re.compile(r"^#\s*(title|question|param|example):\s*(.*)$")
PARAM = re.compile(r"^(?P<name>[\w-]+)\s*\((?P<kind>[\w-]+)\)\s*(?P<help>.*)$")


def parse_named_query(path: Path) -> NamedQuery:
    """Read a ``.rq`` file and its header comment."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {"title": path.stem, "question": "", "example": ""}
    params: list[Param] = []
    for line in text.splitlines():
        match = HEADER.match(line.strip())
        if not match:
            continue
        key, value = match.groups()
        if key == "param":
            p = PARAM.match(value)
            if not p:
                raise RegkgError(f"{path.name}: bad param line {value!r}; expected `name (kind) help`")
            params.append(Param(p["name"], p["kind"], p["help"]))
        else:
            fields[key] = value
    return NamedQuery(path.stem, fields["title"], fields["question"], tuple(params),
                      fields["example"], text)


def named_queries() -> dict[str, NamedQuery]:
    return {q.name: q for q in map(parse_named_query, sorted(queries_dir().glob("*.rq")))}


def get_named_query(name: str) -> NamedQuery:
    queries = named_queries()
    if name not in queries:
        raise RegkgError(f"no named query {name!r}; known: {', '.join(queries)}")
    return queries[name]


def bind(query: NamedQuery, values: dict[str, str], resolver: Resolver | None = None) -> dict[str, Identifier]:
    """Turn the user's parameter text into RDF terms, checking names and kinds."""
    known = {p.name: p for p in query.params}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise RegkgError(f"{query.name}: unknown parameter(s) {', '.join(unknown)}; "
                         f"takes {', '.join(known) or 'none'}")
    bindings: dict[str, Identifier] = {}
    for name, value in values.items():
        bindings[name.replace("-", "_")] = to_term(known[name], value, resolver)
    return bindings


def to_term(param: Param, value: str, resolver: Resolver | None) -> Identifier:
    if param.kind in {"dataset", "org", "legal-basis", "purpose"}:
        resolver = resolver or Resolver.load()
        return URIRef(_resolve(resolver, param, value))
    if param.kind == "date":
        try:
            return Literal(date.fromisoformat(value).isoformat(), datatype=XSD.date)
        except ValueError:
            raise RegkgError(f"parameter {param.name}: expected a date like 2021-06-30, got {value!r}") from None
    if param.kind == "iri":
        return URIRef(value)
    return Literal(value)


def _resolve(resolver: Resolver, param: Param, value: str) -> str:
    if param.kind == "dataset":
        return resolver.dataset(value).iri
    if param.kind == "org":
        return resolver.organisation(value).iri
    if param.kind == "purpose":
        purpose = resolver.purpose(value)
        if purpose is None:
            raise RegkgError(f"parameter {param.name}: {value!r} is not a known purpose")
        return purpose.iri
    bases = resolver.legal_bases(value)
    if len(bases) != 1:
        raise RegkgError(f"parameter {param.name}: {value!r} names {len(bases)} legal bases; give one")
    return bases[0].iri


def run(store: ox.Store, sparql: str, bindings: dict[str, Identifier] | None = None) -> QueryResult:
    """Run a SELECT or ASK query over the union of all graphs, with bound parameters."""
    try:
        result = as_dataset(store).query(sparql, initNs=PREFIXES, initBindings=bindings or {})
    except SyntaxError as e:
        raise RegkgError(f"SPARQL syntax error: {e}") from None
    if result.type == "ASK":
        return QueryResult(columns=["ask"], rows=[[str(result.askAnswer).lower()]],
                           boolean=bool(result.askAnswer))
    if result.type != "SELECT":
        raise RegkgError("only SELECT and ASK queries are supported here; use `regkg export` for graphs")
    columns = [str(v) for v in result.vars]
    rows = [[None if row[c] is None else str(row[c]) for c in columns] for row in result]
    return QueryResult(columns=columns, rows=rows)


def ask(store: ox.Store, name: str, values: dict[str, str] | None = None,
        resolver: Resolver | None = None) -> QueryResult:
    """Run the named query ``name`` with parameter values given as text."""
    query = get_named_query(name)
    return run(store, query.text, bind(query, values or {}, resolver))

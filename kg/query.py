"""SPARQL over the store: ad hoc queries and the named queries of ``queries/*.rq``.

Parameters are always *bound*, never pasted into query text: each value becomes an RDF term
(IRIs are validated, literals escaped by Oxigraph's own N-Triples serialiser) in a ``VALUES``
block opening the query's WHERE group, so FILTERs and OPTIONALs in that group see it.  A value
such as ``"} ; DROP`` cannot change a query's shape.  (Oxigraph's substitutions, which rdflib's
``initBindings`` maps to, accept only projected variables, which would force a column of IRIs
into every parameterised query.)  A parameter is required unless its help starts with "optional".

Each named query starts with a header comment::

    # title: Processors of a dataset
    # question: Which processors receive a dataset, under which agreements?
    # param: dataset (dataset) any label of a dataset, e.g. SUS+
    # example: regkg ask processors-of-dataset --param dataset="SUS+"

Parameter kinds turn the user's text into an RDF term: ``dataset``, ``org``, ``legal-basis`` and
``purpose`` go through the resolver (any label or code); ``date`` becomes ``xsd:date``; ``edition``
a ``YYYY-MM`` literal (the scope's edition, or the newest, when left out); ``text`` a plain literal;
``iri`` an IRI.

Every query is asked of a ``kg.scope.Scope``: the newest edition unless the caller names another
or asks for all; the ``# EDITION``/``# LATEST``/``# RELEASE`` marker lines say where that applies.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Identifier

from kg.errors import RegkgError
from kg.namespace import ID, PREFIX_IRIS, PREFIXES, XSD
from kg.resolve import Resolver
from kg.resources import queries_dir
from kg.scope import EDITION_FORMAT, NEWEST, Scope, check, editions, expand
from kg.sparql_check import check_query

T = TypeVar("T")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    help: str

    @property
    def optional(self) -> bool:
        """A parameter whose help starts with "optional" may be left out (the query then covers all)."""
        return self.help.lower().startswith("optional")


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


def parse_query(name: str, text: str) -> NamedQuery:
    """A query and its header comment (title, question, params, example), if it has one."""
    fields: dict[str, str] = {"title": name, "question": "", "example": ""}
    params: list[Param] = []
    for line in text.splitlines():
        match = HEADER.match(line.strip())
        if not match:
            continue
        key, value = match.groups()
        if key == "param":
            p = PARAM.match(value)
            if not p:
                raise RegkgError(f"{name}: bad param line {value!r}; expected `name (kind) help`")
            params.append(Param(p["name"], p["kind"], p["help"]))
        else:
            fields[key] = value
    return NamedQuery(name, fields["title"], fields["question"], tuple(params), fields["example"], text)


def parse_named_query(path: Path) -> NamedQuery:
    return parse_query(path.stem, path.read_text(encoding="utf-8"))


def named_queries() -> dict[str, NamedQuery]:
    return {q.name: q for q in map(parse_named_query, sorted(queries_dir().glob("*.rq")))}


def catalogue() -> QueryResult:
    """The named queries as a table a user chooses from: the question each answers, its parameters
    (name, kind and what to give) and a command to copy."""
    return QueryResult(["name", "question", "parameters", "example"], [
        [q.name, q.question, "; ".join(f"{p.name} ({p.kind}): {p.help}" for p in q.params), q.example]
        for q in named_queries().values()])


def get_named_query(name: str) -> NamedQuery:
    queries = named_queries()
    if name not in queries:
        raise RegkgError(f"no named query {name!r}; known: {', '.join(queries)}")
    return queries[name]


def bind(query: NamedQuery, values: dict[str, str], resolver: Resolver | None = None, *,
         undeclared: str | None = None) -> dict[str, Identifier]:
    """Turn the user's parameter text into RDF terms, checking names and kinds.

    A named query accepts only the parameters its header declares; an ad hoc query passes
    ``undeclared="text"`` so that any ``--param k=v`` binds ``?k`` to a plain literal.
    """
    known = {p.name: p for p in query.params}
    unknown = sorted(set(values) - set(known))
    if unknown and undeclared is None:
        raise RegkgError(f"{query.name}: unknown parameter(s) {', '.join(unknown)}; "
                         f"takes {', '.join(known) or 'none'}")
    missing = [p.name for p in query.params if not p.optional and p.name not in values]
    if missing:
        raise RegkgError(f"{query.name}: missing parameter(s) {', '.join(missing)}; "
                         f"e.g. {query.example or '--param ' + missing[0] + '=…'}")
    bindings: dict[str, Identifier] = {}
    for name, value in values.items():
        param = known.get(name) or Param(name, undeclared or "text", "")
        bindings[name.replace("-", "_")] = to_term(param, value, resolver)
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
    if param.kind == "edition" and not EDITION_FORMAT.match(value):
        raise RegkgError(f"parameter {param.name}: expected an edition like 2026-08, got {value!r}")
    return Literal(value)


def _resolve(resolver: Resolver, param: Param, value: str) -> str:
    if param.kind == "dataset":
        return resolver.try_dataset(value).iri
    if param.kind == "org":
        return resolver.try_organisation(value).iri
    if param.kind == "purpose":
        purpose = resolver.purpose(value)
        if purpose is None:
            raise RegkgError(f"parameter {param.name}: {value!r} is not a known purpose")
        return purpose.iri
    bases = resolver.try_legal_bases(value)
    if len(bases) != 1:
        raise RegkgError(f"parameter {param.name}: {value!r} names {len(bases)} legal bases; give one")
    return bases[0].iri


def values_block(bindings: dict[str, Identifier]) -> str:
    """A ``VALUES`` clause binding each variable to its term, serialised by Oxigraph."""
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(str(_ox_term(term)) for term in bindings.values())
    return f" VALUES ({names}) {{ ({terms}) }} "


# Spans of a query that are not syntax: comments, strings and IRIs (a "{" or "FROM" in them means nothing).
OPAQUE_SPANS = re.compile(
    r"#[^\n]*"
    r"|'''.*?'''|\"\"\".*?\"\"\""
    r"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""
    r"|<[^<>\"{}|^`\\\s]*>",
    re.DOTALL)


def bind_into(sparql: str, bindings: dict[str, Identifier]) -> str:
    """The query with a VALUES block inserted just inside its first (WHERE) group."""
    position = 0
    while position < len(sparql):
        skipped = OPAQUE_SPANS.match(sparql, position)
        if skipped:
            position = skipped.end()
        elif sparql[position] == "{":
            return sparql[:position + 1] + values_block(bindings) + sparql[position + 1:]
        else:
            position += 1
    raise RegkgError("cannot bind parameters: the query has no WHERE group")


def _ox_term(term: Identifier) -> ox.NamedNode | ox.Literal:
    if isinstance(term, URIRef):
        try:
            return ox.NamedNode(str(term))
        except ValueError as e:
            raise RegkgError(f"not an IRI: {str(term)!r} ({e})") from None
    assert isinstance(term, Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)


def run(store: ox.Store | Graph, sparql: str, bindings: dict[str, Identifier] | None = None,
        scope: Scope = NEWEST, *, allow_service: bool = False, max_rows: int | None = None) -> QueryResult:
    """Run a SELECT or ASK query over the union of all graphs, with bound parameters, for ``scope``.

    The one way regkg runs a user's SPARQL (and the named queries), for the CLI, the web and the
    library: the text is checked first (``kg.sparql_check``: nesting, size, ``SERVICE``), and an answer
    longer than ``max_rows`` is an error rather than a silently cut table.

    ``store`` may also be an rdflib Graph, e.g. one over a remote server (``kg.remote``).  A local
    store is queried by Oxigraph directly: converting every term to rdflib and back to a string
    cost more than some queries themselves (profiled: ``processors``, 32,779 rows, 13 s through
    rdflib, of which 8.4 s in Oxigraph).
    """
    sparql = expand(sparql, scope)
    if bindings:
        sparql = bind_into(sparql, bindings)
    if isinstance(store, ox.Store):
        return _run_oxigraph(store, sparql, max_rows, allow_service)
    check_query(sparql, allow_service=allow_service)  # a remote server's engine may break the same way
    try:
        result = store.query(sparql, initNs=PREFIXES)
    except SyntaxError as e:
        raise RegkgError(f"SPARQL syntax error: {e}") from None
    if result.type == "ASK":
        return QueryResult(columns=["ask"], rows=[[str(result.askAnswer).lower()]],
                           boolean=bool(result.askAnswer))
    if result.type != "SELECT":
        raise RegkgError("only SELECT and ASK queries are supported here; use `regkg export` for graphs")
    columns = [str(v) for v in result.vars]
    rows = [[None if row[c] is None else str(row[c]) for c in columns] for row in _capped(result, max_rows)]
    return QueryResult(columns=columns, rows=rows)


def _capped(solutions: Iterable[T], max_rows: int | None) -> Iterator[T]:
    """The solutions, failing (not cutting the table short) once there are more than ``max_rows``."""
    for n, solution in enumerate(solutions, 1):
        if max_rows is not None and n > max_rows:
            raise RegkgError(f"the answer has more than {max_rows:,} rows; add a LIMIT (or run it with "
                             "`regkg query`, which has no cap)")
        yield solution


@lru_cache(maxsize=1)
def _local_prefixes() -> dict[str, str]:
    """The prefixes a query may use undeclared: rdflib's defaults (as the rdflib path had) and ours."""
    return {prefix: str(iri) for prefix, iri in Graph().namespaces()} | PREFIX_IRIS


Answer = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


def execute(store: ox.Store, sparql: str, *, allow_service: bool = False, default_graphs: list[str] | None = None,
            named_graphs: list[str] | None = None) -> Answer:
    """The engine's own answer to a query: the one place regkg hands query text from users (and the
    named queries) to Oxigraph; the library's own fixed look-ups (stats, flows, the read model) call
    the store directly.

    The text is checked first (``kg.sparql_check``), the usual prefixes are predeclared, and the
    default graph is the union of all graphs unless the caller names a dataset (the SPARQL
    Protocol's ``default-graph-uri``/``named-graph-uri``).  ``run`` turns the answer into rows; the
    web's ``/sparql`` serialises it as it is.
    """
    check_query(sparql, allow_service=allow_service)
    dataset: dict[str, object] = {"use_default_graph_as_union": True}
    if default_graphs or named_graphs:
        try:
            dataset = {"default_graph": [ox.NamedNode(g) for g in default_graphs or []] or None,
                       "named_graphs": [ox.NamedNode(g) for g in named_graphs or []] or None}
        except ValueError as e:
            raise RegkgError(f"bad graph IRI: {e}") from None
    try:
        return store.query(sparql, prefixes=_local_prefixes(), **dataset)
    except SyntaxError as e:
        raise RegkgError(syntax_error(sparql, str(e))) from None


def _run_oxigraph(store: ox.Store, sparql: str, max_rows: int | None = None,
                  allow_service: bool = False) -> QueryResult:
    """``run`` on a local store: Oxigraph's own evaluator, each term as its IRI or lexical value."""
    result = execute(store, sparql, allow_service=allow_service)
    if isinstance(result, ox.QueryBoolean):
        answer = bool(result)
        return QueryResult(columns=["ask"], rows=[[str(answer).lower()]], boolean=answer)
    if not isinstance(result, ox.QuerySolutions):
        raise RegkgError("only SELECT and ASK queries are supported here; use `regkg export` for graphs")
    columns = [v.value for v in result.variables]
    try:
        rows = [[None if term is None else term.value for term in solution] for solution in _capped(result, max_rows)]
    except OSError as e:  # a SERVICE that failed, a store that went away under the query
        raise RegkgError(f"the query failed: {e}") from None
    return QueryResult(columns=columns, rows=rows)


def syntax_error(sparql: str, message: str) -> str:
    """Oxigraph's ``error at 3:22: expected …`` as one readable line quoting the text at fault."""
    found = re.match(r"error at (\d+):(\d+): (.*)", message, re.DOTALL)
    if not found:
        return f"SPARQL syntax error: {message}"
    line, column, problem = int(found[1]), int(found[2]), found[3].strip()
    lines = sparql.splitlines()
    at = lines[line - 1][max(column - 21, 0):column + 19].strip() if 0 < line <= len(lines) else ""
    return f"SPARQL syntax error at line {line}, column {column}" + (f" (near {at!r})" if at else "") + f": {problem}"


def ask(store: ox.Store | Graph, name: str, values: dict[str, str] | None = None,
        resolver: Resolver | None = None, scope: Scope = NEWEST, *, max_rows: int | None = None) -> QueryResult:
    """Run the named query ``name`` with parameter values given as text, for ``scope``."""
    query = get_named_query(name)
    values, scope = _scoped(store, query, dict(values or {}), scope)
    bindings = bind(query, values, resolver)
    if isinstance(store, ox.Store):
        require_in_store(store, query, values, bindings)
    return run(store, query.text, bindings, scope, max_rows=max_rows)


NAMED_KINDS = {"dataset": f"{ID}dataset/", "org": f"{ID}org/", "legal-basis": f"{ID}legal-basis/"}
# the labels of one kind of node; %s is one of NAMED_KINDS' IRI prefixes (ours, never a user's text)
NODE_LABELS = ('SELECT ?label WHERE { ?x skos:prefLabel|skos:altLabel|rdfs:label ?label '
               'FILTER(STRSTARTS(STR(?x), "%s")) }')


def require_in_store(store: ox.Store, query: NamedQuery, values: dict[str, str],
                     bindings: dict[str, Identifier]) -> None:
    """A dataset, organisation or legal basis the store does not hold is an error naming the closest
    labels it does: an empty answer would read as "nobody receives this data" (a misspelling)."""
    for param in query.params:
        prefix = NAMED_KINDS.get(param.kind)
        term = bindings.get(param.name.replace("-", "_"))
        if prefix is None or term is None:
            continue
        if next(iter(store.quads_for_pattern(ox.NamedNode(str(term)), None, None, None)), None) is None:
            labels = [row[0] for row in run(store, NODE_LABELS % prefix).rows]
            raise RegkgError(f"parameter {param.name}: no {param.kind} {values[param.name]!r} in the store"
                             + closest_text(values[param.name], labels))


def closest_text(text: str, labels: Iterable[str]) -> str:
    """``; closest: a, b, c`` — the labels most like ``text`` (case ignored), or nothing."""
    by_fold = {label.casefold(): label for label in labels}
    close = difflib.get_close_matches(text.casefold(), list(by_fold), n=3, cutoff=0.5)
    return f"; closest: {', '.join(by_fold[c] for c in close)}" if close else ""


def run_text(store: ox.Store | Graph, text: str, values: dict[str, str] | None = None,
             resolver: Resolver | None = None, scope: Scope = NEWEST, *, allow_service: bool = False,
             max_rows: int | None = None) -> QueryResult:
    """Run an ad hoc query; ``# param: name (kind)`` lines in it declare how values are bound."""
    query = parse_query("query", text)
    values, scope = _scoped(store, query, dict(values or {}), scope)
    return run(store, text, bind(query, values, resolver, undeclared="text"), scope,
               allow_service=allow_service, max_rows=max_rows)


def _scoped(store: ox.Store | Graph, query: NamedQuery, values: dict[str, str],
            scope: Scope) -> tuple[dict[str, str], Scope]:
    """The parameter values and scope a query runs with: an ``edition`` parameter and the scope's
    edition are one choice (either names it; the newest when neither does), checked against a local
    store, which also names the edition before it (``# PREVIOUS``)."""
    for param in query.params:
        if param.kind == "edition" and param.name in values:
            if not EDITION_FORMAT.match(values[param.name]):
                raise RegkgError(f"parameter {param.name}: expected an edition like 2026-08, "
                                 f"got {values[param.name]!r}")
            scope = Scope(edition=values[param.name])
    if isinstance(store, ox.Store):
        scope = check(store, scope)
        named = scope.named if not scope.every else next(iter(editions(store)[-1:]), None)
    else:
        named = scope.edition
    for param in query.params:
        if param.kind == "edition" and param.name not in values and named:
            values[param.name] = named
    return values, scope

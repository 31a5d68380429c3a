"""Trace: the flow of a dataset or an organisation as rows, source → controller → processor.

One row per agreement, dataset, controller and processor (a controller with no named processor gets
one row with an empty processor), read off the flow graph of :mod:`kg.flows`, so the table and the
picture always agree.  Rows come back as a :class:`kg.query.QueryResult`, which :mod:`kg.output`
writes as a table, CSV, TSV or JSON.
"""

from __future__ import annotations

import networkx as nx
import pyoxigraph as ox

from kg.flows import SEP, asked_orgs, flow_graph
from kg.flows.analysis import chains
from kg.query import QueryResult
from kg.resolve import Resolver
from kg.scope import NEWEST, Scope

COLUMNS = ["agreement", "title", "dataset", "source", "controller", "controller_link", "processor", "role",
           "processor_link", "legal_basis", "purpose", "start", "end", "versions", "evidence"]


def trace(store: ox.Store, dataset: str | None = None, org: str | None = None,
          resolver: Resolver | None = None, scope: Scope = NEWEST) -> QueryResult:
    """Trace a dataset (any label) and/or an organisation (any label or ODS code) through ``scope``."""
    return trace_flow(store, dataset, org, resolver, scope)[0]


def trace_flow(store: ox.Store, dataset: str | None = None, org: str | None = None,
               resolver: Resolver | None = None, scope: Scope = NEWEST) -> tuple[QueryResult, nx.MultiDiGraph]:
    """The trace and the flow graph it was read from (for a title naming organisations, or a page).

    With ``org``, the rows are those where the organisation the resolver found is the controller or
    the processor, matched by IRI: two organisations that share a name are not mixed."""
    flow = flow_graph(store, dataset=dataset, org=org, resolver=resolver, scope=scope)
    return QueryResult(columns=list(COLUMNS), rows=trace_rows(flow, asked_orgs(flow) if org else None)), flow


def narrow(result: QueryResult, with_dataset: bool = False) -> QueryResult:
    """The columns a terminal has room for: agreement, (dataset,) controller and processor, a
    processor's role in brackets unless it is a plain processor; ``--wide`` or CSV has them all."""
    at = {c: i for i, c in enumerate(result.columns)}
    columns = ["agreement", *(["dataset"] if with_dataset else []), "controller", "processor"]
    rows = []
    for row in result.rows:
        role = row[at["role"]]
        processor = f"{row[at['processor']]} ({role})" if role and role != "processor" else row[at["processor"]]
        rows.append([*(row[at[c]] for c in columns[:-1]), processor])
    return QueryResult(columns=columns, rows=rows)


def trace_rows(flow: nx.MultiDiGraph, orgs: frozenset[str] | None = None) -> list[list[str | None]]:
    """Rows of a flow graph: each release to a controller, joined to that controller's processors;
    with ``orgs`` (node IRIs), only the rows whose controller or processor is one of them."""
    label = lambda n: flow.nodes[n]["label"]  # noqa: E731
    rows = []
    for chain in chains(flow):
        a = chain.release
        source = " → ".join(label(n) for n in chain.sources)
        for p, e in chain.processing or ((None, None),):
            if orgs is not None and chain.controller not in orgs and p not in orgs:
                continue
            step = e or a
            rows.append([a["agreement"], a["title"], a["dataset_label"], source, label(chain.controller), a["link"],
                         label(p) if p else "", e["role"] if e else "", e["link"] if e else "",
                         step["legal_basis"], step["purpose"], step["start"], step["end"], step["versions"],
                         e["evidence"] if e else ""])
    return sorted(rows, key=lambda r: [x or "" for x in r])


__all__ = ["COLUMNS", "SEP", "narrow", "trace", "trace_flow", "trace_rows"]

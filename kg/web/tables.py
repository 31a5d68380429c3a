"""Tables as Datasette shows them: sortable columns, facet counts, filters, pages, whole-result downloads.

Every table on the site (named queries, trace, ad hoc SPARQL) is a :class:`kg.query.QueryResult`
held whole in memory; these functions only slice it, so sorting, filtering and paging a result the
server has already computed never goes back to the store.  The parameters are Datasette's:
``_sort``/``_sort_desc``, ``COLUMN__exact=value``, ``_page``/``_size``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from kg.query import QueryResult

PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
FACET_MAX = 20  # a column with 2 to FACET_MAX distinct values, some repeated, gets facet counts
EXACT = "__exact"
TABLE_KEYS = ("_sort", "_sort_desc", "_page", "_size")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass
class Facet:
    column: str
    values: list[tuple[str, int, str]]  # value, count, the link that filters on it (or clears the filter)
    chosen: str | None = None


@dataclass
class Table:
    """One page of a (sorted, filtered) result, with what the page needs to draw its controls."""

    columns: list[str]
    rows: list[list[str | None]]
    total: int
    matching: int
    page: int
    pages: int
    size: int
    sort: str | None
    desc: bool
    facets: list[Facet] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # column -> the link that sorts by it
    previous: str | None = None
    next: str | None = None
    first_row: int = 0


def is_table_param(name: str) -> bool:
    """Whether a request parameter belongs to the table (sort, filter, page) rather than to the query."""
    return name in TABLE_KEYS or name.endswith(EXACT)


def filters_of(params: dict[str, str], columns: list[str]) -> dict[str, str]:
    """``COLUMN__exact=value`` filters on columns the result has (others are ignored)."""
    return {k[: -len(EXACT)]: v for k, v in params.items() if k.endswith(EXACT) and k[: -len(EXACT)] in columns}


def select(result: QueryResult, params: dict[str, str]) -> list[list[str | None]]:
    """Every row of ``result`` that passes the filters, in the order asked for: what a download holds."""
    filters = filters_of(params, result.columns)
    positions = {c: i for i, c in enumerate(result.columns)}
    rows = [r for r in result.rows if all((r[positions[c]] or "") == v for c, v in filters.items())]
    sort = params.get("_sort")
    if sort in positions:
        i = positions[sort]
        rows.sort(key=lambda r: sort_key(r[i]), reverse=params.get("_sort_desc") in ("1", "on", "true"))
    return rows


def sort_key(value: str | None) -> tuple[int, float, str]:
    """Empty cells last, numbers by value, text without regard to case."""
    if value in (None, ""):
        return (2, 0.0, "")
    if NUMBER.match(value):
        return (0, float(value), "")
    return (1, 0.0, value.casefold())


def view(result: QueryResult, params: dict[str, str], path: str) -> Table:
    """The page of ``result`` that ``params`` ask for, with sort links, facets and paging links."""
    rows = select(result, params)
    size = min(max(_int(params.get("_size"), PAGE_SIZE), 1), MAX_PAGE_SIZE)
    pages = max(1, -(-len(rows) // size))
    page = min(max(_int(params.get("_page"), 1), 1), pages)
    sort, desc = params.get("_sort"), params.get("_sort_desc") in ("1", "on", "true")
    link = lambda **changes: path + "?" + urlencode(_changed(params, changes))  # noqa: E731
    table = Table(result.columns, rows[(page - 1) * size: page * size], len(result.rows), len(rows), page, pages,
                  size, sort if sort in result.columns else None, desc, filters=filters_of(params, result.columns),
                  first_row=(page - 1) * size)
    table.links = {c: link(_sort=c, _sort_desc="1" if c == sort and not desc else None, _page=None)
                   for c in result.columns}
    table.previous = link(_page=str(page - 1)) if page > 1 else None
    table.next = link(_page=str(page + 1)) if page < pages else None
    table.facets = facets(result, rows, table.filters, lambda c, v: link(**{c + EXACT: v, "_page": None}))
    return table


def facets(result: QueryResult, rows: list[list[str | None]], filters: dict[str, str], link) -> list[Facet]:
    """Counts of each value of the columns with few distinct values, over the filtered rows."""
    found = []
    for i, column in enumerate(result.columns):
        if column in filters:
            found.append(Facet(column, [(filters[column], len(rows), link(column, None))], filters[column]))
            continue
        counts = Counter(r[i] or "" for r in rows)
        if 1 < len(counts) <= FACET_MAX and len(counts) < len(rows):  # some value repeats: worth counting
            found.append(Facet(column, [(v, n, link(column, v)) for v, n in counts.most_common()]))
    return found


def _changed(params: dict[str, str], changes: dict[str, str | None]) -> dict[str, str]:
    merged = {**params, **changes}
    return {k: v for k, v in merged.items() if v not in (None, "")}


def _int(text: str | None, default: int) -> int:
    try:
        return int(text or default)
    except ValueError:
        return default

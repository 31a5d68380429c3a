"""Which editions a question is asked of: the newest (the default), one named edition, or all of them.

A store holds every edition's content once, and the editions graph says which editions list what
(docs/history.md).  Queries mark where that matters with comment lines, so that the same ``.rq``
file is plain SPARQL anywhere else (where a comment means "every edition"):

``# EDITION ?v``
    ``?v`` is a version listed in the chosen edition;
``# LATEST ?a ?v``
    ``?v`` is agreement ``?a``'s newest version in the chosen edition;
``# RELEASE ?r``
    release row ``?r`` is listed in the chosen edition (its version is restricted by ``EDITION``);
``# PREVIOUS ?v``
    ``?v`` is a version listed in the edition before the chosen one (what changed since).

``expand`` replaces each marker with the patterns for the scope.  The newest edition's answers need
no interval arithmetic (``dur:current``, ``dur:latestVersion`` hold just for it); an older edition
compares listing runs; all editions drop the restriction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import RegkgError
from kg.membership import EDITIONS_GRAPH
from kg.store import select_values

EDITION_FORMAT = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MARKER = re.compile(r"^[ \t]*#[ \t]*(EDITION|LATEST|RELEASE|PREVIOUS)[ \t]+((?:\?\w+[ \t]*)+)$", re.MULTILINE)


@dataclass(frozen=True)
class Scope:
    """``edition`` names one edition (YYYY-MM); ``every`` asks for all of them; neither: the newest.

    ``previous`` is the edition before the chosen one and ``named`` the chosen one's name even when it
    is the newest, both filled in by ``check`` (None: there is none).
    """

    edition: str | None = None
    every: bool = False
    previous: str | None = None
    named: str | None = None

    @property
    def label(self) -> str:
        return "all editions" if self.every else (self.edition or "newest edition")


NEWEST = Scope()
EVERY = Scope(every=True)


def scope_of(edition: str | None = None, all_editions: bool = False) -> Scope:
    """The scope a user asked for (``--edition YYYY-MM`` / ``--all-editions``); both is an error."""
    if edition and all_editions:
        raise RegkgError("give --edition or --all-editions, not both")
    if edition and not EDITION_FORMAT.match(edition):
        raise RegkgError(f"--edition {edition!r}: expected a month like 2026-08")
    return Scope(edition=edition, every=all_editions)


def editions(store: ox.Store) -> list[str]:
    """The editions the store records, oldest first."""
    rows = select_values(store, f"SELECT DISTINCT ?e WHERE {{ GRAPH <{EDITIONS_GRAPH}> {{ ?x dur:edition ?e }} }}")
    return sorted(r[0] for r in rows)


def check(store: ox.Store, scope: Scope) -> Scope:
    """``scope`` with its previous edition, if the store records its edition; otherwise an error
    naming the closest it has.  The newest edition, named, is asked as the default (cheapest) scope."""
    if scope.every:
        return scope
    known = editions(store)
    position = len(known) - 1 if scope.edition is None else (
        known.index(scope.edition) if scope.edition in known else None)
    if position is not None:
        previous = known[position - 1] if position > 0 else None
        edition = None if position == len(known) - 1 else scope.edition
        return Scope(edition=edition, previous=previous, named=known[position] if known else None)
    raise unknown_edition(scope.edition, known)


def unknown_edition(edition: str, known: list[str]) -> RegkgError:
    """The error for an edition the store does not hold, naming the three nearest by month."""
    close = sorted(sorted(known, key=lambda e: abs(_months(e) - _months(edition)))[:3])
    listed = ", ".join(close) if close else "none (the store holds no dated edition)"
    return RegkgError(f"edition {edition} is not in the store; closest: {listed}")


def _months(edition: str) -> int:
    year, month = edition.split("-")
    return int(year) * 12 + int(month)


def expand(sparql: str, scope: Scope) -> str:
    """The query with its scope markers replaced by the patterns for ``scope``."""
    return MARKER.sub(lambda m: _pattern(m[1], m[2].split(), scope), sparql)


def _pattern(kind: str, variables: list[str], scope: Scope) -> str:
    if kind == "PREVIOUS":
        (v,) = variables
        if scope.previous is None:
            return "FILTER(false)"
        return _pattern("EDITION", variables, Scope(edition=scope.previous))
    if kind == "EDITION":
        (v,) = variables
        if scope.every:
            return ""
        if scope.edition is None:
            return f"{v} dur:current true ."
        within = _within("?listing_", scope.edition)
        return f"{{ SELECT DISTINCT {v} WHERE {{ {v} dur:listing ?listing_ . {within} }} }}"
    if kind == "LATEST":
        a, v = variables
        if scope.every:
            return f"{{ SELECT DISTINCT {a} {v} WHERE {{ {v} dur:latestListing ?latest_ ; dct:isVersionOf {a} }} }}"
        if scope.edition is None:
            return f"{a} dur:latestVersion {v} ."
        return (f"{{ SELECT DISTINCT {a} {v} WHERE {{ {v} dur:latestListing ?latest_ ; dct:isVersionOf {a} . "
                f"{_within('?latest_', scope.edition)} }} }}")
    (r,) = variables
    if scope.every:
        return ""
    if scope.edition is None:
        return f"MINUS {{ {r} dur:lastEdition ?dropped_ }}"
    return f"{{ SELECT {r} WHERE {{ {r} a dur:Release . {_within(r, scope.edition)} }} }}"


def _within(run: str, edition: str) -> str:
    """``run`` (a listing, or a release row) covers ``edition``; an undated one covers every edition."""
    first, last = f"?first{run[1:]}_", f"?last{run[1:]}_"
    return (f"OPTIONAL {{ {run} dur:firstEdition {first} }} OPTIONAL {{ {run} dur:lastEdition {last} }} "
            f'FILTER((!BOUND({first}) || {first} <= "{edition}") && (!BOUND({last}) || {last} >= "{edition}"))')

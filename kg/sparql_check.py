"""A query's text, checked before the engine sees it.

Oxigraph parses and evaluates recursively: a query nested a few thousand brackets deep, or chaining
about 10,000 operators or triple patterns, overflows its stack and kills the process — a 20 KB GET
could kill ``regkg serve``.  And ``SERVICE`` makes the engine send requests to any address the query
names.  So every query passes this check first: bounded nesting, a bounded number of operators, and
no ``SERVICE`` unless the user allows it (docs/security.md).  The limits are far above any query the
project or its users write (the deepest named query nests 6 deep, the longest has 43 operators).
"""

from __future__ import annotations

import re

from kg.errors import RegkgError

MAX_LENGTH = 1_000_000
MAX_DEPTH = 100
MAX_OPERATORS = 2_000

# Tokens of SPARQL that matter here; strings, IRIs and comments are skipped whole, so a brace or the
# word SERVICE inside them counts for nothing.  Names keep their dashes; only a prefixed name's local
# part keeps dots (``dur:a.b``): ``true.SERVICE`` is ``true . SERVICE`` to the engine, and so here.
_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
              |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<word>[?$]\w+|[A-Za-z_][\w\-]*(?::[\w\-.:%]*)?|:[\w\-.:%]*|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)
  | (?P<op>\|\||&&|!=|<=|>=|[.;|/^*+\-=<>!])
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
_OPERATOR_WORDS = {"union", "optional", "minus", "filter", "bind", "graph", "values"}


def check_query(text: str, *, allow_service: bool = False) -> None:
    """Raise a one-line ``RegkgError`` (with line and column) for a query the engine must not see."""
    if len(text) > MAX_LENGTH:
        raise RegkgError(f"the query is {len(text):,} characters long; at most {MAX_LENGTH:,} are accepted")
    depth = operators = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            if depth > MAX_DEPTH:
                _refuse(text, match.start(), f"brackets nest more than {MAX_DEPTH} deep")
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif kind == "op" or (kind == "word" and match.group().casefold() in _OPERATOR_WORDS):
            operators += 1
            if operators > MAX_OPERATORS:
                _refuse(text, match.start(), f"more than {MAX_OPERATORS:,} operators and patterns")
        elif kind == "word" and match.group().casefold() == "service" and not allow_service:
            _refuse(text, match.start(), "SERVICE (a federated query) would make regkg send requests to "
                                         "another server; it is refused unless allowed with --allow-service")


def _refuse(text: str, offset: int, problem: str) -> None:
    raise RegkgError(f"query refused at {position(text, offset)}: {problem}")


def position(text: str, offset: int) -> str:
    """``line L, column C`` (both from 1) of a character offset, as people count them."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"

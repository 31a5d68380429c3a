"""Organisation names in a span of agreement text, found by their shape (docs/processors.md).

A role pattern captures a span such as ``UKFast.net limited based in the UK`` or ``A (X), B (Y)
and C (Z)``; this module says which organisations it names.  A name is one the vocabulary knows,
or one *shaped* like an organisation's: capitalised words holding an organisation head
(``University``, ``Trust``, ``Council``, ``Office`` …) or ending in a legal suffix (``Ltd``,
``limited``, ``plc`` …).  Anything else — people, teams, software, lower-case phrases — is not a
name, which keeps the extractor precise: a processor is published as a fact.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import combinations

from kg.resolve import Resolver

__all__ = [
    "internal_unit",
    "leading_name",
    "name_score",
    "shaped_like_organisation",
    "split_names",
    "trim_span",
]

# Words that make a capitalised span an organisation's name wherever they stand in it.
_HEADS = frozenset((
    "university", "college", "school", "institute", "institution", "trust", "council", "csu", "icb", "ccg",
    "hospital", "hospitals", "agency", "foundation", "partnership", "services", "service", "unit", "centre",
    "center", "board", "group", "networks", "network", "solutions", "consulting", "consultancy", "analytics",
    "company", "corporation", "office", "commission", "authority", "agency", "laboratory", "laboratories",
    "society", "association", "alliance", "systems", "technologies", "health", "healthcare",
))
# Legal forms, written in any case (``UKFast.net limited``).
_SUFFIXES = frozenset((
    "ltd", "limited", "plc", "llp", "inc", "llc", "sarl", "gmbh", "ag", "sa", "bv", "nv", "pty", "cic",
))
_SMALL = frozenset(["of", "for", "and", "the", "&", "in", "on", "at", "upon", "de"])
# Parts of an organisation, never a processor in their own right (a department of the controller
# is the controller): the labels call them "team/department of controller".
_INTERNAL = re.compile(r"\b(?:Department|Dept|Team|Teams|Hub|Division|Faculty|Directorate)\b", re.IGNORECASE)
_SERVICE_UNIT = re.compile(r"\b(?:Trials?|Research|Service) Unit$", re.IGNORECASE)
NOT_AN_ORG = re.compile(  # people, teams, systems and software: never an organisation's name
    r"\b(?:employees?|staff|team|teams|researchers?|students?|clinicians?|GPs?|practices|users?|tools?|"
    r"software|systems?|database|platform|application|data|dataset|server|servers|environment|CEfF|analysts?|"
    r"statisticians?|personnel|individuals?|patients?|repository|SPSS|Stata|SAS|Excel|Tableau|Power BI|"
    r"SQL Server|EMIS Web|SystmOne|R Studio|RStudio|Python)\b", re.IGNORECASE)
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_BRACKET = re.compile(r"\s*\(([^()]*)\)")
_HOSTED_BY = re.compile(r"^(?:hosted|provided|supplied|run|operated)\s+by\s+(?:the\s+)?(?P<org>.+)$", re.IGNORECASE)
# A bracket closing a list item ("A (X), B (Y) and C (Z)"), not one inside a name ("Optum (UK) Ltd").
_TRAILING_BRACKET = re.compile(r"\s*\([^()]*\)(?=\s*(?:,|&|\band\b|\bor\b|$))")
_UNCLOSED = re.compile(r"\s*\([^()]*$")
_LIST_SEP = re.compile(r"\s*,\s*(?:and|&)\s+|\s*,\s*|\s+(?:and|&)\s+|\s+or\s+|^both\s+")
_WORD = re.compile(r"\S+")


def trim_span(name: str) -> str:
    """A captured span trimmed to the name: spaces, edge punctuation and a leading article."""
    name = " ".join(name.split()).strip(" ,.;:-–'\"“”’")
    return _ARTICLE.sub("", name).strip()


@lru_cache(maxsize=8192)
def shaped_like_organisation(name: str) -> bool:
    """Capitalised words holding an organisation head or a legal suffix, and no person or tool word."""
    words = name.split()
    if not words or len(words) > 12 or not (words[0][0].isupper() or words[0][0].isdigit()):
        return False
    if NOT_AN_ORG.search(name):
        return False
    has_head = False
    for word in words:
        low = word.lower().strip(".,'’()")
        if low in _SUFFIXES or (low in _HEADS and word[0].isupper()):
            has_head = True
        elif low not in _SMALL and not (word[0].isupper() or word[0].isdigit()):
            return False
    return has_head and words[-1].lower() not in _SMALL


def internal_unit(name: str, known: bool) -> bool:
    """A department, team or hub of an organisation (``Nuffield Department of Population Health``)."""
    return not known and bool(_INTERNAL.search(name) or _SERVICE_UNIT.search(name))


def leading_name(span: str, resolver: Resolver) -> str | None:
    """The organisation a span starts with: the span if known, else its longest known leading words
    (``NHS Digital before release`` → ``NHS Digital``), else its longest leading words shaped like
    an organisation (``UKFast.net limited based in the UK`` → ``UKFast.net limited``); else None."""
    span = trim_span(span)
    if not span:
        return None
    if resolver.try_organisation(span).known:
        return span
    words = _WORD.findall(span)
    for k in range(len(words) - 1, 0, -1):
        prefix = trim_span(" ".join(words[:k]))
        if prefix and resolver.try_organisation(prefix).known:
            return prefix
    for k in range(min(len(words), 12), 0, -1):
        prefix = trim_span(" ".join(words[:k]))
        if shaped_like_organisation(prefix):
            return prefix
    return None


def name_score(name: str, resolver: Resolver, always: re.Pattern[str] | None = None) -> int:
    """3 for a name the vocabulary knows (or ``always`` matches), 2 for one shaped like an
    organisation's, else 0: how segmentations of a list are ranked."""
    if not name or not (name[0].isupper() or name[0].isdigit()):
        return 0
    if resolver.try_organisation(name).known or (always is not None and always.match(name)):
        return 3
    return 2 if shaped_like_organisation(name) else 0


def split_names(span: str, resolver: Resolver, always: re.Pattern[str] | None = None) -> list[str]:
    """The names a coordination holds: ``A, B and C``, ``both A and B``, ``A (X), B (Y) and C (Z)``
    (brackets dropped), ``A (hosted by Z)`` (both), without breaking ``Midlands and Lancashire CSU``
    or ``Shropshire, Telford and Wrekin ICB``: of all segmentations at the list separators, the one
    whose every part is a name, preferring known ones and fewer parts."""
    span = trim_span(span)
    if resolver.try_organisation(span).known:
        return [span]
    span = _UNCLOSED.sub("", span)
    extra = [trim_span(m["org"]) for b in _BRACKET.findall(span) if (m := _HOSTED_BY.match(b.strip()))]
    bare = trim_span(_TRAILING_BRACKET.sub("", span))
    parts = _segment(bare, resolver, always)
    while parts == [bare] and not name_score(leading_name(bare, resolver) or "", resolver, always):
        # "In addition, B and C": drop leading words that are no name, up to the next separator.
        m = next((m for m in _LIST_SEP.finditer(bare) if m.end() > m.start()), None)
        if m is None:
            break
        bare = trim_span(bare[m.end():])
        parts = _segment(bare, resolver, always)
    return parts + [e for e in extra if e]


def _segment(span: str, resolver: Resolver, always: re.Pattern[str] | None) -> list[str]:
    """Best segmentation of ``span`` at its list separators (the last part may trail words)."""
    seps = [m for m in _LIST_SEP.finditer(span) if m.end() > m.start()]
    if not seps or resolver.try_organisation(span).known or len(seps) > 8:
        return [span]
    best: tuple[int, int, list[str]] | None = None
    for k in range(len(seps) + 1):
        for cut in combinations(seps, k):
            parts, start = [], 0
            for m in cut:
                parts.append(trim_span(span[start:m.start()]))
                start = m.end()
            parts.append(trim_span(span[start:]))
            parts = [p for p in parts if p]
            if not parts:
                continue
            scores = [name_score(p, resolver, always) for p in parts[:-1]]
            last = leading_name(parts[-1], resolver)
            scores.append(name_score(last, resolver, always) if last else name_score(parts[-1], resolver, always))
            if min(scores) <= 0:
                continue
            rank = (sum(scores), -len(parts), parts)
            if best is None or rank[:2] > best[:2]:
                best = rank
    return best[2] if best else [span]

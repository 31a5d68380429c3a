"""Purposes named by an agreement's title and objective text, with the line that names them.

Extraction, not resolution: it reads free text for phrases, and asks the resolver only whether a
phrase is a purpose's label (``Resolver.purpose``).

Three kinds of evidence, all explicit:

* the title's abbreviations in commissioning titles (``DSfC - NHS X CCG IV RS``: IV = invoice
  validation, RS = risk stratification). They count only in a commissioning title (DSfC, CCG, ICB,
  CSU), so that "Phase IV" is not invoice validation. DSfC itself names the service (Data Services
  for Commissioners), not a purpose: its purposes are the ones the title and headings list;
* a purpose's multi-word label written in the title (``... Suicide Prevention Strategy``);
* (first, because a heading is the best evidence) a heading of the objective that is exactly a
  purpose label (``Invoice Validation``), or a sentence "for the purpose of (the following) X" where X is one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from kg.names import fold_words, tidy_name
from kg.records import Evidence, Purpose

if TYPE_CHECKING:
    from kg.resolve import Resolved, Resolver
    from kg.vocab import Concept

_ABBREVIATIONS = {"IV": "invoice-validation", "RS": "risk-stratification"}
_COMMISSIONING_TITLE = re.compile(r"\b(?:DSfC|CCG|ICB|CSU|Sub[ -]ICB)\b", re.I)
_FOR_PURPOSE = re.compile(r"for the purposes? of (?:the following |undertaking |conducting )?"
                          r"(?P<what>[A-Za-z][A-Za-z \-]{2,60}?)\s*(?:[.,;:(]|$|\band\b|\bwhich\b)", re.I)
_HEADING_MAX_WORDS = 6


def find_purposes(resolver: Resolver, title: str, objective: str, source: str, first_line: int,
                  title_line: int | None = None) -> list[Purpose]:
    """Purposes named by a version's title and its objective's headings, each with evidence.

    ``first_line`` is the source line of the objective's first line; ``title_line`` (optional)
    the title's, else the title's evidence points at ``first_line`` too.
    """
    found = _find(resolver, title or "", objective or "", first_line,
                  title_line if title_line is not None else first_line)
    return [Purpose(r.label, Evidence(source, line, text=text)) for r, line, text in found]


def _find(resolver: Resolver, title: str, objective: str, first_line: int,
          title_line: int) -> list[tuple[Resolved, int, str]]:
    found: list[tuple[Resolved, int, str]] = []
    seen: set[str] = set()

    def add(r: Resolved | None, line: int, text: str) -> None:
        if r is not None and r.iri not in seen:
            seen.add(r.iri)
            found.append((r, line, text))

    for offset, raw in enumerate((objective or "").splitlines()):
        line = tidy_name(raw)
        if not line:
            continue
        if len(line.split()) <= _HEADING_MAX_WORDS:
            add(resolver.purpose(line), first_line + offset, raw.strip())
        for m in _FOR_PURPOSE.finditer(line):
            add(resolver.purpose(m.group("what")), first_line + offset, raw.strip())
    title_clean = tidy_name(title)
    if title_clean:
        tokens = re.split(r"[^A-Za-z]+", title_clean)
        commissioning = bool(_COMMISSIONING_TITLE.search(title_clean))
        for tok in tokens:
            slug_ = _ABBREVIATIONS.get(tok)
            if slug_ and commissioning:
                add(_by_slug(resolver, slug_), title_line, title_clean)
        title_key = f" {fold_words(title_clean)} "
        for concept, keys in _title_keys(resolver):
            if any(k in title_key for k in keys):
                add(resolver.purpose(concept.label), title_line, title_clean)

    return found


_TITLE_KEYS: WeakKeyDictionary[object, list[tuple[Concept, tuple[str, ...]]]] = WeakKeyDictionary()


def _title_keys(resolver: Resolver) -> list[tuple[Concept, tuple[str, ...]]]:
    """Each purpose concept with the `` key `` of each of its labels of two words or more, made once
    per resolver (profiled: folding every label again for each of ~5,500 titles took ~40 % of ``find``)."""
    keys = _TITLE_KEYS.get(resolver)
    if keys is None:
        keys = []
        for concept in resolver.purpose_concepts():
            folded = (fold_words(label) for label in [concept.label, *concept.alt_labels])
            keys.append((concept, tuple(f" {k} " for k in folded if len(k.split()) >= 2)))
        _TITLE_KEYS[resolver] = keys
    return keys


def _by_slug(resolver: Resolver, slug_: str) -> Resolved | None:
    for concept in resolver.purpose_concepts():
        if concept.iri.endswith("/purpose/" + slug_):
            return resolver.purpose(concept.label)
    return None

"""Review aid for ``regkg orgs --suggest``: likely duplicates among unresolved organisation names.

Only suggestions, each with its evidence, for a person to accept into ontology/organisations.ttl.
Nothing here changes how a name resolves.
"""

from __future__ import annotations

from collections import defaultdict
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from kg.names import fold_org_name, ods_code, tidy_name

if TYPE_CHECKING:
    from kg.resolve import Resolver, Suggestion

OVERLAP_MIN = 0.75
SPELLING_MIN = 0.92


def suggest(resolver: Resolver, names: list[str]) -> list[Suggestion]:
    from kg.resolve import Suggestion

    unresolved: dict[str, list[str]] = defaultdict(list)  # iri -> names
    for name in names:
        if not tidy_name(name):
            continue
        r = resolver.try_organisation(name)  # no counting: a review must not change the warnings
        if not r.known and r.label not in unresolved[r.iri]:
            unresolved[r.iri].append(r.label)
    out: list[Suggestion] = []

    # 1. several spellings carrying one ODS code: already one node; list them for the vocabulary.
    by_code_key: dict[str, str] = {}
    for group in unresolved.values():
        code = ods_code(group[0])
        if code:
            by_code_key.setdefault(fold_org_name(group[0]), code)
            if len(group) > 1:
                out.append(Suggestion(tuple(group), "shared ODS code",
                                      f"all carry ODS code {code}; add one concept with these labels", 1.0))

    # 2. a name without code equal (after normalisation) to the name part of a coded one.
    for group in unresolved.values():
        if ods_code(group[0]):
            continue
        code = by_code_key.get(fold_org_name(group[0]))
        if code:
            coded = next(n for g in unresolved.values() for n in g if ods_code(n) == code)
            out.append(Suggestion((group[0], coded), "same name as a coded organisation",
                                  f"{group[0]!r} is the name of {coded!r} without its code {code}; the same "
                                  "name may denote the ICB rather than the Sub-ICB location — check", 0.9))

    # 3. token overlap / near spelling, between unresolved names and against known labels.
    items = [(group[0], resolver.tokens(group[0])) for group in unresolved.values()]
    for i, (a, ta) in enumerate(items):
        for b, tb in items[i + 1:]:
            s = _score(a, ta, b, tb)
            if s:
                out.append(Suggestion((a, b), s[0], s[1], s[2]))
        for concept in resolver.known_organisations():
            for label in [concept.label, *concept.alt_labels]:
                s = _score(a, ta, label, resolver.tokens(label))
                if s:
                    out.append(Suggestion((a, label), s[0], s[1], s[2], target=concept.iri))
                    break
    out.sort(key=lambda s: (-s.score, s.names))
    return out


def _score(a: str, ta: frozenset[str], b: str, tb: frozenset[str]) -> tuple[str, str, float] | None:
    if not ta or not tb:
        return None
    ka, kb = fold_org_name(a), fold_org_name(b)
    if ka == kb:
        return None
    overlap = len(ta & tb) / len(ta | tb)
    if overlap >= OVERLAP_MIN and len(ta & tb) >= 2:
        shared = " ".join(sorted(ta & tb))
        return "token overlap", f"{overlap:.2f} of words shared ({shared})", round(overlap, 2)
    ratio = SequenceMatcher(None, ka, kb).ratio()
    if ratio >= SPELLING_MIN and len(ka) >= 8:
        return "near spelling", f"spellings {ratio:.2f} alike ({ka!r} / {kb!r}); a typo?", round(ratio, 2)
    return None

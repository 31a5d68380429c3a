"""Legal-basis text → the sections it names.

One cell may name several bases (joined by ``;`` on the workbook, by ``,`` on pages, or inside one
phrase: ``s261(1) and s261(2)(b)(ii)``), and one basis is written many ways (``–``, ``-``, a double
space). Recognisers below find every section reference by pattern; whatever text is left over is
looked up by label, and if that fails it is kept as an *unresolved* basis — never dropped, never
guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.names import tidy_name
from kg.namespace import ID, short_hash, slug

_ACT_2012 = r"(?:health and social care act|hsca)\s*\(?\s*2012\s*\)?"
_PARTS = r"(?:\s*\(\s*[0-9a-z]+\s*\))+"
_SRSA = r"(?:statistic\w*\s+(?:and\s+)?registration\s+service\s+act|\bsrsa)\s*\(?\s*2007\s*\)?"
_AMENDED = r"(?:\s*,?\s*as amended by section 287 of the health and social care act\s*\(?\s*2012\s*\)?)?"
# "… 'Other dissemination of information' (NHS England)": the body that disseminates, not another basis
_BY = r"(?:\s*\(\s*(?:nhs england|nhs digital|hscic)\s*\))?"
_COPI = r"(?:the\s+)?health service\s*\(\s*control of patient information\s*\)\s*regulations\s*2002"


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    key: str  # slug of the concept under .../legal-basis/
    text: str = ""  # the words matched


def _parts(text: str) -> list[str]:
    return re.findall(r"\(\s*([0-9a-z]+)\s*\)", text, flags=re.I)


def _hsca_sections(m: re.Match[str]) -> list[str]:
    keys = []
    for ref in re.finditer(r"(?:s\.?|section)?\s*261\s*(" + _PARTS + ")", m.group("secs"), flags=re.I):
        keys.append("hsca-2012-s261-" + "-".join(p.lower() for p in _parts(ref.group(1))))
    return keys


def _srsa_sections(m: re.Match[str]) -> list[str]:
    keys = []
    for ref in re.finditer(r"(\d+[a-z]?)(" + _PARTS + ")?", m.group("secs"), flags=re.I):
        parts = [ref.group(1).lower(), *(p.lower() for p in _parts(ref.group(2) or ""))]
        keys.append("srsa-2007-s" + "-".join(parts))
    return keys


def _gdpr(m: re.Match[str]) -> list[str]:
    return [f"uk-gdpr-art-{m.group('art')}-{m.group('para')}-{m.group('point').lower()}"]


# (pattern, keys-from-match) in priority order: an earlier match claims its span.
RECOGNISERS: list[tuple[re.Pattern[str], object]] = [
    (re.compile(_ACT_2012 + r"\s*-?\s*s\.?\s*261\s*-?\s*'?\s*other dissemination of information\s*'?" + _BY, re.I),
     "hsca-2012-s261-other-dissemination"),
    (re.compile(r"'?other dissemination of information'?" + _BY, re.I), "hsca-2012-s261-other-dissemination"),
    (re.compile(_ACT_2012 + r"\s*[-,]?\s*(?P<secs>(?:s\.?|section)\s*261\s*" + _PARTS
                + r"(?:\s*(?:and|&|,)\s*(?:(?:s\.?|section)\s*)?261\s*" + _PARTS + ")*)", re.I), _hsca_sections),
    (re.compile(r"(?P<secs>\b(?:s\.?|section)\s*261\s*" + _PARTS + r")(?:\s*of\s*(?:the\s*)?" + _ACT_2012 + ")?",
                re.I), _hsca_sections),
    (re.compile(r"national health service act\s*2006\s*-?\s*s\.?\s*251"
                r"(?:\s*-?\s*'?control of patient information'?\.?)?", re.I), "nhs-act-2006-s251"),
    (re.compile(r"section 251 approval is in place for the flow of identifiable data", re.I), "nhs-act-2006-s251"),
    (re.compile(r"\b(?:s\.?|section)\s*251\b"
                r"(?:\s*(?:of\s*)?(?:the\s*)?(?:nhs|national health service)\s*act\s*\(?2006\)?)?", re.I),
     "nhs-act-2006-s251"),
    (re.compile(r"(?:approved researcher accreditation under\s*)?\b(?:section|s\.?)\s*(?P<secs>\d+[a-z]?(?:" + _PARTS
                + r")?(?:\s*(?:and|&|,)\s*(?:(?:section|s\.?)\s*)?\d+[a-z]?(?:" + _PARTS + r")?)*)\s*of\s*(?:the\s*)?"
                + _SRSA + _AMENDED, re.I), _srsa_sections),
    (re.compile(_SRSA + r"\s*-?\s*(?:section|s\.?)\s*(?P<secs>\d+[a-z]?(?:" + _PARTS + r")?)", re.I), _srsa_sections),
    (re.compile(_SRSA + _AMENDED, re.I), "srsa-2007"),
    (re.compile(r"(?:cv19\s*:\s*)?(?:other\s*-\s*)?regulation\s*3\s*\(\s*4\s*\)(?:\s*of\s*" + _COPI + ")?", re.I),
     "copi-2002-reg-3-4"),
    (re.compile(r"(?:other\s*-\s*)?regulation\s*3\b(?:\s*of\s*" + _COPI + ")?", re.I), "copi-2002-reg-3"),
    (re.compile(r"(?:" + _COPI + r"\s*-?\s*)?(?:other\s*-\s*)?regulation\s*5\b(?:\s*of\s*" + _COPI + ")?", re.I),
     "copi-2002-reg-5"),
    (re.compile(r"(?:other\s*-\s*)?nhs regulat\w*\s*\(\s*3\s*\)", re.I), "copi-2002-reg-3"),
    (re.compile(_COPI + r"|\bcopi regulations\b", re.I), "copi-2002"),
    (re.compile(r"informed\s+(?:patient\s+)?consent(?:\s+to permit the receipt,\s*processing and release of data by"
                r"\s+(?:the\s+)?(?:hscic|nhs digital|nhs england))?", re.I), "informed-consent"),
    (re.compile(r"(?:nhs england\s*)?de-?identified data analytics and publication directions\s*2023", re.I),
     "nhse-deid-directions-2023"),
    (re.compile(r"\b(?:cqc|care quality commission)\b[^;,]{0,40}?statutory powers?"
                r"|statutory powers? of the (?:cqc|care quality commission)", re.I), "cqc-statutory-powers"),
    (re.compile(r"(?:(?:uk\s*)?gdpr\s*-?\s*)?art(?:icle)?\.?\s*(?P<art>[69])\s*\(\s*(?P<para>\d)\s*\)\s*\(\s*"
                r"(?P<point>[a-j])\s*\)(?:\s*(?:of\s*(?:the\s*)?)?(?:uk\s*)?gdpr)?", re.I), _gdpr),
    (re.compile(r"national health service act\s*2006|\bnhs act\s*2006", re.I), "nhs-act-2006"),
    (re.compile(_ACT_2012, re.I), "hsca-2012"),
]

_FILLER = re.compile(r"^(?:and|or|other|other-|&|-|cv19|n/?a|none|\s)*$", re.I)


def scan(text: str) -> tuple[list[Hit], list[str]]:
    """The section references in ``text`` (in order) and the leftover pieces no recogniser took."""
    text = tidy_name(text)
    taken = [False] * len(text)
    hits: list[Hit] = []
    for pattern, target in RECOGNISERS:
        for m in pattern.finditer(text):
            if any(taken[m.start():m.end()]) or m.end() == m.start():
                continue
            keys = target(m) if callable(target) else [target]
            for i in range(m.start(), m.end()):
                taken[i] = True
            hits.extend(Hit(m.start(), m.end(), k, m.group(0)) for k in keys)
    hits.sort(key=lambda h: h.start)
    rest = "".join(ch if not t else "\0" for ch, t in zip(text, taken, strict=True))
    leftovers = []
    for piece in re.split(r"[\0;,]", rest):
        piece = tidy_name(piece).strip(" -'\"()")
        if piece and not _FILLER.match(piece) and re.search(r"[A-Za-z]{2}", piece):
            leftovers.append(piece)
    return hits, leftovers


def iri(key: str) -> str:
    return f"{ID}legal-basis/{key}"


def unresolved_iri(text: str) -> str:
    s = slug(tidy_name(text))
    return iri("unresolved-" + (s if len(s) <= 60 else f"{s[:40].rstrip('-')}-{short_hash(s)}"))

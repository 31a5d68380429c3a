"""Name normalisation: the only rules by which two spellings are taken to be one name.

Three layers, each deterministic (nothing here is a similarity score):

* :func:`clean` fixes *typography* and keeps the name readable: curly quotes become straight ones
  (never dropped), en/em dashes become ``-``, NBSPs, tabs, line breaks inside a name and runs of
  spaces become one space, a leading ``~``/``•`` bullet and trailing ``.``/``,``/``;`` go.
* :func:`ods_code` reads an ODS code written after the name (``… ICB - 04V``, ``… - M2L0M``): the
  strongest identity evidence the register gives.
* :func:`org_key` / :func:`dataset_key` fold what does not distinguish two names: case,
  punctuation, ``&``/``and``, a leading ``The``, legal suffixes (``LIMITED``, ``LTD``, ``PLC``,
  ``INC``…), and a few fixed spellings of the same words (``Integrated Care Board`` = ``ICB``,
  ``Clinical Commissioning Group`` = ``CCG``, ``Commissioning Support Unit`` = ``CSU``).

Two review aids (``regkg orgs --suggest``) never used to resolve: :func:`split_bracket_tail` parts a
name from a trailing bracket (often its acronym) and :func:`initials` gives the acronym a name's
words make.

Typos are NOT folded here: a misspelling is the same name only if the vocabulary lists it.
"""

from __future__ import annotations

import re
import unicodedata

from kg.namespace import slug

_TYPOGRAPHY = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ", "\u3000": " ",
    "\u200b": "", "\ufeff": "", "\u00ad": "",
})

_BULLET = re.compile(r"^\s*(?:[~•·▪‣*>]|\d{1,2}[.)])\s+")
_ODS = re.compile(r"\s+-\s*([A-Za-z0-9]{3}|[A-Za-z0-9]{5})\s*\.?\s*$")
_LEGAL_SUFFIX = re.compile(r"(?:\s+(?:limited|ltd|plc|inc|incorporated|llp|llc|l t d))+$")
_BRACKET_TAIL = re.compile(r"\(([^()]*)\)$")
_SMALL_WORDS = {"of", "for", "and", "the", "in", "on", "at", "to", "a", "an"}
_PHRASES = [
    (re.compile(r"\bintegrated care board\b"), "icb"),
    (re.compile(r"\bclinical commissioning group\b"), "ccg"),
    (re.compile(r"\bcommissioning support unit\b"), "csu"),
    (re.compile(r"\bsub[ -]icb location\b"), "sub icb location"),
]


def clean(text: str) -> str:
    """``text`` with its typography fixed and white space collapsed; case and words kept."""
    text = unicodedata.normalize("NFC", text or "").translate(_TYPOGRAPHY)
    text = re.sub(r"\s+", " ", text).strip()
    text = _BULLET.sub("", text)
    return text.strip(" .,;:").strip()


def ods_code(text: str) -> str | None:
    """The ODS code written after a name (``NHS X ICB - 04V`` → ``04V``), upper case, or None.

    Only three- or five-character codes that contain a digit count, so that ``- LTD`` or
    ``- NHS`` never read as codes.
    """
    m = _ODS.search(clean(text))
    if not m:
        return None
    code = m.group(1).upper()
    return code if any(ch.isdigit() for ch in code) else None


def bare_code(text: str) -> str | None:
    """``text`` itself as an ODS code (``04v`` → ``04V``): what people type to name an organisation.

    Same rule as ``ods_code``: three or five characters with a digit, so no word reads as a code.
    """
    candidate = clean(text).upper()
    if len(candidate) in (3, 5) and candidate.isalnum() and any(ch.isdigit() for ch in candidate):
        return candidate
    return None


def strip_code(text: str) -> str:
    """``text`` cleaned, without a trailing ODS code."""
    cleaned = clean(text)
    return _ODS.sub("", cleaned).strip() if ods_code(cleaned) else cleaned


def _fold(text: str) -> str:
    text = clean(text).casefold().replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text)
    text = re.sub(r"_", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def org_key(text: str) -> str:
    """The matching key of an organisation name (without its ODS code)."""
    key = _fold(strip_code(text))
    for pattern, repl in _PHRASES:
        key = pattern.sub(repl, key)
    key = re.sub(r"^the ", "", key)
    key = _LEGAL_SUFFIX.sub("", key).strip()
    return key


def dataset_key(text: str) -> str:
    """The matching key of a dataset name: ``Data Set`` = ``Dataset``, ``v2.0`` = ``v2``."""
    key = _fold(text.replace("+", " plus "))
    key = re.sub(r"\bdata set\b", "dataset", key)
    key = re.sub(r"\bv (\d)", r"v\1", key)
    key = re.sub(r"\b(v\d+) 0\b", r"\1", key)  # "v2.0" was folded to "v2 0"
    key = re.sub(r"\b(v\d+) (\d+)\b", r"\1.\2", key)
    return re.sub(r"\s+", " ", key).strip()


def label_key(text: str) -> str:
    """A general matching key (purposes, legal-basis wordings): case, typography, punctuation."""
    return _fold(text)


def split_bracket_tail(text: str) -> tuple[str, str]:
    """``text`` cleaned, as (the name before a closing bracket, the bracket's content):
    ``UKFast.net Ltd (UKFast)`` → (``UKFast.net Ltd``, ``UKFast``); ("name", "") without one.

    A trailing bracket is often a short form of the same name, but not always (``Optum (UK)``,
    ``… (hosted by Z)``), so only review aids compare names without it; resolution never does.
    """
    cleaned = clean(text)
    m = _BRACKET_TAIL.search(cleaned)
    if not m or not cleaned[:m.start()].strip():
        return cleaned, ""
    return cleaned[:m.start()].strip(), m.group(1).strip()


def initials(text: str) -> str:
    """The acronym a name's words would make, upper case: ``Office for National Statistics`` →
    ``ONS``, ``NHS Blood and Transplant`` → ``NHSBT`` (a word in capitals counts whole); small
    words and a legal suffix do not count. Empty for a one-word name, which has no acronym."""
    words = [w for w in re.findall(r"[A-Za-z]+", split_bracket_tail(text)[0]) if w.lower() not in _SMALL_WORDS]
    while words and _LEGAL_SUFFIX.fullmatch(f" {words[-1].lower()}"):
        words.pop()
    if len(words) < 2:
        return ""
    return "".join(w if w.isupper() else w[0] for w in words).upper()


def org_slug(text: str) -> str:
    """The IRI key of an organisation known only by name: the slug of its matching key."""
    return slug(org_key(text))

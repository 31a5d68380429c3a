"""Name folding: the only rules by which two spellings are taken to be one name (docs/identity.md).

Every place that compares names or values folds them here.  Each fold is named for what it keeps;
from ``fold_text`` on, each comparing fold keeps less than the one above it.  ``tidy_name`` is for
showing and minting, not comparing: it drops a leading bullet and trailing ``.,;:`` that
``fold_text`` keeps.

=======================  ======================================================================
fold                     keeps
=======================  ======================================================================
:func:`squash_spaces`    every character; only runs of white space become one space
:func:`tidy_name`        case, words and punctuation; typography made plain (curly quotes become
                         straight ones, en/em dashes ``-``, odd spaces a space), a leading bullet
                         and trailing ``.,;:`` dropped — for showing and minting, not comparing
:func:`fold_text`        words and punctuation as written (dashes, quotes); drops case,
                         typography and spacing — the cell-level identity of a name
:func:`fold_value`       what ``fold_text`` keeps, but the spacing around a dash does not count
                         (``A-B`` = ``A – B``): controlled values keep their dash structure
:func:`fold_words`       words only: punctuation becomes space and ``&`` is ``and`` — purposes
                         and legal-basis wordings
:func:`fold_org_name`    the words that name the body: what ``fold_words`` keeps, less an ODS
                         code, a leading ``The``, a legal form (``Ltd``, ``PLC``…), and the long
                         forms of ``ICB``/``CCG``/``CSU``
:func:`fold_dataset_name` what ``fold_words`` keeps, with ``Data Set`` = ``Dataset``, ``+`` =
                         ``plus`` and ``v2.0`` = ``v2``
=======================  ======================================================================

Typos are NOT folded: a misspelling is the same name only if a vocabulary lists it.  Nothing here
is a similarity score.

Beside the folds: :func:`ods_code`/:func:`bare_code`/:func:`strip_code` read the ODS code a name
carries (the strongest identity evidence the register gives), and two review aids that never
resolve anything (``regkg orgs --suggest``): :func:`split_bracket_tail` and :func:`initials`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TYPOGRAPHY = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ", "\u3000": " ",
    "\u200b": "", "\ufeff": "", "\u00ad": "",
})

_BULLET = re.compile(r"^\s*(?:[~•·▪‣*>]|\d{1,2}[.)])\s+")
_DASH = re.compile(r"\s*-\s*")
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


def squash_spaces(text: str) -> str:
    """``text`` with each run of white space (NBSPs and line breaks too) as one space, trimmed.

    Keeps every other character: what a source cell says, as the graph shows it.
    """
    return " ".join(text.split())


def _plain(text: str) -> str:
    """Typography made plain (one Unicode form, straight quotes, ``-`` dashes), spaces squashed."""
    return squash_spaces(unicodedata.normalize("NFC", text or "").translate(_TYPOGRAPHY))


def tidy_name(text: str) -> str:
    """``text`` with its typography made plain, a leading bullet and trailing ``.,;:`` dropped.

    Keeps case, words and inner punctuation: the readable form a name is shown and minted under.
    """
    return _BULLET.sub("", _plain(text)).strip(" .,;:").strip()


@lru_cache(maxsize=65536)
def fold_text(text: str) -> str:
    """Case, typography and spacing do not count; words and punctuation do.

    ``ST GEORGE’S`` = ``st george's``; ``Smith-Jones`` ≠ ``Smith Jones``.  Cached: the readers
    fold every cell of an edition, and a few thousand names repeat across ~100,000 rows.
    """
    return _plain(text).casefold()


def fold_value(text: str) -> str:
    """Like :func:`fold_text`, and the spacing around a dash does not count either.

    For controlled values, whose dashes carry structure: ``Anonymised - Pseudonymised`` =
    ``anonymised–pseudonymised``, but neither is ``Anonymised Pseudonymised``.
    """
    return _DASH.sub(" - ", fold_text(text)).strip()


def fold_words(text: str) -> str:
    """Only the words count: case, typography, punctuation and a leading bullet do not, and ``&``
    is ``and`` (``1. Risk Stratification`` = ``risk-stratification``)."""
    text = tidy_name(text).casefold().replace("&", " and ")
    return squash_spaces(re.sub(r"[^\w\s]|_", " ", text))


def ods_code(text: str) -> str | None:
    """The ODS code written after a name (``NHS X ICB - 04V`` → ``04V``), upper case, or None.

    Only three- or five-character codes that contain a digit count, so that ``- LTD`` or
    ``- NHS`` never read as codes.
    """
    m = _ODS.search(tidy_name(text))
    if not m:
        return None
    code = m.group(1).upper()
    return code if any(ch.isdigit() for ch in code) else None


def bare_code(text: str) -> str | None:
    """``text`` itself as an ODS code (``04v`` → ``04V``): what people type to name an organisation.

    Same rule as ``ods_code``: three or five characters with a digit, so no word reads as a code.
    """
    candidate = tidy_name(text).upper()
    if len(candidate) in (3, 5) and candidate.isalnum() and any(ch.isdigit() for ch in candidate):
        return candidate
    return None


def strip_code(text: str) -> str:
    """``text`` tidied (:func:`tidy_name`), without a trailing ODS code."""
    tidied = tidy_name(text)
    return _ODS.sub("", tidied).strip() if ods_code(tidied) else tidied


@lru_cache(maxsize=65536)
def fold_org_name(text: str) -> str:
    """The words that name an organisation: :func:`fold_words` of the name without its ODS code,
    a leading ``The`` or a legal form, with ``Integrated Care Board`` = ``ICB``, ``Clinical
    Commissioning Group`` = ``CCG``, ``Commissioning Support Unit`` = ``CSU``."""
    key = fold_words(strip_code(text))
    for pattern, repl in _PHRASES:
        key = pattern.sub(repl, key)
    key = re.sub(r"^the ", "", key)
    return _LEGAL_SUFFIX.sub("", key).strip()


def fold_dataset_name(text: str) -> str:
    """The words that name a dataset: :func:`fold_words`, with ``Data Set`` = ``Dataset``,
    ``+`` = ``plus``, and a version's trailing ``.0`` dropped (``v2.0`` = ``V2``, ``v1.5`` kept)."""
    key = fold_words(text.replace("+", " plus "))
    key = re.sub(r"\bdata set\b", "dataset", key)
    key = re.sub(r"\bv (\d)", r"v\1", key)
    key = re.sub(r"\b(v\d+) 0\b", r"\1", key)  # "v2.0" was folded to "v2 0"
    key = re.sub(r"\b(v\d+) (\d+)\b", r"\1.\2", key)
    return squash_spaces(key)


def split_bracket_tail(text: str) -> tuple[str, str]:
    """``text`` tidied, as (the name before a closing bracket, the bracket's content):
    ``UKFast.net Ltd (UKFast)`` → (``UKFast.net Ltd``, ``UKFast``); ("name", "") without one.

    A trailing bracket is often a short form of the same name, but not always (``Optum (UK)``,
    ``… (hosted by Z)``), so only review aids compare names without it; resolution never does.
    """
    tidied = tidy_name(text)
    m = _BRACKET_TAIL.search(tidied)
    if not m or not tidied[:m.start()].strip():
        return tidied, ""
    return tidied[:m.start()].strip(), m.group(1).strip()


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

"""Split a ``Data Controller(s)`` cell into organisation names (docs/register.md, trap 2).

The register separates controllers with ``;``, line breaks *or commas*, yet many names hold a
comma themselves.  The cell is cut at every top-level separator (never inside ``[...]``,
``(...)`` or ``{...}``) and the pieces are glued back together by these rules, in order:

1. **Dictionary.** The longest run of pieces (joined by commas or line breaks) whose text is a
   name seen whole elsewhere — the Applicant Organisation column, which never splits, and
   controller cells holding no separator, plus a few national bodies (``NATIONAL_BODIES``) — is
   one name.  A piece that is itself a known name
   is never glued to its neighbours by the rules below.
2. **Corporate suffix.** A piece that is only ``INC``, ``LTD``, ``LLC``, ``PLC``, ``LIMITED``…
   belongs to the name before it (``MCKINSEY & COMPANY, INC.``).  ``CO DURHAM`` is not a suffix:
   the whole piece must be the suffix.
3. **List inside a name, continued.**  A piece after a comma that contains `` and `` (or `` & ``)
   but no organisation head word (ICB, council, trust, university, limited…) and does not start
   the way organisation names start (``NHS``, ``The``, ``University``…) cannot stand alone: it
   ends an enumeration that belongs to the name before it
   (``Ministry of Housing, Communities and Local Government``).
4. **List inside a name, begun.**  A run of short pieces without head word or `` and ``
   (``NHS Bristol``; ``Cumbria``, ``Northumberland``), or an ``NHS`` piece with no head word
   (``NHS BATH AND NORTH EAST SOMERSET``), followed after commas by a piece that
   contains `` and `` and does not start like an organisation name is one name
   (``NHS Bristol, North Somerset and South Gloucestershire ICB - 15C``;
   ``Cumbria, Northumberland, Tyne and Wear NHS Foundation Trust``).  Without rule 1 this would
   wrongly glue ``NHS ENGLAND, NHS BLOOD AND TRANSPLANT``; the ``NHS`` start prevents that.
5. **Broken line.**  Across a line break, a piece ending in a connecting word (``AND``, ``OF``,
   ``&``, ``-``…) or followed by one starting with such a word is one name.

``;`` always separates.  A row marked *Sole Data Controller* holds one name: only ``;`` splits it
(and the reader warns when that gives more than one).  Rule 4 cannot tell ``IQVIA, Brighton and
Hove City Council`` (two controllers, IQVIA unknown to the dictionary) from ``Cumbria, …`` — the
dictionary is what settles such cells.  Names come back with runs of white space (NBSPs, line breaks, tabs)
collapsed to one space and every other character kept, so ``ST GEORGE’S`` keeps its quote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kg.names import fold_text, squash_spaces

_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = set(_OPEN.values())
_SOFT = {",", "\n"}
_MAX_RUN = 6  # pieces in one name; bounds the dictionary search

SUFFIXES = frozenset({
    "INC", "INCORPORATED", "LTD", "LIMITED", "LLC", "LLP", "LP", "L.P", "PLC", "CORP", "CORPORATION",
    "CO", "GMBH", "AG", "SA", "S.A", "SAS", "SPA", "S.P.A", "BV", "B.V", "NV", "N.V", "AB", "A/S", "SE",
    "PTY LTD", "CIC", "ULC",
})
HEAD_WORDS = frozenset({
    "ICB", "CCG", "COUNCIL", "TRUST", "UNIVERSITY", "LIMITED", "LTD", "PLC", "INC", "LLP", "LLC",
    "COLLEGE", "AGENCY", "DEPARTMENT", "INSTITUTE", "SCHOOL", "HOSPITAL", "HOSPITALS", "AUTHORITY",
    "BOARD", "PARTNERSHIP", "FOUNDATION", "COMPANY", "CORPORATION", "CENTRE", "CENTER", "UNIT",
    "SOCIETY", "CHARITY", "GROUP", "NETWORK", "ALLIANCE", "SERVICE", "SERVICES", "EXECUTIVE",
    "OFFICE", "MINISTRY", "COMMISSION", "PRACTICE", "SURGERY", "CSU", "ASSOCIATION", "CONSORTIUM",
    "LABORATORY", "LABORATORIES", "INTEGRATED", "COMMISSIONING", "FT", "UK",
})
ORG_STARTS = frozenset({
    "NHS", "THE", "UNIVERSITY", "UNIVERSITIES", "ROYAL", "DEPARTMENT", "MINISTRY", "OFFICE",
    "PUBLIC", "HEALTH", "NATIONAL", "HM", "UK", "INSTITUTE", "COUNCIL",
})
# National bodies that are often one of several controllers; seeded into every dictionary so that
# rule 4 never glues them to a neighbour even in a workbook where they are never the applicant.
NATIONAL_BODIES = (
    "NHS ENGLAND", "NHS DIGITAL", "NHS IMPROVEMENT", "NHS BLOOD AND TRANSPLANT", "NHS RESOLUTION",
    "NHS BUSINESS SERVICES AUTHORITY", "PUBLIC HEALTH ENGLAND", "UK HEALTH SECURITY AGENCY",
    "DEPARTMENT OF HEALTH AND SOCIAL CARE", "OFFICE FOR NATIONAL STATISTICS", "CARE QUALITY COMMISSION",
    "HEALTH EDUCATION ENGLAND", "MEDICINES AND HEALTHCARE PRODUCTS REGULATORY AGENCY",
)
END_CONNECTORS = frozenset({"AND", "&", "OF", "FOR", "THE", "IN", "ON", "AT", "-", "–", "—", "+"})
START_CONNECTORS = frozenset({"AND", "&", "OF", "FOR", "-", "–", "—", "+"})  # not THE: it starts names

_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.]*|&|[-–—+]")
_AND = re.compile(r"\s(?:and|&)\s", re.IGNORECASE)


def has_separator(cell: str) -> bool:
    """True when the cell could hold more than one name."""
    return any(sep in cell for sep in (";", ",", "\n", "\r"))


class ControllerSplitter:
    """Splits controller cells using a dictionary of names known to be whole."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._known: set[str] = set()
        self.add(NATIONAL_BODIES)
        self.add(known)

    def add(self, names: Iterable[str]) -> None:
        """Learn names that are whole (empty ones are ignored)."""
        self._known.update(key for key in map(fold_text, names) if key)

    def is_known(self, name: str) -> bool:
        return fold_text(name) in self._known

    def split(self, cell: str, *, sole: bool = False) -> list[str]:
        """The names in ``cell``, in order, each once.

        ``sole`` (the row says *Sole Data Controller*) means one name: only ``;`` separates then,
        so a comma or a line break inside a sole controller's name never splits it.
        """
        if sole:
            return _unique(squash_spaces(part) for part in cell.split(";"))
        pieces, seps = _tokenise(cell)
        names: list[str] = []
        i = 0
        while i < len(pieces):
            j = self._extent(pieces, seps, i)
            names.append(squash_spaces(_join(pieces, seps, i, j)))
            i = j + 1
        return _unique(names)

    def _extent(self, pieces: list[str], seps: list[str], i: int) -> int:
        """Index of the last piece of the name that starts at piece ``i``."""
        j = self._dictionary_run(pieces, seps, i)
        if j is not None:
            return j
        j = _list_end(pieces, seps, i, self._known)
        if j is not None:
            return j
        j = i
        while j + 1 < len(pieces) and seps[j] in _SOFT and self._glues(pieces[j], pieces[j + 1], seps[j]):
            j += 1
        return j

    def _dictionary_run(self, pieces: list[str], seps: list[str], i: int) -> int | None:
        """The longest run from ``i`` (soft separators only) that is a known name."""
        last = i
        while last + 1 < len(pieces) and last - i + 1 < _MAX_RUN and seps[last] in _SOFT:
            last += 1
        for j in range(last, i - 1, -1):
            if fold_text(_join(pieces, seps, i, j)) in self._known:
                return j
        return None

    def _glues(self, before: str, after: str, sep: str) -> bool:
        """Whether ``after`` continues the name ending with ``before`` (rules 2, 3 and 5)."""
        if fold_text(after) in self._known:
            return False
        if _is_suffix(after):
            return True
        if sep == ",":
            return fold_text(before) not in self._known and _is_continuation(after)
        return _ends_with_connector(before) or _starts_with_connector(after)


def _unique(names: Iterable[str]) -> list[str]:
    """Non-empty names in order, dropping repeats (compared by ``fold_text``)."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        key = fold_text(name)
        if key and key not in seen:
            seen.add(key)
            out.append(name)
    return out


def _tokenise(cell: str) -> tuple[list[str], list[str]]:
    """Cut at top-level ``;``, ``,`` and line breaks; ``seps[k]`` follows ``pieces[k]``."""
    pieces, seps = _cut(cell, brackets=True)
    if pieces is None:  # an unclosed bracket: protecting it would swallow the rest of the cell
        pieces, seps = _cut(cell, brackets=False)
    assert pieces is not None
    return pieces, seps


def _cut(cell: str, *, brackets: bool) -> tuple[list[str] | None, list[str]]:
    pieces: list[str] = []
    seps: list[str] = []
    stack: list[str] = []
    start = 0
    for pos, char in enumerate(cell):
        if brackets and char in _OPEN:
            stack.append(_OPEN[char])
        elif brackets and char in _CLOSE:
            if stack and stack[-1] == char:
                stack.pop()
        elif not stack and char in ";,\n\r":
            pieces.append(cell[start:pos])
            seps.append("\n" if char == "\r" else char)
            start = pos + 1
    if stack:
        return None, []
    pieces.append(cell[start:])
    seps.append("")
    return _drop_empty(pieces, seps)


def _drop_empty(pieces: list[str], seps: list[str]) -> tuple[list[str], list[str]]:
    """Remove blank pieces, keeping the strongest separator (``;`` > ``,`` > line break)."""
    out_p: list[str] = []
    out_s: list[str] = []
    rank = {"": 0, "\n": 1, ",": 2, ";": 3}
    for piece, sep in zip(pieces, seps, strict=True):
        if piece.strip():
            out_p.append(piece)
            out_s.append(sep)
        elif out_s and rank[sep] > rank[out_s[-1]]:
            out_s[-1] = sep
    if out_s:
        out_s[-1] = ""
    return out_p, out_s


def _join(pieces: list[str], seps: list[str], i: int, j: int) -> str:
    parts = [pieces[i]]
    for k in range(i, j):
        parts.append(", " if seps[k] == "," else " ")
        parts.append(pieces[k + 1])
    return "".join(parts)


def _words(text: str) -> list[str]:
    return [w.upper().rstrip(".") or w for w in _WORDS.findall(text)]


def _is_suffix(piece: str) -> bool:
    return squash_spaces(piece).upper().rstrip(".") in SUFFIXES


def _has_head(piece: str) -> bool:
    return any(w in HEAD_WORDS for w in _words(piece))


def _starts_like_org(piece: str) -> bool:
    words = _words(piece)
    return bool(words) and words[0] in ORG_STARTS


def _is_continuation(piece: str) -> bool:
    """Rule 3: an enumeration's last items, which cannot be an organisation on their own.

    ``NHS`` anywhere marks an NHS body (``BRIGHTON AND YORK NHS FT``), so such a piece stands alone.
    """
    return (bool(_AND.search(f" {squash_spaces(piece)} ")) and not _has_head(piece)
            and not _starts_like_org(piece) and "NHS" not in _words(piece))


def _is_fragment(piece: str, known: set[str]) -> bool:
    """Rule 4: a piece that names no organisation by itself: short (``NHS Bristol``, ``Cumbria``),
    or ``NHS`` + places without the body's type (``NHS BATH AND NORTH EAST SOMERSET``)."""
    if _has_head(piece) or fold_text(piece) in known:
        return False
    words = _words(piece)
    return (len(words) <= 3 and not _AND.search(f" {piece} ")) or (bool(words) and words[0] == "NHS")


def _list_end(pieces: list[str], seps: list[str], i: int, known: set[str]) -> int | None:
    """Rule 4: the last piece of ``fragment, fragment…, X and Y <head>`` starting at ``i``."""
    if not _is_fragment(pieces[i], known):
        return None
    j = i
    while j + 1 < len(pieces) and seps[j] == "," and j - i < _MAX_RUN:
        nxt = pieces[j + 1]
        if fold_text(nxt) in known or _starts_like_org(nxt):
            return None
        if _AND.search(f" {squash_spaces(nxt)} "):
            return j + 1
        if not _is_fragment(nxt, known):
            return None
        j += 1
    return None


def _ends_with_connector(piece: str) -> bool:
    words = _words(piece)
    return bool(words) and words[-1] in END_CONNECTORS


def _starts_with_connector(piece: str) -> bool:
    words = _words(piece)
    return bool(words) and words[0] in START_CONNECTORS

"""Reader for the reformatted register: one page per recipient organisation → records.

Campaign sites republish the register as one page per organisation (docs/register.md §B).  A page has a
header (organisation, the count of files disseminated unsafely, ``🚩`` flag paragraphs, sometimes
a project index) and then one block per agreement.  Four generations exist and one parser reads
them all, because they share one idea — a heading line, then ``Label: value`` fields, then a
dataset list, then free-text sections:

* newer (``Type of data:`` … ``Processing:``), with headings sometimes dropped;
* compact newer (single newlines, ``-`` bullets, an index at the top, extra labels);
* older (``Project N — DARS-NIC-…``, ``Repeats:``, ``Categories:``, ``•`` bullets, ``Benefits:``);
* the 2016 layout (``HSCIC Id:``, ``Data:``, ``Basis:``, ``Format:``, ``How often:``, ``Output:``).

Values are parsed (dates, booleans, split lists) but not identified: names stay as written, and
the graph maps controlled values through ``kg.vocab``.

**Dropped headings.**  Some pages lose the ``Datasets:``, ``Objectives:``, ``Outputs:`` and
``Processing:`` headings; each leaves a run of two or more blank lines where it stood.  A block
without a ``Datasets:``/``Data:``/``Objectives:`` heading is read *positionally*: the sections
follow in the register's order and such a blank-line run (after text) starts the next section.

**Incomplete blocks.**  Pages are often saved cut off.  The last block of a page is marked
``incomplete`` when the page does not end on sentence-final punctuation (it stops mid-word or
mid-list) or when the block never reached its free text (no objective, benefits, outputs or
processing).  Earlier blocks are complete by construction: another block follows them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kg.errors import SourceError
from kg.names import fold_text, fold_value, squash_spaces
from kg.namespace import short_hash, slug
from kg.records import Agreement, AgreementVersion, DatasetUse, Evidence, OrgMention, SourceDocument
from kg.sources.controllers import ControllerSplitter
from kg.sources.html_text import html_to_text, looks_like_html
from kg.vocab import Vocabulary

# -- labels ----------------------------------------------------------------------------------------

FIELD_LABELS = {
    "type of data": "type_of_data", "categories": "type_of_data", "format": "type_of_data",
    "opt outs honoured": "opt_outs",
    "legal basis": "legal_basis", "basis": "legal_basis",
    "purposes": "purposes",
    "sensitive": "sensitivity",
    "when": "when",
    "access method": "access", "repeats": "access", "how often": "access",
    "data-controller type": "controllers",
    "sublicensing allowed": "sublicensing",
    "hscic id": "hscic_id",
}
SECTION_LABELS = {
    "datasets": "datasets", "data": "datasets",
    "objectives": "objective", "objective": "objective",
    "yielded benefits": "yielded_benefits",
    "expected benefits": "expected_benefits", "benefits": "expected_benefits",
    "outputs": "expected_outputs", "output": "expected_outputs",
    "processing": "processing",
}
# The order sections follow when their headings are dropped.
SECTION_ORDER = ["datasets", "objective", "yielded_benefits", "expected_benefits",
                 "expected_outputs", "processing"]
TEXT_SECTIONS = SECTION_ORDER[1:]
# Labels that can follow a bare heading line directly, so that line must be a block heading.
OPENERS = {"type of data", "opt outs honoured", "hscic id"}

LABEL = re.compile(r"^\s*([A-Za-z][A-Za-z /()'&-]{0,48}?)\s*:\s*(.*)$")
UNKNOWN_LABEL = re.compile(r"^([A-Z][A-Za-z0-9 /()'&-]{1,48}):\s*(.*)$")
LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[•\-~*·])(?:\s+(.*)|\s*$)")
# A NIC number without its check suffix has five or six digits (docs/register.md): fewer is a
# reference cut off at the end of a page, not another one
REFERENCE = re.compile(r"(?:DARS-)?NIC-(?:(\d+)-([A-Z0-9]{5})|(\d{5,}))(?:-V\d+(?:\.\d+)*)?")
REF_HEADING = re.compile(r"^(.*\S)\s+—\s+((?:DARS-)?NIC-[A-Za-z0-9.-]+)\s*$", re.I)
EM_DASH_HEADING = re.compile(r"^(.*\S)\s+—\s+(\S+)\s*$")
PROJECT_N = re.compile(r"^Project\s+\d+$", re.I)
# The older generations numbered projects that had no register reference ("Project 3 — CSU IV Id/sens"):
# such a block is an agreement of its own, marked unreferenced; any other block without a whole
# reference (a heading cut off mid-reference, a malformed one) is reported and read as nothing.
NUMBERED_PROJECT = re.compile(r"^Project\s+\d+\b", re.I)
UNSAFE = re.compile(r"^(\d[\d,]*) data files? in total were disseminated unsafely")
BANNERS = re.compile(r"reformatted\s*$|^Good TREs work$", re.I)
SENTENCE_END = tuple('.!?)]"\'”’')
TYPE_NOT_DISCLOSED = "information not disclosed for tre projects"


# -- entry points ----------------------------------------------------------------------------------

def read_page(path: Path, vocab: Vocabulary) -> SourceDocument:
    """Read a page saved as text or HTML (sniffed from the content, not the suffix)."""
    text = _decode(path.read_bytes(), path.name)
    if looks_like_html(text):
        text = html_to_text(text)
    doc = parse_page(text, path.name, vocab)
    doc.path = str(path)
    return doc


def parse_page(text: str, name: str, vocab: Vocabulary) -> SourceDocument:
    """Parse the text of one page; ``name`` is the file name shown in evidence and errors."""
    if not text.strip():
        raise SourceError(name, "empty file")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    starts = _block_starts(lines)
    header = lines[: starts[0]] if starts else lines
    doc = SourceDocument(path=name, kind="page", name=name)
    _read_header(header, doc)
    if not starts:
        if not _has_index(header):
            raise SourceError(name, "no agreement blocks found (expected a heading such as "
                                    "'<title> — DARS-NIC-…' followed by 'Opt outs honoured:')")
        doc.warnings.append(f"{name}: page ends inside its project index, before any agreement block")
        return doc
    stem = Path(name).stem
    cut = _ends_mid_sentence(lines)
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(lines)
        agreement = _BlockParser(lines, start, end, name, stem, vocab, doc.warnings).parse()
        version = agreement.versions[0]
        if not agreement.referenced and not NUMBERED_PROJECT.match(version.title or ""):
            doc.warnings.append(f"{name}: line {start + 1}: block {lines[start].strip()!r} has no whole register "
                                "reference (expected e.g. '— DARS-NIC-123456-ABC12'); skipped")
            continue
        if i == len(starts) - 1 and (cut or not _has_free_text(version)):
            version.incomplete = True
            if cut:
                _drop_cut_dataset(version, _last_content_line(lines), doc.warnings)
        _add_agreement(doc, agreement)
    return doc


# -- bytes, header, block boundaries ---------------------------------------------------------------

def _decode(data: bytes, name: str) -> str:
    """UTF-8 text; a multi-byte character cut by truncation at the very end is dropped."""
    if not data.strip():
        raise SourceError(name, "empty file")
    if b"\x00" in data:
        raise SourceError(name, "not a text page (binary content)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if err.start >= len(data) - 3 and err.reason == "unexpected end of data":
            return data[: err.start].decode("utf-8-sig")
        raise SourceError(name, f"not a text page (not UTF-8: undecodable byte at offset {err.start})") from None


def _block_starts(lines: list[str]) -> list[int]:
    """Indexes of block heading lines: ``title — REF``, ``Project N``, or a line before an opener."""
    starts = []
    for i, line in enumerate(lines):
        text = line.strip()
        if not text or LIST_ITEM.match(line) or text.startswith("🚩"):
            continue
        if _is_heading(lines, i, text):
            starts.append(i)
    return starts


def _is_heading(lines: list[str], i: int, text: str) -> bool:
    if REF_HEADING.match(text) or PROJECT_N.match(text):
        return True
    return not _known_label(text) and _next_label(lines, i) in OPENERS


def _known_label(text: str) -> tuple[str, str] | None:
    """(folded label, value) when ``text`` is a field or section label line."""
    m = LABEL.match(text)
    if not m:
        return None
    key = fold_text(m.group(1))
    return (key, m.group(2).strip()) if key in FIELD_LABELS or key in SECTION_LABELS else None


def _next_label(lines: list[str], i: int) -> str | None:
    for line in lines[i + 1:]:
        if line.strip():
            found = _known_label(line.strip())
            return found[0] if found else None
    return None


def _read_header(header: list[str], doc: SourceDocument) -> None:
    """Organisation (``X projects`` or the older bare line), unsafe-file count and flags."""
    candidates = []
    for line in header:
        text = line.strip()
        if not text or LIST_ITEM.match(line):
            continue
        if m := UNSAFE.match(text):
            doc.unsafe_files = int(m.group(1).replace(",", ""))
        elif text.startswith("🚩"):
            doc.flags.append(text.removeprefix("🚩").strip())
        elif not BANNERS.search(text):
            candidates.append(text)
    projects = [c for c in candidates if c.endswith(" projects")]
    if projects:
        doc.organisation = projects[0].removesuffix(" projects").strip()
    elif candidates:
        doc.organisation = candidates[-1]


def _has_index(header: list[str]) -> bool:
    return any(LIST_ITEM.match(line) for line in header)


def _ends_mid_sentence(lines: list[str]) -> bool:
    last = next((line.rstrip() for line in reversed(lines) if line.strip()), "")
    item = LIST_ITEM.match(last)
    return (item is not None and not item.group(1)) or not last.endswith(SENTENCE_END)


def _last_content_line(lines: list[str]) -> int:
    return max((i + 1 for i, line in enumerate(lines) if line.strip()), default=0)


def _drop_cut_dataset(version: AgreementVersion, last_line: int, warnings: list[str]) -> None:
    """A dataset name on the very line where the page was cut is a fragment: leave it out, say so."""
    cut = [d for d in version.datasets if d.evidence and d.evidence.start == last_line]
    for dataset in cut:
        version.datasets.remove(dataset)
        warnings.append(f"{dataset.evidence.source}: line {last_line}: dataset name cut off "
                        f"('{dataset.name}'), left out")


def _has_free_text(version: AgreementVersion) -> bool:
    return any(getattr(version, name) for name in
               ("objective", "yielded_benefits", "expected_benefits", "expected_outputs", "processing"))


def _add_agreement(doc: SourceDocument, agreement: Agreement) -> None:
    """Append; a reference repeated on one page gets a distinct version key (and a warning)."""
    seen = [a for a in doc.agreements if a.base_reference == agreement.base_reference]
    if seen:
        version = agreement.versions[0]
        version.key = f"{version.key}-{len(seen) + 1}"
        doc.warnings.append(f"{doc.name}: line {version.evidence.start if version.evidence else '?'}: "
                            f"{agreement.base_reference} appears again on the page")
    doc.agreements.append(agreement)


# -- references ------------------------------------------------------------------------------------

def normalise_reference(token: str) -> str | None:
    """The base reference for a written one, or None when ``token`` is no register reference.

    ``DARS-NIC-199599-S0T5M-v2.1`` → ``DARS-NIC-199599-S0T5M``; ``NIC-154590-YG6QH`` →
    ``DARS-NIC-154590-YG6QH`` (the same identifier with its system prefix dropped, as older
    exports wrote it).  ``NIC-373563`` has lost its check suffix, so the full form cannot be
    rebuilt without guessing: it stays ``NIC-373563`` for the resolver to match by number.
    """
    m = REFERENCE.fullmatch(token.strip().upper())
    if not m:
        return None
    number, suffix = m.group(1) or m.group(3), m.group(2)
    return f"DARS-NIC-{number}-{suffix}" if suffix else f"NIC-{number}"


def _split_heading(heading: str) -> tuple[str, str | None]:
    """(title, reference token as written) of a block heading."""
    m = EM_DASH_HEADING.match(heading)
    if m and (normalise_reference(m.group(2)) or PROJECT_N.match(m.group(1))):
        return m.group(1), m.group(2)
    return heading, None


# -- one block -------------------------------------------------------------------------------------

@dataclass
class _Section:
    lines: list[tuple[int, str]] = field(default_factory=list)

    def has_text(self) -> bool:
        return any(text.strip() for _, text in self.lines)


class _BlockParser:
    """Walks a block's lines once: fields first, then the dataset list and free-text sections."""

    def __init__(self, lines: list[str], start: int, end: int, name: str, stem: str,
                 vocab: Vocabulary, warnings: list[str]) -> None:
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        self.lines, self.start, self.end = lines, start, end
        self.name, self.stem, self.vocab, self.warnings = name, stem, vocab, warnings
        self.fields: dict[str, tuple[str, int]] = {}
        self.other: dict[str, str] = {}
        self.datasets: list[DatasetUse] = []
        self.sections: dict[str, _Section] = {s: _Section() for s in TEXT_SECTIONS}
        self.current: str | None = None  # None while still in the field zone
        self.positional = not any(
            (_known_label(lines[i].strip()) or ("", ""))[0] in ("datasets", "data", "objectives")
            for i in range(start + 1, end))

    def parse(self) -> Agreement:
        blank_run, last_field = 0, None
        for i in range(self.start + 1, self.end):
            text = self.lines[i].strip()
            if not text:
                blank_run += 1
                last_field = None
                continue
            last_field = self._line(i, text, blank_run, last_field)
            blank_run = 0
        return self._agreement()

    def _line(self, i: int, text: str, blank_run: int, last_field: str | None) -> str | None:
        """Handle one non-blank line; returns the field a ``(`` continuation line would extend."""
        known = _known_label(text)
        if known and known[0] in SECTION_LABELS and not self._list_after_text(known):
            self._open_section(SECTION_LABELS[known[0]], known[1], i)
            return None
        if known and self.current in (None, "datasets"):
            self._set_field(FIELD_LABELS[known[0]], known[1], i)
            return FIELD_LABELS[known[0]]
        if last_field and text.startswith("(") and self.current is None:
            value, line = self.fields[last_field]
            self.fields[last_field] = (f"{value} {text}".strip(), line)
            return last_field
        if self.current is None and (m := UNKNOWN_LABEL.match(text)):
            self.other[m.group(1)] = m.group(2).strip()
            self.warnings.append(f"{self.name}: line {i + 1}: unknown label '{m.group(1)}:' kept as text")
            return None
        self._content(i, text, blank_run)
        return None

    def _list_after_text(self, known: tuple[str, str]) -> bool:
        """``Data: …`` inside free text is prose: a dataset list never follows the free text."""
        return SECTION_LABELS[known[0]] == "datasets" and self.current in TEXT_SECTIONS and bool(known[1])

    def _open_section(self, section: str, inline: str, i: int) -> None:
        self.current = section
        if inline:
            self._content(i, inline, 0, opened=True)

    def _content(self, i: int, text: str, blank_run: int, opened: bool = False) -> None:
        item = LIST_ITEM.match(text)
        if self.current in (None, "datasets") and (item or (self.current == "datasets" and opened)):
            self.current = "datasets"
            names = [(item.group(1) or "").strip()] if item else [p.strip() for p in text.split(";")]
            self.datasets.extend(DatasetUse(n, evidence=Evidence(self.name, i + 1)) for n in names if n)
            return
        if self.current in (None, "datasets"):
            self.current = "objective"
        elif (self.positional and blank_run >= 2 and self.sections[self.current].has_text()
              and self.current != SECTION_ORDER[-1]):
            self.current = SECTION_ORDER[SECTION_ORDER.index(self.current) + 1]
        self.sections[self.current].lines.append((i + 1, self.lines[i].rstrip() if not opened else text))

    def _set_field(self, key: str, value: str, i: int) -> None:
        if key in self.fields:
            old, line = self.fields[key]
            value = ", ".join(v for v in (old, value) if v)
            i = line - 1
        self.fields[key] = (value, i + 1)

    # -- assembling the records ----------------------------------------------------------------
    def _agreement(self) -> Agreement:
        heading = re.sub(r"\s+", " ", self.lines[self.start].strip())
        title, written = _split_heading(heading)
        hscic = self.fields.get("hscic_id", ("", 0))[0]
        if not written and normalise_reference(hscic):
            written = hscic
        base = normalise_reference(written) if written else None
        referenced = base is not None
        if base is None:
            base = f"UNREF-{short_hash(self.stem + chr(10) + heading)}"
        version = AgreementVersion(reference=written or base, key=f"page-{slug(self.stem)}",
                                   version=None, title=title)
        _apply_fields(version, {k: v for k, (v, _) in self.fields.items()}, self.vocab)
        version.other_fields.update(self.other)
        version.datasets = self.datasets
        self._texts(version)
        version.evidence = Evidence(self.name, self.start + 1, self.end)
        return Agreement(base_reference=base, versions=[version], referenced=referenced)

    def _texts(self, version: AgreementVersion) -> None:
        for name, section in self.sections.items():
            lines = section.lines
            while lines and not lines[-1][1].strip():
                lines.pop()
            if lines:
                setattr(version, name, _with_gaps(lines))
                version.text_line[name] = lines[0][0]


def _with_gaps(lines: list[tuple[int, str]]) -> str:
    """A section's text with its blank lines put back, so that line k of the text is source line
    ``first + k`` (extracted evidence points at the right line)."""
    parts: list[str] = []
    previous = lines[0][0] - 1
    for number, text in lines:
        parts.extend([""] * (number - previous - 1))
        parts.append(text.strip())
        previous = number
    return "\n".join(parts)


def tally_unknown_values(version: AgreementVersion, vocab: Vocabulary) -> None:
    """Count values the vocabulary does not know, for the build's warning summary (the graph keeps
    them verbatim)."""
    for scheme, values in (("opt_out", version.opt_outs), ("type_of_data", version.types_of_data),
                           ("confidentiality", version.confidentiality), ("sensitivity", version.sensitivity),
                           ("access_method", version.access_methods)):
        for value in values:
            vocab.concept(scheme, value)


# -- field values ----------------------------------------------------------------------------------

def _apply_fields(version: AgreementVersion, fields: dict[str, str], vocab: Vocabulary) -> None:
    """Parse every known field of a block into the version's values."""
    opt_outs, types, confidentiality = split_opt_outs(fields.get("opt_outs", ""), vocab)
    version.opt_outs = opt_outs
    version.types_of_data = merge_types(split_list(fields.get("type_of_data", "")), types, vocab)
    version.confidentiality = confidentiality
    version.legal_bases = split_legal_bases(fields.get("legal_basis", ""))
    commercial, applicant_types, rest = parse_purposes(fields.get("purposes", ""))
    version.commercial, version.applicant_types = commercial, applicant_types
    if rest:
        version.other_fields["Purposes"] = fields["purposes"]
    version.sensitivity = split_sensitivity(fields.get("sensitivity", ""))
    when = parse_when(fields.get("when", ""))
    version.start, version.end, version.first_release, version.last_release = when.values()
    if when.residue:
        version.other_fields["When"] = fields["when"]
    version.access_methods = split_access_methods(fields.get("access", ""), vocab)
    version.controllers = [OrgMention(n, "controller") for n in split_names(fields.get("controllers", ""))]
    version.sublicensing, mixed = parse_yes_no(fields.get("sublicensing", ""))
    if mixed:
        version.other_fields["Sublicensing allowed"] = fields["sublicensing"]
    tally_unknown_values(version, vocab)


def dedupe(values: list[str], key: Callable[[str], str] = str) -> list[str]:
    """Drop empty values and repeats, keeping the first spelling in its first position."""
    seen: set[str] = set()
    out = []
    for value in values:
        value = squash_spaces(value)
        if value and key(value) not in seen:
            seen.add(key(value))
            out.append(value)
    return out


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside ``(…)`` and ``[…]``: names and wordings carry commas in brackets."""
    parts, depth, current = [], 0, []
    for ch in text:
        depth += (ch in "([") - (ch in ")]")
        if ch == sep and depth <= 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def split_list(text: str) -> list[str]:
    return dedupe(split_top_level(text))


def split_names(text: str) -> list[str]:
    """Controller names, split by the workbook's rules so that comma-bearing names stay whole
    (``NHS BUCKINGHAMSHIRE, OXFORDSHIRE AND BERKSHIRE WEST ICB - 10Q``); repeats dropped."""
    return ControllerSplitter().split(text)


def trailing_group(text: str) -> tuple[str, str | None]:
    """(text before, inside) of a bracket group that closes the text; nested brackets allowed."""
    text = text.strip()
    if not text.endswith(")"):
        return text, None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += (text[i] == ")") - (text[i] == "(")
        if depth == 0:
            return text[:i].strip(), text[i + 1:-1]
    return text, None


def split_opt_outs(value: str, vocab: Vocabulary) -> tuple[list[str], list[str], list[str]]:
    """``Opt outs honoured:`` merges opt-out answers, types of data and (in brackets) how the
    common-law duty of confidentiality is met; the vocabulary tells them apart."""
    before, inside = trailing_group(value)
    opt_outs, types, confidentiality = [], [], []
    for piece in split_top_level(before):
        scheme = vocab.classify(piece) if piece else None
        if scheme == "confidentiality":
            confidentiality.append(piece)
        elif scheme == "opt_out" or (scheme is None and re.match(r"(yes|no|y|n)\b", piece, re.I)):
            opt_outs.append(piece)
        elif piece:
            types.append(piece)
    inside = re.sub(r"^\s*Excuses\s*:\s*", "", inside or "", flags=re.I)
    confidentiality.extend(split_top_level(inside))
    return dedupe(opt_outs), dedupe(types), dedupe(confidentiality)


def merge_types(stated: list[str], from_opt_outs: list[str], vocab: Vocabulary) -> list[str]:
    """Types of data from ``Type of data:``/``Categories:`` and from ``Opt outs honoured:``.

    The placeholder ``information not disclosed for TRE projects`` is kept only when the page
    discloses no type elsewhere: it says nothing once real types are known.
    """
    merged = dedupe(stated + from_opt_outs, key=fold_value)
    real = [t for t in merged if fold_value(t) != TYPE_NOT_DISCLOSED]
    return real or merged


def split_legal_bases(value: str) -> list[str]:
    """Split on ``;`` and on commas that start a new basis (followed by a capital letter).

    Commas inside a basis are followed by lower case (``receipt, processing and release``).
    Empty pieces (``, ,``) are dropped and repeats removed in order.
    """
    pieces: list[str] = []
    for part in value.split(";"):
        start, depth = 0, 0
        for i, ch in enumerate(part):
            depth += (ch == "(") - (ch == ")")
            rest = part[i + 1:].lstrip(" ,")
            if ch == "," and depth <= 0 and (not rest or rest[0].isupper()):
                pieces.append(part[start:i])
                start = i + 1
        pieces.append(part[start:])
    return dedupe([p.strip().rstrip(" -–—").strip() for p in pieces])


def parse_yes_no(value: str) -> tuple[bool | None, bool]:
    """(answer, mixed): ``Yes``/``No``/empty; ``No, Yes`` (versions disagree) counts as yes."""
    words = {w.lower() for w in re.findall(r"\b(yes|no)\b", value, re.I)}
    if not words:
        return None, False
    return "yes" in words, len(words) > 1


def parse_purposes(value: str) -> tuple[bool | None, list[str], str]:
    """``No (Clinical Commissioning Group (CCG), Sub ICB Location)`` → (False, [types], rest).

    ``rest`` is text that is neither the answer nor the bracketed applicant types (some pages hold
    a paragraph here); the caller keeps it.
    """
    m = re.match(r"^\s*((?:(?:yes|no)\b[\s,]*)*)(.*)$", value, re.I | re.S)
    answer, tail = (m.group(1), m.group(2).strip()) if m else ("", value.strip())
    commercial, _ = parse_yes_no(answer)
    if tail.startswith("(") and trailing_group(tail)[0] == "":
        return commercial, split_list(trailing_group(tail)[1] or ""), ""
    return commercial, [], tail


def split_sensitivity(value: str) -> list[str]:
    return dedupe(re.split(r",\s*(?:and\s+)?", value))


def split_access_methods(value: str, vocab: Vocabulary) -> list[str]:
    """Access methods in the vocabulary's spelling, repeats in any case dropped; bracketed notes
    (``System Access (System access exclusively means …)``) removed."""
    without_notes = value
    while (stripped := re.sub(r"\([^()]*\)", "", without_notes)) != without_notes:
        without_notes = stripped
    out = []
    for piece in split_top_level(without_notes):
        iri = vocab.lookup("access_method", piece) if piece else None
        out.append(vocab.label(iri) if iri else piece)
    return dedupe(out, key=fold_value)


@dataclass
class When:
    """The parsed ``When:`` field; ``residue`` is whatever was not understood (kept as text)."""

    start: date | None = None
    end: date | None = None
    first_release: str | None = None
    last_release: str | None = None
    residue: str = ""

    def values(self) -> tuple[date | None, date | None, str | None, str | None]:
        return self.start, self.end, self.first_release, self.last_release


DSA = re.compile(r"DSA runs\s*(\d{4}-\d{2}(?:-\d{2})?)?\s*[—–-]?\s*(\d{4}-\d{2}(?:-\d{2})?)?", re.I)
RELEASES = re.compile(r"(\d{4})[./](\d{2})(?!\d)\s*(?:\(or before\)\s*)?(?:[—–-]\s*(?:(\d{4})[./](\d{2}))?)?")


def parse_when(value: str) -> When:
    """``DSA runs 2018-12-20 — 2021-06-10 2018.06 — 2021.04.``, ``2016/04 (or before) — 2016/11.``,
    ``DSA runs 2019-06 – 2022-06`` (a month only: the 1st is used), an empty end, remarks."""
    when = When()
    rest = value
    if m := DSA.search(rest):
        when.start, when.end = _date(m.group(1)), _date(m.group(2))
        rest = rest[: m.start()] + " " + rest[m.end():]
    if m := RELEASES.search(rest):
        when.first_release = f"{m.group(1)}-{m.group(2)}"
        when.last_release = f"{m.group(3)}-{m.group(4)}" if m.group(3) else None
        residue = "(or before)" if "or before" in m.group(0) else ""
        rest = rest[: m.start()] + " " + residue + " " + rest[m.end():]
    when.residue = rest.strip(" .—–-")
    return when


def _date(text: str | None) -> date | None:
    if not text:
        return None
    parts = [int(p) for p in text.split("-")]
    try:
        return date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return None

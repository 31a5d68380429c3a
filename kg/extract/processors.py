"""Data processors named in an agreement version's free text (docs/processors.md).

The register has no processor column: processors appear only in the ``Objective for Processing``
and ``Processing Activities`` text.  A wrong processor in a public graph is a false accusation, so
this module is built for precision: an organisation becomes a processor only when a sentence
*states a processing role* for it (``Data processor 1 X``, ``conducted by X``, ``X will act as a
Data Processor``, ``transferred securely to X, who hold …``, ``X supply Cloud Services … and are
therefore listed as a data processor``), and never when it is

* a controller of the version under any of its names (``the CCG``, the former CCG name in the
  title, an acronym such as ``NHSBT``) — identity decided by the resolver;
* named in a negated or forbidding sentence (``any access by X … would be considered a breach``);
* the data's route: the DSCRO always; NHS Digital / NHS England unless the text explicitly calls
  them the data processor;
* a building landlord, an employer, a client, a funder, a data source or a piece of software —
  none of which the role patterns accept (lower-case phrases, people and tools are rejected).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache

from kg.extract.organisations import NOT_AN_ORG, internal_unit, leading_name, split_names
from kg.names import fold_org_name, fold_words
from kg.records import AgreementVersion, Evidence, ProcessorFinding
from kg.resolve import Resolved, Resolver

__all__ = ["extract_processors"]


# --- text shape -----------------------------------------------------------------------------

FIELDS = (("objective", "objective"), ("processing", "processing"))
# Phrases one of the role patterns needs (stems, so both cases of a first letter match), tested with
# ``in`` on each line: a regex over every line costs several times more.


def _literals(*phrases: str) -> re.Pattern[str]:
    """One regex for a set of literal phrases: cheaper than ``any(p in s for p in phrases)``."""
    return re.compile("|".join(re.escape(p) for p in phrases))



_WHO_RE = re.compile(r"who (?:will |also |securely )*(?:hold|secure|store|process|host|analys|link|manag)")
_AGENT_VERBS = ("conducted", "undertaken", "carried out", "performed", "processed", "provided", "completed",
                "analysed", "analyzed", "hosted", "stored", "managed", "held", "linked")
_AGENT_WORDS = frozenset(verb.split()[-1] for verb in _AGENT_VERBS)
_STORAGE_WORDS = ("stored", "hosted", "housed", "backed up")
_STORAGE_RE = re.compile(r"(?:stored|hosted|housed|backed up) (?:securely |electronically |only )?"
                         r"(?:at|in|on|with|within|by) ")
_INFRA_STEMS = ("infrastructure", "cloud", "hosting", "data cent", "server", "network", "backup", "back-up",
                "back up", "storage")
_SUBJECT_VERB_STEMS = (" will process", " will analys", " will analyz", " will host", " will store", " will hold",
                       " will link", " will manage", " will also ", " will then ", " will securely ", " shall ",
                       "processes ", "analyses ", "hosts ", "stores ", "holds ", "links ", "manages ")
_SUPPLY_RE = re.compile(r"\b(?:supply|supplies|provide|provides|hosts?)\b")
_SUBJECT_VERB_RE = re.compile(r"\b(?:will |shall )?(?:process(?:es)?|analy[sz]es?|hosts?|stores?|holds?|links?|"
                              r"manages?) (?:[\w+-]+ ){0,5}?data\b")
_SENTENCE_END = re.compile(r"[.!?] +(?=[A-Z\"“(])")
_ITEM_PREFIX = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|\(?[a-z]{1,3}[.)]|[•~\-*·o])\s+")

# --- role patterns (each captures the organisation span as group "org") ----------------------

_HEADING = re.compile(
    r"^(?i:Data Processor)(?!s)\s*(?:\d{1,2})?\s*(?:[-–—:.]\s*)?(?P<org>[A-Z][^.;:]{1,120}?)\s*$")
_STOP = (r"(?=\s+(?:under|on behalf|as (?:a|the|data)|who|which|for (?:the|their|its)|in order|using|"
         r"within|at|to|from|via|with|in|on|acting|will|before|after|during|once|where|when|if|so|but|"
         r"because|based|located|and (?:will|are|is|who))\b|[.;:]\s"
         r"|[.;:]?\s*$"
         r"|,\s+(?:who|which|as|under|on|and\s+(?:are|is|will))\b)")
_ACTIVITY = re.compile(
    r"validation|stratification|analys[ie]s|processing|linkage|services?|hosting|support|audit|work",
    re.IGNORECASE)
_BY = re.compile(
    r"\b(?:will be|with be|is|are|shall be|to be|was|were|being|has been|have been)\s+"
    r"(?:(?:securely|solely|jointly|only|also)\s+)?(?:(?:[a-z]+ed|carried out)\s+(?:and|&)\s+)?"
    r"(?P<verb>" + "|".join(_AGENT_VERBS) + r")\s+by\s+(?:the\s+)?"
    r"(?P<org>[A-Z][^;:]*?)" + _STOP)
_FUNDING = re.compile(r"\bfund|\bgrant|\bsponsor|\bcommissioned\b", re.IGNORECASE)
_INFRA_VERBS = ("hosted", "stored", "held")
_ACT_AS = re.compile(
    r"(?:^|[.;]\s+|,\s+)(?P<org>[A-Z][^.;:]*?)\s+(?:will|shall|would|is to|are to)\s+act(?:ing)?\s+as\s+"
    r"(?:a|an|the|their|its)\s+(?:sole\s+)?data\s+processors?\b", re.IGNORECASE)
_IS_PROCESSOR = re.compile(
    r"(?:^|[.;]\s+)(?P<org>[A-Z][^.;:]*?)\s+(?:is|are|will be|has been|have been)\s+(?:also\s+)?"
    r"(?:(?:defined|listed|named|appointed|engaged|contracted|acting)\s+as\s+)?(?:a|an|the|their|its)?\s*"
    r"(?:sole\s+|joint\s+)?data\s+(?:sub[- ]?)?processors?(?!\s+and\b)\s*"
    r"(?:[.;,]|$|\s+as\s+they\b|\s+(?:on behalf|under)\b|\s+for\s+(?:this|these|the\s+(?:purposes?|study|trial|"
    r"project|programme|controllers?|data\s+controllers?|agreement|applicant)\b))", re.IGNORECASE)
_BY_AS_PROCESSOR = re.compile(
    r"\bby\s+(?:the\s+)?(?P<org>[A-Z][^.;:,]*?),?\s+(?:as|acting as)\s+(?:a|the)?\s*data\s+processor\b",
    re.IGNORECASE)
_AS_PROCESSOR_APPOS = re.compile(
    r"(?:^|[.;]\s+)(?P<org>[A-Z][^.;:,]*?),\s+as\s+(?:a\s+|the\s+)?data\s+processor\b", re.IGNORECASE)
# A run of capitalised words (with "of", "and", legal suffixes…) and one bracket: a name as written.
_NAME_SPAN = (r"[A-Z0-9][\w.&'’-]*(?:\s+(?:[A-Z0-9][\w.&'’-]*|of|for|and|the|&|in|on|upon|limited|ltd|plc)){0,12}"
              r"(?:\s*\([^()]*\))?")
_NAME_LIST = _NAME_SPAN + r"(?:\s*(?:,|,?\s+and|&)\s+(?:the\s+)?" + _NAME_SPAN + ")*"
_WHO = re.compile(
    r"(?:\b(?:to|and|with|by|between)|,)\s+(?:the\s+)?(?P<org>" + _NAME_LIST + r")\s*,?\s+"
    r"who\s+(?:will\s+|also\s+|securely\s+)*(?P<verb>hold|holds|secure|store|stores|process|processes|host|hosts|"
    r"analyse|analyses|link|links|manage|manages)\b")
_SUBJECT_VERB = re.compile(
    r"(?:^|[.;]\s+)(?:the\s+)?(?P<org>" + _NAME_LIST + r")\s+(?:(?:will|shall)\s+(?:also\s+|then\s+|securely\s+)?)?"
    r"(?P<verb>process(?:es)?|analy[sz]es?|hosts?|stores?|holds?|links?|manages?)\s+(?:[\w+-]+\s+){0,5}?data\b")
_STORED_AT = re.compile(
    r"\b(?P<verb>stored|hosted|housed|backed up)\s+(?:securely\s+|electronically\s+|only\s+)?"
    r"(?:at|in|on|with|within|by)\s+(?:the\s+)?(?:(?:[a-z][\w-]*\s+){0,5}?(?:at|by|of|with|from|in)\s+(?:the\s+)?)?"
    r"(?P<org>[A-Z][^;:]*?)" + _STOP)
_STORED_BRACKET = re.compile(
    r"\b(?:stored|hosted|housed|backed up)\s+(?:securely\s+)?(?:at|in|on|within|with)\s+[^.;()]{0,80}?"
    r"\((?P<org>[A-Z][^()]{1,60})\)")
_SUPPLIES = re.compile(
    r"(?:^|[.;]\s+)(?:the\s+)?(?P<org>" + _NAME_LIST + r")\s+(?:will\s+)?"
    r"(?:supply|supplies|provide|provides|host|hosts)\s+"
    r"(?P<what>[^.;]*?\b(?i:cloud|hosting|back-?up|data cent(?:re|er)|servers?|infrastructure|storage)\b[^.;]*)")
# Cheap literal gates on the lower-cased sentence, so the costly subject-finding patterns run rarely.
_EXPLICIT = (
    (("act as", "acting as"), _ACT_AS),
    (("is a data processor", "is the data processor", "is the sole data processor", "are data processors",
      "are the data processors", "are the sole data processors", "is a data sub", "as a data processor",
      "are also data processors", "is also a data processor", "as data processors"), _IS_PROCESSOR),
    (("as a data processor", "as data processor", "as the data processor"), _BY_AS_PROCESSOR),
    ((", as a data processor", ", as data processor", ", as the data processor"), _AS_PROCESSOR_APPOS),
)
_EXPLICIT_PHRASES = (*(phrase for gate, _ in _EXPLICIT for phrase in gate), "listed as")
_EXPLICIT = tuple((_literals(*gate), pattern) for gate, pattern in _EXPLICIT)
_TRANSFER_TO = re.compile(
    r"\btransferred\s+(?:securely\s+)?to\s+(?:the\s+)?(?P<org>[A-Z][^;:]*?)" + _STOP)
_CEFF_IN = re.compile(
    r"\(CEfF\)\s+(?:located\s+|hosted\s+|based\s+)?(?:in|at|within|by)\s+(?:the\s+)?"
    r"(?P<org>[A-Z][^;:]*?)" + _STOP)
_INFRA = re.compile(
    r"^(?P<org>[A-Z][^.;:]*?)\s+(?:supply|supplies|provide|provides)\s+(?:(?:and\s+)?(?:supply|provide)\s+)?"
    r"(?P<what>[^.;]*?)(?:\s+(?:for|to)\s+(?P<for>[^.;]*?))?,?\s+(?:and\s+)?(?:are|is)\s+(?:therefore\s+)?"
    r"listed\s+as\s+"
    r"(?:a\s+)?(?:data\s+)?(?:sub[- ]?)?processors?\b", re.IGNORECASE)
_NO_ACCESS = re.compile(r"\b(?:do|does|will) not (?:have )?access (?:to )?(?:the )?data\b", re.IGNORECASE)
# A negation governs its own clause only: "X will process the data; no other organisation will" keeps X.
_CLAUSE_END = re.compile(r";|\bbut\b|\bhowever\b|\bwhereas\b|,?\s+and\s+(?=no\b|none\b|neither\b)", re.IGNORECASE)

# Sentences in which a name is forbidden, negated or excluded: nothing is read from them.
_NEGATED = re.compile(
    r"\bnot\b|\bno\b|\bnever\b|\bneither\b|\bnor\b|breach|prohibit|forbid|must not|cannot|"
    r"only supply the building",
    re.IGNORECASE)

# --- names that are never a processor by themselves --------------------------------------------

_CONTROLLER_REFS = re.compile(
    r"^(?:the\s+)?(?:CCGs?|ICBs?|Clinical Commissioning Groups?|Integrated Care Boards?|"
    r"Sub[- ]ICB Locations?|commissioners?|controllers?|applicant|(?:joint\s+)?data controllers?)$",
    re.IGNORECASE)
_ROUTE = re.compile(
    r"^(?:the\s+)?(?:DSCROs?|DSfC|"
    r"Data Services? for Commissioners?(?: Regional Offices?)?(?:\s*\(DSCRO\))?)$",
    re.IGNORECASE)
_NATIONAL = re.compile(
    r"^(?:the\s+)?(?:NHS\s*Digital|NHS\s*England|NHS\s*IC|HSCIC|Health and Social Care Information Centre|"
    r"NHS Information Centre)$", re.IGNORECASE)
_CODE = re.compile(r"\b[0-9A-Z]{3,5}\b$")
_TITLE_CCG = re.compile(r"\bNHS\s+[A-Z][\w ,&'’.-]*?\s+(?:CCG|Clinical Commissioning Group)\b")
_ACRONYM_IN_PARENS = re.compile(r"\(([A-Z][A-Za-z&]{1,10})\)")
_DATASET_MENTION = re.compile(r"\(([^()]{2,60})\)|\b[A-Z][A-Za-z0-9]*[A-Z0-9]\+?(?![\w])|\bSUS\+")
_DASH_CODE = re.compile(r"\s[-–]\s*\w+$")
_ALWAYS_NAMES = re.compile("|".join(f"(?:{p.pattern})" for p in (_CONTROLLER_REFS, _ROUTE, _NATIONAL)),
                           re.IGNORECASE)
_PARENS_OR_CODE = re.compile(r"\(.*?\)|\s[-–]\s*\w+$")
_SMALL_WORDS = {"of", "and", "the", "for", "&", "in", "at", "on"}

# Pattern strength: an explicit role statement beats "conducted by", which beats a data transfer.
# DATA hits (a bare "… data is transferred securely to X") never make a processor: they only add
# the datasets a processor found by another sentence receives.
STRONG, MEDIUM, WEAK, DATA = 3, 2, 1, 0


@dataclass
class _Sentence:
    """One sentence of a field, with the field-relative line it starts on."""

    field: str
    line: int  # 0-based offset inside the field
    text: str
    order: int


@dataclass
class _Hit:
    """A name a role pattern matched, before identity and filtering."""

    name: str
    sentence: _Sentence
    strength: int
    role: str = "processor"
    explicit: bool = False  # the text calls it a data processor in so many words
    serves: list[str] = field(default_factory=list)  # infrastructure: whom it supplies
    evidence_text: str = ""


_NO_SENTENCE = _Sentence("", 0, "", 0)


@dataclass
class _Candidate:
    """A resolved organisation with every hit that named it in one role."""

    iri: str
    label: str
    role: str
    hits: list[_Hit] = field(default_factory=list)


def extract_processors(version: AgreementVersion, resolver: Resolver,
                       source: str) -> list[ProcessorFinding]:
    """Processors and sub-processors of ``version``, each with its evidence sentence.

    ``source`` is the file name shown in evidence; workbook versions (``version.evidence.sheet``
    set) cite their Agreements row, page versions the line of the sentence.
    """
    sentences = list(_sentences(version))
    controllers = _ControllerIdentity(version, resolver)
    candidates: dict[tuple[str, str], _Candidate] = {}
    hits = list(_hits(sentences))
    for hit in hits:
        if hit.strength > DATA:
            _add_hit(hit, resolver, controllers, candidates)
    for hit in hits:
        if hit.strength == DATA:
            _attach_dataset_hit(hit, resolver, candidates)
    processor_iris = {iri for iri, role in candidates if role == "processor"}
    dataset_iris = _version_dataset_iris(version, resolver)
    findings = []
    for cand in sorted(candidates.values(), key=lambda c: min(h.sentence.order for h in c.hits)):
        findings.append(_finding(cand, version, resolver, source, processor_iris, dataset_iris))
    return findings


# --- sentences -------------------------------------------------------------------------------


def _sentences(version: AgreementVersion) -> Iterator[_Sentence]:
    """Sentences of the objective and processing text that may name a processor, with their line.

    Only lines holding a role phrase (and the two after an infrastructure listing, where
    ``They … do not access data`` follows) are split; the others cost one dictionary look-up each.
    """
    order = 0
    for attr, name in FIELDS:
        lines = (getattr(version, attr) or "").split("\n")
        for offset in _trigger_lines(lines):
            parts = _LINE_SENTENCES.get(lines[offset])
            if parts is None:
                parts = _line_sentences(lines[offset])
            for part in parts:
                yield _Sentence(name, offset, part, order)
                order += 1


def _line_sentences(line: str) -> tuple[str, ...]:
    """A line's sentences, its list marker and runs of white space removed (remembered by text)."""
    parts = tuple(_split_sentences(_ITEM_PREFIX.sub("", " ".join(line.split()))))
    if len(_LINE_SENTENCES) >= _CACHE_SIZE:
        _LINE_SENTENCES.clear()
    _LINE_SENTENCES[line] = parts
    return parts


def _trigger_lines(lines: list[str]) -> list[int]:
    """Indexes of the lines holding a role phrase, plus the two lines after ``listed as``."""
    wanted: set[int] = set()
    for i, line in enumerate(lines):
        flag = _LINE_FLAGS.get(line)
        if flag is None:
            flag = _line_flag(line)
        if flag:
            wanted.add(i)
            if flag == 2:
                wanted.update(j for j in (i + 1, i + 2) if j < len(lines))
    return sorted(wanted)


# Register text repeats: versions of one agreement, and standard paragraphs across agreements (a
# full synthetic edition has 366,000 lines, 35,000 distinct). What a line or sentence yields
# depends on its text alone, so it is worked out once per text; the caches are emptied when full.
_CACHE_SIZE = 200_000
_LINE_FLAGS: dict[str, int] = {}
_LINE_SENTENCES: dict[str, tuple[str, ...]] = {}
_SENTENCE_HITS: dict[str, tuple[_Hit, ...] | None] = {}  # None: an infrastructure listing (needs context)


def _line_flag(line: str) -> int:
    """0: no role phrase; 1: one; 2: one, and ``listed as`` (the next two lines may qualify it)."""
    low = line.lower()
    flag = (2 if "listed as" in low else 1) if _relevant(low) else 0
    if len(_LINE_FLAGS) >= _CACHE_SIZE:
        _LINE_FLAGS.clear()
    _LINE_FLAGS[line] = flag
    return flag


def _split_sentences(line: str) -> list[str]:
    """``line`` cut after ``.``/``!``/``?`` followed by a capital (cheaper than a look-behind split)."""
    parts, start = [], 0
    for m in _SENTENCE_END.finditer(line):
        parts.append(line[start:m.start() + 1])
        start = m.end()
    parts.append(line[start:])
    return [p for p in parts if p]


def _relevant(low: str) -> bool:
    """Whether a lower-cased line or sentence holds a phrase one of the role patterns needs.

    Substring tests first, a regex only behind one (a regex over every distinct line of a full
    edition cost 40 us a line), and boilerplate such as ``Data Processors must only act upon …``
    fails the regexes.
    """
    if "processor" in low and (low.startswith("data processor") or _explicit_phrase(low)):
        return True
    if "ceff)" in low or "transferred" in low:
        return True
    if "ed by " in low and _agent_phrase(low):
        return True
    if "who " in low and _WHO_RE.search(low):
        return True
    if any(word in low for word in _STORAGE_WORDS) and _STORAGE_RE.search(low):
        return True
    if " data" in low and any(stem in low for stem in _SUBJECT_VERB_STEMS) and _SUBJECT_VERB_RE.search(low):
        return True
    return ("suppl" in low or "provide" in low or "host" in low) and _infra_words(low)


def _explicit_phrase(low: str) -> bool:
    """Whether one of the explicit role phrases ends at or around a ``processor`` of the text
    (looked for near each ``processor`` only: a regex over the whole line costs far more)."""
    i = low.find("processor")
    while i != -1:
        window = low[max(0, i - 40):i + 12]
        if any(phrase in window for phrase in _EXPLICIT_PHRASES):
            return True
        i = low.find("processor", i + 9)
    return "listed as" in low


def _agent_phrase(low: str) -> bool:
    """Whether a processing verb stands before a `` by `` of the text (``conducted by``…)."""
    i = low.find(" by ")
    while i != -1:
        word = low[low.rfind(" ", 0, i) + 1:i]
        if word in _AGENT_WORDS and (word != "out" or low.endswith("carried", 0, i - 4)):
            return True
        i = low.find(" by ", i + 4)
    return False


def _infra_words(low: str) -> bool:
    """Whether a lower-cased text speaks of infrastructure: cloud, hosting, servers, back-up…"""
    return any(stem in low for stem in _INFRA_STEMS)


def _hits(sentences: list[_Sentence]) -> Iterator[_Hit]:
    """Every (name, role) a pattern reads from the sentences; a hit inside a negated clause is dropped."""
    for i, sent in enumerate(sentences):
        text = sent.text
        cached = _SENTENCE_HITS[text] if text in _SENTENCE_HITS else _sentence_hits(text)
        if cached is not None:
            for hit in cached:
                yield replace(hit, sentence=sent)
        elif m := _INFRA.match(text):
            following = sentences[i + 1] if i + 1 < len(sentences) else None
            if following and (following.field != sent.field or following.line > sent.line + 2):
                following = None
            yield from _infra_hits(m, sent, following)


def _sentence_hits(text: str) -> tuple[_Hit, ...] | None:
    """What one sentence names, outside negated clauses, remembered by text (sentence left unset);
    None for an infrastructure listing, which the sentence after it qualifies."""
    low = text.lower()
    hits: tuple[_Hit, ...] | None = ()
    if not _relevant(low):
        pass
    elif low.startswith("data processor") and (m := _HEADING.match(text)) and len(text.split()) <= 16:
        hits = (_Hit(m["org"], _NO_SENTENCE, STRONG, explicit=True, evidence_text=text),)
    elif "listed as" in low and _INFRA.match(text):
        hits = None
    else:
        hits = tuple(hit for hit, pos in _role_hits(text, low, _NO_SENTENCE)
                     if not _NEGATED.search(_clause(text, pos)))
    if len(_SENTENCE_HITS) >= _CACHE_SIZE:
        _SENTENCE_HITS.clear()
    _SENTENCE_HITS[text] = hits
    return hits


def _clause(text: str, pos: int) -> str:
    """The clause of ``text`` holding position ``pos``: what a negation in it governs."""
    start, end = 0, len(text)
    for m in _CLAUSE_END.finditer(text):
        if m.end() <= pos:
            start = m.end()
        elif m.start() > pos:
            end = m.start()
            break
    return text[start:end]


def _role_hits(text: str, low: str, sent: _Sentence) -> Iterator[tuple[_Hit, int]]:
    """Hits of the sentence-level patterns with where each matched, each pattern tried only when
    its key phrase is present."""
    if "processor" in low:
        for gate, pattern in _EXPLICIT:
            if gate.search(low):
                for m in pattern.finditer(text):
                    yield _Hit(m["org"], sent, STRONG, explicit=True, evidence_text=text), m.start()
    if "ed by " in low and _agent_phrase(low):
        yield from _agent_hits(text, sent)
    if "who " in low:
        for m in _WHO.finditer(text):
            role = "infrastructure" if m["verb"].startswith(("store", "host")) else "processor"
            yield _Hit(m["org"], sent, WEAK, role=role, evidence_text=text), m.start()
    if " data" in low:
        for m in _SUBJECT_VERB.finditer(text):
            role = "infrastructure" if m["verb"].startswith(("stor", "host", "hold")) else "processor"
            yield _Hit(m["org"], sent, MEDIUM, role=role, evidence_text=text), m.start()
    yield from _storage_hits(text, low, sent)
    for key, pattern, strength in (("ceff)", _CEFF_IN, WEAK), ("transferred", _TRANSFER_TO, DATA)):
        if key in low:
            for m in pattern.finditer(text):
                yield _Hit(m["org"], sent, strength, evidence_text=text), m.start()


def _agent_hits(text: str, sent: _Sentence) -> Iterator[tuple[_Hit, int]]:
    """``… conducted/completed/analysed/hosted by X``: the agent of a processing verb, not a funder's
    ``funding has been provided by X`` nor a source's ``data is provided by X``."""
    for m in _BY.finditer(text):
        clause = _clause(text, m.start())
        if _FUNDING.search(clause):
            continue
        if m["verb"] == "provided" and not _ACTIVITY.search(text, 0, m.start()):
            continue
        infra = m["verb"] in _INFRA_VERBS or _infra_words(text[:m.start()].lower())
        yield _Hit(m["org"], sent, MEDIUM, role="infrastructure" if infra else "processor",
                   evidence_text=text), m.start()


def _storage_hits(text: str, low: str, sent: _Sentence) -> Iterator[tuple[_Hit, int]]:
    """Infrastructure: ``stored at X``, ``hosted on … (X)``, ``X supply cloud/back-up services``."""
    if any(word in low for word in _STORAGE_WORDS):
        for pattern in (_STORED_AT, _STORED_BRACKET):
            for m in pattern.finditer(text):
                yield _Hit(m["org"], sent, WEAK, role="infrastructure", evidence_text=text), m.start()
    if _SUPPLY_RE.search(low):
        for m in _SUPPLIES.finditer(text):
            yield _Hit(m["org"], sent, WEAK, role="infrastructure", evidence_text=text), m.start()


def _infra_hits(m: re.Match[str], sent: _Sentence, following: _Sentence | None) -> Iterator[_Hit]:
    """``X supply Cloud Services for Y … listed as a data processor. They … do not access data.``"""
    no_access = bool(following and _NO_ACCESS.search(following.text)) or bool(_NO_ACCESS.search(sent.text))
    infra = no_access or _infra_words((m["what"] or "").lower())
    evidence = sent.text
    if following and _NO_ACCESS.search(following.text) and following.field == sent.field:
        evidence = f"{sent.text} {following.text}"
    serves = [m["for"]] if m["for"] else []
    yield _Hit(m["org"], sent, STRONG, role="infrastructure" if infra else "processor", explicit=True,
               serves=serves, evidence_text=evidence)


# --- identity --------------------------------------------------------------------------------


class _ControllerIdentity:
    """Every way the text may name a controller of the version: IRIs, codes, acronyms, CCG names."""

    def __init__(self, version: AgreementVersion, resolver: Resolver) -> None:
        names = [c.name for c in version.controllers]
        if not names and version.applicant is not None:
            names.append(version.applicant.name)  # a page without controllers: its recipient stands in
        names += _TITLE_CCG.findall(version.title or "")
        self.iris: set[str] = set()
        self.keys: set[str] = set()
        self.codes: set[str] = set()
        for name in names:
            resolved = resolver.try_organisation(name)
            self.iris.add(resolved.iri)
            code = getattr(resolved, "code", None)
            if code:
                self.codes.add(str(code).upper())
            without_code = _DASH_CODE.sub("", name)
            self.keys |= {fold_org_name(name), fold_org_name(resolved.label), fold_org_name(without_code),
                          *_acronyms(name)}
        self.keys.discard("")

    def includes(self, name: str, resolved: Resolved) -> bool:
        """True when ``name`` (as resolved) is one of the version's controllers."""
        if _CONTROLLER_REFS.match(name) or resolved.iri in self.iris:
            return True
        code = getattr(resolved, "code", None)
        if code and str(code).upper() in self.codes:
            return True
        tail = _CODE.search(name.strip())
        if tail and tail.group(0).upper() in self.codes and _DASH_CODE.search(name):
            return True
        return fold_org_name(name) in self.keys or fold_org_name(resolved.label) in self.keys


@lru_cache(maxsize=4096)
def _acronyms(name: str) -> frozenset[str]:
    """Short forms a text uses for a controller: ``(NHSBT)`` in the name, or its initials."""
    found = {a.lower() for a in _ACRONYM_IN_PARENS.findall(name)}
    base = _PARENS_OR_CODE.sub(" ", name)
    words = [w for w in re.findall(r"[A-Za-z]+", base) if w.lower() not in _SMALL_WORDS]
    if len(words) >= 3:
        found.add("".join(w[0] for w in words).lower())
    return frozenset(found)


def _add_hit(hit: _Hit, resolver: Resolver, controllers: _ControllerIdentity,
             candidates: dict[tuple[str, str], _Candidate]) -> None:
    """Resolve the names in a hit and keep those that may be processors: not a controller under any
    name, not the data's route, not a department or team (docs/processors.md, exclusions)."""
    for part in _split_names(hit.name, resolver):
        name = _trim(part, resolver)
        if name is None or not _acceptable(name):
            continue
        resolved = resolver.try_organisation(name)
        if controllers.includes(name, resolved) or internal_unit(name, resolved.known):
            continue
        if _ROUTE.match(name) or _ROUTE.match(resolved.label or ""):
            continue
        if (_NATIONAL.match(name) or _NATIONAL.match(resolved.label or "")) and not hit.explicit:
            continue
        label = resolved.label if resolved.known and resolved.label else name
        cand = candidates.setdefault((resolved.iri, hit.role), _Candidate(resolved.iri, label, hit.role))
        cand.hits.append(_Hit(name, hit.sentence, hit.strength, hit.role, hit.explicit, hit.serves,
                              hit.evidence_text))


def _attach_dataset_hit(hit: _Hit, resolver: Resolver,
                        candidates: dict[tuple[str, str], _Candidate]) -> None:
    """Give a transfer sentence to the processor it names, if another sentence made it one."""
    for name in _split_names(hit.name, resolver):
        cand = candidates.get((resolver.try_organisation(name).iri, "processor"))
        if cand is not None:
            cand.hits.append(_Hit(name, hit.sentence, DATA, evidence_text=hit.evidence_text))


def _trim(name: str, resolver: Resolver) -> str | None:
    """The organisation a captured part names (see :func:`leading_name`); references to the
    controller or the route are kept as written so that they can be excluded by name."""
    if _ALWAYS_NAMES.match(name):
        return name
    return leading_name(name, resolver)


def _acceptable(name: str) -> bool:
    """Whether a name can be an organisation at all (precision guard): people and tools are not."""
    if not name or not (name[0].isupper() or name[0].isdigit()):
        return False
    return len(name.split()) <= 12 and not NOT_AN_ORG.search(name)


def _split_names(span: str, resolver: Resolver) -> list[str]:
    """The names of a coordination (:func:`split_names`); ``the CCG``, ``the DSCRO`` and ``NHS
    Digital`` count as names, so ``the CCG and Arden and GEM CSU`` splits before the CSU."""
    return split_names(span, resolver, _ALWAYS_NAMES)


# --- findings --------------------------------------------------------------------------------


def _finding(cand: _Candidate, version: AgreementVersion, resolver: Resolver, source: str,
             processor_iris: set[str], dataset_iris: dict[str, str]) -> ProcessorFinding:
    """One finding per (organisation, role): best evidence sentence, stated datasets, sub flag.

    The best sentence names the organisation as its label does, legal form included (``fold_words``
    keeps ``Limited``), then has the strongest pattern, then comes first."""
    best = min((h for h in cand.hits if h.strength > DATA),
               key=lambda h: (fold_words(h.name) != fold_words(cand.label), -h.strength, h.sentence.order))
    sub = cand.role == "infrastructure" and any(
        resolver.try_organisation(n).iri in processor_iris
        for h in cand.hits for s in h.serves for n in _split_names(s, resolver))
    datasets = [] if cand.role == "infrastructure" else _stated_datasets(cand, resolver, dataset_iris)
    return ProcessorFinding(organisation=cand.label, role=cand.role, sub=sub,
                            evidence=_evidence(version, source, best), datasets=datasets)


def _evidence(version: AgreementVersion, source: str, hit: _Hit) -> Evidence:
    """Workbook: the Agreements row; page: the line the sentence is on."""
    text = hit.evidence_text or hit.sentence.text
    if version.evidence is not None and version.evidence.sheet:
        return Evidence(source, version.evidence.start, sheet=version.evidence.sheet, text=text)
    first = version.text_line.get(hit.sentence.field)
    if first is None and version.evidence is not None:
        first = version.evidence.start
    return Evidence(source, (first or 1) + hit.sentence.line, text=text)


def _version_dataset_iris(version: AgreementVersion, resolver: Resolver) -> dict[str, str]:
    """The version's own dataset names by resolved IRI (first spelling wins)."""
    out: dict[str, str] = {}
    for name in version.dataset_names():
        out.setdefault(resolver.try_dataset(name).iri, name)
    return out


def _stated_datasets(cand: _Candidate, resolver: Resolver, dataset_iris: dict[str, str]) -> list[str]:
    """Datasets a transfer sentence naming this organisation says it receives, as the version names them."""
    found: list[str] = []
    for hit in cand.hits:
        if hit.strength > WEAK:
            continue
        for mention in _dataset_mentions(hit.sentence.text):
            name = dataset_iris.get(resolver.try_dataset(mention).iri)
            if name and name not in found:
                found.append(name)
    return found


def _dataset_mentions(text: str) -> Iterator[str]:
    """Candidate dataset names in a sentence: acronyms (``SUS+``, ``MHSDS``) and bracketed names."""
    for m in _DATASET_MENTION.finditer(text):
        yield (m.group(1) or m.group(0)).strip()

"""Data processors named in an agreement version's free text (REGISTER.md §C).

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
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from weakref import WeakKeyDictionary

from kg.records import AgreementVersion, Evidence, ProcessorFinding
from kg.resolve import Resolved, Resolver

__all__ = ["extract_processors"]


# --- text shape -----------------------------------------------------------------------------

FIELDS = (("objective", "objective"), ("processing", "processing"))
# Phrases one of the role patterns needs (stems, so both cases of a first letter match), tested with
# ``in`` on each line: a regex over every line costs several times more.
_RAW_TRIGGERS = ("rocessor", "ed by ", "out by ", "who ", "CEfF)", "ransferred")  # tested inline in _trigger_lines


def _literals(*phrases: str) -> re.Pattern[str]:
    """One regex for a set of literal phrases: cheaper than ``any(p in s for p in phrases)``."""
    return re.compile("|".join(re.escape(p) for p in phrases))



_WHO_RE = _literals("who hold", "who secure", "who store", "who process")
_BY_VERB_RE = _literals("conducted by", "undertaken by", "carried out by", "performed by", "processed by",
                        "provided by")
_SENTENCE_END = re.compile(r"[.!?] +(?=[A-Z\"“(])")
_ITEM_PREFIX = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|\(?[a-z]{1,3}[.)]|[•~\-*·o])\s+")

# --- role patterns (each captures the organisation span as group "org") ----------------------

_HEADING = re.compile(
    r"^(?i:Data Processor)(?!s)\s*(?:\d{1,2})?\s*(?:[-–—:.]\s*)?(?P<org>[A-Z][^.;:]{1,120}?)\s*$")
_STOP = (r"(?=\s+(?:under|on behalf|as (?:a|the|data)|who|which|for (?:the|their|its)|in order|using|"
         r"within|at|to|from|via|with|in|on|acting|will|before|after|during|once|where|when|if|so|but|"
         r"because|and (?:will|are|is|who))\b|\s*\((?![A-Z]{2,3}\)\s+(?:Ltd|Limited|LIMITED|PLC|plc|LLP))|[.;:]\s"
         r"|[.;:]?\s*$"
         r"|,\s+(?:who|which|as|under|on|and\s+(?:are|is|will))\b)")
_ACTIVITY = re.compile(
    r"validation|stratification|analys[ie]s|processing|linkage|services?|hosting|support|audit|work",
    re.IGNORECASE)
_BY = re.compile(
    r"\b(?:will be|with be|is|are|shall be|to be|was|were|being|has been|have been)\s+"
    r"(?:(?:securely|solely|jointly|only)\s+)?"
    r"(?P<verb>conducted|undertaken|carried out|performed|processed|provided)\s+by\s+(?:the\s+)?"
    r"(?P<org>[A-Z][^;:]*?)" + _STOP)
_ACT_AS = re.compile(
    r"(?:^|[.;]\s+|,\s+)(?P<org>[A-Z][^.;:]*?)\s+(?:will|shall|would|is to|are to)\s+act(?:ing)?\s+as\s+"
    r"(?:a|an|the|their|its)\s+(?:sole\s+)?data\s+processors?\b", re.IGNORECASE)
_IS_PROCESSOR = re.compile(
    r"(?:^|[.;]\s+)(?P<org>[A-Z][^.;:]*?)\s+(?:is|are)\s+(?:a|an|the)\s+(?:sole\s+)?data\s+processors?"
    r"(?!\s+and\b)\s*(?:[.;,]|$|\s+for\b)", re.IGNORECASE)
_BY_AS_PROCESSOR = re.compile(
    r"\bby\s+(?:the\s+)?(?P<org>[A-Z][^.;:,]*?),?\s+(?:as|acting as)\s+(?:a|the)?\s*data\s+processor\b",
    re.IGNORECASE)
_AS_PROCESSOR_APPOS = re.compile(
    r"(?:^|[.;]\s+)(?P<org>[A-Z][^.;:,]*?),\s+as\s+(?:a\s+|the\s+)?data\s+processor\b", re.IGNORECASE)
_TRANSFERRED = re.compile(
    r"\b(?:transferred|sent|disseminated|flows?)\s+(?:securely\s+)?to\s+(?:the\s+)?(?P<org>[A-Z][^;:]*?)\s*,?\s+"
    r"who\s+(?:securely\s+)?(?:hold|holds|store|stores|process)\b")
# Cheap literal gates on the lower-cased sentence, so the costly subject-finding patterns run rarely.
_EXPLICIT = (
    (("act as", "acting as"), _ACT_AS),
    (("is a data processor", "is the data processor", "is the sole data processor", "are data processors",
      "are the data processors", "are the sole data processors", "is a data sub"), _IS_PROCESSOR),
    (("as a data processor", "as data processor", "as the data processor"), _BY_AS_PROCESSOR),
    ((", as a data processor", ", as data processor", ", as the data processor"), _AS_PROCESSOR_APPOS),
)
_EXPLICIT_RE = _literals(*(phrase for gate, _ in _EXPLICIT for phrase in gate), "listed as")
_EXPLICIT = tuple((_literals(*gate), pattern) for gate, pattern in _EXPLICIT)
_TRANSFER_TO = re.compile(
    r"\btransferred\s+(?:securely\s+)?to\s+(?:the\s+)?(?P<org>[A-Z][^;:]*?)" + _STOP)
_CEFF_IN = re.compile(
    r"\(CEfF\)\s+(?:located\s+|hosted\s+|based\s+)?(?:in|at|within|by)\s+(?:the\s+)?"
    r"(?P<org>[A-Z][^;:]*?)" + _STOP)
_INFRA = re.compile(
    r"^(?P<org>[A-Z][^.;:]*?)\s+(?:supply|supplies|provide|provides)\s+(?:(?:and\s+)?(?:supply|provide)\s+)?"
    r"(?P<what>[^.;]*?)(?:\s+for\s+(?P<for>[^.;]*?))?,?\s+and\s+(?:are|is)\s+therefore\s+listed\s+as\s+"
    r"(?:a\s+)?(?:data\s+)?(?:sub[- ]?)?processors?\b", re.IGNORECASE)
_NO_ACCESS = re.compile(r"\b(?:do|does|will) not (?:have )?access (?:to )?(?:the )?data\b", re.IGNORECASE)
_INFRA_WORDS = re.compile(r"infrastructure|cloud|hosting|data cent(?:re|er)|servers?|network", re.IGNORECASE)

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
_NOT_AN_ORG = re.compile(
    r"\b(?:employees?|staff|team|teams|researchers?|students?|clinicians?|GPs?|practices|users?|tools?|"
    r"software|systems?|database|platform|application|data|dataset|server|environment|CEfF|analysts?|"
    r"statisticians?|personnel|individuals?|patients?|repository|SPSS|Stata|SAS|Excel|Tableau|Power BI|"
    r"SQL Server|EMIS Web|SystmOne|R Studio|RStudio|Python)\b", re.IGNORECASE)
_ORG_SUFFIX = re.compile(
    r"\b(?:Unit|CSU|Ltd|Limited|plc|LLP|Inc|Hospital|Trust|University|Council|Group|Services|Networks?|"
    r"Institute|College|School|Company|Corporation|Centre|Center|Foundation|Agency|Partnership|Board|ICB|CCG|"
    r"Solutions|Consulting|Health|Analytics|UK|Digital|England|Service|SARL|GmbH|AG|SA|BV|LLC|NV|SAS|Pty)\.?$",
    re.IGNORECASE)
_LIST_SEP = re.compile(r"\s*,\s*and\s+|\s*,\s*|\s+and\s+|\s+or\s+")
_CODE = re.compile(r"\b[0-9A-Z]{3,5}\b$")
_TITLE_CCG = re.compile(r"\bNHS\s+[A-Z][\w ,&'’.-]*?\s+(?:CCG|Clinical Commissioning Group)\b")
_ACRONYM_IN_PARENS = re.compile(r"\(([A-Z][A-Za-z&]{1,10})\)")
_DATASET_MENTION = re.compile(r"\(([^()]{2,60})\)|\b[A-Z][A-Za-z0-9]*[A-Z0-9]\+?(?![\w])|\bSUS\+")
_DASH_CODE = re.compile(r"\s[-–]\s*\w+$")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_PARENS_OR_CODE = re.compile(r"\(.*?\)|\s[-–]\s*\w+$")
_KEY_PHRASES = (("integrated care board", "icb"), ("clinical commissioning group", "ccg"),
                ("commissioning support unit", "csu"))
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
    resolver = _memo(resolver)
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


class _Memo:
    """Caches resolver answers for one version: segmentation asks about the same parts often."""

    def __init__(self, resolver: Resolver) -> None:
        self._resolver = resolver
        self._orgs: dict[str, Resolved] = {}
        self._datasets: dict[str, Resolved] = {}

    def organisation(self, name: str) -> Resolved:
        if name not in self._orgs:
            self._orgs[name] = self._resolver.organisation(name)
        return self._orgs[name]

    def dataset(self, name: str) -> Resolved:
        if name not in self._datasets:
            self._datasets[name] = self._resolver.dataset(name)
        return self._datasets[name]


_MEMOS: WeakKeyDictionary[object, _Memo] = WeakKeyDictionary()


def _memo(resolver: Resolver) -> _Memo:
    """One memo per resolver for the life of the resolver: a full edition repeats names ~5,500 times."""
    if isinstance(resolver, _Memo):
        return resolver
    try:
        return _MEMOS.setdefault(resolver, _Memo(resolver))
    except TypeError:  # not weak-referenceable: memo for this call only
        return _Memo(resolver)


# --- sentences -------------------------------------------------------------------------------


def _sentences(version: AgreementVersion) -> Iterator[_Sentence]:
    """Sentences of the objective and processing text that may name a processor, with their line.

    Only lines holding a role phrase (and the two after an infrastructure listing, where
    ``They … do not access data`` follows) are split; the others cost one substring test each.
    """
    order = 0
    for attr, name in FIELDS:
        lines = (getattr(version, attr) or "").split("\n")
        for offset in _trigger_lines(lines):
            line = _ITEM_PREFIX.sub("", " ".join(lines[offset].split()))
            for part in _split_sentences(line):
                yield _Sentence(name, offset, part, order)
                order += 1


def _trigger_lines(lines: list[str]) -> list[int]:
    """Indexes of the lines holding a role phrase, plus the two lines after ``listed as``."""
    wanted: set[int] = set()
    for i, line in enumerate(lines):
        if ("rocessor" in line or "ed by " in line or "out by " in line or "who " in line or "CEfF)" in line
                or "ransferred" in line):
            low = line.lower()
            if _relevant(low):
                wanted.add(i)
                if "listed as" in low:
                    wanted.update(j for j in (i + 1, i + 2) if j < len(lines))
    return sorted(wanted)


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

    Boilerplate such as ``Data Processors must only act upon …`` is common and fails here cheaply.
    """
    if "processor" in low and (low.startswith("data processor") or _EXPLICIT_RE.search(low)):
        return True
    if "ceff)" in low or "transferred" in low:
        return True
    if ("ed by " in low or "out by " in low) and _BY_VERB_RE.search(low):
        return True
    return "who " in low and _WHO_RE.search(low) is not None


def _hits(sentences: list[_Sentence]) -> Iterator[_Hit]:
    """Every (name, role) a pattern reads from the sentences, negated sentences skipped."""
    for i, sent in enumerate(sentences):
        text, low = sent.text, sent.text.lower()
        if not _relevant(low):
            continue
        if low.startswith("data processor") and (m := _HEADING.match(text)) and len(text.split()) <= 16:
            yield _Hit(m["org"], sent, STRONG, explicit=True, evidence_text=text)
            continue
        if "listed as" in low and (m := _INFRA.match(text)):
            following = sentences[i + 1] if i + 1 < len(sentences) else None
            if following and (following.field != sent.field or following.line > sent.line + 2):
                following = None
            yield from _infra_hits(m, sent, following)
            continue
        hits = list(_role_hits(text, low, sent))
        if hits and not _NEGATED.search(text):
            yield from hits


def _role_hits(text: str, low: str, sent: _Sentence) -> Iterator[_Hit]:
    """Hits of the sentence-level patterns, each tried only when its key phrase is present."""
    if "processor" in low:
        for gate, pattern in _EXPLICIT:
            if gate.search(low):
                for m in pattern.finditer(text):
                    yield _Hit(m["org"], sent, STRONG, explicit=True, evidence_text=text)
    if _BY_VERB_RE.search(low):
        for m in _BY.finditer(text):
            if m["verb"] == "provided" and not _ACTIVITY.search(text, 0, m.start()):
                continue  # "data is provided by X" names a source, not a processor
            yield _Hit(m["org"], sent, MEDIUM, evidence_text=text)
    for key, pattern, strength in (("who ", _TRANSFERRED, WEAK), ("ceff)", _CEFF_IN, WEAK),
                                   ("transferred", _TRANSFER_TO, DATA)):
        if key in low:
            for m in pattern.finditer(text):
                yield _Hit(m["org"], sent, strength, evidence_text=text)


def _infra_hits(m: re.Match[str], sent: _Sentence, following: _Sentence | None) -> Iterator[_Hit]:
    """``X supply Cloud Services for Y … listed as a data processor. They … do not access data.``"""
    no_access = bool(following and _NO_ACCESS.search(following.text)) or bool(_NO_ACCESS.search(sent.text))
    infra = no_access or bool(_INFRA_WORDS.search(m["what"] or ""))
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
            resolved = resolver.organisation(name)
            self.iris.add(resolved.iri)
            code = getattr(resolved, "code", None)
            if code:
                self.codes.add(str(code).upper())
            self.keys |= {_key(name), _key(resolved.label), _key(_DASH_CODE.sub("", name)), *_acronyms(name)}
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
        return _key(name) in self.keys or _key(resolved.label) in self.keys


@lru_cache(maxsize=8192)
def _key(name: str) -> str:
    """A spelling-insensitive comparison key: case, punctuation and a leading 'the' ignored."""
    key = _NON_ALNUM.sub(" ", _ARTICLE.sub("", name.strip()).lower().replace("&", " and ")).strip()
    for phrase, short in _KEY_PHRASES:
        key = key.replace(phrase, short)
    return key


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
    """Resolve the names in a hit and keep those that may be processors."""
    for part in _split_names(hit.name, resolver):
        name = _trim(part, resolver)
        if name is None or not _acceptable(name, hit):
            continue
        resolved = resolver.organisation(name)
        if controllers.includes(name, resolved):
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
        cand = candidates.get((resolver.organisation(name).iri, "processor"))
        if cand is not None:
            cand.hits.append(_Hit(name, hit.sentence, DATA, evidence_text=hit.evidence_text))


def _trim(name: str, resolver: Resolver) -> str | None:
    """The organisation a captured span names: the span if the vocabulary knows it, else its longest
    known leading words (``NHS Digital before release`` → ``NHS Digital``), else the span only when
    it ends like an organisation's name (``… Ltd``); None when nothing in it is an organisation."""
    if resolver.organisation(name).known or _CONTROLLER_REFS.match(name) or _ROUTE.match(name):
        return name
    words = name.split()
    for k in range(len(words) - 1, 0, -1):
        prefix = _clean(" ".join(words[:k]))
        if prefix and resolver.organisation(prefix).known:
            return prefix
    return name if _ORG_SUFFIX.search(name) else None


def _clean(name: str) -> str:
    """Trim a captured span to the name: spaces, trailing punctuation, a leading article."""
    name = " ".join(name.split()).strip(" ,.;:-–")
    return _ARTICLE.sub("", name).strip()


def _acceptable(name: str, hit: _Hit) -> bool:
    """Whether a captured name can be an organisation at all (precision guard)."""
    if not name or not (name[0].isupper() or name[0].isdigit()):
        return False
    return len(name.split()) <= 12 and not _NOT_AN_ORG.search(name)


def _split_names(span: str, resolver: Resolver) -> list[str]:
    """Split ``A and B`` into names without breaking ``Midlands and Lancashire CSU`` or
    ``Shropshire, Telford and Wrekin ICB``: of all segmentations at the list separators, keep the
    one whose every part looks like an organisation, preferring known ones and fewer parts."""
    span = _clean(span)
    seps = list(_LIST_SEP.finditer(span))
    if not seps or resolver.organisation(span).known:
        return [span]
    best: tuple[int, int, list[str]] | None = None
    for k in range(len(seps) + 1):
        for cut in combinations(seps, k):
            parts, start = [], 0
            for m in cut:
                parts.append(_clean(span[start:m.start()]))
                start = m.end()
            parts.append(_clean(span[start:]))
            scores = [_name_score(p, resolver) for p in parts]
            if min(scores) <= 0:
                continue
            rank = (sum(scores), -len(parts), parts)
            if best is None or rank[:2] > best[:2]:
                best = rank
    return best[2] if best else [span]


def _name_score(name: str, resolver: Resolver) -> int:
    """3 for a name the vocabulary knows, 2 for one ending like an organisation, else 0."""
    if not name or not name[0].isupper():
        return 0
    if resolver.organisation(name).known or _CONTROLLER_REFS.match(name) or _ROUTE.match(name):
        return 3
    return 2 if _ORG_SUFFIX.search(name) or _NATIONAL.match(name) else 0


# --- findings --------------------------------------------------------------------------------


def _finding(cand: _Candidate, version: AgreementVersion, resolver: Resolver, source: str,
             processor_iris: set[str], dataset_iris: dict[str, str]) -> ProcessorFinding:
    """One finding per (organisation, role): best evidence sentence, stated datasets, sub flag."""
    best = min((h for h in cand.hits if h.strength > DATA),
               key=lambda h: (_key(h.name) != _key(cand.label), -h.strength, h.sentence.order))
    sub = cand.role == "infrastructure" and any(
        resolver.organisation(n).iri in processor_iris
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
        out.setdefault(resolver.dataset(name).iri, name)
    return out


def _stated_datasets(cand: _Candidate, resolver: Resolver, dataset_iris: dict[str, str]) -> list[str]:
    """Datasets a transfer sentence naming this organisation says it receives, as the version names them."""
    found: list[str] = []
    for hit in cand.hits:
        if hit.strength > WEAK:
            continue
        for mention in _dataset_mentions(hit.sentence.text):
            name = dataset_iris.get(resolver.dataset(mention).iri)
            if name and name not in found:
                found.append(name)
    return found


def _dataset_mentions(text: str) -> Iterator[str]:
    """Candidate dataset names in a sentence: acronyms (``SUS+``, ``MHSDS``) and bracketed names."""
    for m in _DATASET_MENTION.finditer(text):
        yield (m.group(1) or m.group(0)).strip()

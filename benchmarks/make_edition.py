"""Deterministic generator of full-scale synthetic NHS Data Uses Register workbooks.

    python benchmarks/make_edition.py --scale 1.0 --editions 1 --seed 42 -o benchmarks/out/
    python benchmarks/make_edition.py --scale 1.0 --editions 63 --start 2021-07 -o benchmarks/out/series

writes ``datausesregister_<month><year>.xlsx`` (the real files' names, so a reader takes the
edition from the name) in the official layout (sheets ``Agreements``,
``Datasets``, ``DataReleases``; docs/register.md §A) with the real traps: versioned references (some
without a suffix, some starting at v0.x), organisation names with commas, case variants, ODS codes,
curly quotes, NBSPs and typos, renamed datasets, ``;``-joined legal bases in several spellings,
controller lists joined by ``;``, newlines or commas, long free text naming processors in the
phrasings of docs/processors.md (and the hard negatives), ~105,000 release rows from 2016 on, a junk row, a test
record and an unparseable release month. A few *unknown* vocabulary values are planted on purpose
(on the same rows from one edition to the next while those rows are listed) and listed in
``<file>.planted.json``.

**Series mode** (``--editions N``): N consecutive monthly editions of one evolving register. Each
month, as fractions of the agreements listed the month before (at least one of each):

* ``NEW_RATE`` 2 % new agreements (one version each);
* ``END_RATE`` 1 % ended: no longer listed, nor their releases;
* ``AMEND_RATE`` 2 % amended: a new version with a new version number (the old ones stay listed);
* ``EDIT_RATE`` 0.25 % edited in place (docs/register.md §A, trap 10): the newest version's end date, title,
  objective, processing text or one dataset's legal basis changes under the same version number;
* ``RELEASE_RATE`` 2 % new release rows (of those listed), released that month on the newest
  versions' ongoing flows; every edition lists all releases to date of the agreements it lists, so
  a release row of one edition is in the next unchanged while its agreement is listed;
* the July 2022 edition renames every CCG to its Sub-ICB Location, keeping the ODS code
  (``NHS West Leicestershire CCG`` → ``NHS Leicester, Leicestershire and Rutland ICB - 04V``,
  docs/register.md §A, trap 5); editions before it show only CCG names.

Agreements and releases thus grow by ~1 % a month; the first edition is sized so that the
*newest* has the counts of one real edition at ``--scale`` (1,950 agreements, 105,000 releases at
1.0). ``<file>.churn.json`` lists, for the second and later editions, the references added, ended,
amended and edited (with the field) since the previous one, and the CCG names renamed.

The universe is kept in memory and each edition only written: the sheets are written as XML
directly (inline strings, as xlsxwriter's ``constant_memory`` mode writes them), with escaped
cells cached: ~1.4 s a full edition (64 in 89 s, 0.28 GB peak).

Same seed, scale, start and number of editions give byte-identical files. Only
``random.Random(seed)`` is used, never the clock; the xlsx metadata timestamp is fixed.
"""

from __future__ import annotations

import argparse
import heapq
import json
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from random import Random

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import vocabulary as V

# Counts of one real edition at scale 1.0 (docs/register.md §A).
AGREEMENTS = 1950
REAL_ORGS = 570
ORG_VARIANTS = 41
RELEASES = 105_000
# Agreement archetypes: (name, weight, applicant category).
ARCHETYPES = [
    ("commissioning", 0.31, "commissioner"),
    ("research", 0.26, "university"),
    ("trust", 0.10, "trust"),
    ("charity", 0.04, "charity"),
    ("council", 0.12, "council"),
    ("commercial", 0.08, "company"),
    ("public", 0.06, "public"),
    ("csu", 0.03, "csu"),
]
VERSION_WEIGHTS = [(1, 0.24), (2, 0.24), (3, 0.20), (4, 0.14), (5, 0.10), (6, 0.08)]
FIRST_MONTH = 2016 * 12  # January 2016, as a month index (year * 12 + month - 1)
RENAME_MONTH = 2023 * 12  # January 2023: acronyms added to dataset names
REWORD_MONTH = 2022 * 12 + 11  # December 2022: legal bases reworded
ICB_MONTH = 2022 * 12 + 6  # July 2022: CCGs become Sub-ICB Locations
# Series churn a month, as fractions of the agreements (releases: release rows) listed the month before.
NEW_RATE = 0.02
END_RATE = 0.01
AMEND_RATE = 0.02
EDIT_RATE = 0.0025
RELEASE_RATE = 0.02
EDIT_FIELDS = ("end date", "title", "objective", "processing", "legal basis")
MERGER = (
    "On 1 February 2023, NHS Digital merged with NHS England. NHS England has assumed responsibility "
    "for all data sharing agreements entered into by NHS Digital."
)


# --- model ---------------------------------------------------------------------------------------


@dataclass
class Version:
    ref: str
    title: str
    applicant: str
    applicant_type: str
    controllers: tuple[str, ...]
    sep: str  # how the controller list is joined: "; ", "\n" or ", "
    sole_joint: str
    start: date
    end: date
    sublicensing: str
    commercial: str
    objective: str
    processing: str
    output: str
    benefits: str
    yielded: str
    datasets: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)
    releases: list[tuple[str, ...]] = field(default_factory=list)
    next_file: int = 1

    def add_release(self, ds: tuple[str, ...], opt_out: str, month: int) -> None:
        name, tod, sens, freq, legal, _cl = ds
        self.releases.append(
            (f"{self.ref}-F{self.next_file:05d}", self.ref, name, tod, sens, opt_out, legal, freq, month_text(month))
        )
        self.next_file += 1


@dataclass
class Agreement:
    base: str
    kind: str
    versions: list[Version]
    majors: tuple[int, int] | None  # (major, minor) of the newest version; None: no version suffix


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def month_text(m: int) -> str:
    return f"{V.MONTHS_ABBR[m % 12]}-{(m // 12) % 100:02d}"


def month_date(m: int, day: int = 1) -> date:
    return date(m // 12, m % 12 + 1, day)


def scaled(n: float, scale: float, floor: int = 1) -> int:
    return max(floor, round(n * scale))


def churn_count(n: int, rate: float) -> int:
    """How many of ``n`` listed items churn at ``rate`` in one month: ``max(1, round(n * rate))``."""
    return max(1, round(n * rate))


def series_size(editions: int) -> float:
    """The first edition's size relative to the newest, which has one real edition's counts."""
    return (1 + NEW_RATE - END_RATE) ** -(max(editions, 1) - 1)


# --- organisations -------------------------------------------------------------------------------


class Orgs:
    """The organisation names of one universe: per category, names served unused-first."""

    def __init__(self, rng: Random, scale: float):
        self.rng = rng
        cats: dict[str, list[str]] = {c: [] for c in V.ORG_TYPES}
        for name, cat in V.QUIRK_NAMES:
            cats[cat].append(name)
        shares = {
            "commissioner": 0.19,
            "trust": 0.26,
            "university": 0.12,
            "council": 0.18,
            "company": 0.13,
            "charity": 0.05,
            "public": 0.045,
            "csu": 0.005,
        }
        total = scaled(REAL_ORGS, scale, floor=len(V.QUIRK_NAMES) + 24)
        gens = {
            "commissioner": self._commissioners(),
            "trust": self._trusts(),
            "university": self._universities(),
            "council": self._councils(),
            "company": self._companies(),
            "charity": iter(V.CHARITY_NAMES),
            "public": iter(V.PUBLIC_BODIES),
            "csu": iter(()),
        }
        seen = {n for names in cats.values() for n in names}
        for cat, share in shares.items():
            want = max(len(cats[cat]) + (1 if cat not in ("csu",) else 0), round(total * share))
            for name in gens[cat]:
                if len(cats[cat]) >= want:
                    break
                if name not in seen:
                    seen.add(name)
                    cats[cat].append(name)
        self.canonical = {c: list(ns) for c, ns in cats.items()}
        # Variant spellings of the same organisations (docs/register.md §A, traps 3-4).
        variants: dict[str, list[str]] = {c: [] for c in cats}
        cat_of = {n: c for c, ns in cats.items() for n in ns}
        for variant, canon in V.QUIRK_VARIANTS:
            variants[cat_of[canon]].append(variant)
        n_var = scaled(ORG_VARIANTS, scale, floor=len(V.QUIRK_VARIANTS) + 4)
        pool = sorted(n for n in seen if n not in dict(V.QUIRK_NAMES))
        rng.shuffle(pool)
        makers = [self._typo, self._title_case, self._nbsp, self._ltd]
        i = 0
        while sum(len(v) for v in variants.values()) < n_var and i < len(pool) * 4:
            name = pool[i % len(pool)]
            made = makers[i % len(makers)](name)
            i += 1
            if made and made not in seen:
                seen.add(made)
                variants[cat_of[name]].append(made)
        self.variants = variants
        quirks = dict(V.QUIRK_NAMES)
        self.unused_applicant = {}
        for c in cats:  # quirk names first so each comma name is seen whole as an applicant
            rest = [n for n in self.canonical[c] if n not in quirks]
            rng.shuffle(rest)
            self.unused_applicant[c] = [n for n in self.canonical[c] if n in quirks] + rest
        self.unused_other = {c: variants[c][:] for c in cats}
        self.weights = {c: [1.0 / (1 + k) ** 0.7 for k in range(len(self.canonical[c]))] for c in cats}
        self.ccg = {f"- {code}": name for code, name in V.CCG_NAMES.items()}
        # every Sub-ICB code's CCG name, for editions before July 2022 (own RNG: the main one is untouched)
        self.ccg_all = dict(self.ccg)
        taken = set(self.ccg_all.values())
        for name in sorted(self.canonical["commissioner"]):
            key = name[name.rindex("- ") :] if " ICB - " in name else None
            if key is None or key in self.ccg_all:
                continue
            pick = Random(f"ccg{key}")
            while True:
                side = pick.choice(["", "North ", "South ", "East ", "West ", "Central "])
                made = f"NHS {side}{pick.choice(V.PLACES)} CCG"
                if made not in taken:
                    break
            taken.add(made)
            self.ccg_all[key] = made

    def as_ccg(self, name: str) -> str:
        """The CCG name a Sub-ICB Location had before July 2022 (same ODS code); other names unchanged."""
        if " ICB - " not in name:
            return name
        return self.ccg_all.get(name[name.rindex("- ") :], name)

    # name factories
    def _commissioners(self):
        rng = self.rng
        used = {c for codes in V.ICB_CODES.values() for c in codes}
        areas = V.ICB_AREAS[:]
        rng.shuffle(areas)
        for round_ in range(6):
            for area in areas:
                known = V.ICB_CODES.get(area, [])
                if round_ < len(known):
                    code = known[round_]
                else:
                    while True:
                        code = f"{rng.randint(0, 99):02d}{rng.choice('ABCDEFGHJKLMNPQRSTVWXY')}"
                        if code not in used:
                            used.add(code)
                            break
                yield f"NHS {area.upper()} ICB - {code}"

    def _trusts(self):
        rng = self.rng
        pats = [
            "{p} HOSPITALS NHS FOUNDATION TRUST",
            "{p} TEACHING HOSPITALS NHS TRUST",
            "{p} AND {q} NHS FOUNDATION TRUST",
            "{p} COMMUNITY HEALTHCARE NHS TRUST",
            "{p} MENTAL HEALTH NHS FOUNDATION TRUST",
            "UNIVERSITY HOSPITALS OF {p} NHS TRUST",
            "{p} AND {q} HOSPITALS NHS TRUST",
            "{p} HEALTH AND CARE NHS FOUNDATION TRUST",
        ]
        while True:
            p, q = rng.sample(V.PLACES, 2)
            yield rng.choice(pats).format(p=p.upper(), q=q.upper())

    def _universities(self):
        rng = self.rng
        extra = V.UNIVERSITY_EXTRA[:]
        places = V.PLACES[:]
        rng.shuffle(places)
        for i, p in enumerate(places):
            if i % 3 == 0 and extra:
                yield extra.pop(0)
            yield f"UNIVERSITY OF {p.upper()}"

    def _councils(self):
        rng = self.rng
        pats = [
            "{p} CITY COUNCIL",
            "{p} COUNTY COUNCIL",
            "{p} METROPOLITAN BOROUGH COUNCIL",
            "LONDON BOROUGH OF {p}",
            "{p} BOROUGH COUNCIL",
            "{p} COUNCIL",
        ]
        while True:
            yield rng.choice(pats).format(p=rng.choice(V.PLACES).upper())

    def _companies(self):
        rng = self.rng
        stems = V.COMPANY_STEMS[:]
        rng.shuffle(stems)
        for s in stems:
            yield f"{s} {rng.choice(['LIMITED', 'LIMITED', 'LTD', 'UK LIMITED', 'PLC'])}"
        while True:
            yield f"{rng.choice(V.PLACES).upper()} {rng.choice(['HEALTH', 'ANALYTICS', 'INSIGHT'])} LIMITED"

    # variant factories
    @staticmethod
    def _typo(name: str) -> str | None:
        for good, bad in (
            ("HOSPITAL", "HOSPTIAL"),
            ("COMMISSIONING", "COMMISSIOING"),
            ("UNIVERSITY", "UNIVERISTY"),
            ("COUNCIL", "COUNCIL "),
        ):
            if good in name:
                return name.replace(good, bad, 1).strip() if bad.strip() != good else name + "  "
        return None

    @staticmethod
    def _title_case(name: str) -> str:
        small = {"AND", "OF", "THE", "FOR", "UPON"}
        words = name.split(" ")
        out = [
            w
            if w in ("NHS", "ICB", "UK", "PLC", "-") or any(c.isdigit() for c in w)
            else (w.lower() if w in small and i else w.capitalize())
            for i, w in enumerate(words)
        ]
        return " ".join(out)

    @staticmethod
    def _nbsp(name: str) -> str | None:
        return name.replace(" ", "\u00a0", 1) if " " in name else None

    @staticmethod
    def _ltd(name: str) -> str | None:
        if name.endswith(" LIMITED"):
            return name[: -len("LIMITED")] + "LTD"
        if name.endswith(" NHS FOUNDATION TRUST"):
            return name.replace(" NHS FOUNDATION TRUST", " NHS FT")
        return None

    def pick(self, cat: str) -> str:
        """A name for a role other than applicant (a co-controller)."""
        rng = self.rng
        if self.unused_other[cat] and rng.random() < 0.5:
            return self.unused_other[cat].pop()
        if self.unused_applicant[cat] and rng.random() < 0.5:
            return self.unused_applicant[cat].pop()
        if self.variants[cat] and rng.random() < 0.06:
            return rng.choice(self.variants[cat])
        return rng.choices(self.canonical[cat], self.weights[cat])[0]

    def pick_applicant(self, cat: str) -> str:
        rng = self.rng
        if self.unused_applicant[cat]:
            return self.unused_applicant[cat].pop(0)
        if self.unused_other[cat] and rng.random() < 0.3:
            return self.unused_other[cat].pop()
        return rng.choices(self.canonical[cat], self.weights[cat])[0]


# --- datasets ------------------------------------------------------------------------------------


@dataclass
class DatasetDef:
    current: str
    old: tuple[str, ...]
    group: str  # hes | sus | mh | registry | local | audit | covid | other


def dataset_catalogue() -> list[DatasetDef]:
    out = []
    for names in V.DATASETS:
        cur = names[0]
        group = (
            "hes"
            if "Hospital Episode" in cur or cur.startswith("HES")
            else "sus"
            if cur.startswith(("SUS", "Secondary Uses"))
            else "mh"
            if any(k in cur for k in ("Mental", "Psycholog", "Talking", "Learning Dis"))
            else "registry"
            if any(k in cur for k in ("Civil", "Cancer", "NDRS", "Mortality", "Demograph"))
            else "covid"
            if "COVID" in cur.upper() or "GPES" in cur
            else "other"
        )
        out.append(DatasetDef(cur, tuple(names[1:]), group))
    for lf in V.LOCAL_FLOWS:
        out.append(
            DatasetDef(
                f"Local Provider Flows - {lf}",
                (f"Local Provider Flows – {lf}",) if lf in ("Acute", "Community", "Mental Health") else (),
                "local",
            )
        )
    for i, topic in enumerate(V.AUDIT_TOPICS):
        out.append(DatasetDef(f"National {topic} Audit", (f"{topic} Audit",) if i % 2 else (), "audit"))
    return out


# --- text ----------------------------------------------------------------------------------------


def filler_text(rng: Random, target: int, musts: list[str], bullets: bool = False) -> str:
    """Paragraphs of filler sentences to about ``target`` characters, ``musts`` spread among them."""
    paras: list[str] = []
    size = sum(len(m) for m in musts)
    choice, randint = rng.choice, rng.randint
    while size < target:
        if bullets and randint(0, 5) == 0:
            mark = choice(["•\t", "~ ", "- ", "1) "])
            p = "\n".join(mark + choice(V.FILLER) for _ in range(randint(2, 5)))
        else:
            p = " ".join(choice(V.FILLER) for _ in range(randint(2, 6)))
            if randint(0, 12) == 0:
                p = p.replace(". ", ".  ", 1)
            if randint(0, 20) == 0:
                p = p.replace(" ", "\u00a0", 1)
        paras.append(p)
        size += len(p) + 2
    for m in musts:
        paras.insert(randint(0, len(paras)), m)
    return "\n\n".join(paras)


def text_length(rng: Random) -> int:
    """2-12 k characters, most around 4-6 k."""
    return int(min(11_000, max(2_000, rng.lognormvariate(8.45, 0.45))))


def alias(rng: Random, canon: str) -> str:
    return rng.choice(V.PROCESSORS[canon])


def processor_sentences(rng: Random, kind: str, applicant: str, procs: list[str]) -> list[str]:
    """Sentences naming the processors (docs/processors.md) and the hard negatives, for one agreement's processing."""
    out: list[str] = []
    a = [alias(rng, p) for p in procs]
    if kind in ("commissioning", "csu") and a:
        if len(a) >= 2 and rng.random() < 0.5:
            out.append("\n".join(f"Data {'processor' if i == 0 else 'Processor'} {i + 1} {n}" for i, n in enumerate(a)))
        else:
            out.append(f"Risk Stratification will be conducted by {a[0]}" + (f" and {a[1]}." if len(a) > 1 else "."))
        out.append(
            "1)\tIdentifiable SUS+ data is obtained from the SUS+ Repository to the Data Services for "
            "Commissioners Regional Office (DSCRO).\n2)\tData quality management and standardisation of data "
            "is completed by the DSCRO and the data identifiable at the level of NHS number is transferred "
            f"securely to {a[0]}, who hold the SUS+ data.\n3)\tIdentifiable GP Data is securely sent from the "
            f"GP system to {a[0]}."
        )
        if rng.random() < 0.4:
            out.append(
                f"Identifiable SUS+ and MHSDS data is transferred securely to {a[-1]}, who hold the SUS+ data "
                "on behalf of the CCG."
            )
        out.append(
            rng.choice(
                [
                    "Invoice Validation with be conducted by the CCG.",
                    "Invoice Validation will be conducted by the CCG within the CEfF.",
                ]
            )
        )
        out.append(
            "The DSCRO (part of NHS Digital) will apply Type 2 objections before any identifiable data leaves "
            "the DSCRO only for the purpose of Risk Stratification."
        )
    else:
        phr = [
            lambda n: f"{n} will act as a Data Processor.",
            lambda n: f"Data will be processed by {n} under contract to the data controller.",
            lambda n: f"Data processor 1 {n}",
        ]
        for n in a:
            out.append(rng.choice(phr)(n))
    if rng.random() < 0.35:
        infra = rng.choice(V.INFRASTRUCTURE)
        out.append(
            f"{infra} supply Cloud Services for {applicant} and are therefore listed as a data "
            "processor. They do not access data."
        )
    if rng.random() < 0.3:
        landlord = rng.choice(V.LANDLORDS)
        out.append(
            f"{landlord} do not access data held under this agreement as they only supply the building. "
            "Therefore, any access to the data held under this agreement would be considered a breach of the "
            "agreement."
        )
    if rng.random() < 0.2:
        forbidden = rng.choice(V.COMPANY_STEMS).title()
        out.append(
            f"The study is funded by {forbidden}; any access by {forbidden} to the data would be considered "
            "a breach of this agreement."
        )
    if rng.random() < 0.15:
        out.append(
            f"Historic data supplied by the NHS IC to {applicant} under a previous agreement will be "
            "retained and linked."
        )
    if rng.random() < 0.2:
        out.append(f"The data will only be viewed, accessed and analysed by substantive employees of {applicant}.")
    return out


PROCESSOR_CHOICES = {
    "commissioning": (
        [
            "NHS Midlands and Lancashire Commissioning Support Unit",
            "NHS Arden and Greater East Midlands Commissioning Support Unit",
            "North and East London Commissioning Support Unit",
            "NHS South, Central and West Commissioning Support Unit",
            "NHS North of England Commissioning Support Unit",
        ],
        [
            "Prescribing Services Limited",
            "Graphnet Health Limited",
            "Optum Health Solutions (UK) Limited",
            "Cerner Limited",
        ],
    ),
    "other": (
        [
            "Dr Foster Limited",
            "IQVIA Ltd",
            "Health Economics Consulting Limited",
            "University of Bristol",
            "Acumen Health Limited",
            "Optum Health Solutions (UK) Limited",
        ],
        [],
    ),
}


# --- the universe --------------------------------------------------------------------------------


class Universe:
    """The register's state in one month; ``advance()`` moves it to the next (series mode).

    ``size`` scales the first month's agreements and releases (not its organisations), so that a
    series grown by ``advance()`` ends at one real edition's counts (``series_size``)."""

    def __init__(self, seed: int, scale: float, start_month: int, size: float = 1.0):
        self.seed = seed
        self.rng = Random(seed)
        self.scale = scale
        self.month = start_month
        self.orgs = Orgs(self.rng, scale)
        self.catalogue = dataset_catalogue()
        self.by_group: dict[str, list[DatasetDef]] = {}
        for d in self.catalogue:
            self.by_group.setdefault(d.group, []).append(d)
        self.bases: set[str] = {V.TEST_RECORD_REFERENCE}
        self.agreements: dict[str, Agreement] = {}
        for _ in range(scaled(AGREEMENTS * size, scale)):
            ag = self.new_agreement()
            self.agreements[ag.base] = ag
        test = self.new_agreement(n_versions=1, kind="research")
        test.base = V.TEST_RECORD_REFERENCE
        test.majors = None
        test.versions[0] = replace(
            test.versions[0],
            ref=V.TEST_RECORD_REFERENCE,
            title="TEST RECORD - please ignore",
            datasets=test.versions[0].datasets[:1],
        )
        self.agreements[test.base] = test
        self.fix_comma_lists()
        self.allocate_releases(scaled(RELEASES * size, scale))

    # references
    def new_base(self) -> str:
        rng = self.rng
        while True:
            digits = f"{rng.randint(100000, 999999)}" if rng.random() < 0.8 else f"{rng.randint(1, 99999):05d}"
            suffix = "".join(
                rng.choice("ABCDEFGHJKLMNPQRSTVWXYZ") if i % 2 == 0 else str(rng.randint(0, 9)) for i in range(5)
            )
            base = f"DARS-NIC-{digits}-{suffix}"
            if base not in self.bases:
                self.bases.add(base)
                return base

    def next_key(self, key: tuple[int, int] | None) -> tuple[int, int]:
        rng = self.rng
        if key is None:
            return (0 if rng.random() < 0.2 else 1, rng.randint(1, 12))
        if rng.random() < 0.6:
            return key[0] + 1, rng.randint(1, 6)
        return key[0], key[1] + rng.randint(1, 4)

    # agreements
    def new_agreement(self, n_versions: int | None = None, kind: str | None = None, recent: bool = False) -> Agreement:
        rng = self.rng
        if kind is None:
            kind = rng.choices([a[0] for a in ARCHETYPES], [a[1] for a in ARCHETYPES])[0]
        cat = next(a[2] for a in ARCHETYPES if a[0] == kind)
        if n_versions is None:
            n_versions = 1 if recent else rng.choices(*zip(*VERSION_WEIGHTS, strict=True))[0]
        base = self.new_base()
        applicant = self.orgs.pick_applicant(cat)
        controllers = self.controllers_for(kind, applicant)
        sep = rng.choices(["; ", "\n", ", "], [0.7, 0.15, 0.15])[0]
        procs = self.processors_for(kind)
        gaps = [rng.randint(8, 26) for _ in range(n_versions - 1)]
        first = self.month - (0 if recent else sum(gaps) + rng.randint(1, 40))
        first = max(first, 2012 * 12)
        starts = [first]
        for g in gaps:
            starts.append(min(starts[-1] + g, self.month))
        title = self.title_for(kind, applicant)
        dsdefs = self.datasets_for(kind)
        legal = self.legal_for(kind)
        commercial = "Yes" if kind == "commercial" or (kind == "research" and rng.random() < 0.05) else "No"
        sublicensing = "Yes" if rng.random() < 0.03 else "No"
        objective = filler_text(rng, text_length(rng), self.objective_heads(kind))
        processing = filler_text(
            rng,
            text_length(rng),
            [*V.BOILERPLATE[: rng.randint(2, 5)], *processor_sentences(rng, kind, applicant, procs)],
            bullets=True,
        )
        output = filler_text(rng, rng.randint(300, 2500), [])
        benefits = filler_text(rng, rng.randint(400, 3000), [])
        versions: list[Version] = []
        key = None
        suffixless = rng.random() < 0.005 and n_versions == 1
        for i, s in enumerate(starts):
            key = self.next_key(key)
            sd = month_date(s, rng.randint(1, 28))
            last = i == len(starts) - 1
            end = (
                sd + timedelta(days=365 * rng.choice([1, 2, 3, 3, 3, 5]) - 1)
                if last
                else month_date(starts[i + 1], 1) - timedelta(days=rng.randint(0, 20))
            )
            end = max(end, sd + timedelta(days=30))
            versions.append(
                self.make_version(
                    base if suffixless else f"{base}-v{key[0]}.{key[1]}",
                    kind,
                    title,
                    applicant,
                    controllers,
                    sep,
                    sd,
                    end,
                    sublicensing,
                    commercial,
                    objective,
                    processing,
                    output,
                    benefits,
                    dsdefs,
                    legal,
                    i,
                )
            )
        return Agreement(base, kind, versions, None if suffixless else key)

    def make_version(
        self,
        ref,
        kind,
        title,
        applicant,
        controllers,
        sep,
        sd,
        end,
        sublicensing,
        commercial,
        objective,
        processing,
        output,
        benefits,
        dsdefs,
        legal,
        index,
    ) -> Version:
        rng = self.rng
        m = month_index(sd)
        if m >= 2023 * 12 + 1:
            objective = MERGER + "\n\n" + objective
        if index and rng.random() < 0.3:
            processing = "No new data will flow under this version of the agreement.\n\n" + processing
        ctrl = [self.era_name(c, m) for c in controllers]
        yielded = (
            "Yielded Benefits is not a requirement for new applications."
            if index == 0 and rng.random() < 0.5
            else ""
            if rng.random() < 0.3
            else filler_text(rng, rng.randint(200, 1500), [])
        )
        cat = next(a[2] for a in ARCHETYPES if a[0] == kind)
        atype = rng.choice(V.ORG_TYPES[cat])
        if cat == "commissioner":
            atype = (
                "Clinical Commissioning Group (CCG)"
                if m < ICB_MONTH
                else rng.choice(["Sub ICB Location", "Sub ICB Location", "Integrated Care Board (ICB)"])
            )
        return Version(
            ref=ref,
            title=title,
            applicant=self.era_name(applicant, m) if rng.random() < 0.3 else applicant,
            applicant_type=atype,
            controllers=tuple(ctrl),
            sep=sep,
            sole_joint=V.SOLE_JOINT[len(ctrl) > 1],
            start=sd,
            end=end,
            sublicensing=sublicensing,
            commercial=commercial,
            objective=objective,
            processing=processing,
            output=output,
            benefits=benefits,
            yielded=yielded,
            datasets=self.dataset_rows(kind, dsdefs, legal, m),
        )

    def era_name(self, name: str, m: int) -> str:
        """Before July 2022 a Sub-ICB Location was a CCG (same ODS code)."""
        if m < ICB_MONTH and " ICB - " in name:
            return self.orgs.ccg.get(name[name.rindex("- ") :], name)
        return name

    def controllers_for(self, kind: str, applicant: str) -> list[str]:
        rng, orgs = self.rng, self.orgs
        if kind == "csu":
            return [orgs.pick("commissioner") for _ in range(rng.randint(1, 4))]
        out = [applicant] if rng.random() < 0.95 else []
        extra = {
            "commissioning": (0.3, ["commissioner"]),
            "research": (0.45, ["university", "trust", "charity"]),
            "trust": (0.3, ["university", "trust"]),
            "charity": (0.3, ["university", "charity"]),
            "council": (0.35, ["council"]),
            "commercial": (0.15, ["company"]),
            "public": (0.3, ["public", "university"]),
        }[kind]
        if rng.random() < extra[0] or not out:
            for _ in range(rng.randint(1, 4)):
                out.append(orgs.pick(rng.choice(extra[1])))
        if kind == "council" and rng.random() < 0.02:
            out.append(V.CONTROLLER_ONLY[0][0])
        return list(dict.fromkeys(out))

    def processors_for(self, kind: str) -> list[str]:
        rng = self.rng
        if kind in ("commissioning", "csu"):
            csus, others = PROCESSOR_CHOICES["commissioning"]
            out = [rng.choice(csus)]
            if rng.random() < 0.5:
                out.append(rng.choice(others))
            return out
        n = rng.choices([0, 1, 2], [0.55, 0.35, 0.10])[0]
        return rng.sample(PROCESSOR_CHOICES["other"][0], n)

    def title_for(self, kind: str, applicant: str) -> str:
        rng = self.rng
        if kind in ("commissioning", "csu"):
            place = Orgs._title_case(applicant.split(" ICB")[0].replace("NHS ", ""))
            return rng.choice(
                [
                    f"DSfC - NHS {place} CCG: RS & IV",
                    f"DSfC - NHS {place} CCG; RS, IV",
                    f"DSfC - NHS {place} CCG   IV RS",
                    f"DSfC - {place} ICB - Commissioning",
                    f"DSfC - NHS {place} CCG - Commissioing, RS",
                ]
            )
        topic = rng.choice(V.TITLE_TOPICS)
        if kind == "council":
            return f"Access to Civil Registration Deaths – {applicant} Public Health Intelligence"
        return rng.choice(
            [
                f"MR{rng.randint(100, 2999)} Linked records study of {topic}",
                f"A cohort study of {topic} using linked hospital and mortality data",
                f"{topic.capitalize()} in England: a national evaluation  (ODR_{rng.randint(2012, 2024)}_"
                f"{rng.randint(1, 400)})",
                f"Benchmarking {topic} across providers",
            ]
        )

    def objective_heads(self, kind: str) -> list[str]:
        if kind in ("commissioning", "csu"):
            return [
                "Invoice Validation \nInvoice validation is part of a process by which providers of care or services "
                "get paid for the work they do.",
                "Risk Stratification \nRisk stratification is a tool for "
                "identifying and predicting which patients are at high risk or are likely to be at high risk.",
            ]
        return []

    def datasets_for(self, kind: str) -> list[DatasetDef]:
        rng, g = self.rng, self.by_group
        if kind in ("commissioning", "csu"):
            n = min(30, max(2, int(rng.triangular(2, 30, 12))))
            core = [d for d in self.catalogue if d.current == "SUS for Commissioners"]
            pool = g["local"] + g["mh"] + [d for d in g["other"] if "Data Set" in d.current] + g["hes"][:4]
            return core + rng.sample(pool, min(n - 1, len(pool)))
        pools = {
            "research": g["hes"] + g["registry"] + g["covid"] + g["audit"],
            "trust": g["hes"] + g["audit"],
            "charity": g["registry"] + g["audit"] + g["hes"],
            "council": g["registry"][:6],
            "commercial": g["hes"] + g["other"],
            "public": g["other"] + g["covid"] + g["registry"],
        }[kind]
        n = rng.choices(range(1, 13), [20, 16, 12, 10, 8, 7, 6, 5, 4, 3, 2, 2])[0]
        return rng.sample(pools, min(n, len(pools)))

    def legal_for(self, kind: str) -> list[str]:
        rng = self.rng
        keys = {
            "commissioning": [["s261(7)", "s251"], ["s261(7)"]],
            "csu": [["s261(7)", "s251"]],
            "research": [["s261(2)(c)"], ["consent"], ["s251"], ["s261(2)(c)", "s251"], ["s261(2)(c)", "consent"]],
            "trust": [["s261(2)(b)(ii)"], ["s251"]],
            "charity": [["s261(2)(c)", "consent"], ["s251"]],
            "council": [["s42(4)"], ["s42(4)", "s261(2)(b)(ii)"]],
            "commercial": [["s261-other"], ["s261(2)(b)(ii)"]],
            "public": [["s261(5)(d)", "reg3"], ["reg5"], ["s261(5)(d)"]],
        }[kind]
        return rng.choice(keys)

    def dataset_rows(self, kind: str, dsdefs: list[DatasetDef], legal: list[str], m: int):
        rng = self.rng
        spellings = [rng.choice(V.LEGAL_BASES[k]) for k in legal]
        if m >= REWORD_MONTH:
            spellings = [V.LEGAL_REWORDED.get(k, s) for k, s in zip(legal, spellings, strict=True)]
        legal_cell = "; ".join(spellings)
        rows = []
        for d in dsdefs:
            name = d.current if not d.old or m >= RENAME_MONTH or rng.random() < 0.5 else rng.choice(d.old)
            if kind in ("commissioning", "csu", "council"):
                tod = "Identifiable" if rng.random() < 0.6 else "Pseudonymised"
            elif kind == "commercial":
                tod = "Anonymised - ICO Code Compliant"
            else:
                tod = rng.choice(V.TYPES_OF_DATA)
            sens = "Non-Sensitive" if tod.startswith("Anonymised") and rng.random() < 0.7 else "Sensitive"
            if kind in ("commissioning", "csu"):
                freq = rng.choice(["Ongoing", "Frequent Adhoc Flow"])
            else:
                freq = rng.choices(V.FREQUENCIES, [0.45, 0.45, 0.03, 0.07])[0]
            cl = (
                ""
                if tod.startswith("Anonymised")
                else "Section 251 NHS Act 2006"
                if "s251" in legal
                else "Consent (Reasonable Expectation)"
                if "consent" in legal
                else rng.choice(V.CONFIDENTIALITY[1:4])
            )
            cell = legal_cell if rng.random() > 0.02 else ""
            rows.append((name, tod, sens, freq, cell, cl))
        if len(rows) > 1 and rng.random() < 0.02:  # docs/register.md §A, trap 7: a dataset listed twice
            rows.insert(rng.randrange(len(rows)), rows[0])
        return rows

    def fix_comma_lists(self, only: list[str] | None = None) -> None:
        """Comma-joined controller lists may only hold comma names that appear whole as applicants.

        ``only``: the agreements to check (a series leaves listed versions as they were)."""
        applicants = {v.applicant for a in self.agreements.values() for v in a.versions}
        for ag in self.agreements.values() if only is None else (self.agreements[b] for b in only):
            for v in ag.versions:
                if v.sep == ", " and any("," in n and n not in applicants for n in v.controllers):
                    v.sep = "; "

    # releases
    def windows(self, v: Version) -> tuple[int, int]:
        return max(month_index(v.start), FIRST_MONTH), min(month_index(v.end), self.month)

    def allocate_releases(self, target: int) -> None:
        rng = self.rng
        slots = []
        for base in sorted(self.agreements):
            if base == V.TEST_RECORD_REFERENCE:
                continue
            for v in self.agreements[base].versions:
                lo, hi = self.windows(v)
                if hi < lo:
                    continue
                for j, ds in enumerate(v.datasets):
                    slots.append((v, j, ds[3] in ("Ongoing", "Frequent Adhoc Flow"), lo, hi))
        # one-off and system-access flows release a file or two; ongoing flows share the rest by duration
        budget = int(target * 0.3)
        counts = []
        for _v, _j, ongoing, _lo, _hi in slots:
            n = (
                0
                if ongoing
                else min(budget, rng.choice((1, 1, 2, 3)) if _v.datasets[_j][3] == "One-Off" else rng.randint(0, 1))
            )
            budget -= n
            counts.append(n)
        weights = [(s[4] - s[3] + 1) if s[2] else 0 for s in slots]
        k = (target - sum(counts)) / (sum(weights) or 1)
        for i, w in enumerate(weights):
            counts[i] += int(w * k)
        rema = sorted(range(len(slots)), key=lambda i: (-(weights[i] * k - int(weights[i] * k)), i))
        for i in rema[: target - sum(counts)]:
            counts[i] += 1
        for (v, j, _w, lo, hi), n in zip(slots, counts, strict=True):
            if not n:
                continue
            ds = v.datasets[j]
            span = list(range(lo, hi + 1))
            if ds[3] == "One-Off":
                months = sorted(rng.choice(span[:3]) for _ in range(n))
            elif n <= len(span):
                months = sorted(rng.sample(span, n))
            else:
                months = sorted(span * (n // len(span)) + rng.sample(span, n % len(span)))
            self.add_releases(v, ds, months)

    def add_releases(self, v: Version, ds: tuple, months: list[int]) -> None:
        rng = self.rng
        base_opt = "Yes" if ds[1] == "Identifiable" and "251" in ds[5] else "No"
        mixed = rng.random() < 0.03  # docs/register.md §A, trap 7: opt-outs mixed for one dataset on one agreement
        for m in months:
            row_ds = ds
            if rng.random() < 0.007:  # docs/register.md §A, trap 7: release rows disagreeing with the Datasets sheet
                row_ds = (ds[0], rng.choice(V.TYPES_OF_DATA), ds[2], ds[3], ds[4], ds[5])
            opt = base_opt if not mixed or rng.random() < 0.7 else ("No" if base_opt == "Yes" else "Yes")
            v.add_release(row_ds, opt, m)

    # churn
    def live(self) -> list[str]:
        return sorted(b for b in self.agreements if b != V.TEST_RECORD_REFERENCE)

    def release_count(self) -> int:
        return sum(len(v.releases) for ag in self.agreements.values() for v in ag.versions)

    def advance(self) -> dict[str, list]:
        """Move to the next month: end, amend, edit in place and add agreements; release new files.

        Returns what changed (the ``.churn.json`` sidecar): references ``added``, ``ended`` and
        ``amended`` (new version), ``edited`` in place (``{"reference", "field"}``) and, in July 2022,
        the CCG names ``renamed`` to their Sub-ICB Location."""
        rng = self.rng
        self.month += 1
        live = self.live()
        n = len(live)
        ended = rng.sample(live, min(n, churn_count(n, END_RATE)))
        for b in ended:
            del self.agreements[b]
        renamed = self.rename_ccgs() if self.month == ICB_MONTH else []
        live = self.live()
        amended = rng.sample(live, min(len(live), churn_count(n, AMEND_RATE)))
        rest = sorted(set(live) - set(amended))
        edited = rng.sample(rest, min(len(rest), churn_count(n, EDIT_RATE)))
        for b in amended:
            self.renew(self.agreements[b])
        edits = [self.edit_in_place(self.agreements[b]) for b in edited]
        added = []
        for _ in range(churn_count(n, NEW_RATE)):
            ag = self.new_agreement(recent=True)
            self.agreements[ag.base] = ag
            added.append(ag.base)
        self.fix_comma_lists(added + amended)
        # new files released this month on the newest versions' live ongoing flows
        flows = [
            (v, ds)
            for b in self.live()
            for v in self.agreements[b].versions[-1:]
            if self.windows(v)[0] <= self.month <= self.windows(v)[1]
            for ds in v.datasets
            if ds[3] in ("Ongoing", "Frequent Adhoc Flow")
        ]
        if flows:
            for _ in range(churn_count(self.release_count(), RELEASE_RATE)):
                v, ds = rng.choice(flows)
                self.add_releases(v, ds, [self.month])
        out: dict[str, list] = {
            "added": sorted(added),
            "ended": sorted(ended),
            "amended": sorted(amended),
            "edited": sorted(edits, key=lambda e: e["reference"]),
        }
        if renamed:
            out["renamed"] = [{"from": a, "to": b} for a, b in renamed]
        return out

    def renew(self, ag: Agreement) -> None:
        """A new version with a new version number; the older versions stay as they were."""
        rng = self.rng
        old = ag.versions[-1]
        key = self.next_key(ag.majors or (1, 0))
        ag.majors = key
        base = ag.base
        sd = month_date(self.month, rng.randint(1, 28))
        dsdefs = [d for d in self.catalogue if d.current in {r[0] for r in old.datasets}] or self.datasets_for(ag.kind)
        new = replace(
            old,
            ref=f"{base}-v{key[0]}.{key[1]}",
            start=sd,
            end=sd + timedelta(days=3 * 365 - 1),
            objective=old.objective if old.objective.startswith(MERGER) else MERGER + "\n\n" + old.objective,
            yielded=filler_text(rng, rng.randint(200, 1200), []),
            releases=[],
            next_file=1,
            datasets=self.dataset_rows(ag.kind, dsdefs, self.legal_for(ag.kind), self.month),
        )
        ag.versions.append(new)

    def edit_in_place(self, ag: Agreement) -> dict[str, str]:
        """Change the newest version's fields, keeping its version number (docs/register.md §A, trap 10)."""
        rng = self.rng
        v = ag.versions[-1]
        what = rng.choice(EDIT_FIELDS)
        if what == "end date":
            v = replace(v, end=v.end + timedelta(days=365))
        elif what == "objective":
            v = replace(v, objective=v.objective + "\n\n" + rng.choice(V.FILLER))
        elif what == "title":
            v = replace(v, title=v.title + " (amended)")
        elif what == "processing":
            v = replace(
                v, processing=v.processing.replace("Data must", "Data  must", 1) + "\n\n" + rng.choice(V.FILLER)
            )
        else:  # one dataset's legal basis: a basis added (or, when it has the only one, s251 added)
            rows = list(v.datasets)
            j = rng.randrange(len(rows))
            name, tod, sens, freq, cell, cl = rows[j]
            extra = rng.choice(V.LEGAL_BASES["s251"])
            rows[j] = (name, tod, sens, freq, f"{cell}; {extra}" if cell else extra, cl)
            v = replace(v, datasets=rows)
        ag.versions[-1] = v
        return {"reference": v.ref, "field": what}

    def rename_ccgs(self) -> list[tuple[str, str]]:
        """July 2022: every CCG name becomes its Sub-ICB Location's (same ODS code), on every version."""
        back = {ccg: None for ccg in self.orgs.ccg.values()}
        for canon in self.orgs.canonical["commissioner"]:
            ccg = self.orgs.ccg.get(canon[canon.rindex("- ") :]) if " ICB - " in canon else None
            if ccg in back and back[ccg] is None:
                back[ccg] = canon
        back = {k: v for k, v in back.items() if v}
        renamed: dict[str, str] = {}
        for ag in self.agreements.values():
            for v in ag.versions:
                if v.applicant in back:
                    renamed[v.applicant] = v.applicant = back[v.applicant]
                if any(c in back for c in v.controllers):
                    for c in v.controllers:
                        if c in back:
                            renamed[c] = back[c]
                    v.controllers = tuple(back.get(c, c) for c in v.controllers)
                if v.applicant_type == "Clinical Commissioning Group (CCG)":
                    v.applicant_type = "Sub ICB Location"
        # and the names the editions before showed as CCG names (``as_ccg``)
        pairs = {(a, b) for a, b in renamed.items()}
        for ag in self.agreements.values():
            for v in ag.versions:
                for name in (v.applicant, *v.controllers):
                    if self.orgs.as_ccg(name) != name:
                        pairs.add((self.orgs.as_ccg(name), name))
        return sorted(pairs)


# --- writing -------------------------------------------------------------------------------------


def plan_plants(seed: int, datasets: list[tuple], releases: list[tuple]) -> dict[tuple[str, int, int], str]:
    """Cells (sheet, data row index, column index) to overwrite with planted values.

    Each planted value goes to the rows whose content key hashes lowest, so that from one edition
    to the next it stays on the same rows while they are listed (a planted value moving would be an
    edit in place of both rows)."""
    cols = {s: {c: i for i, c in enumerate(cs)} for s, cs in V.SHEETS.items()}
    keys = {
        "Datasets": [f"{r[0]}|{r[1]}" for r in datasets],  # version, dataset
        "DataReleases": [r[0] for r in releases],  # file reference
    }
    plants: dict[tuple[str, int, int], str] = {}
    taken: set[tuple[str, int]] = set()
    wanted = [(s, c, v, 2) for s, c, v in V.PLANTED_UNKNOWN]
    wanted.append(("DataReleases", "Month File Released", V.UNPARSEABLE_MONTH, 1))
    for sheet, column, value, n in wanted:
        salt = f"{seed}|{column}|{value}|".encode()
        crc = zlib.crc32(salt)
        ranked = heapq.nsmallest(n + len(taken), range(len(keys[sheet])),
                                 key=lambda i: (zlib.crc32(keys[sheet][i].encode(), crc), i))
        for i in [i for i in ranked if (sheet, i) not in taken][:n]:
            taken.add((sheet, i))
            plants[(sheet, i, cols[sheet][column])] = value
    return plants


# xlsx parts other than the sheets; the sheets are written as XML with inline strings (what
# xlsxwriter's constant_memory mode writes), their cells escaped once and cached.
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_OFFICE = "application/vnd.openxmlformats-officedocument"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_EXCEL_EPOCH = date(1899, 12, 30)


def _package_parts(sheets: list[str], created: str) -> list[tuple[str, str]]:
    n = len(sheets)
    return [
        ("[Content_Types].xml", _XML + f'<Types xmlns="{_PKG}/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
         '<Default Extension="xml" ContentType="application/xml"/>'
         f'<Override PartName="/docProps/app.xml" ContentType="{_OFFICE}.extended-properties+xml"/>'
         '<Override PartName="/docProps/core.xml" '
         'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
         f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE}.spreadsheetml.styles+xml"/>'
         f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.spreadsheetml.sheet.main+xml"/>'
         + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                   f'ContentType="{_OFFICE}.spreadsheetml.worksheet+xml"/>' for i in range(1, n + 1))
         + "</Types>"),
        ("_rels/.rels", _XML + f'<Relationships xmlns="{_PKG}/relationships">'
         f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
         f'<Relationship Id="rId2" Type="{_PKG}/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
         f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
         "</Relationships>"),
        ("docProps/app.xml", _XML + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
         'extended-properties"><Application>Microsoft Excel</Application></Properties>'),
        ("docProps/core.xml", _XML + f'<cp:coreProperties xmlns:cp="{_PKG}/metadata/core-properties" '
         'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Data Uses Register</dc:title>'
         "<dc:creator>NHS England</dc:creator>"
         f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
         f'<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified></cp:coreProperties>'),
        ("xl/workbook.xml", _XML + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
         + "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(sheets, 1))
         + "</sheets></workbook>"),
        ("xl/_rels/workbook.xml.rels", _XML + f'<Relationships xmlns="{_PKG}/relationships">'
         + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, n + 1))
         + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'),
        ("xl/styles.xml", _XML + f'<styleSheet xmlns="{_MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
         'formatCode="dd/mm/yyyy"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font>'
         '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
         'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/>'
         '<diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
         'borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
         'xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
         '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
         "</styleSheet>"),
    ]


class _Cells:
    """Cell XML after the reference (``"…``): escaped once per distinct short string."""

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    @staticmethod
    def make(s: str) -> str:
        t = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        keep = ' xml:space="preserve"' if s[:1].isspace() or s[-1:].isspace() else ""
        return f'" t="inlineStr"><is><t{keep}>{t}</t></is></c>'

    def __call__(self, s: str) -> str:
        frag = self.cache.get(s)
        if frag is None:
            frag = self.make(s)
            if len(s) < 300:  # free text is escaped afresh (keeps the cache small)
                self.cache[s] = frag
        return frag


def _date_cell(d: date) -> str:
    return f'" s="1"><v>{(d - _EXCEL_EPOCH).days}</v></c>'


class _SheetWriter:
    """One worksheet's XML, streamed into the zip in chunks."""

    def __init__(self, zf: zipfile.ZipFile, index: int, width: int, rows: int, level: int):
        info = zipfile.ZipInfo(f"xl/worksheets/sheet{index}.xml", (1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info._compresslevel = level  # zipfile has no public per-entry level before Python 3.13
        info.external_attr = 0o600 << 16
        self.fh = zf.open(info, "w")
        self.letters = _LETTERS[:width]
        self.chunk: list[str] = [
            _XML, f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="A1:{self.letters[-1]}{rows}"/>'
            "<sheetData>"
        ]
        self.r = 0

    def row(self, frags) -> None:
        self.r += 1
        r = str(self.r)
        cells = "".join([f'<c r="{c}{r}{f}' for c, f in zip(self.letters, frags, strict=False)])
        self.chunk.append(f'<row r="{r}">{cells}</row>')
        if len(self.chunk) >= 2000:
            self.flush()

    def flush(self) -> None:
        self.fh.write("".join(self.chunk).encode("utf-8"))
        self.chunk = []

    def close(self) -> None:
        self.chunk.append("</sheetData></worksheet>")
        self.flush()
        self.fh.close()


def write_edition(u: Universe, path: Path, cells: _Cells | None = None, level: int = 1) -> list[dict]:
    """Write the universe's current state; return the planted records (sheet, column, value, kind, rows).

    ``cells`` (a cache of escaped cells) may be shared by the editions of a series; ``level`` is the
    zip compression level (1: fast, files ~10 % larger than at 6)."""
    cell = cells or _Cells()
    versions = [v for b in sorted(u.agreements) for v in u.agreements[b].versions]
    datasets = [(v.ref, *ds) for v in versions for ds in v.datasets]
    releases = [rel for v in versions for rel in v.releases]
    plants = plan_plants(u.seed, datasets, releases)
    planted: dict[tuple[str, str, str], list[int]] = {}
    before_icb = u.month < ICB_MONTH
    as_ccg = u.orgs.as_ccg
    ccg_type = "Clinical Commissioning Group (CCG)"
    icb_types = ("Sub ICB Location", "Integrated Care Board (ICB)")

    path = Path(path)
    sheets = list(V.SHEETS)
    created = f"{u.month // 12:04d}-{u.month % 12 + 1:02d}-01T00:00:00Z"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in _package_parts(sheets, created):
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, text)

        ws = _SheetWriter(zf, 1, len(V.AGREEMENT_COLUMNS), len(versions) + 2, level)
        ws.row([cell(h) for h in V.AGREEMENT_COLUMNS])
        for v in versions:
            applicant, controllers, atype = v.applicant, v.controllers, v.applicant_type
            if before_icb:  # no Sub-ICB Location existed yet: show each by its CCG name
                applicant = as_ccg(applicant)
                controllers = [as_ccg(c) for c in controllers]
                atype = ccg_type if atype in icb_types else atype
            ws.row(
                (
                    cell(v.ref), cell(v.title), cell(applicant), cell(atype), cell(v.sep.join(controllers)),
                    cell(v.sole_joint), _date_cell(v.start), _date_cell(v.end), cell(v.sublicensing),
                    cell(v.commercial), cell(v.objective), cell(v.processing), cell(v.output), cell(v.benefits),
                    cell(v.yielded),
                )
            )
        ws.row([cell(V.JUNK_REFERENCE)])
        ws.close()

        for index, (name, columns, rows) in enumerate(
            (("Datasets", V.DATASET_COLUMNS, datasets), ("DataReleases", V.RELEASE_COLUMNS, releases)), start=2
        ):
            ws = _SheetWriter(zf, index, len(columns), len(rows) + 1, level)
            ws.row([cell(h) for h in columns])
            here = {i: (c, p) for (s, i, c), p in plants.items() if s == name}
            for i, row in enumerate(rows):
                if i in here:
                    c, p = here[i]
                    row = (*row[:c], p, *row[c + 1 :])
                    planted.setdefault((name, columns[c], p), []).append(i + 2)
                ws.row([cell(val) for val in row])
            ws.close()

    agreements_rows = len(versions) + 2
    out = [
        {
            "sheet": s,
            "column": c,
            "value": val,
            "kind": "unparseable-month" if val == V.UNPARSEABLE_MONTH else "unknown-value",
            "rows": rows,
        }
        for (s, c, val), rows in sorted(planted.items())
    ]
    out.append(
        {
            "sheet": "Agreements",
            "column": "Reference Number",
            "value": V.JUNK_REFERENCE,
            "kind": "junk-row",
            "rows": [agreements_rows],
        }
    )
    test_rows = [i + 2 for i, v in enumerate(versions) if v.ref == V.TEST_RECORD_REFERENCE]
    if test_rows:
        out.append(
            {
                "sheet": "Agreements",
                "column": "Reference Number",
                "value": V.TEST_RECORD_REFERENCE,
                "kind": "test-record",
                "rows": test_rows,
            }
        )
    return out


def edition_name(month: int) -> str:
    return f"datausesregister_{V.MONTHS_FULL[month % 12]}{month // 12}.xlsx"


def generate(
    scale: float, editions: int, seed: int, out_dir: Path, start: str = "2026-01", timings: list | None = None
) -> list[Path]:
    """Write ``editions`` consecutive monthly workbooks (from ``start``, ``YYYY-MM``) into ``out_dir``.

    A series (``editions`` > 1) starts smaller by ``series_size`` so that its newest edition has
    one real edition's counts at ``scale``. ``timings``, when given, receives each edition's seconds
    (churn and writing; the first includes making the universe)."""
    if not 0 < scale <= 2:
        raise ValueError("scale must be in (0, 2]")
    y, m = (int(x) for x in start.split("-"))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    u = Universe(seed, scale, y * 12 + m - 1, size=series_size(editions))
    cells = _Cells()
    paths = []
    for e in range(editions):
        churn = u.advance() if e else None
        path = out_dir / edition_name(u.month)
        planted = write_edition(u, path, cells)
        Path(f"{path}.planted.json").write_text(
            json.dumps(planted, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        if churn is not None:
            Path(f"{path}.churn.json").write_text(
                json.dumps(churn, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        paths.append(path)
        if timings is not None:
            timings.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="1.0 = one real edition (default)")
    ap.add_argument("--editions", type=int, default=1, help="consecutive monthly editions (default 1)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--start", default="2026-01", help="month of the first edition, YYYY-MM (default 2026-01)")
    ap.add_argument("-o", "--out", type=Path, default=Path("benchmarks/out"))
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    timings: list[float] = []
    paths = generate(args.scale, args.editions, args.seed, args.out, start=args.start, timings=timings)
    for p, t in zip(paths, timings, strict=True):
        print(f"{p}  {p.stat().st_size / 1e6:.1f} MB  {t:.1f} s")
    later = f"; {sum(timings[1:]) / (len(timings) - 1):.1f} s per edition after the first" if len(timings) > 1 else ""
    print(f"{len(paths)} edition(s) in {time.perf_counter() - t0:.1f} s{later}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

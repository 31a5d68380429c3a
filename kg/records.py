"""Plain records: what the readers make of a source, before any identity is resolved.

Readers (``kg.sources``) fill these from workbooks and pages; resolution and extraction
(``kg.resolve``, ``kg.extract``) add to them; ``kg.graph`` turns them into triples.  Values are
*parsed* (dates are dates, booleans are booleans, lists are split) but not yet *identified*: a
dataset is still the name the source wrote, so that every spelling can be kept as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Evidence:
    """Where a fact was read: a file, then a sheet and row (workbooks) or a line span (text).

    ``text`` is the sentence a fact was extracted from, for facts that are not a field's value.
    Lines and rows count from 1, as an editor or a spreadsheet shows them.
    """

    source: str
    start: int
    end: int | None = None
    sheet: str | None = None
    text: str = ""

    def locator(self) -> str:
        """Human-readable position, e.g. ``Agreements!12`` or ``lines 7-80``."""
        if self.sheet:
            return f"{self.sheet}!{self.start}" if self.end in (None, self.start) else (
                f"{self.sheet}!{self.start}-{self.end}")
        if self.end in (None, self.start):
            return f"line {self.start}"
        return f"lines {self.start}-{self.end}"


@dataclass
class OrgMention:
    """An organisation as a source names it, in a role: applicant, controller, processor, page."""

    name: str
    role: str
    evidence: Evidence | None = None


@dataclass
class DatasetUse:
    """One dataset on one agreement version, with what the source says about that flow."""

    name: str
    types_of_data: list[str] = field(default_factory=list)
    sensitivity: list[str] = field(default_factory=list)
    access_methods: list[str] = field(default_factory=list)
    legal_bases: list[str] = field(default_factory=list)
    confidentiality: list[str] = field(default_factory=list)
    evidence: Evidence | None = None


@dataclass
class Release:
    """One file released under an agreement version (a DataReleases row)."""

    file_reference: str
    dataset: str
    month: str | None  # "YYYY-MM"
    opt_outs_applied: bool | None
    types_of_data: list[str] = field(default_factory=list)
    sensitivity: list[str] = field(default_factory=list)
    legal_bases: list[str] = field(default_factory=list)
    access_methods: list[str] = field(default_factory=list)
    evidence: Evidence | None = None


@dataclass
class Purpose:
    """A purpose named by a version (a section heading of its objective, or its title)."""

    label: str
    evidence: Evidence | None = None


@dataclass
class ProcessorFinding:
    """A processor (or sub-processor) named in a version's free text, with the sentence saying so.

    ``role`` is ``"processor"`` (handles the data) or ``"infrastructure"`` (hosts or supplies
    systems without access to the data); ``sub`` marks a sub-processor of another processor.
    ``datasets`` are dataset names the text says the processor receives; empty means the graph
    links it to the version's datasets as *inferred*.
    """

    organisation: str
    role: str
    evidence: Evidence
    sub: bool = False
    datasets: list[str] = field(default_factory=list)


@dataclass
class AgreementVersion:
    """One version of a data sharing agreement as one source describes it.

    ``key`` names the version inside its agreement (``v1.4``; a page block with no version number
    gets ``page-<source>``) and so fixes its IRI.
    """

    reference: str
    key: str
    version: str | None = None
    title: str = ""
    applicant: OrgMention | None = None
    applicant_types: list[str] = field(default_factory=list)
    controllers: list[OrgMention] = field(default_factory=list)
    controller_arrangement: str | None = None  # "Sole" | "Joint"
    start: date | None = None
    end: date | None = None
    first_release: str | None = None  # "YYYY-MM"
    last_release: str | None = None
    sublicensing: bool | None = None
    commercial: bool | None = None
    opt_outs: list[str] = field(default_factory=list)
    types_of_data: list[str] = field(default_factory=list)
    confidentiality: list[str] = field(default_factory=list)
    sensitivity: list[str] = field(default_factory=list)
    access_methods: list[str] = field(default_factory=list)
    legal_bases: list[str] = field(default_factory=list)
    datasets: list[DatasetUse] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    purposes: list[Purpose] = field(default_factory=list)
    processors: list[ProcessorFinding] = field(default_factory=list)
    objective: str = ""
    processing: str = ""
    expected_outputs: str = ""
    expected_benefits: str = ""
    yielded_benefits: str = ""
    other_fields: dict[str, str] = field(default_factory=dict)
    incomplete: bool = False
    evidence: Evidence | None = None
    text_line: dict[str, int] = field(default_factory=dict)  # free-text field -> first source line

    def dataset_names(self) -> list[str]:
        return [d.name for d in self.datasets]


@dataclass
class Agreement:
    """A data sharing agreement: a base reference and the versions one source gives of it."""

    base_reference: str
    versions: list[AgreementVersion] = field(default_factory=list)
    referenced: bool = True  # False when the source gave no reference and regkg made one up

    def latest(self) -> AgreementVersion:
        """The newest version: its fields describe the agreement (docs/register.md, trap 1)."""
        return max(self.versions, key=lambda v: version_sort_key(v.version))


@dataclass
class SourceDocument:
    """Everything read from one source file: the unit that becomes one named graph."""

    path: str
    kind: str  # "workbook" | "page"
    name: str  # file name, as shown in evidence
    edition: str | None = None  # "2026-08" for a monthly workbook
    organisation: str | None = None  # the page's organisation
    unsafe_files: int | None = None
    flags: list[str] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def version_sort_key(version: str | None) -> tuple[int, ...]:
    """Order ``0.14`` after ``0.7`` and ``2.2`` after ``1.4``; no version sorts first."""
    if not version:
        return (-1,)
    return tuple(int(p) if p.isdigit() else -1 for p in version.split("."))

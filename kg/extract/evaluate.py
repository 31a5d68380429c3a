"""Evaluate processor extraction against the hand-made labels: ``python -m kg.extract.evaluate``.

The labels (``tests/fixtures/processor_labels.json``) were written by reading the register text
before any extractor existed; they are the yardstick and are never edited to suit the extractor.
Matching is by resolved organisation IRI per agreement version, so spellings do not matter but
identity does.  Precision is reported first because a wrong processor is a false accusation.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.extract.processors import extract_processors
from kg.records import AgreementVersion, ProcessorFinding
from kg.resolve import Resolver
from kg.sources.reformatted import read_page
from kg.sources.workbook import read_workbook
from kg.vocab import Vocabulary

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "tests" / "fixtures" / "processor_labels.json"
WORKBOOK = ROOT / "kg" / "samples" / "datausesregister_sample.xlsx"
PAGE = ROOT / "kg" / "samples" / "nhs_leicester_leicestershire_and_rutland_icb__04v.txt"


@dataclass
class Row:
    """One labelled agreement version: what the labels say against what was extracted."""

    source: str
    agreement: str
    version: str | None
    gold: dict[str, str]  # IRI -> label
    found: dict[str, ProcessorFinding]  # IRI -> finding
    negatives_hit: list[str] = field(default_factory=list)
    missing_version: bool = False
    gold_datasets: dict[str, set[str]] = field(default_factory=dict)  # IRI -> stated dataset IRIs
    found_datasets: dict[str, set[str]] = field(default_factory=dict)

    @property
    def true_positives(self) -> set[str]:
        return set(self.gold) & set(self.found)


@dataclass
class Report:
    """Totals over rows; precision and recall of processors per agreement version."""

    rows: list[Row]
    seconds: float = 0.0

    @property
    def precision(self) -> float:
        found = sum(len(r.found) for r in self.rows)
        return sum(len(r.true_positives) for r in self.rows) / found if found else 1.0

    @property
    def datasets_agree(self) -> tuple[int, int]:
        """(true-positive processors whose stated datasets equal the label's, true positives)."""
        pairs = [(r, i) for r in self.rows for i in r.true_positives]
        return sum(r.gold_datasets[i] == r.found_datasets[i] for r, i in pairs), len(pairs)

    @property
    def recall(self) -> float:
        gold = sum(len(r.gold) for r in self.rows)
        return sum(len(r.true_positives) for r in self.rows) / gold if gold else 1.0


def load_versions() -> dict[tuple[str, str, str | None], tuple[AgreementVersion, str]]:
    """Labelled sources keyed by (source kind, base reference, version) → (version, file name)."""
    out: dict[tuple[str, str, str | None], tuple[AgreementVersion, str]] = {}
    for kind, doc_name, agreements in _documents():
        for base, version in agreements:
            key_version = version.version if kind == "dur-records" else None
            out[(kind, base, key_version)] = (version, doc_name)
    return out


def _documents() -> Iterable[tuple[str, str, list[tuple[str, AgreementVersion]]]]:
    """The sample workbook and page, read by the project's own readers."""
    vocab = Vocabulary.load()
    for kind, doc in (("dur-records", read_workbook(WORKBOOK, vocab)), ("page", read_page(PAGE, vocab))):
        yield kind, doc.name, [(a.base_reference, v) for a in doc.agreements for v in a.versions]


def evaluate(resolver: Resolver | None = None) -> Report:
    """Run the extractor on every labelled version and compare by organisation IRI."""
    resolver = resolver or Resolver.load()
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    versions = load_versions()
    rows, seconds = [], 0.0
    for label in labels:
        key = (label["source"], label["agreement"], label["version"])
        gold = {resolver.organisation(p["organisation"]).iri: p["organisation"] for p in label["processors"]}
        if key not in versions:
            rows.append(Row(*key, gold=gold, found={}, missing_version=True))
            continue
        version, doc_name = versions[key]
        t0 = time.perf_counter()
        findings = extract_processors(version, resolver, doc_name)
        seconds += time.perf_counter() - t0
        found = {resolver.organisation(f.organisation).iri: f for f in findings}
        negatives = {resolver.organisation(n["organisation"]).iri: n for n in label["negatives"]}
        hit = [f"{negatives[i]['organisation']} ({negatives[i]['kind']})" for i in found if i in negatives]
        rows.append(Row(*key, gold=gold, found=found, negatives_hit=hit,
                        gold_datasets={resolver.organisation(p["organisation"]).iri:
                                       _dataset_iris(resolver, p["datasets"]) for p in label["processors"]},
                        found_datasets={i: _dataset_iris(resolver, _effective_datasets(f, version))
                                        for i, f in found.items()}))
    return Report(rows, seconds)


def resolver_iri(row: Row, finding: ProcessorFinding) -> str:
    """The IRI a finding was matched under in ``row``."""
    return next(i for i, f in row.found.items() if f is finding)


def _effective_datasets(finding: ProcessorFinding, version: AgreementVersion) -> list[str]:
    """Stated datasets, else what the graph infers for a processor: all the version's datasets."""
    if finding.datasets or finding.role == "infrastructure":
        return finding.datasets
    return version.dataset_names()


def _dataset_iris(resolver: Resolver, names: list[str]) -> set[str]:
    return {resolver.dataset(n).iri for n in names}


def format_report(report: Report) -> str:
    """Per-version rows, then the totals."""
    lines = [f"{'source':<12} {'agreement':<22} {'version':<8} gold found  tp  false positives / missed"]
    for r in report.rows:
        fp = [r.found[i].organisation for i in r.found if i not in r.gold]
        fn = [r.gold[i] for i in r.gold if i not in r.found]
        note = "; ".join(filter(None, [
            "VERSION NOT READ" if r.missing_version else "",
            f"FP: {', '.join(fp)}" if fp else "", f"FN: {', '.join(fn)}" if fn else "",
            f"negatives extracted: {', '.join(r.negatives_hit)}" if r.negatives_hit else ""]))
        lines.append(f"{r.source:<12} {r.agreement:<22} {r.version or '-':<8} {len(r.gold):>4} {len(r.found):>5}"
                     f" {len(r.true_positives):>3}  {note}")
        for f in r.found.values():
            sub = " sub" if f.sub else ""
            iri = resolver_iri(r, f)
            differ = iri in r.gold and r.gold_datasets[iri] != r.found_datasets[iri]
            mark = "  (label datasets differ)" if differ else ""
            lines.append(f"{'':<44}- {f.organisation} [{f.role}{sub}] {f.datasets or '(inferred datasets)'}{mark}")
    agree, total = report.datasets_agree
    lines.append(f"stated datasets as labelled for {agree} of {total} matched processors"
                 " (unstated = the version's datasets)")
    lines.append(f"precision {report.precision:.3f}  recall {report.recall:.3f}  "
                 f"({len(report.rows)} versions, extraction {report.seconds * 1000:.1f} ms)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the report; exit 1 when precision < 0.95 or recall < 0.90 (the issue's targets)."""
    parser = argparse.ArgumentParser(prog="python -m kg.extract.evaluate", description=__doc__)
    parser.parse_args(argv)
    report = evaluate()
    print(format_report(report))
    return 0 if report.precision >= 0.95 and report.recall >= 0.90 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Saved HTML of a page reads to the same records as its text."""

from __future__ import annotations

import dataclasses
import html
import itertools
import re
from pathlib import Path

import pytest

from kg.records import Agreement, Evidence
from kg.sources.html_text import html_to_text, looks_like_html
from kg.sources.reformatted import read_page
from kg.vocab import Vocabulary

PAGES = Path(__file__).parent / "fixtures" / "pages"
FULL = PAGES / "full" / "nhs_leicester_leicestershire_and_rutland_icb__04v.txt"
OLDER = PAGES / "www.theysolditanyway.com__public_health_england_phe.txt"
BULLET = re.compile(r"^(?:[•-]|\d+\.)(?:\s+|$)")
COMPACT = PAGES / "theysolditanyway.com__leeds_institute_of_health_sciences.txt"


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary.load()


def line_per_div(text: str) -> str:
    """How editors save text: one ``<div>`` per line, ``<div><br></div>`` for an empty line."""
    body = "\n".join(f"<div>{html.escape(line.strip())}</div>" if line.strip() else "<div><br></div>"
                     for line in text.split("\n"))
    return f"<!DOCTYPE html>\n<html><head><title>x</title><style>p {{}}</style></head>\n<body>\n{body}\n</body></html>"


def semantic(text: str) -> str:
    """How the sites publish a page: headings, labelled paragraphs, lists; entities for dashes."""
    out = ["<html><body>"]
    for para in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in para.strip().split("\n") if line.strip()]
        for kind, run in itertools.groupby(lines, key=_kind):
            out.append(_render(kind, list(run)))
    return "\n".join([*out, "</body></html>"])


def _kind(line: str) -> str:
    if BULLET.match(line):
        return "ol" if line[0].isdigit() else "ul"
    if " — " in line and not line.startswith("When:"):
        return "h2"
    return "label" if re.match(r"^[A-Za-z /-]+:", line) else "p"


def _render(kind: str, lines: list[str]) -> str:
    if kind in ("ol", "ul"):
        items = "".join(f"\n  <li>{esc(BULLET.sub('', line))}</li>" for line in lines)
        return f"<{kind}>{items}\n</{kind}>"
    if kind == "h2":
        return "\n".join(f"<h2>{esc(line)}</h2>" for line in lines)
    if kind == "label":
        return "\n".join("<p><b>{}:</b>{}</p>".format(*map(esc, line.split(":", 1))) for line in lines)
    return "<p>" + "<br>\n    ".join(esc(line) for line in lines) + "</p>"


def esc(text: str) -> str:
    return html.escape(text).replace("—", "&mdash;").replace("’", "&#8217;")


def comparable(agreements: list[Agreement], keep_lines: bool) -> list[Agreement]:
    """Records with the file name (and, unless ``keep_lines``, line numbers) taken out."""
    out = []
    for agreement in agreements:
        agreement = dataclasses.replace(agreement, versions=[dataclasses.replace(v) for v in agreement.versions])
        for v in agreement.versions:
            v.evidence = _evidence(v.evidence, keep_lines)
            v.datasets = [dataclasses.replace(d, evidence=_evidence(d.evidence, keep_lines)) for d in v.datasets]
            v.text_line = dict(v.text_line) if keep_lines else {}
            if not keep_lines:  # semantic markup does not keep the text's blank-line layout
                for name in ("objective", "processing", "expected_outputs", "expected_benefits", "yielded_benefits"):
                    setattr(v, name, "\n".join(line for line in getattr(v, name).splitlines() if line.strip()))
        out.append(agreement)
    return out


def _evidence(evidence: Evidence | None, keep_lines: bool) -> Evidence | None:
    if evidence is None:
        return None
    return Evidence("page", evidence.start, evidence.end) if keep_lines else Evidence("page", 0)


def write(tmp_path: Path, source: Path, markup: str) -> Path:
    path = tmp_path / (source.stem + ".html")
    path.write_text(markup, encoding="utf-8")
    return path


@pytest.mark.parametrize("source", [FULL, OLDER, COMPACT], ids=["full", "older", "compact"])
def test_line_per_div_html_gives_identical_records(source: Path, tmp_path: Path, vocab: Vocabulary) -> None:
    text_doc = read_page(source, vocab)
    html_doc = read_page(write(tmp_path, source, line_per_div(source.read_text(encoding="utf-8"))), vocab)
    assert comparable(html_doc.agreements, keep_lines=True) == comparable(text_doc.agreements, keep_lines=True)
    assert (html_doc.organisation, html_doc.unsafe_files, html_doc.flags) == (
        text_doc.organisation, text_doc.unsafe_files, text_doc.flags)


@pytest.mark.parametrize("source", [OLDER, COMPACT, PAGES / "theysolditanyway.com__dr_foster_limited.txt"],
                         ids=["older", "compact", "newer"])
def test_semantic_html_gives_same_records(source: Path, tmp_path: Path, vocab: Vocabulary) -> None:
    text_doc = read_page(source, vocab)
    assert text_doc.agreements and text_doc.agreements[0].versions[0].datasets
    markup = semantic(source.read_text(encoding="utf-8"))
    assert "&mdash;" in markup and "<li>" in markup
    html_doc = read_page(write(tmp_path, source, markup), vocab)
    assert comparable(html_doc.agreements, keep_lines=False) == comparable(text_doc.agreements, keep_lines=False)
    assert html_doc.organisation == text_doc.organisation
    assert html_doc.unsafe_files == text_doc.unsafe_files


def test_html_to_text_basics() -> None:
    markup = ("<html><head><script>var x = '<p>no</p>';</script></head><body>"
              "<h1>Acme &amp; Co projects</h1>\n   <p>One\n   line<br>two</p>"
              "<ol><li>first</li><li>second</li></ol><ul><li>bullet</li></ul></body></html>")
    assert html_to_text(markup) == "Acme & Co projects\n\nOne line\ntwo\n\n1. first\n2. second\n\n• bullet\n"


def test_sniffing() -> None:
    assert looks_like_html("<!DOCTYPE html><html>")
    assert looks_like_html("<div>DSfC — DARS-NIC-1-ABCDE</div>")
    assert not looks_like_html(FULL.read_text(encoding="utf-8"))

"""The documentation a clone can follow: every document, file and trap that code, tests and docs cite
is in the repository, every page of docs/ is in its index, and every command and named query is
documented somewhere a reader looks (README.md or docs/)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import typer

from kg.cli import app
from kg.query import named_queries

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SCANNED = ("kg", "tests", "benchmarks", "queries", "ontology", "notebooks", "docs", ".ci", "README.md")
SUFFIXES = {".py", ".md", ".rq", ".ttl", ".ipynb", ".html", ""}
SKIPPED = {"out", "__pycache__", "samples", "pages", "corpus", "workbook", "release-register", "resolve"}
THIS = Path(__file__).resolve()

CITED_DOC = re.compile(r"\bdocs/([\w.-]+\.md)(?:#([\w-]+))?")
CITED_FILE = re.compile(r"(?<![\w/.-])((?:kg|tests|benchmarks|queries|ontology|notebooks|docs)/[\w./*-]*\w"
                        r"\.(?:py|md|rq|ttl|ipynb|json|tsv|xlsx))\b")
MD_LINK = re.compile(r"\]\(([^)\s]+)\)")
OUTSIDE = re.compile(r"\b(?:REGISTER|DESIGN)\.md\b")
TRAP = re.compile(r"\btraps? (\d+)((?:\s*(?:-|–|,|and)\s*\d+)*)")
SECTION = re.compile(r"\bdocs/([\w.-]+\.md)\W{0,3}§([A-Z])\b")



def scanned_files() -> Iterator[Path]:
    for name in SCANNED:
        path = ROOT / name
        if path.is_file():
            yield path
            continue
        for file in sorted(path.rglob("*")):
            parts = set(file.relative_to(ROOT).parts[:-1])
            if file.is_file() and file.suffix in SUFFIXES and not parts & SKIPPED and file.name != ".gitignore":
                yield file


def lines(path: Path) -> list[str]:
    """The lines a reader sees: a notebook's cell sources (its outputs are generated), else the text."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        return [line for cell in json.loads(text)["cells"] for line in "".join(cell["source"]).splitlines()]
    return text.splitlines()


def citations(pattern: re.Pattern[str]) -> Iterator[tuple[str, str, re.Match[str]]]:
    """(file, line, match) for each match of ``pattern`` in the scanned files."""
    for path in scanned_files():
        where = str(path.relative_to(ROOT))
        for line in lines(path):
            for match in pattern.finditer(line):
                yield where, line, match


def slug(heading: str) -> str:
    """A markdown heading's anchor as GitHub makes it."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@cache
def headings(page: Path) -> list[str]:
    return [line.lstrip("#").strip() for line in page.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")]


@cache
def traps(page: Path) -> set[int]:
    """The numbers of a page's traps: the numbered items under a heading that names traps."""
    numbers: set[int] = set()
    inside = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            inside = "trap" in line.lower()
        elif inside and (item := re.match(r"(\d+)\. ", line)):
            numbers.add(int(item[1]))
    return numbers


def test_every_cited_doc_page_and_anchor_exists():
    missing = []
    for where, _, match in citations(CITED_DOC):
        page, anchor = DOCS / match[1], match[2]
        if not page.is_file() or (anchor and anchor not in map(slug, headings(page))):
            missing.append(f"{where}: {match[0]}")
    assert missing == []


def test_every_cited_repository_file_exists():
    missing = sorted({f"{where}: {m[1]}" for where, _, m in citations(CITED_FILE)
                      if not list(ROOT.glob(m[1]))})
    assert missing == []


def test_every_markdown_link_resolves():
    broken = []
    for path in scanned_files():
        if path.suffix not in {".md", ".ipynb"}:
            continue
        for line in lines(path):
            for target in MD_LINK.findall(line):
                if re.match(r"[a-z]+:", target) or target.startswith("#"):
                    continue
                file, _, anchor = target.partition("#")
                resolved = (path.parent / file).resolve()
                if not resolved.exists() or (anchor and resolved.suffix == ".md"
                                             and anchor not in map(slug, headings(resolved))):
                    broken.append(f"{path.relative_to(ROOT)}: {target}")
    assert broken == []


def test_no_citation_of_a_document_outside_the_repository():
    cited = [f"{where}: {line.strip()}" for where, line, _ in citations(OUTSIDE) if ROOT / where != THIS]
    assert cited == []


def test_a_cited_trap_names_its_page_and_the_page_has_it():
    unnamed, unknown = set(), []
    for where, line, match in citations(TRAP):
        if where.startswith("docs/") or ROOT / where == THIS:
            continue
        pages = [DOCS / page for page, _ in CITED_DOC.findall(line)]
        numbers = tuple(int(n) for n in re.findall(r"\d+", match[0]))
        if not pages:
            unnamed.add((where, numbers))
            continue
        if not any(set(numbers) <= traps(page) for page in pages if page.is_file()):
            unknown.append(f"{where}: {match[0]} is not a trap of {', '.join(p.name for p in pages)}")
    assert unnamed == set(), "cite the page: docs/register.md, trap N"
    assert unknown == []


def test_a_cited_section_is_a_heading_of_its_page():
    missing = [f"{where}: docs/{page} §{letter}" for where, _, m in citations(SECTION)
               for page, letter in [m.groups()]
               if not any(h.startswith(f"{letter}.") for h in headings(DOCS / page))]
    assert missing == []


def test_every_doc_page_is_in_the_index_and_the_index_in_the_readme():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    unlisted = [p.name for p in sorted(DOCS.glob("*.md")) if p.name != "README.md" and f"]({p.name})" not in index]
    assert unlisted == []
    assert "](docs/README.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def documentation() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))])


def test_every_command_is_documented():
    commands = sorted(typer.main.get_command(app).commands)
    text = documentation()
    assert commands, "no commands found in kg.cli.app"
    assert [c for c in commands if not re.search(rf"\bregkg {re.escape(c)}\b", text)] == []


def test_every_named_query_is_documented():
    text = documentation()
    assert [name for name in named_queries()
            if f"`{name}`" not in text and not re.search(rf"\bask {re.escape(name)}\b", text)] == []

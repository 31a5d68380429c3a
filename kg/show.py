"""``regkg show``: an entity page of the read model as plain text for the terminal.

The same data as the web's agreement, organisation, dataset, legal basis and purpose pages
(``kg.readmodel.ReadModel.page``), laid out as indented lines: register text is printed as it is,
never interpreted as markup.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def where(w: dict[str, Any]) -> str:
    """``file, sheet S, row R`` or ``file, lines A–B``: where a fact was read (the terminal's and the
    pages' one wording; nothing when the source is not known)."""
    if not w.get("source"):
        return ""
    parts = [str(w["source"])]
    if w.get("sheet"):
        parts.append(f"sheet {w['sheet']}")
    if w.get("row"):
        parts.append(f"row {w['row']}")
    if w.get("line_start"):
        first, last = w["line_start"], w.get("line_end") or w["line_start"]
        parts.append(f"line {first}" if first == last else f"lines {first}–{last}")
    return ", ".join(parts)


def lines(page: dict[str, Any]) -> Iterator[str]:
    """The page as lines of text, heading first."""
    heading = f"{page['key']}: {page['label']}" if page["kind"] == "agreement" else f"{page['label']} ({page['kind']})"
    yield f"{heading} ({page['edition']})"
    yield from {"agreement": _agreement, "organisation": _organisation, "dataset": _dataset}.get(
        page["kind"], _term)(page)


def _agreement(page: dict[str, Any]) -> Iterator[str]:
    yield "versions:"
    for v in page["versions"]:
        listed = "listed" if v["listed"] else "not listed"
        yield f"  {v['number'] or 'page'}  {v['start'] or '?'} – {v['end'] or '?'}  {listed}  ({where(v['source'])})"
    yield "parties:"
    for p in page["parties"]:
        datasets = f" [{'; '.join(d['label'] for d in p['datasets'])}]" if p["datasets"] else ""
        yield f"  {p['role']}: {p['organisation']}{datasets} (versions {', '.join(p['versions'])})"
        if p["evidence"]:
            yield f"  “{p['evidence']}”"
        yield "    " + "; ".join(where(w) for w in p["sources"])
    yield "datasets:"
    for d in page["datasets"]:
        yield (f"  {d['dataset']}: {', '.join(d['type_of_data']) or '?'}; legal basis: "
               f"{'; '.join(b['label'] for b in d['legal_bases']) or '?'}; opt-outs: {', '.join(d['opt_outs']) or '?'}")
    yield "purposes: " + "; ".join(p["label"] for p in page["purposes"])
    yield "legal bases: " + "; ".join(b["label"] for b in page["legal_bases"])
    if page["releases"]:
        yield "releases: " + "; ".join(f"{r['month']} {r['dataset_label']} ×{r['files']}" for r in page["releases"])
    yield "sources: " + "; ".join(page["sources"])


def _names(page: dict[str, Any]) -> Iterator[str]:
    if page.get("code"):
        yield f"code: {page['code']}"
    yield "names: " + "; ".join(f"{n['name']} ({n['how']})" for n in page["names"])


def _organisation(page: dict[str, Any]) -> Iterator[str]:
    yield from _names(page)
    for role, rows in page["roles"].items():
        yield f"as {role}:"
        yield from (f"  {r['agreement']}  {r['title']}" for r in rows)
    yield "datasets received: " + "; ".join(f"{d['label']} ({d['agreements']})" for d in page["datasets"])


def _dataset(page: dict[str, Any]) -> Iterator[str]:
    yield from _names(page)
    yield "received by:"
    yield from (f"  {r['role']}: {r['label']} ({r['agreements']})" for r in page["recipients"])
    yield "legal bases: " + "; ".join(f"{b['label']} ({b['agreements']})" for b in page["legal_bases"])
    yield "files released by year: " + "; ".join(f"{y['year']} {y['files']}" for y in page["releases_by_year"])
    yield from _agreement_list(page)


def _term(page: dict[str, Any]) -> Iterator[str]:
    """A legal basis or purpose: its names, then its agreements."""
    yield from _names(page)
    yield from _agreement_list(page)


def _agreement_list(page: dict[str, Any]) -> Iterator[str]:
    yield f"agreements ({len(page['agreements'])}):"
    yield from (f"  {a['agreement']}  {a['title']}" for a in page["agreements"])

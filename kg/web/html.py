"""HTML pages from Jinja2 templates (``kg/web/templates``) with autoescape on, as Datasette does.

Register text is hostile (titles, names and free text come from a spreadsheet and web pages): every
value reaches a page through the template engine's escaping, never pasted into markup; the pages load
nothing from elsewhere (inline CSS only), which the server's Content-Security-Policy enforces too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape

from kg.output import compact
from kg.readmodel import REFERENCE, kind_of, listing_run
from kg.show import where

TEMPLATES = Path(__file__).parent / "templates"
# the path of each kind of entity page (docs/web.md)
PATHS = {"agreement": "agreements", "organisation": "organisations", "dataset": "datasets",
         "legal-basis": "legal-bases", "purpose": "purposes"}
KIND_OF_PATH = {v: k for k, v in PATHS.items()}
HEADINGS = {"agreement": "Agreements", "organisation": "Organisations", "dataset": "Datasets",
            "legal-basis": "Legal bases", "purpose": "Purposes"}


def url(kind: str, key: str) -> str:
    """The page of an entity: ``/organisations/ods/04V`` (keys keep their slashes)."""
    return f"/{PATHS[kind]}/{quote(key, safe='/')}"


class Linker:
    """Turns a table cell into a link to its page when it names something the read model knows:
    one of the graph's IRIs, an agreement reference (of any version), or an exact label."""

    def __init__(self, labels: dict[str, tuple[str, str]] | None = None):
        self.labels = labels or {}

    def __call__(self, value: str | None) -> str | None:
        if not value:
            return None
        known = self.labels.get(value) or kind_of(value)
        if known:
            return url(*known)
        match = REFERENCE.match(value)
        if match and re.fullmatch(r"(-v[\w.]+)?", value[match.end():]) and self.labels:
            return url("agreement", match[1].upper())
        return None


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["compact"] = compact
    # where and listing_run: worded once, for the terminal and the pages alike (output still escaped)
    env.globals.update(url=url, headings=HEADINGS, where=where, listing_run=listing_run)
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)

"""Saved HTML of a reformatted register page → the plain text the page reader understands.

People keep register pages as "Save page as…" HTML.  The reader parses one text layout, so HTML
is flattened to that layout first: block elements end lines, paragraphs and headings are
separated by a blank line, ``<br>`` breaks a line (an empty line gives an empty line, which keeps
the blank-line runs the page reader uses to find dropped headings), ``<li>`` becomes a bullet
line (``1.`` … inside ``<ol>``, ``•`` otherwise) and entities are unescaped.  Only the standard
library is used.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements that end a line; PARAGRAPHS also leave a blank line around themselves.
BLOCKS = {"div", "section", "article", "header", "footer", "main", "nav", "aside", "tr", "dt", "dd",
          "pre", "blockquote", "hr", "body", "ul", "ol", "table", "form", "figure", "li"}
PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote"}
SKIPPED = {"script", "style", "head", "title", "template", "noscript"}
_LAYOUT_SPACE = re.compile(r"[ \t\r\f]*\n\s*")  # pretty-printing: a line break plus indentation

SNIFF = re.compile(r"<!doctype\s+html|<html[\s>]|<body[\s>]|<(?:p|div|h[1-6]|li|br)[\s/>]", re.I)


def looks_like_html(text: str) -> bool:
    """Whether ``text`` is markup rather than a text page (checked on its first 4,000 characters)."""
    return bool(SNIFF.search(text[:4000]))


class _TextBuilder(HTMLParser):
    """Collects lines; ``_pending_blank`` defers paragraph gaps so they never pile up."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current = ""
        self.skip_depth = 0
        self.pre_depth = 0
        self.lists: list[list[int]] = []  # per open list: [is_ordered, counter]
        self.pending_blank = False

    # -- line handling -------------------------------------------------------------------------
    def _end_line(self) -> None:
        if self.current.strip():
            self._emit(self.current.strip())
        self.current = ""

    def _emit(self, line: str) -> None:
        if self.pending_blank and self.lines and self.lines[-1] != "":
            self.lines.append("")
        self.pending_blank = False
        self.lines.append(line)

    def _paragraph_gap(self) -> None:
        self._end_line()
        self.pending_blank = True

    # -- parser callbacks ----------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skip_depth += 1
            return
        if tag == "pre":
            self.pre_depth += 1
        if tag == "br":
            self._line_break()
            return
        if tag in PARAGRAPHS:
            self._paragraph_gap()
        elif tag in BLOCKS:
            self._end_line()
        if tag in ("ul", "ol"):
            self.lists.append([tag == "ol", 0])
        if tag == "li":
            self.current = self._bullet()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._line_break()
        elif tag == "hr":
            self._paragraph_gap()

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        if tag in PARAGRAPHS:
            self._paragraph_gap()
        elif tag in BLOCKS:
            self._end_line()

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.pre_depth:
            parts = data.split("\n")
            self.current += parts[0]
            for part in parts[1:]:
                self._line_break()
                self.current += part
            return
        self.current += _LAYOUT_SPACE.sub(" ", data)

    def _line_break(self) -> None:
        """``<br>``: end the line; on an empty line, emit an empty line (a deliberate gap)."""
        if self.current.strip():
            self._end_line()
        else:
            self.current = ""
            self.pending_blank = False
            self.lines.append("")

    def _bullet(self) -> str:
        if self.lists and self.lists[-1][0]:
            self.lists[-1][1] += 1
            return f"{self.lists[-1][1]}. "
        return "• "


def html_to_text(markup: str) -> str:
    """The page text of ``markup``: one line per block, blank lines between paragraphs."""
    builder = _TextBuilder()
    builder.feed(markup)
    builder.close()
    builder._end_line()
    lines = builder.lines
    while lines and lines[0] == "":
        lines.pop(0)
    return "\n".join(lines).rstrip("\n") + "\n"

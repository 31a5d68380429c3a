"""Query results for people and for pipes: a rich table on a terminal, clean CSV/TSV/JSON elsewhere."""

from __future__ import annotations

import csv
import json
import re
import sys
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kg.namespace import PREFIXES
from kg.query import QueryResult

FORMATS = ("table", "csv", "tsv", "json")


# C0 and C1 controls but tab and newline, and the bidirectional overrides that reorder what is shown:
# register text printed raw could set a terminal's title, move its cursor or disguise a name.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: its control characters removed."""
    return _CONTROLS.sub("", text)


def default_format(stream: TextIO | None = None) -> str:
    return "table" if (stream or sys.stdout).isatty() else "csv"


def compact(value: str | None) -> str:
    """``https://w3id.org/regkg/dur#Sensitive`` → ``dur:Sensitive``, for tables people read."""
    if value is None:
        return ""
    for prefix, namespace in PREFIXES.items():
        if value.startswith(namespace) and prefix != "id":
            return f"{prefix}:{value[len(namespace):]}"
    return value


def write(result: QueryResult, fmt: str, stream: TextIO | None = None, title: str | None = None) -> None:
    stream = stream or sys.stdout  # looked up per call, so redirections (and test runners) are honoured
    if fmt == "json":
        records = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
        json.dump(records if result.boolean is None else result.boolean, stream, ensure_ascii=False, indent=2)
        stream.write("\n")
    elif fmt in ("csv", "tsv"):
        shown = printable if stream.isatty() else str  # exact data for pipes and files
        writer = csv.writer(stream, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([["" if v is None else shown(v) for v in row] for row in result.rows])
    else:
        table = Table(title=Text(printable(title)) if title else None, show_lines=False)  # text, not markup
        for i, column in enumerate(result.columns):
            # identifiers, codes and dates stay whole; long text wraps
            short = all(len(compact(row[i])) <= 24 for row in result.rows)
            table.add_column(column, no_wrap=short)
        for row in result.rows:
            table.add_row(*(Text(printable(compact(v))) for v in row))  # register text is not markup
        Console(file=stream).print(table)

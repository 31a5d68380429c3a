"""Query results for people and for pipes: a rich table on a terminal, clean CSV/TSV/JSON elsewhere."""

from __future__ import annotations

import csv
import json
import sys
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kg.namespace import PREFIXES
from kg.query import QueryResult

FORMATS = ("table", "csv", "tsv", "json")


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
        writer = csv.writer(stream, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([["" if v is None else v for v in row] for row in result.rows])
    else:
        table = Table(title=title, show_lines=False)
        for i, column in enumerate(result.columns):
            # identifiers, codes and dates stay whole; long text wraps
            short = all(len(compact(row[i])) <= 24 for row in result.rows)
            table.add_column(column, no_wrap=short)
        for row in result.rows:
            table.add_row(*(Text(compact(v)) for v in row))  # register text is not markup
        Console(file=stream).print(table)

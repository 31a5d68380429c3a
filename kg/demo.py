"""``regkg demo``: build the bundled real samples and answer three headline questions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg import query
from kg import store as stores
from kg.build import BuildResult, Progress, build
from kg.resources import samples_dir

# (question, named query, the columns worth showing on a terminal)
QUESTIONS = (
    ("Which processors receive which datasets?", "processors",
     ("agreement", "processor", "dataset", "role", "link")),
    ("Who received identifiable data, under which legal basis?", "identifiable-data",
     ("agreement", "organisation", "dataset_label", "legal_basis")),
    ("Which agreements are in the sample?", "agreements",
     ("agreement", "title", "organisation", "start", "end")),
)


@dataclass
class Answer:
    question: str
    query: str
    result: query.QueryResult


def sample_sources() -> list[Path]:
    return sorted(p for p in samples_dir().iterdir() if p.suffix in {".xlsx", ".txt"})


def project(result: query.QueryResult, columns: tuple[str, ...]) -> query.QueryResult:
    """Keep ``columns`` and drop the rows that become duplicates, in their first order."""
    index = [result.columns.index(c) for c in columns]
    rows = dict.fromkeys(tuple(row[i] for i in index) for row in result.rows)
    return query.QueryResult(list(columns), [list(row) for row in rows])


def run(store: Path | str | None = None,
        progress: Progress | None = None) -> tuple[BuildResult, list[Answer]]:
    result = build(sample_sources(), store, progress=progress)
    opened = stores.open_store(result.store)
    answers = [Answer(question, name, project(query.ask(opened, name), columns))
               for question, name, columns in QUESTIONS]
    return result, answers

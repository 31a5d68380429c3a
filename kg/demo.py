"""``regkg demo``: build the bundled real samples and answer three headline questions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg import query
from kg import store as stores
from kg.build import BuildResult, Progress, build
from kg.resources import samples_dir

QUESTIONS = (
    ("Which processors receive which datasets, on what evidence?", "processors"),
    ("Who received identifiable data, under which legal basis, for what purpose?", "identifiable-data"),
    ("Which agreements are in the sample?", "agreements"),
)


@dataclass
class Answer:
    question: str
    query: str
    result: query.QueryResult


def sample_sources() -> list[Path]:
    return sorted(p for p in samples_dir().iterdir() if p.suffix in {".xlsx", ".txt"})


def run(store: Path | str | None = None, progress: Progress | None = None) -> tuple[BuildResult, list[Answer]]:
    result = build(sample_sources(), store, progress=progress)
    opened = stores.open_store(result.store)
    answers = [Answer(q, name, query.ask(opened, name)) for q, name in QUESTIONS]
    return result, answers

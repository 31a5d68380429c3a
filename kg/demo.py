"""``regkg demo``: build the bundled real samples and answer three headline questions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import query
from kg import store as stores
from kg.build import BuildResult, Progress
from kg.errors import RegkgError
from kg.register import Register
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
    """Build the samples into ``store`` (the default store unless given) and ask the questions."""
    _refuse_a_users_store(stores.resolve_path(store))
    result = Register.build(sample_sources(), store, progress=progress)
    register = Register(result.store)
    answers = [Answer(question, name, project(register.ask(name), columns)) for question, name, columns in QUESTIONS]
    return result, answers


def _refuse_a_users_store(target: Path) -> None:
    """The demo replaces only a store that holds the demo: a store built from other sources (or by an
    older regkg) is the user's work, and ``regkg demo`` must not throw it away."""
    if not (target / "CURRENT").exists():
        return
    opened = ox.Store.read_only(str(target))  # of any layout: a demo built by an older regkg is replaced too
    rows = query.run(opened, "SELECT ?name WHERE { ?g a dur:SourceFile ; dct:title ?name }").rows
    if {row[0] for row in rows} != {p.name for p in sample_sources()}:
        raise RegkgError(f"the store at {target} holds other sources than the demo's; it is left as it is: "
                         "run `regkg demo --store DIR` to build the demo elsewhere")

"""Where regkg's own files live: the ontology, the named queries and the bundled samples.

In a source checkout they are the top-level ``ontology/`` and ``queries/`` folders; an installed
wheel carries copies inside the package (``kg/_ontology``, ``kg/_queries``), so both layouts work.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _packaged_or_repo(name: str) -> Path:
    packaged = PACKAGE_DIR / f"_{name}"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / name


def ontology_dir() -> Path:
    return _packaged_or_repo("ontology")


def queries_dir() -> Path:
    return _packaged_or_repo("queries")


def samples_dir() -> Path:
    """Real register samples shipped for ``regkg demo`` (Open Government Licence v3.0)."""
    return PACKAGE_DIR / "samples"


def shapes_file() -> Path:
    return ontology_dir() / "shapes.ttl"


def vocabulary_files() -> list[Path]:
    """The ontology and its SKOS schemes, which every store carries; the shapes are not data."""
    return sorted(p for p in ontology_dir().glob("*.ttl") if p != shapes_file())

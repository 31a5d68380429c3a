"""The tutorial notebook runs top to bottom without an error, and is committed with the outputs of such
a run (so that it reads whole on GitHub), small enough to keep in the repository.

Re-save it after changing it, or after a change to what it shows:
``jupyter execute --inplace notebooks/walkthrough.ipynb`` (see notebooks/README.md).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "walkthrough.ipynb"


@pytest.fixture(scope="module")
def saved() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def fresh() -> nbformat.NotebookNode:
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    return nb


def text(nb: nbformat.NotebookNode) -> str:
    """Everything the cells printed or displayed as text."""
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                   for c in nb.cells for o in c.get("outputs", []))


def outputs(nb: nbformat.NotebookNode) -> list[bool]:
    return [bool(c.outputs) for c in nb.cells if c.cell_type == "code"]


def test_the_tutorial_runs_clean_and_answers_its_questions(fresh):
    errors = [o for c in fresh.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    shown = text(fresh)
    assert ("DARS-NIC-199599-S0T5M | NHS Midlands and Lancashire Commissioning Support Unit | "
            "SUS for Commissioners") in shown
    assert "parameter dataset: no dataset 'SUS plus plus' in the store; closest: SUS Plus" in shown
    assert "DARS-NIC-656751-H5K0Y | added | Oxford University Innovation Limited | 2026-08" in shown
    assert any("image/svg+xml" in o.get("data", {}) for c in fresh.cells for o in c.get("outputs", []))


def test_the_notebook_is_saved_with_the_outputs_of_a_clean_run_in_order(saved, fresh):
    counts = [c.execution_count for c in saved.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "run every cell once, top to bottom, then save"
    assert not [o for c in saved.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert outputs(saved) == outputs(fresh), "re-save it: jupyter execute --inplace notebooks/walkthrough.ipynb"


def test_the_saved_notebook_stays_small():
    assert NOTEBOOK.stat().st_size < 1_000_000

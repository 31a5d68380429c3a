"""What reaches a terminal is safe and short: register text loses its control characters, and files
that cannot be read or written end as one line, never a traceback."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from typer.testing import CliRunner

from kg import output
from kg.cli import app
from kg.query import QueryResult
from kg.resources import samples_dir

PAGE = samples_dir() / "nhs_leicester_leicestershire_and_rutland_icb__04v.txt"
RELEASES = Path(__file__).parent / "fixtures" / "release-register" / "releaseregister_sep-nov-2017_excerpt.csv"
HOSTILE = "Study \x1b]0;owned\x07of \x1b[2Jcancer\u202e"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_table_on_a_terminal_drops_control_characters():
    shown = Terminal()
    output.write(QueryResult(columns=["title"], rows=[[HOSTILE]]), "table", shown)
    assert "Study ]0;ownedof [2Jcancer" in shown.getvalue()  # the text, not the terminal's commands
    assert not any(c in shown.getvalue() for c in ("\x1b]", "\x1b[2J", "\x07", "\u202e"))


def test_csv_keeps_the_data_exact_in_a_pipe_and_printable_on_a_terminal():
    result = QueryResult(columns=["title"], rows=[[HOSTILE]])
    piped, shown = io.StringIO(), Terminal()
    output.write(result, "csv", piped)
    output.write(result, "csv", shown)
    assert list(csv.reader(io.StringIO(piped.getvalue()))) == [["title"], [HOSTILE]]
    assert list(csv.reader(io.StringIO(shown.getvalue()))) == [["title"], ["Study ]0;ownedof [2Jcancer"]]


def test_a_warning_quoting_register_text_is_printed_without_its_controls(tmp_path):
    page = tmp_path / PAGE.name
    page.write_text(PAGE.read_text(encoding="utf-8") + "\nEvil\x1b]0;x\x07 study — DARS-NIC-19", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(page), "--store", str(tmp_path / "store")])
    assert result.exit_code == 0
    # quoted with its controls spelled out, so a reader sees what the page holds
    assert "block 'Evil\\x1b]0;x\\x07 study — DARS-NIC-19' has no whole register reference" in " ".join(
        result.output.split())
    assert "\x1b" not in result.output and "\x07" not in result.output


def test_a_csv_cell_past_the_csv_modules_limit_is_one_line(tmp_path):
    rows = list(csv.reader(RELEASES.open(encoding="utf-8", newline="")))
    rows[1][6] = "x" * 140_000
    big = tmp_path / "releaseregister_sep-nov-2017.csv"
    with big.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    result = CliRunner().invoke(app, ["build", str(big), "--store", str(tmp_path / "store")])
    assert (result.exit_code, result.output.strip()) == (
        1, "error: releaseregister_sep-nov-2017.csv: line 3: cannot be read as CSV (field larger than field limit "
           "(131072))")


def test_render_into_a_folder_or_a_missing_folder_is_one_line(sample_store_path, tmp_path):
    for out, problem in ((tmp_path, "Is a directory"), (tmp_path / "missing" / "f.html", "No such file or directory")):
        result = CliRunner().invoke(app, ["render", "--dataset", "SUS+", "-o", str(out),
                                          "--store", str(sample_store_path)])
        assert result.exit_code == 1
        assert result.output.strip().splitlines()[-1] == f"error: {out}: {problem}"


def test_a_table_title_from_register_text_is_text_not_markup():
    shown = Terminal()
    output.write(QueryResult(columns=["a"], rows=[["x"]]), "table", shown, title="History of [/] [bold]X\x1b]0;t\x07")
    assert "Historyof[/][bold]X]0;t" in "".join(shown.getvalue().split())  # wrapped to the table's width
    assert "\x1b]" not in shown.getvalue()

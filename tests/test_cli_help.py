"""The command line as a user meets it: every command's help shows examples and readable value
names, and `--version` answers."""

from __future__ import annotations

import re
from importlib import metadata

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from kg.cli import app

COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]


def test_version_prints_the_installed_version():
    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.output) == (0, f"regkg {metadata.version('regkg')}\n")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_has_examples_that_run_that_command(command):
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Examples" in result.output
    examples = re.findall(rf"^\s+regkg {command}\b.*$", result.output, re.M)
    assert examples, f"no `regkg {command} …` line under Examples"


@pytest.mark.parametrize("command", COMMANDS)
def test_no_option_shows_a_python_type(command):
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    shown = set(re.findall(r"<(list\[[^>]*\]|path|float|int|str)>", result.output))
    assert shown == set(), shown

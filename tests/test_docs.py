"""Every command is documented: in the README's table, and with a one-line summary and an example
in its own --help (the datasette convention)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from kg.cli import main

COMMANDS = sorted(main.commands)


def test_the_command_list_is_not_empty():
    assert {"build", "validate", "query", "queries", "view", "serve", "push", "draft", "export", "stats"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme(name, repo):
    table = (repo / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"^\| `kg {name}\b", table, re.M), f"kg {name} is missing from the README's command table"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_a_summary_and_an_example(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert f"Example: kg {name}" in result.output
    assert main.commands[name].get_short_help_str(200).strip()


def test_the_quick_start_is_two_commands_and_ci_runs_them(repo):
    readme = (repo / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", readme, re.S).group(1).strip().splitlines()
    assert len(block) == 2
    ci = (repo / ".ci" / "run").read_text(encoding="utf-8")
    for command in block:
        assert command in ci

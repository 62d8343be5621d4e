"""The docs keep up with the code: every command has help with an example and a README section,
the README's two Quickstart commands are the ones CI runs, and exit codes are documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpgraph.cli import cli

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help_with_an_example(runner, name):
    result = runner.invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout, f"`corpgraph {name} --help` shows no Example: block"


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_in_the_readme(name):
    assert re.search(rf"corpgraph {re.escape(name)}\b", README), f"README never shows `corpgraph {name}`"


def test_readme_test_command_is_what_ci_runs():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    block = re.search(r"## Quickstart\n(.*?)\n## ", README, re.S)
    assert block, "README has no Quickstart section"
    commands = re.findall(r"^\s*((?:pip|python)[^\n]+)$", block.group(1), re.M)
    assert len(commands) == 2, commands
    assert commands[1].strip() in ci


def test_exit_codes_are_documented():
    for code in ("0", "1", "2", "3", "4", "130", "141"):
        assert re.search(rf"\|\s*{code}\s*\|", README), f"exit code {code} missing from the README table"


def test_readme_examples_of_the_bundled_graph_match_its_figures(runner):
    """The README's `validate` and `stats` examples show the bundled graph as it is today (its
    triples, entities, records and version), so a change to the ontology or the data shows up here."""
    from corpgraph.store import bundled_graph_dir

    graph = str(bundled_graph_dir())
    validate = runner.invoke(cli, ["validate", "--graph", graph], env={"CORPGRAPH_CACHE": "off"})
    line = validate.stdout.strip().replace(graph, "/work/main/graph")
    assert f"    $ corpgraph validate\n    {line}\n" in README
    stats = runner.invoke(cli, ["stats", "--graph", graph], env={"CORPGRAPH_CACHE": "off"})
    head = [row.replace(graph, "/work/main/graph") for row in stats.stdout.splitlines()[:2]]
    assert "    $ corpgraph stats\n" + "".join(f"    {row}\n" for row in head) in README

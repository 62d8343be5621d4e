"""corpgraph diff: graph folders, stores and git revisions; records, entities and money that moved;
exit codes as diff(1) (0 same, 1 changed, 2 trouble, 4 cannot run); --since a published piece."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from corpgraph.cli import cli
from corpgraph.graphdiff import changed_subjects, version_stamp

CREDIT_LINE = "https://w3id.org/corpgraph/record/citizens-geo-group-credit-line"
RECORDS_FILE = "popular-info-corporate-enablers.ttl"

NEW_RECORD = """@prefix cg: <https://w3id.org/corpgraph/ns#> .
@prefix ent: <https://w3id.org/corpgraph/entity/> .
@prefix rec: <https://w3id.org/corpgraph/record/> .
@prefix src: <https://w3id.org/corpgraph/source/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

rec:test-new-credit-line a cg:CreditFacility ;
    cg:lender ent:citizens-financial-group ; cg:borrower ent:corecivic ;
    cg:amount "25000000"^^xsd:decimal ; cg:currency "USD" ; cg:amountKind cg:creditLine ;
    cg:date "2025-09"^^xsd:gYearMonth ;
    cg:certainty cg:reported ;
    cg:source src:popular-info-corporate-enablers ;
    cg:quote "an invented credit line for this test" .
"""


def _set_amount(folder: Path, old: str, new: str) -> None:
    path = folder / RECORDS_FILE
    text = path.read_text(encoding="utf-8")
    assert text.count(f'"{old}"^^xsd:decimal') == 1
    path.write_text(text.replace(f'"{old}"^^xsd:decimal', f'"{new}"^^xsd:decimal'), encoding="utf-8")


def _copy(tmp_graph: Path, name: str) -> Path:
    dest = tmp_graph.parent / name
    shutil.copytree(tmp_graph, dest)
    return dest


def _diff_json(runner, *args: str):
    result = runner.invoke(cli, ["diff", *args, "--format", "json"])
    return result, (json.loads(result.stdout) if result.stdout.strip() else None)


def test_unchanged_graph_exits_0(runner, tmp_graph):
    other = _copy(tmp_graph, "same")
    (other / "entities.ttl").write_text(  # the same triples in another layout are no change
        (other / "entities.ttl").read_text(encoding="utf-8").replace(" ;\n", " ;\n\n"), encoding="utf-8"
    )
    result = runner.invoke(cli, ["diff", str(tmp_graph), str(other)])
    assert result.exit_code == 0, result.output
    assert "No changes." in result.stdout


def test_changed_amount_shows_the_field_both_values_sources_and_money(runner, tmp_graph):
    new = _copy(tmp_graph, "new")
    _set_amount(new, "450000000", "460000000")
    result = runner.invoke(cli, ["diff", str(tmp_graph), str(new)])
    assert result.exit_code == 1
    assert "Citizens Financial Group lends to GEO Group" in result.stdout
    assert "cg:amount: 450000000 → 460000000" in result.stdout
    assert "source: The corporate enablers of the ICE crackdown (Popular Information" in result.stdout
    assert f"Files that differ: {RECORDS_FILE}" in result.stdout

    result, data = _diff_json(runner, str(tmp_graph), str(new))
    assert result.exit_code == 1 and data["changed"] is True
    (item,) = data["items"]
    assert (item["iri"], item["change"], item["category"]) == (CREDIT_LINE, "changed", "record")
    (amount,) = item["fields"]
    assert amount["field"] == "cg:amount"
    assert [v["text"] for v in amount["old"]] == ["450000000"]
    assert [v["text"] for v in amount["new"]] == ["460000000"]
    moved = {(m["label"], m["direction"], m["kind"]): m for m in data["money_moved"]}
    assert set(moved) == {
        ("Citizens Financial Group", "out", "creditLine"),
        ("GEO Group", "in", "creditLine"),
    }
    geo = moved[("GEO Group", "in", "creditLine")]
    assert (geo["old"], geo["new"], geo["delta"]) == (450000000, 460000000, 10000000)


def test_added_and_removed_records_and_money_per_kind(runner, tmp_graph):
    new = _copy(tmp_graph, "new")
    (new / "extra.ttl").write_text(NEW_RECORD, encoding="utf-8")
    path = new / RECORDS_FILE
    text = path.read_text(encoding="utf-8")
    start = text.index("rec:citizens-corecivic-bonds")
    end = text.index(" .\n", start) + 3
    path.write_text(text[:start] + text[end:], encoding="utf-8")

    result, data = _diff_json(runner, str(tmp_graph), str(new))
    assert result.exit_code == 1
    by_change = {(i["change"], i["iri"].rsplit("/", 1)[-1]) for i in data["items"]}
    assert ("added", "test-new-credit-line") in by_change
    assert ("removed", "citizens-corecivic-bonds") in by_change
    assert data["counts"]["record"] == {"added": 1, "removed": 1, "changed": 0}
    assert sorted(data["files_changed"]) == ["extra.ttl", RECORDS_FILE]
    moved = {(m["label"], m["kind"]): m for m in data["money_moved"]}
    # the new credit line and the removed bond issue stay two kinds: never added together
    credit = moved[("CoreCivic", "creditLine")]
    assert (credit["old"], credit["new"]) == (None, 25000000)
    bonds = moved[("CoreCivic", "bondIssue")]
    assert (bonds["old"], bonds["new"], bonds["new_records"]) == (500000000, None, 0)

    md = runner.invoke(cli, ["diff", str(tmp_graph), str(new), "--format", "md"])
    assert md.exit_code == 1
    assert "- **added** credit facility: Citizens Financial Group lends to CoreCivic" in md.stdout
    assert "### Money totals that moved" in md.stdout


def test_trouble_exits_2_and_missing_folder_4(runner, tmp_graph):
    bad = _copy(tmp_graph, "bad")
    (bad / "broken.ttl").write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    result = runner.invoke(cli, ["diff", str(tmp_graph), str(bad)])
    assert result.exit_code == 2
    assert "broken.ttl:2" in result.stderr
    result = runner.invoke(cli, ["diff", str(tmp_graph), str(tmp_graph.parent / "nowhere")])
    assert result.exit_code == 4
    assert "neither a graph folder nor a store" in result.stderr
    assert runner.invoke(cli, ["diff"]).exit_code == 2


@pytest.fixture
def repo(tmp_path: Path, tmp_graph: Path) -> Path:
    """A git repository whose graph/ is the bundled graph, committed twice: the second commit
    changes the credit line's amount.  The work tree stays at the second commit."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    root = tmp_path / "repo"
    root.mkdir()
    shutil.move(str(tmp_graph), root / "graph")

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)

    git("init", "-q")
    git("add", "graph")
    git("commit", "-qm", "first")
    git("tag", "v1")
    _set_amount(root / "graph", "450000000", "460000000")
    git("commit", "-qam", "second")
    return root


def _status(root: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True, check=True
    ).stdout


def test_git_revisions(runner, repo, monkeypatch, isolated_cache):
    graph = str(repo / "graph")
    result = runner.invoke(cli, ["diff", "git:v1", "git:HEAD", "--graph", graph])
    assert result.exit_code == 1
    assert "cg:amount: 450000000 → 460000000" in result.stdout
    assert "Old: git v1 (" in result.stdout
    # the revisions' entity networks are kept by graph version for the next diff
    old_version = json.loads(
        runner.invoke(cli, ["diff", "git:v1", "git:HEAD", "--graph", graph, "-f", "json"]).stdout
    )["old"]["version"]
    kept = isolated_cache / "derived" / "revisions" / old_version.replace(":", "-")
    assert any(p.name.startswith("network-") for p in kept.iterdir())
    # the work tree equals HEAD: nothing changed
    same = runner.invoke(cli, ["diff", "git:HEAD", "--graph", graph])
    assert same.exit_code == 0, same.output
    # git:REV:PATH, from the current directory's repository; the work tree is left as it was
    monkeypatch.chdir(repo)
    result = runner.invoke(cli, ["diff", "git:HEAD~1:graph", graph])
    assert result.exit_code == 1 and "460000000" in result.stdout
    assert _status(repo) == ""
    unknown = runner.invoke(cli, ["diff", "git:no-such-rev", "--graph", graph])
    assert unknown.exit_code == 2
    assert "no revision 'no-such-rev'" in unknown.stderr


def test_since_a_published_map(runner, repo, tmp_path):
    graph = str(repo / "graph")
    branch = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--abbrev-ref", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "v1"], check=True, capture_output=True)
    page = tmp_path / "published.html"
    made = runner.invoke(cli, ["map", "--graph", graph, "--focus", "GEO Group", "-o", str(page)])
    assert made.exit_code == 0, made.output
    facts = tmp_path / "facts.md"
    runner.invoke(cli, ["export", "-f", "md", "--graph", graph, "--focus", "GEO Group", "-o", str(facts)])
    assert version_stamp(page) == version_stamp(facts)
    # the map is up to date while the folder is as it was
    same = runner.invoke(cli, ["diff", "--since", str(page), "--graph", graph])
    assert same.exit_code == 0 and f"{page} needs no update." in same.stderr
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", branch], check=True, capture_output=True)
    assert "460000000" in (repo / "graph" / RECORDS_FILE).read_text(encoding="utf-8")
    result = runner.invoke(cli, ["diff", "--since", str(page), "--graph", graph])
    assert result.exit_code == 1
    assert "made from graph version" in result.stderr and "revision" in result.stderr
    assert "cg:amount: 450000000 → 460000000" in result.stdout
    assert f"{page} may need an update: 1 record changed; 2 money totals moved." in result.stderr
    # a file that names no version, and a version no revision has
    (tmp_path / "plain.txt").write_text("nothing here\n")
    assert (
        runner.invoke(cli, ["diff", "--since", str(tmp_path / "plain.txt"), "--graph", graph]).exit_code == 2
    )
    (tmp_path / "other.md").write_text("Graph version `sha256:000000000000`\n")
    lost = runner.invoke(cli, ["diff", "--since", str(tmp_path / "other.md"), "--graph", graph])
    assert lost.exit_code == 2 and "no revision of" in lost.stderr


def test_store_against_folder(runner, tmp_graph, tmp_path):
    store = tmp_path / "store"
    loaded = runner.invoke(cli, ["load", "--graph", str(tmp_graph), "--store", str(store), "-q"])
    assert loaded.exit_code == 0, loaded.output
    assert runner.invoke(cli, ["diff", f"store:{store}", str(tmp_graph)]).exit_code == 0
    _set_amount(tmp_graph, "450000000", "460000000")
    result = runner.invoke(cli, ["diff", str(store), str(tmp_graph)])
    assert result.exit_code == 1 and "cg:amount: 450000000 → 460000000" in result.stdout


PREFIX = b"@prefix ex: <http://example.org/> .\n\n"


@pytest.mark.parametrize(
    ("before", "after", "subjects"),
    [
        # statements moved around, one changed: only its subject
        (b"ex:a ex:p 1 .\n\nex:b ex:p 2 .\n", b"ex:b ex:p 2 .\n\nex:a ex:p 3 .\n", {"a"}),
        # statements split by blank lines: the same chunks in another order mean other triples
        (
            b"ex:a ex:p 1 ;\n\nex:q 2 .\n\nex:b ex:p 3 ;\n\nex:r 4 .\n",
            b"ex:b ex:p 3 ;\n\nex:q 2 .\n\nex:a ex:p 1 ;\n\nex:r 4 .\n",
            {"a", "b"},
        ),
        # a long string holding a blank line and Turtle-looking text
        (
            b'ex:a ex:p """x\n\nex:c ex:p 1 .\n\ny""" .\n',
            b'ex:a ex:p """x\n\nex:c ex:p 2 .\n\ny""" .\n',
            {"a"},
        ),
        # a comment hiding the end of a statement
        (b"ex:a ex:p 1 ; # .\n\nex:q 2 .\n", b"ex:a ex:p 1 ; # .\n\nex:q 3 .\n", {"a"}),
    ],
)
def test_changed_subjects_never_misses_one(before, after, subjects):
    found = changed_subjects(PREFIX + before, PREFIX + after)
    assert found == {"http://example.org/" + s for s in subjects}


def test_hostile_values_stay_text_in_markdown_and_the_terminal(runner, tmp_graph):
    new = _copy(tmp_graph, "new")
    hostile = "<img src=x onerror=alert(1)> [x](javascript:alert(2)) \x1b[31m"
    path = new / "entities.ttl"
    text = path.read_text(encoding="utf-8")
    assert text.count('rdfs:label "GEO Group"') == 1
    path.write_text(
        text.replace(
            'rdfs:label "GEO Group"', 'rdfs:label "GEO Group' + hostile.replace("\x1b", "\\u001b") + '"'
        )
    )
    md = runner.invoke(cli, ["diff", str(tmp_graph), str(new), "-f", "md"])
    assert md.exit_code == 1
    assert "GEO Group\\<img src=x" in md.stdout and "\\[x\\](javascript:" in md.stdout  # escaped
    assert "<img" not in md.stdout.replace("\\<img", "") and "\x1b" not in md.stdout
    text_out = runner.invoke(cli, ["diff", str(tmp_graph), str(new)])
    assert "rdfs:label: GEO Group → GEO Group<img" in text_out.stdout and "\x1b" not in text_out.stdout

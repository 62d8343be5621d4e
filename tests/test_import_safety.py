"""Safe imports: atomic, idempotent, --strict, --dry-run, never into the package; the result validates
and projects; the CLI reports bad rows with file and line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from conftest import TEST_DATA
from corpgraph import importing
from corpgraph.cli import cli
from corpgraph.errors import ImportFailed, OutputError
from corpgraph.importing import StrictImportFailed, import_file
from corpgraph.store import load_graph, load_shapes, parse_turtle_file

DATA = TEST_DATA / "import"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a hash of its bytes."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<dir>"
    return out


@pytest.mark.parametrize("where", ["turtle", "rename"])
def test_failure_mid_import_leaves_graph_as_it_was(tmp_graph, monkeypatch, where):
    import_file("csv", DATA / "facts-bad.csv", graph_dir=tmp_graph)  # an earlier import, to be kept intact
    before = snapshot(tmp_graph)

    def boom(*a, **k):
        raise OSError("disk full (simulated)")

    if where == "turtle":
        monkeypatch.setattr(importing, "_turtle", boom)
    else:
        monkeypatch.setattr(importing.os, "replace", boom)
    with pytest.raises(OSError if where == "turtle" else OutputError, match="simulated"):
        import_file("usaspending", DATA / "usaspending-transactions.csv", graph_dir=tmp_graph)
    assert snapshot(tmp_graph) == before
    assert not list(tmp_graph.rglob("*.tmp"))


def test_failure_before_first_import_leaves_no_imports_folder(tmp_graph, monkeypatch):
    before = snapshot(tmp_graph)
    monkeypatch.setattr(importing.os, "replace", lambda *a: (_ for _ in ()).throw(OSError("simulated")))
    with pytest.raises(OutputError, match="simulated"):
        import_file("usaspending", DATA / "usaspending-awards.csv", graph_dir=tmp_graph)
    assert snapshot(tmp_graph) == before


@pytest.mark.parametrize(
    "name", ["usaspending-transactions.csv", "usaspending-awards.csv", "usaspending-subawards.csv"]
)
def test_import_twice_changes_nothing(tmp_graph, name):
    first = import_file("usaspending", DATA / name, graph_dir=tmp_graph)
    assert first.changed and first.written
    files = snapshot(tmp_graph)
    mtime = Path(first.target).stat().st_mtime_ns
    g1 = parse_turtle_file(Path(first.target))
    second = import_file("usaspending", DATA / name, graph_dir=tmp_graph)
    assert not second.changed and not second.written
    assert snapshot(tmp_graph) == files, "not one byte changed"
    assert Path(second.target).stat().st_mtime_ns == mtime
    assert isomorphic(g1, parse_turtle_file(Path(second.target)))
    assert first.rules == second.rules


def test_idempotent_after_other_imports(tmp_graph):
    """Importing A, then B (which joins A's entities), then A again: A's part is the same bytes."""
    a = import_file("usaspending", DATA / "usaspending-awards.csv", graph_dir=tmp_graph)
    a_bytes = Path(a.target).read_bytes()
    import_file("usaspending", DATA / "usaspending-subawards.csv", graph_dir=tmp_graph)
    again = import_file("usaspending", DATA / "usaspending-awards.csv", graph_dir=tmp_graph)
    assert Path(again.target).read_bytes() == a_bytes
    assert not again.changed


def test_strict_bad_row_fails_and_writes_nothing(tmp_graph):
    before = snapshot(tmp_graph)
    with pytest.raises(StrictImportFailed) as info:
        import_file("csv", DATA / "facts-bad.csv", graph_dir=tmp_graph, strict=True)
    assert len(info.value.errors) == 4
    assert "facts-bad.csv:3: amount" in str(info.value)
    assert snapshot(tmp_graph) == before


def test_bad_rows_skipped_and_reported(tmp_graph):
    r = import_file("csv", DATA / "facts-bad.csv", graph_dir=tmp_graph)
    assert r.written
    where = {(e.line, e.field) for e in r.errors}
    assert where == {(3, "amount"), (4, "kind"), (5, "date"), (6, "quote")}
    assert r.records == {"Contract": 1}


def test_dry_run_writes_nothing(tmp_graph):
    before = snapshot(tmp_graph)
    r = import_file("usaspending", DATA / "usaspending-transactions.csv", graph_dir=tmp_graph, dry_run=True)
    assert r.dry_run and not r.written and r.changed
    assert r.created and r.merged
    assert snapshot(tmp_graph) == before


def test_refuses_installed_package(tmp_graph, monkeypatch):
    from corpgraph import store

    monkeypatch.setattr(store, "is_installed_package_path", lambda p: True)
    before = snapshot(tmp_graph)
    with pytest.raises(ImportFailed, match="installed corpgraph package"):
        import_file("csv", DATA / "facts-bad.csv", graph_dir=tmp_graph)
    assert snapshot(tmp_graph) == before


def test_imported_graph_conforms_and_projects(tmp_graph):
    import pyshacl

    from corpgraph import netgraph
    from corpgraph.backend.memory import MemoryBackend

    for name in ("usaspending-transactions.csv", "usaspending-awards.csv", "usaspending-subawards.csv"):
        assert not import_file("usaspending", DATA / name, graph_dir=tmp_graph).errors
    import_file("facilities", DATA / "icefacs-synthetic.csv", graph_dir=tmp_graph)
    import_file("facilities", DATA / "facilities-operators-synthetic.csv", graph_dir=tmp_graph)
    import_file("tornapart", DATA / "tornapart-freezer-synthetic.csv", graph_dir=tmp_graph)
    import_file("csv", TEST_DATA.parents[1] / "templates" / "facts-example.csv", graph_dir=tmp_graph)
    data = load_graph(tmp_graph)
    conforms, _, text = pyshacl.validate(data, shacl_graph=load_shapes(tmp_graph), inference="none")
    assert conforms, text
    net = netgraph.project(MemoryBackend.from_folder(tmp_graph))
    edges = [d for _, _, d in net.edges(data=True)]
    assert any(
        str(d["kind"]).endswith("Contract") and str(d.get("amount_kind") or "").endswith("subaward")
        for d in edges
    )
    ice = "https://w3id.org/corpgraph/entity/ice"
    palantir = "https://w3id.org/corpgraph/entity/palantir"
    assert net.has_edge(ice, palantir)


# -- the command line ------------------------------------------------------------------------------------
def test_cli_import_text_and_idempotent(runner, tmp_graph):
    args = ["import", "usaspending", str(DATA / "usaspending-transactions.csv"), "--graph", str(tmp_graph)]
    r1 = runner.invoke(cli, args)
    assert r1.exit_code == 0, r1.output
    assert "Imported usaspending (transactions)" in r1.stdout
    assert "duplicate rows dropped:" in r1.stdout
    assert "THE GEO GROUP, INC. -> GEO Group" in r1.stdout
    r2 = runner.invoke(cli, args)
    assert r2.exit_code == 0 and "unchanged (already imported)" in r2.stdout


def test_cli_dry_run_json(runner, tmp_graph):
    before = snapshot(tmp_graph)
    r = runner.invoke(
        cli,
        [
            "import",
            "usaspending",
            str(DATA / "usaspending-transactions.csv"),
            "--graph",
            str(tmp_graph),
            "--dry-run",
            "--format",
            "json",
        ],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["dry_run"] and not data["written"]
    merged = {m["source_name"]: m for m in data["merged"]}
    assert merged["PALANTIR TECHNOLOGIES INC."]["entity"].endswith("/palantir")
    assert data["stats"]["duplicate rows dropped"] == 1
    assert snapshot(tmp_graph) == before


def test_cli_bad_rows_on_stderr_and_strict(runner, tmp_graph):
    r = runner.invoke(cli, ["import", "csv", str(DATA / "facts-bad.csv"), "--graph", str(tmp_graph)])
    assert r.exit_code == 0
    assert "facts-bad.csv:3: amount: not an amount: 'lots'" in r.stderr
    assert "facts-bad.csv:4: kind:" in r.stderr
    before = snapshot(tmp_graph)
    r = runner.invoke(
        cli, ["import", "csv", str(DATA / "facts-bad.csv"), "--graph", str(tmp_graph), "--strict"]
    )
    assert r.exit_code == 1
    assert "4 bad rows" in r.stderr and "nothing was imported" in r.stderr
    assert snapshot(tmp_graph) == before


def test_cli_then_validate(runner, tmp_graph):
    r = runner.invoke(
        cli, ["import", "usaspending", str(DATA / "usaspending-subawards.csv"), "--graph", str(tmp_graph)]
    )
    assert r.exit_code == 0, r.output
    v = runner.invoke(cli, ["validate", "--graph", str(tmp_graph)])
    assert v.exit_code == 0, v.output


def test_cli_unknown_kind(runner, tmp_graph):
    r = runner.invoke(cli, ["import", "wikidata", str(DATA / "facts-bad.csv"), "--graph", str(tmp_graph)])
    assert r.exit_code == 2 and "'wikidata' is not one of 'usaspending', 'csv'" in r.stderr


def test_triples_to_graph():
    from corpgraph.importers.context import Triples

    t = Triples()
    g = Graph()
    assert len(t.to_graph()) == len(g) == 0


def test_progress_bar_starts_only_after_a_moment(capsys):
    from corpgraph.cli.import_cmds import _Bar

    quick = _Bar("Importing x", delay=60)
    quick(50, 100)
    quick.close()
    assert quick.bar is None
    slow = _Bar("Importing y", delay=0)
    slow(50, 100)
    slow(100, 100)
    slow.close()
    assert slow.bar is not None and slow.done == 100
    assert capsys.readouterr().out == ""  # progress never goes to stdout


def test_progress_callback_reaches_the_end(tmp_graph):
    seen = []
    import_file(
        "usaspending",
        DATA / "usaspending-transactions.csv",
        graph_dir=tmp_graph,
        progress=lambda done, total: seen.append((done, total)),
        dry_run=True,
    )
    assert seen and seen[-1][0] == seen[-1][1]


def test_no_folder_chosen_never_writes_bundled_graph(runner, monkeypatch):
    from corpgraph.store import bundled_graph_dir

    monkeypatch.delenv("CORPGRAPH_GRAPH", raising=False)
    before = snapshot(bundled_graph_dir())
    r = runner.invoke(cli, ["import", "csv", str(DATA / "facts-bad.csv")])
    assert r.exit_code == 1 and "No graph folder chosen" in r.stderr
    assert snapshot(bundled_graph_dir()) == before
    # a dry run needs no folder of its own
    d = runner.invoke(cli, ["import", "csv", str(DATA / "facts-bad.csv"), "--dry-run"])
    assert d.exit_code == 0, d.output
    assert snapshot(bundled_graph_dir()) == before

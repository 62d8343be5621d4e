"""The store swaps a re-imported part by its difference: afterwards it holds exactly what the folder holds."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from conftest import TEST_DATA
from corpgraph import store as graph_store
from corpgraph.backend.oxigraph_store import OxigraphBackend, part_iri
from corpgraph.importing import import_file

SOURCE = TEST_DATA / "import" / "usaspending-transactions.csv"


def _folder_lines(folder: Path) -> set[bytes]:
    """The union of the folder's files as canonical N-Triples lines (what the store must hold)."""
    mem = ox.Store()
    for f in graph_store.data_files(folder):
        mem.bulk_load(path=str(f), format=ox.RdfFormat.TURTLE, base_iri=f.resolve().as_uri())
    return set(mem.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).splitlines())


def _store_lines(b: OxigraphBackend, graph=None) -> set[bytes]:
    g = ox.DefaultGraph() if graph is None else graph
    return set(b._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g).splitlines())


def _changed_copy(tmp_path: Path) -> Path:
    """The same file name (the same part), one row fewer and one amount changed."""
    lines = SOURCE.read_text(encoding="utf-8").splitlines(keepends=True)
    assert "76002259.22" in lines[1]
    changed = [lines[0], lines[1].replace("76002259.22", "76002260.00"), *lines[2:-1]]
    out = tmp_path / "changed" / SOURCE.name
    out.parent.mkdir()
    out.write_text("".join(changed), encoding="utf-8")
    return out


def test_reimport_of_a_changed_file_leaves_the_store_equal_to_the_folder(tmp_graph, tmp_path):
    b = OxigraphBackend.open(tmp_path / "store", graph_dir=tmp_graph)
    try:
        first = import_file("usaspending", SOURCE, graph_dir=tmp_graph, backend=b)
        assert first.changed and _store_lines(b) == _folder_lines(tmp_graph)
        part_before = _store_lines(b, ox.NamedNode(part_iri(first.part)))
        second = import_file("usaspending", _changed_copy(tmp_path), graph_dir=tmp_graph, backend=b)
        assert second.changed and second.part == first.part
        part_after = _store_lines(b, ox.NamedNode(part_iri(second.part)))
        assert part_after != part_before
        assert _store_lines(b) == _folder_lines(tmp_graph)
        assert len(b) == len(_folder_lines(tmp_graph))
        third = import_file("usaspending", SOURCE, graph_dir=tmp_graph, backend=b)  # and back
        assert third.changed and _store_lines(b) == _folder_lines(tmp_graph)
    finally:
        b.close()
    again = OxigraphBackend.open(tmp_path / "store", graph_dir=tmp_graph)
    try:
        assert again.reloaded == []  # the store recorded the file it holds: nothing to reload
        assert _store_lines(again) == _folder_lines(tmp_graph)
    finally:
        again.close()


def test_a_triple_another_part_holds_stays_when_the_part_drops_it(tmp_graph, tmp_path):
    """Union semantics: a triple leaves the default graph only when no other part holds it."""
    shared = next(
        line for line in sorted(_folder_lines(tmp_graph)) if b"rdf-schema#label" in line and b"_:" not in line
    )
    own = b'<https://w3id.org/corpgraph/record/x-only> <https://w3id.org/corpgraph/ns#note> "only here" .'
    target = tmp_graph / "imports" / "kind-x.ttl"
    target.parent.mkdir(exist_ok=True)
    b = OxigraphBackend.open(tmp_path / "store", graph_dir=tmp_graph)
    try:
        target.write_bytes(shared + b"\n" + own + b"\n")
        b.replace_part("imports/kind-x", graph_store.parse_turtle_file(target))
        assert {shared, own} <= _store_lines(b)
        previous = target.read_bytes()
        target.write_bytes(b"")  # the part now holds nothing
        g = graph_store.parse_turtle_file(target)
        b.replace_part("imports/kind-x", g, previous=previous)  # as the importer hands it over
        lines = _store_lines(b)
        assert shared in lines and own not in lines
        assert lines == _folder_lines(tmp_graph)
    finally:
        b.close()

"""Imports into the local store (--store) and a real SPARQL endpoint (--endpoint), through replace_part."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import TEST_DATA
from corpgraph.cli import cli

DATA = TEST_DATA / "import"
COUNT = """PREFIX cg: <https://w3id.org/corpgraph/ns#>
SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a cg:Contract ; cg:amountKind cg:fiscalYearObligation }"""
PALANTIR = """PREFIX cg: <https://w3id.org/corpgraph/ns#>
PREFIX ent: <https://w3id.org/corpgraph/entity/>
SELECT ?amount WHERE { ?r cg:supplier ent:palantir ; cg:amountKind cg:fiscalYearObligation ; cg:amount ?amount }"""
LABELLESS = """PREFIX cg: <https://w3id.org/corpgraph/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?r cg:supplier ?e FILTER NOT EXISTS { ?e rdfs:label ?l } }"""


def _one(backend, sparql):
    return backend.select(sparql).rows[0][0].toPython()


def test_import_into_store(runner, tmp_graph, tmp_path):
    from corpgraph.backend.oxigraph_store import OxigraphBackend

    store = tmp_path / "store"
    args = [
        "import",
        "usaspending",
        str(DATA / "usaspending-transactions.csv"),
        "--graph",
        str(tmp_graph),
        "--store",
        str(store),
    ]
    r = runner.invoke(cli, args)
    assert r.exit_code == 0, r.output
    assert (tmp_graph / "imports" / "usaspending-usaspending-transactions.ttl").is_file()
    with OxigraphBackend.open(store, graph_dir=tmp_graph) as ox:
        assert _one(ox, COUNT) == 8
        assert str(_one(ox, PALANTIR)) == "81098690.32"
        assert _one(ox, LABELLESS) == 0
    r2 = runner.invoke(cli, args)
    assert r2.exit_code == 0 and "unchanged" in r2.stdout
    with OxigraphBackend.open(store, graph_dir=tmp_graph) as ox:
        assert _one(ox, COUNT) == 8
        assert _one(ox, LABELLESS) == 0


@pytest.mark.endpoint
def test_import_into_endpoint(runner, tmp_graph, fresh_endpoint):
    from corpgraph.backend.endpoint import EndpointBackend

    ep = EndpointBackend(fresh_endpoint)
    ep.load_folder(tmp_graph)
    before = len(ep)
    args = ["import", "usaspending", str(DATA / "usaspending-transactions.csv"), "--endpoint", fresh_endpoint]
    r = runner.invoke(cli, args)
    assert r.exit_code == 0, r.output
    assert "part imports/usaspending-usaspending-transactions" in r.stdout
    assert not (tmp_graph / "imports").exists()
    assert _one(ep, COUNT) == 8
    after = len(ep)
    assert after > before
    # again: the part is replaced by the same triples, entities keep their labels
    r2 = runner.invoke(cli, args)
    assert r2.exit_code == 0, r2.output
    assert len(ep) == after
    assert _one(ep, LABELLESS) == 0
    # and commands keep working on it
    m = runner.invoke(cli, ["money", "Palantir", "--endpoint", fresh_endpoint])
    assert m.exit_code == 0 and "81,098,690.32" in m.stdout


def test_part_name_matches_backend_convention():
    from corpgraph.backend.oxigraph_store import part_name as backend_part
    from corpgraph.importing import part_name

    p = part_name("usaspending", Path("x/CBP_ICE_FY2025.csv"))
    assert p == "imports/usaspending-cbp-ice-fy2025"
    assert backend_part(p + ".ttl") == p


def test_store_remembers_its_folder(runner, tmp_graph, tmp_path, monkeypatch):
    from corpgraph.backend.oxigraph_store import OxigraphBackend

    monkeypatch.delenv("CORPGRAPH_GRAPH", raising=False)
    store = tmp_path / "store"
    OxigraphBackend.open(store, graph_dir=tmp_graph).close()
    args = ["import", "usaspending", str(DATA / "usaspending-awards.csv"), "--store", str(store)]
    r = runner.invoke(cli, args)
    assert r.exit_code == 0, r.output
    assert (tmp_graph / "imports" / "usaspending-usaspending-awards.ttl").is_file()


def test_folder_index_is_read_only_and_closes(tmp_graph):
    """The in-memory index an import resolves names against closes cleanly and refuses writes (it
    was once given a bool where its read lock belongs, so close() raised and a write would have
    created a store folder inside the graph folder)."""
    from corpgraph.errors import BackendError
    from corpgraph.importing import _folder_backend

    index = _folder_backend(tmp_graph, None)
    assert len(index) > 0
    with pytest.raises(BackendError, match="read-only"):
        index.prepare_write()
    index.close()
    index.close()  # closing twice is harmless
    with pytest.raises(BackendError, match="closed"):
        index.query("ASK { ?s ?p ?o }")
    assert not (tmp_graph / ".import-index").exists()


def test_resolving_names_leaves_the_graph_folder_as_it_was(tmp_graph):
    """The index an import resolves names against lives in memory: nothing derived from it (entity
    index, network) is written into the graph folder, which would then ship in maps and wheels."""
    from corpgraph import netgraph
    from corpgraph.importing import _folder_backend
    from corpgraph.resolve import EntityIndex

    before = sorted(p.relative_to(tmp_graph) for p in tmp_graph.rglob("*"))
    index = _folder_backend(tmp_graph, None)
    assert EntityIndex.from_backend(index).resolve("AWS")
    assert len(netgraph.project(index)) > 0
    index.close()
    assert sorted(p.relative_to(tmp_graph) for p in tmp_graph.rglob("*")) == before

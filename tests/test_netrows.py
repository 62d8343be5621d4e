"""The network's triples kept part by part: after one file changes only that part is read again, and
the network is the one the whole graph gives, whatever was kept."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from corpgraph import netgraph, netrows
from corpgraph import store as graph_store
from corpgraph.backend import cache, open_backend
from corpgraph.backend.memory import MemoryBackend
from minigraph import PREFIXES


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(cache, "SMALL_FOLDER_BYTES", 0)  # through the cache store, parts and all
    monkeypatch.setenv("CORPGRAPH_CACHE", str(tmp_path / "cache"))
    dest = tmp_path / "graph"
    shutil.copytree(graph_store.bundled_graph_dir(), dest)
    return dest


def network_of(backend) -> tuple[list, list]:
    g = netgraph.build_network(backend)
    return list(g.nodes(data=True)), list(g.edges(keys=True, data=True))


def whole_graph(folder: Path) -> tuple[list, list]:
    """The network as rdflib's parse of the folder gives it (no parts, nothing kept)."""
    return network_of(MemoryBackend.from_folder(folder))


def part_reads(backend, monkeypatch) -> list[str]:
    """The parts whose triples ``build_network`` reads from the store (not from what it kept)."""
    seen: list[str] = []
    scan = netrows._scan

    def counting(b, preds, classes, graph):
        seen.append(graph)
        return scan(b, preds, classes, graph)

    monkeypatch.setattr(netrows, "_scan", counting)
    network_of(backend)
    return seen


def test_parts_are_read_once_then_kept(folder, monkeypatch):
    with open_backend(folder) as b:
        parts = b.part_hashes()
        assert len(parts) > 3
        first = part_reads(b, monkeypatch)
        assert sorted(first) == sorted(b.part_graph_iri(p) for p in parts)
        assert part_reads(b, monkeypatch) == [], "a second projection reads every part from the cache"


def test_after_one_file_changes_only_its_part_is_read_and_the_network_is_whole(folder, monkeypatch):
    with open_backend(folder) as b:
        network_of(b)
    entities = folder / "entities.ttl"
    entities.write_text(
        entities.read_text(encoding="utf-8").replace('"GEO Group"', '"GEO Group Inc"', 1), encoding="utf-8"
    )
    with open_backend(folder) as b:
        assert part_reads(b, monkeypatch) == [b.part_graph_iri("entities")]
        net = network_of(b)
    assert net == whole_graph(folder)
    assert "GEO Group Inc" in {d["label"] for _n, d in net[0]}


def test_a_triple_stated_by_two_files_stays_when_one_is_removed(folder, monkeypatch):
    extra = PREFIXES + 'ent:aws cg:note "Stated twice." .\n'
    (folder / "one.ttl").write_text(extra, encoding="utf-8")
    (folder / "two.ttl").write_text(extra, encoding="utf-8")
    with open_backend(folder) as b:
        net = netgraph.build_network(b)
    aws = next(n for n in net if n.endswith("/aws"))
    assert net.nodes[aws]["notes"].count("Stated twice.") == 1, "one triple of the graph, one note"
    (folder / "two.ttl").unlink()
    with open_backend(folder) as b:
        again = netgraph.build_network(b)
    assert again.nodes[aws]["notes"].count("Stated twice.") == 1
    assert network_of_folder(folder) == whole_graph(folder)


def network_of_folder(folder: Path) -> tuple[list, list]:
    with open_backend(folder) as b:
        return network_of(b)


def test_a_damaged_kept_part_is_read_again(folder, monkeypatch):
    with open_backend(folder) as b:
        before = network_of(b)
        kept = sorted((b.cache_dir() / "netrows").glob("*.json"))
        assert kept
        kept[0].write_bytes(b"{not json")
        assert len(part_reads(b, monkeypatch)) == 1
        assert network_of(b) == before


def test_a_changed_ontology_reads_every_part_again(folder, monkeypatch):
    with open_backend(folder) as b:
        network_of(b)
    onto = folder / "ontology.ttl"
    onto.write_text(onto.read_text(encoding="utf-8") + "\n# a comment changes the file\n", encoding="utf-8")
    with open_backend(folder) as b:
        assert part_reads(b, monkeypatch) == [b.part_graph_iri("ontology")]
    # a new rule (another predicate to read) makes every kept part stale
    onto.write_text(
        onto.read_text(encoding="utf-8")
        + '\ncg:Nudge a owl:Class ; rdfs:subClassOf cg:Relationship ; rdfs:label "nudge" ;'
        ' cg:edgeFrom cg:nudger ; cg:edgeTo cg:nudged ; cg:edgeLabel "nudges" .\n',
        encoding="utf-8",
    )
    with open_backend(folder) as b:
        reads = part_reads(b, monkeypatch)
        assert sorted(reads) == sorted(b.part_graph_iri(p) for p in b.part_hashes())
        assert network_of(b) == whole_graph(folder)


def test_expand_names_full_iris():
    assert netrows.expand("cg:amount").endswith("/ns#amount")
    assert netrows.expand("https://schema.org/url") == "https://schema.org/url"


def test_the_kept_network_reads_back_as_built(folder):
    with open_backend(folder) as b:
        built = netgraph.build_network(b)
    back = netgraph._network_from_kept(netgraph._network_to_kept(built), built.graph["ontology"])
    assert list(back.nodes(data=True)) == list(built.nodes(data=True))
    assert list(back.edges(keys=True, data=True)) == list(built.edges(keys=True, data=True))
    amounts = [d["amount"] for _u, _v, d in back.edges(data=True) if d.get("amount") is not None]
    assert amounts and all(isinstance(a, Decimal) for a in amounts)
    # networkx's layout: one key dict per pair, seen from both ends; views work on the adopted dicts
    u, v = next((u, v) for u, v, _k in back.edges(keys=True))
    assert back._pred[v][u] is back._succ[u][v]
    assert set(back.predecessors(v)) == set(built.predecessors(v))
    assert back.degree(u) == built.degree(u)

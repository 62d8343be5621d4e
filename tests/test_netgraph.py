"""The entity network: entities as nodes, records as typed edges by the ontology's rules, and the
store's cache of it."""

from __future__ import annotations

import pickle

import networkx as nx
import pytest

from corpgraph import netgraph
from corpgraph.backend.memory import MemoryBackend
from corpgraph.vocab import ENT, REC
from minigraph import PREFIXES

PLANTED: list[str] = []


def _plant(text: str) -> None:
    PLANTED.append(text)


class PlantedHook:
    """Stands for a hostile object in a cache file: unpickling it would call ``_plant``."""

    def __reduce__(self):
        return (_plant, ("ran",))


def test_kept_data_names_no_class_but_decimal():
    from decimal import Decimal

    from corpgraph import derived

    data = {"a": [1, "b", None, True, 2.5, Decimal("1.10")], "shared": (d := {"x": 1}), "again": d}
    back = derived.from_pickle(derived.to_pickle(data))
    assert back == data and back["shared"] is back["again"]
    with pytest.raises(pickle.UnpicklingError, match="may not name"):
        derived.from_pickle(pickle.dumps(PlantedHook()))
    assert not PLANTED


def test_the_tie_index_is_kept_beside_the_network(tmp_graph, tmp_path):
    """The ties of a kept network are kept too (hard and all, per version): read back, they are the
    ties ``tie_index`` builds, with ``records`` naming the network; a damaged file is rebuilt."""
    from corpgraph.backend.oxigraph_store import OxigraphBackend

    store = tmp_path / "store"
    fresh = netgraph.build_network(MemoryBackend.from_folder(tmp_graph))
    wanted = {soft: netgraph.tie_index(fresh, soft=soft) for soft in (False, True)}
    for _round in range(3):
        backend = OxigraphBackend.open(store, graph_dir=tmp_graph)
        g = netgraph.project(backend)
        for soft in (False, True):
            ties = netgraph.tie_index(g, soft=soft)
            assert netgraph.tie_index(g, soft=soft) is ties  # read once per network
            assert ties.graph["records"] is g
            assert list(ties.edges(keys=True, data=True)) == list(wanted[soft].edges(keys=True, data=True))
            assert list(ties.nodes(data=True)) == list(g.nodes(data=True))
            ties.nodes[next(iter(ties))]["probe"] = 1  # the tie graph's node dicts are its own
            assert "probe" not in g.nodes[next(iter(g))]
        backend.close()
        kept = sorted(p.name.split("-")[1] for p in (store / "corpgraph-cache").glob("ties-*.pickle"))
        assert kept == ["all", "hard"]
        for f in (store / "corpgraph-cache").glob("ties-hard-*.pickle"):
            f.write_bytes(b"damaged")
    # a view of the network is not the network: its ties are built from what it keeps
    view = netgraph.filter_edges(g, min_certainty="confirmed")
    assert netgraph.tie_index(view).number_of_edges() < netgraph.tie_index(g).number_of_edges()


def test_nodes_are_entities_only(bundled_net):
    for node, data in bundled_net.nodes(data=True):
        assert node.startswith(str(ENT)), node  # never a class, literal, record or source
        assert data["label"] and data["type"]


def test_edges_follow_the_declared_rules(bundled_net):
    onto = bundled_net.graph["ontology"]
    by_name = {r.name: r for r in onto.rules.values()}
    hosting = bundled_net.edges[str(ENT.aws), str(ENT.icm), str(REC["aws-hosts-icm"])]
    assert hosting["label"] == by_name["Hosting"].label == "hosts"
    assert hosting["certainty"] == "reported" and hosting["sources"][0]["url"].startswith(
        "https://popular.info/"
    )
    for _u, _v, data in bundled_net.edges(data=True):
        assert data["kind"] in by_name and data["record"].startswith(str(REC))


def test_role_title_labels_the_edge(bundled_net):
    titles = {d["label"] for _u, v, d in bundled_net.edges(data=True) if d["kind"] == "Role"}
    assert "CEO" in titles


def test_symmetric_kind_gives_one_edge_per_pair(bundled_net):
    partners = [(u, v) for u, v, d in bundled_net.edges(data=True) if d["kind"] == "Partnership"]
    assert len(partners) == len({frozenset(p) for p in partners}) >= 1


def test_dangling_participants_are_not_drawn(tmp_graph):
    (tmp_graph / "extra.ttl").write_text(
        PREFIXES + "rec:x a cg:Hosting ; cg:host ent:aws ; cg:system ent:ghost ;"
        " cg:certainty cg:reported .\n",
        encoding="utf-8",
    )
    g = netgraph.project(MemoryBackend.from_folder(tmp_graph))
    assert str(ENT.ghost) not in g
    assert not any(k == str(REC.x) for _u, _v, k in g.edges(keys=True))


def test_filter_edges_by_kind_certainty_and_date(bundled_net):
    only = netgraph.filter_edges(bundled_net, kinds=["Hosting"])
    assert {d["kind"] for _u, _v, d in only.edges(data=True)} == {"Hosting"}
    sure = netgraph.filter_edges(bundled_net, min_certainty="reported")
    assert all(d["certainty_rank"] >= 4 for _u, _v, d in sure.edges(data=True))
    assert sure.number_of_edges() < bundled_net.number_of_edges()  # the likely claims are gone
    import datetime as dt

    early = netgraph.filter_edges(bundled_net, as_of=dt.date(2025, 1, 31))
    dates = [d.get("date") for _u, _v, d in early.edges(data=True) if d.get("date")]
    assert dates and all(d <= "2025-01-31" for d in dates)


def test_store_caches_the_network_for_its_version(tmp_graph, tmp_path):
    from corpgraph.backend.oxigraph_store import OxigraphBackend

    store = tmp_path / "store"
    backend = OxigraphBackend.open(store, graph_dir=tmp_graph)
    first = netgraph.project(backend)
    cache = list((store / "corpgraph-cache").glob("network-*.pickle"))
    assert len(cache) == 1
    again = netgraph.project(backend)
    assert nx.utils.graphs_equal(first, again)
    amounts = [d["amount"] for _u, _v, d in again.edges(data=True) if d.get("amount") is not None]
    assert amounts and all(type(a).__name__ == "Decimal" for a in amounts)
    # a damaged cache is rebuilt, not trusted
    cache[0].write_text("{not a pickle", encoding="utf-8")
    assert nx.utils.graphs_equal(netgraph.project(backend), first)
    # one naming any class but Decimal is refused before it can run anything, and rebuilt
    cache[0].write_bytes(pickle.dumps({"node": {}, "hook": PlantedHook()}))
    assert nx.utils.graphs_equal(netgraph.project(backend), first)
    assert not PLANTED
    backend.close()
    # a changed graph gets a new cache and the old one goes
    (tmp_graph / "extra.ttl").write_text(
        PREFIXES + 'ent:newco a cg:Company ; rdfs:label "New Co" .\n', encoding="utf-8"
    )
    backend = OxigraphBackend.open(store, graph_dir=tmp_graph)
    grown = netgraph.project(backend)
    assert str(ENT.newco) in grown and str(ENT.newco) not in first
    assert len(list((store / "corpgraph-cache").glob("network-*.pickle"))) == 1
    backend.close()


def test_memory_backend_writes_no_cache(tmp_graph):
    """The default backend keeps the network in memory: projecting it leaves the folder as it was."""
    from corpgraph.backend.memory import MemoryBackend

    before = sorted(p.relative_to(tmp_graph) for p in tmp_graph.rglob("*"))
    backend = MemoryBackend.from_folder(tmp_graph)
    assert netgraph.project(backend).number_of_edges() > 40
    assert sorted(p.relative_to(tmp_graph) for p in tmp_graph.rglob("*")) == before


def test_aggregate_gives_one_edge_per_tie_with_its_records(bundled_net):
    ties = netgraph.aggregate(bundled_net)
    assert ties.number_of_edges() < bundled_net.number_of_edges()
    assert sum(d["count"] for _u, _v, d in ties.edges(data=True)) == bundled_net.number_of_edges()
    for u, v, kind, d in ties.edges(keys=True, data=True):
        assert d["kind"] == kind and d["count"] == len(d["records"]) >= 1
        recs = netgraph.tie_records(ties, u, v, kind)
        assert {r.get("kind") for _k, r in recs} == {kind}
    # the curators' note on a record travels with it
    notes = [n for _u, _v, d in ties.edges(data=True) for n in d["notes"]]
    assert any("not established" in n for n in notes)
    hard = netgraph.aggregate(bundled_net, soft=False)
    assert {d["kind"] for _u, _v, d in hard.edges(data=True)} & {"Statement", "SectorMembership"} == set()
    assert any(d["kind"] == "Statement" for _u, _v, d in ties.edges(data=True))


def test_a_tie_of_one_record_keeps_its_amount(bundled_net):
    ties = netgraph.aggregate(bundled_net)
    credit = [d for _u, _v, d in ties.edges(data=True) if d["kind"] == "CreditFacility"]
    assert credit and all(d["count"] == 1 and d["amount"] is not None for d in credit)
    assert all(d["totals"][0]["amount"] == d["amount"] for d in credit)


def test_filled_makes_the_graph_networkx_makes():
    """netgraph.filled writes networkx's adjacency dicts itself: the result must be the graph that
    add_nodes_from and add_edges_from make, in the same order, with working views and edits."""
    nodes = [("a", {"label": "A"}), ("b", {}), ("c", {"label": "C"})]
    edges = [
        ("a", "b", "r1", {"kind": "Contract"}),
        ("a", "b", "r2", {"kind": "Loan"}),  # a second edge between the same pair
        ("b", "a", "r3", {"kind": "Contract"}),
        ("c", "c", "r4", {"kind": "Statement"}),  # a self-loop
        ("d", "a", "r5", {"kind": "Contract"}),  # an end that is not among the nodes
    ]
    ours = netgraph.filled(
        nx.MultiDiGraph(), [(n, dict(d)) for n, d in nodes], [(*e[:3], dict(e[3])) for e in edges]
    )
    theirs = nx.MultiDiGraph()
    theirs.add_nodes_from(nodes)
    theirs.add_edges_from(edges)
    assert list(ours.nodes(data=True)) == list(theirs.nodes(data=True))
    assert list(ours.edges(keys=True, data=True)) == list(theirs.edges(keys=True, data=True))
    for n in theirs:
        assert list(ours.predecessors(n)) == list(theirs.predecessors(n))
        assert list(ours.successors(n)) == list(theirs.successors(n))
        assert ours.degree(n) == theirs.degree(n)
    assert ours._succ["a"]["b"] is ours._pred["b"]["a"]  # one dict of keys, as networkx shares it
    ours.remove_edge("a", "b", "r1")
    theirs.remove_edge("a", "b", "r1")
    assert list(ours.in_edges("b", keys=True)) == list(theirs.in_edges("b", keys=True)) == [("a", "b", "r2")]
    assert nx.utils.graphs_equal(ours, theirs)

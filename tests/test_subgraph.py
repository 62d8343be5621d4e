"""Subgraph selection shared by `corpgraph map` and `corpgraph export` (issue 4, section 1)."""

from __future__ import annotations

import datetime as dt

import pytest
from rdflib import URIRef
from rdflib.namespace import RDFS

from corpgraph import netgraph, subgraph
from corpgraph.backend.memory import MemoryBackend
from corpgraph.errors import AmbiguousEntity, ExportError, UnknownEntity
from corpgraph.vocab import CG, SRC
from minigraph import e, r, write_mini_graph


def test_whole_graph_is_the_default(mini):
    sub = subgraph.select_subgraph(mini)
    net = netgraph.project(mini)
    assert set(sub.net.nodes) == set(net.nodes)
    assert sorted(sub.records) == sorted(k for _, _, k in net.edges(keys=True))
    assert e("lonely") in sub.net  # isolated entities stay in the unfiltered whole graph
    assert sub.selection.describe() == "whole graph"
    assert sub.version == mini.version()


def test_focus_depth_zero_one_two(mini):
    zero = subgraph.select_subgraph(mini, focus=["TrackDB"], depth=0)
    assert set(zero.net.nodes) == {e("tracker")} and not zero.records
    one = subgraph.select_subgraph(mini, focus=["TrackDB"], depth=1)
    assert set(one.net.nodes) == {e("tracker"), e("acme")}
    assert one.records == [r("host")]
    two = subgraph.select_subgraph(mini, focus=["TrackDB"], depth=2)
    assert set(two.net.nodes) == {e("tracker"), e("acme"), e("agency"), e("bank"), e("evil2")}
    # induced: the contract between agency and acme is in, the agency's other partners are not
    assert set(two.records) == {r("host"), r("c1"), r("loan"), r("st")}
    assert two.highlight_nodes == {e("tracker")}
    assert "focus TrackDB (depth 2)" in two.selection.describe()


def test_focus_is_repeatable_and_resolves_aliases(mini):
    sub = subgraph.select_subgraph(mini, focus=["ACME", "Department of Things"], depth=0)
    assert set(sub.net.nodes) == {e("acme"), e("dept")}


def test_focus_unknown_entity_raises(mini):
    with pytest.raises(UnknownEntity):
        subgraph.select_subgraph(mini, focus=["Nobody Inc"])


def test_filters_kinds_certainty_as_of(mini):
    contracts = subgraph.select_subgraph(mini, kinds=["contract"])
    assert set(contracts.records) == {r("c1"), r("c2")}
    assert e("lonely") not in contracts.net and e("tracker") not in contracts.net  # isolates dropped
    sure = subgraph.select_subgraph(mini, min_certainty="reported")
    assert set(sure.records) == {r("c1"), r("sub1"), r("host")}
    in_2020 = subgraph.select_subgraph(mini, kinds=["Contract"], as_of=dt.date(2020, 6, 30))
    assert set(in_2020.records) == {r("c2")}  # c1 is dated 2024-03: not yet in force
    assert in_2020.selection.describe() == "whole graph; kinds Contract; as of 2020-06-30"
    with pytest.raises(ExportError, match="unknown relationship kind"):
        subgraph.select_subgraph(mini, kinds=["Teleportation"])


def test_focus_with_filter_uses_filtered_edges(mini):
    sub = subgraph.select_subgraph(mini, focus=["Acme Corp"], depth=1, min_certainty="reported")
    assert set(sub.net.nodes) == {e("acme"), e("agency"), e("tracker")}
    assert set(sub.records) == {r("c1"), r("host")}


def test_query_construct_and_select_pairs(mini, tmp_path):
    construct = tmp_path / "c.rq"
    construct.write_text(
        "PREFIX cg: <https://w3id.org/corpgraph/ns#>\n"
        "CONSTRUCT { ?b cg:pays ?s } WHERE { ?r a cg:Contract ; cg:buyer ?b ; cg:supplier ?s }\n"
    )
    sub = subgraph.select_subgraph(mini, query=str(construct))
    assert set(sub.records) == {r("c1"), r("c2")}
    assert set(sub.net.nodes) == {e("agency"), e("acme"), e("evil")}
    pairs = tmp_path / "p.rq"
    pairs.write_text(
        "PREFIX cg: <https://w3id.org/corpgraph/ns#>\n"
        "SELECT ?a ?b WHERE { ?r a cg:CreditFacility ; cg:lender ?a ; cg:borrower ?b }\n"
    )
    sub = subgraph.select_subgraph(mini, query=str(pairs))
    assert sub.records == [r("loan")]
    records = tmp_path / "r.rq"
    records.write_text(
        "PREFIX cg: <https://w3id.org/corpgraph/ns#>\nSELECT ?r WHERE { ?r cg:certainty cg:denied }\n"
    )
    sub = subgraph.select_subgraph(mini, query=str(records))
    assert sub.records == [r("st")] and set(sub.net.nodes) == {e("evil2"), e("acme")}
    assert "query" in sub.selection.describe()


def test_query_refuses_service(mini, tmp_path):
    from corpgraph.errors import QueryRefused

    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }\n")
    with pytest.raises(QueryRefused):
        subgraph.select_subgraph(mini, query=str(bad))


def test_path_selection_highlights_hops(mini):
    sub = subgraph.select_subgraph(mini, path=("First Bank", "TrackDB"))
    assert {e("bank"), e("acme"), e("tracker")} <= set(sub.net.nodes)
    assert {r("loan"), r("host")} <= set(sub.records)
    assert sub.highlight_nodes == {e("bank"), e("tracker")}
    assert set(sub.records) == sub.highlight_edges  # a path subgraph is exactly its hops
    assert "paths First Bank -> TrackDB" in sub.selection.describe()


def test_path_without_connection_raises(mini):
    from corpgraph.errors import NoPathFound

    with pytest.raises(NoPathFound):
        subgraph.select_subgraph(mini, path=("Lonely Ltd", "Acme Corp"))


def test_union_of_selectors(mini):
    sub = subgraph.select_subgraph(
        mini, focus=["Lonely Ltd"], depth=1, path=("Department of Things", "Acme Corp")
    )
    assert e("lonely") in sub.net and e("dept") in sub.net and e("acme") in sub.net


def test_rdf_subgraph_holds_records_sources_entities_and_terms(mini):
    sub = subgraph.select_subgraph(mini, focus=["TrackDB"], depth=1)
    g = subgraph.rdf_subgraph(mini, sub)
    full = mini.to_graph()
    host = URIRef(r("host"))
    assert set(g.triples((host, None, None))) == set(full.triples((host, None, None)))
    assert (URIRef(SRC["s1"]), None, None) in g
    assert set(g.triples((URIRef(e("tracker")), None, None))) == set(
        full.triples((URIRef(e("tracker")), None, None))
    )
    assert (CG.Hosting, RDFS.label, None) in g and (CG.reported, CG.rank, None) in g
    assert (CG.host, None, None) in g  # role property used by the record
    assert (URIRef(r("c1")), None, None) not in g  # a record not selected
    assert (URIRef(e("bank")), None, None) not in g


def test_depth_must_not_be_negative(mini):
    with pytest.raises(ExportError):
        subgraph.select_subgraph(mini, focus=["ACME"], depth=-1)


def test_ambiguous_focus(tmp_path):
    folder = write_mini_graph(tmp_path / "g")
    (folder / "twin.ttl").write_text(
        "@prefix cg: <https://w3id.org/corpgraph/ns#> . @prefix ent: <https://w3id.org/corpgraph/entity/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'ent:acme2 a cg:Company ; rdfs:label "Acme Corp" .\n'
    )
    with pytest.raises(AmbiguousEntity):
        subgraph.select_subgraph(MemoryBackend.from_folder(folder), focus=["Acme Corp"])


def test_bundled_graph_focus(bundled, bundled_net):
    ice = next(
        n for n, d in bundled_net.nodes(data=True) if d.get("label", "").endswith("Customs Enforcement")
    )
    sub = subgraph.select_subgraph(bundled, focus=[ice], depth=1, net=bundled_net)
    assert ice in sub.net
    assert all(ice in (u, v) or (u in sub.net and v in sub.net) for u, v in sub.net.edges())

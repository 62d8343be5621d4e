"""Corporate families (corpgraph.family): the whole group through dated ownership records, in money
and show, with as-of dates applied to ownership."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest

from corpgraph import netgraph
from corpgraph.cli import cli
from corpgraph.describe import family_card
from corpgraph.errors import NoPathFound
from corpgraph.family import family_of
from corpgraph.money import money_of
from corpgraph.output.card import card_text
from corpgraph.output.money import format_money
from corpgraph.vocab import ENT
from minigraph import backend_of, entities, rec

# parent p owns s1 (sold in 2020) and s2; s2 owns s3; s3 and s1 hold contracts with agency g;
# p pays s3 (money inside the family); q is no one's kin.
FAMILY = (
    entities("p", "s1", "s2", "s3", "q")
    + entities("g", cls="GovernmentBody")
    + rec(
        "own1",
        "Ownership",
        "cg:owner ent:p ; cg:subsidiary ent:s1",
        extra='; cg:startDate "2010" ; cg:endDate "2020" ',
    )
    + rec("own2", "Ownership", "cg:owner ent:p ; cg:subsidiary ent:s2", "confirmed", '; cg:startDate "2015" ')
    + rec("own3", "Ownership", "cg:owner ent:s2 ; cg:subsidiary ent:s3", "likely")
    + rec(
        "c3",
        "Contract",
        "cg:buyer ent:g ; cg:supplier ent:s3",
        extra='; cg:amount "100"^^xsd:decimal ; cg:currency "USD" ; cg:amountKind cg:obligated ; cg:date "2025-01-05" ',
    )
    + rec(
        "c1",
        "Contract",
        "cg:buyer ent:g ; cg:supplier ent:s1",
        extra='; cg:amount "7"^^xsd:decimal ; cg:currency "USD" ; cg:amountKind cg:obligated ; cg:date "2019-01-05" ',
    )
    + rec(
        "pay",
        "Payment",
        "cg:payer ent:p ; cg:payee ent:s3",
        extra='; cg:amount "5"^^xsd:decimal ; cg:currency "USD" ; cg:amountKind cg:payment ',
    )
    + rec("cq", "Contract", "cg:buyer ent:g ; cg:supplier ent:q")
)


def E(n: str) -> str:
    return str(ENT[n])


@pytest.fixture(scope="module")
def fam_backend():
    return backend_of(FAMILY)


def test_family_reaches_the_ultimate_parent_and_every_subsidiary(fam_backend):
    fam = family_of(netgraph.project(fam_backend), E("s3"))
    assert [m.entity for m in fam.roots] == [E("p")]
    assert set(fam.entities) == {E("p"), E("s1"), E("s2"), E("s3")}
    s3 = fam.member(E("s3"))
    assert (s3.owner, s3.record.rsplit("/", 1)[1], s3.certainty) == (E("s2"), "own3", "likely")
    assert "owned by S2 (likely" in s3.why()
    assert fam.notes and "--as-of" in fam.notes[0]  # s1's ownership ended


def test_as_of_applies_to_ownership(fam_backend):
    g = netgraph.project(fam_backend)
    assert E("s1") not in family_of(g, E("s3"), as_of=dt.date(2025, 6, 30)).entities
    assert E("s1") in family_of(g, E("s3"), as_of=dt.date(2018, 6, 30)).entities
    assert family_of(g, E("s1"), as_of=dt.date(2025, 6, 30)).entities == [E("s1")]  # sold: alone
    assert family_of(g, E("q")).entities == [E("q")]


def test_money_of_a_family_marks_each_member_and_leaves_out_money_inside_it(fam_backend):
    report = money_of(fam_backend, "p", with_family=True, as_of=dt.date(2025, 6, 30))
    assert {(f.through_label, f.amount) for f in report.flows} == {("S3", Decimal(100))}
    (flow,) = report.flows
    assert "owned by S2" in flow.membership and "own3" in flow.membership
    text = format_money(report)
    assert "Corporate family as of 2025-06-30: 3 entities" in text and "[through S3: owned by S2" in text
    assert "membership" in format_money(report, "csv").splitlines()[0]
    everyone = money_of(fam_backend, "p", with_family=True)
    assert {f.through_label for f in everyone.flows} == {"S1", "S3"}  # without as-of, s1 counts too


def test_an_entity_without_money_points_to_its_family(fam_backend):
    report = money_of(fam_backend, "s2")
    assert not report.flows
    assert any('corpgraph money "s2" --family' in n and "S3" in n for n in report.notes)
    assert not money_of(fam_backend, "q").notes  # no family, no hint


def test_show_family_lists_members_and_their_relationships(fam_backend):
    card = family_card(fam_backend, E("s2"))
    assert [m["label"] for m in card.family] == ["P", "S1", "S2", "S3"]
    text = card_text(card)
    assert "Corporate family (4)" in text and "[member S3] G —contracts→ S3" in text


def test_cli_family_flags(runner, tmp_graph):
    out = runner.invoke(cli, ["money", "Citizens Bank", "--graph", str(tmp_graph)], catch_exceptions=False)
    assert out.exit_code == 0 and "--family" in out.stdout and "Citizens Financial Group" in out.stdout
    out = runner.invoke(
        cli, ["money", "Citizens Bank", "--family", "--graph", str(tmp_graph)], catch_exceptions=False
    )
    assert out.exit_code == 0 and "credit line: $450,000,000" in out.stdout
    assert "bond issue: $500,000,000" in out.stdout and "950" not in out.stdout  # kinds apart
    out = runner.invoke(
        cli, ["show", "Citizens Bank", "--family", "--graph", str(tmp_graph)], catch_exceptions=False
    )
    assert out.exit_code == 0 and "Corporate family (2)" in out.stdout
    bad = runner.invoke(
        cli, ["money", "Citizens Bank", "--family", "--as-of", "soon", "--graph", str(tmp_graph)]
    )
    assert bad.exit_code == 2 and "not a date" in bad.output


def test_paths_from_a_family_name_the_member_each_starts_at(fam_backend):
    from corpgraph.output.paths import format_paths
    from corpgraph.paths import family_paths, find_paths

    g = netgraph.project(fam_backend)
    with pytest.raises(NoPathFound):
        find_paths(g, E("p"), E("g"), max_hops=1)  # the parent holds no contract of its own
    result = family_paths(g, E("p"), E("g"), max_hops=3)
    # one path per member holding a contract; none runs from one member through another
    assert sorted(p.nodes for p in result.paths) == [(E("s1"), E("g")), (E("s3"), E("g"))]
    assert result.member(E("s3")).record.endswith("own3") and result.member(E("g")).owner is None
    text = format_paths(g, result, "text")
    assert "from the corporate families of P to those of G" in text
    assert "starts at S3, in the family of P: owned by S2 (likely" in text and "record " in text
    data = json.loads(format_paths(g, result, "json"))
    ends = {p["from_member"]["label"]: p["from_member"] for p in data["paths"]}
    assert ends["S1"]["why"].startswith("owned by P (reported, 2010 to 2020")
    assert all(p["to_member"]["is_asked"] for p in data["paths"])
    rows = list(csv.DictReader(io.StringIO(format_paths(g, result, "csv"))))
    assert {r["from_member"] for r in rows} == {"S1", "S3"} and {r["to_member"] for r in rows} == {"G"}
    # as-of applies to ownership: S1 was sold in 2020, so in 2025 only S3's contract joins them
    later = family_paths(g, E("p"), E("g"), max_hops=3, as_of=dt.date(2025, 6, 30))
    assert [p.nodes for p in later.paths] == [(E("s3"), E("g"))]
    with pytest.raises(NoPathFound, match="one corporate family"):
        family_paths(g, E("s1"), E("s3"))


def test_cli_paths_family(runner, tmp_graph):
    out = runner.invoke(
        cli, ["paths", "Citizens Bank", "GEO Group", "--family", "--max-hops", "1", "--graph", str(tmp_graph)]
    )
    assert out.exit_code == 0
    assert "Citizens Financial Group —lends to→ GEO Group" in out.stdout
    assert "starts at Citizens Financial Group, in the family of Citizens Bank: ultimate parent" in out.stdout
    alone = runner.invoke(
        cli, ["paths", "Citizens Bank", "GEO Group", "--max-hops", "1", "--graph", str(tmp_graph)]
    )
    assert alone.exit_code == 3 and "No path joins" in alone.output


def test_family_selection_for_maps_and_exports(fam_backend):
    from corpgraph import render, subgraph
    from corpgraph.export import EXPORTERS

    sub = subgraph.select_subgraph(fam_backend, family=["s3"], depth=0)
    assert set(sub.entities) == {E("p"), E("s1"), E("s2"), E("s3")}  # the whole group, not just S3
    assert {k.rsplit("/", 1)[1] for k in sub.records} == {"own1", "own2", "own3", "pay"}
    assert sub.highlight_nodes == set(sub.entities) and sub.selection.describe().startswith("family of s3")
    assert sub.net.nodes[E("s3")]["family"].startswith("family of P: owned by S2 (likely")
    assert sub.net.nodes[E("p")]["family"] == "family of P: ultimate parent"
    near = subgraph.select_subgraph(fam_backend, family=["s3"], depth=1)
    assert E("g") in near.entities and E("q") not in near.entities and "family" not in near.net.nodes[E("g")]
    later = subgraph.select_subgraph(fam_backend, family=["s3"], depth=0, as_of=dt.date(2025, 6, 30))
    assert E("s1") not in later.entities  # sold in 2020
    nodes_csv = {
        r["label"]: r["family"]
        for r in csv.DictReader(io.StringIO(EXPORTERS["csv"](sub, fam_backend)["nodes.csv"].decode()))
    }
    assert nodes_csv["S1"].startswith("family of P: owned by P (reported, 2010 to 2020")
    doc = render.map_document(sub)
    assert {n["label"]: n.get("family", "")[:11] for n in doc["nodes"]}["S2"] == "family of P"


def test_cli_map_and_export_family(runner, tmp_graph, tmp_path):
    out = runner.invoke(
        cli,
        [
            "export",
            "-f",
            "csv",
            "--family",
            "Citizens Bank",
            "--depth",
            "0",
            "-o",
            str(tmp_path / "f"),
            "--graph",
            str(tmp_graph),
        ],
    )
    assert out.exit_code == 0 and "family of Citizens Bank (depth 0)" in out.stderr
    labels = {r["label"]: r["family"] for r in csv.DictReader((tmp_path / "f" / "nodes.csv").open())}
    assert set(labels) == {"Citizens Bank", "Citizens Financial Group"}
    assert labels["Citizens Financial Group"] == "family of Citizens Financial Group: ultimate parent"
    page = runner.invoke(
        cli, ["map", "--family", "GEO Group", "-o", str(tmp_path / "m.html"), "--graph", str(tmp_graph)]
    )
    assert page.exit_code == 0 and "family of GEO Group (depth 1)" in page.stderr
    bad = runner.invoke(
        cli, ["map", "--family", "Nobody Such", "-o", str(tmp_path / "x.html"), "--graph", str(tmp_graph)]
    )
    assert bad.exit_code == 1 and not (tmp_path / "x.html").exists()

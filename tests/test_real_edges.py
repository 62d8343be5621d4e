"""One edge per tie, money per kind and corporate families on the real files (issue 9 §1-§3, §7),
over the same cut of the seven files that tests/test_real_money.py imports (see tests/realfiles.py), with
expected figures from csv sums over the raw rows."""

from __future__ import annotations

from decimal import Decimal

from corpgraph import netgraph, render, subgraph
from corpgraph.family import family_of
from corpgraph.output.paths import hop_sentence
from corpgraph.paths import find_paths
from corpgraph.vocab import ENT
from realfiles import expected_fy


def test_corecivic_ice_is_one_path_whose_hop_counts_the_records(subset, forward):
    _graph, _backend, g = forward
    result = find_paths(g, str(ENT.corecivic), str(ENT.ice), max_hops=1)
    assert len(result.paths) == 1  # was one path per contract
    (hop,) = result.paths[0].hops
    direct = [k for k, d in g[str(ENT.ice)][str(ENT.corecivic)].items() if d["kind"] == "Contract"]
    assert hop.count == len(direct) > 1 and sorted(hop.records) == sorted(direct)
    fy = {t["year"]: t["amount"] for t in hop.data["totals"] if t["amount_kind"] == "fiscalYearObligation"}
    assert fy == {"FY2025": expected_fy(subset, "7012", {"CORECIVIC, INC."})}
    assert f"{hop.count} records" in hop_sentence(g, hop) and "FY2025" in hop_sentence(g, hop)
    # no path repeats an entity sequence
    longer = find_paths(g, str(ENT.corecivic), str(ENT.ice), max_hops=3, max_paths=200)
    assert len({p.nodes for p in longer.paths}) == len(longer.paths)


def test_geo_card_shows_money_kinds_apart(forward):
    _graph, backend, _g = forward
    sub = subgraph.select_subgraph(backend, focus=["GEO Group"], depth=1, net=forward[2])
    lines = render.money_lines(sub.ties)[str(ENT["geo-group"])]
    kinds = [line.split(",")[0] for line in lines]
    assert "credit line" in kinds and "fiscal year obligation" in kinds
    assert len(kinds) == len(set(zip(kinds, [line.split(":")[0] for line in lines], strict=True)))
    assert render.size_kind(sub.ties, "money") == "fiscalYearObligation"


def test_geo_family_includes_bi_incorporated(forward):
    _graph, _backend, g = forward
    fam = family_of(g, str(ENT["geo-group"]))
    labels = {m.label.upper() for m in fam.members}
    assert any(x.startswith("B.I. INC") for x in labels)
    bi = next(m for m in fam.members if m.label.upper().startswith("B.I. INC"))
    assert bi.record and bi.certainty
    assert str(ENT["geo-group"]) in fam.entities and fam.members[0].owner is None


def test_aggregation_keeps_every_record(forward):
    _graph, _backend, g = forward
    ties = netgraph.aggregate(g)
    assert ties.number_of_edges() < g.number_of_edges() / 2
    assert sum(d["count"] for _u, _v, d in ties.edges(data=True)) == g.number_of_edges()
    tx_total = sum(
        (t["amount"] for _u, _v, d in ties.edges(data=True) for t in d["totals"]),
        Decimal(0),
    )
    records_total = sum(
        (d["amount"] for _u, _v, d in g.edges(data=True) if d.get("amount") is not None), Decimal(0)
    )
    assert tx_total == records_total  # regrouped, never dropped or doubled (each kind kept apart)

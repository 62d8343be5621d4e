"""corpgraph.paths and `corpgraph paths`: sourced, ranked, bounded paths.  Issue 3 §3."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from corpgraph import netgraph
from corpgraph.cli import cli
from corpgraph.errors import NoPathFound
from corpgraph.output.paths import format_paths, hop_sentence, path_line
from corpgraph.paths import find_paths, paths_between
from corpgraph.vocab import ENT
from minigraph import backend_of, entities, rec

# a: two 2-hop routes to d (via b: reported+reported; via c: likely), one 1-hop route to e, and a
# 3-hop route a-f-g-d.  x shares only a class, a source and a literal with a: never a path.
SMALL = (
    entities("a", "b", "c", "d", "e", "f", "g", "x")
    + rec("a-hosts-b", "Hosting", "cg:host ent:a ; cg:system ent:b")
    + rec("d-uses-b", "SystemUse", "cg:user ent:d ; cg:system ent:b")
    + rec("a-partner-c", "Partnership", "cg:partner ent:a, ent:c")
    + rec(
        "d-contracts-c",
        "Contract",
        "cg:buyer ent:d ; cg:supplier ent:c",
        "likely",
        '; cg:amount "5"^^xsd:decimal ; cg:currency "USD" ; cg:amountKind cg:contractValue ; '
        'cg:startDate "2020-01"^^xsd:gYearMonth ; cg:endDate "2021-12"^^xsd:gYearMonth ',
    )
    + rec("a-owns-e", "Ownership", "cg:owner ent:a ; cg:subsidiary ent:e")
    + rec("f-lends-a", "CreditFacility", "cg:lender ent:f ; cg:borrower ent:a")
    + rec("f-pays-g", "Payment", "cg:payer ent:f ; cg:payee ent:g", "alleged")
    + rec("g-pays-d", "Payment", "cg:payer ent:g ; cg:payee ent:d")
    + 'ent:x rdfs:comment "q a-hosts-b" ; cg:source src:doc .\n'
)


@pytest.fixture(scope="module")
def small():
    return netgraph.project(backend_of(SMALL))


def E(name: str) -> str:
    return str(ENT[name])


def test_ranked_fewest_hops_then_most_certain(small):
    r = find_paths(small, E("a"), E("d"))
    assert [p.nodes for p in r.paths] == [
        (E("a"), E("b"), E("d")),  # 2 hops, both reported
        (E("a"), E("c"), E("d")),  # 2 hops, least certain: likely
        (E("a"), E("f"), E("g"), E("d")),  # 3 hops
    ]
    assert [p.min_certainty for p in r.paths] == ["reported", "likely", "alleged"]
    assert not r.truncated and r.note is None


def test_hops_keep_their_true_direction(small):
    best = find_paths(small, E("a"), E("d")).paths[0]
    h1, h2 = best.hops
    assert (h1.source, h1.target, h1.forward, h1.label) == (E("a"), E("b"), True, "hosts")
    assert (h2.source, h2.target, h2.forward, h2.label) == (E("b"), E("d"), False, "uses")
    assert h2.subject == E("d") and h2.object == E("b")
    assert path_line(small, best) == "A —hosts→ B ←uses— D"
    assert h1.key == "Hosting" and h1.records[0].endswith("a-hosts-b")
    assert h1.data["sources"][0]["url"] == "https://example.org/doc"
    other = find_paths(small, E("a"), E("d")).paths[1]
    assert path_line(small, other) == "A —partners with— C ←contracts— D"


def test_reverse_query_reads_the_other_way(small):
    best = find_paths(small, E("d"), E("a")).paths[0]
    assert path_line(small, best) == "D —uses→ B ←hosts— A"


def test_via_avoid_kinds_certainty(small):
    assert [p.nodes[1] for p in find_paths(small, E("a"), E("d"), via=[E("c")]).paths] == [E("c")]
    avoided = find_paths(small, E("a"), E("d"), avoid=[E("b")]).paths
    assert all(E("b") not in p.nodes for p in avoided) and len(avoided) == 2
    only = find_paths(small, E("a"), E("d"), kinds=["Hosting", "SystemUse"]).paths
    assert [p.nodes for p in only] == [(E("a"), E("b"), E("d"))]
    sure = find_paths(small, E("a"), E("d"), min_certainty="reported").paths
    assert [p.nodes for p in sure] == [(E("a"), E("b"), E("d"))]


def test_as_of_keeps_relationships_in_force(small):
    then = find_paths(small, E("a"), E("d"), as_of=dt.date(2021, 6, 1)).paths
    assert (E("a"), E("c"), E("d")) in [p.nodes for p in then]
    later = find_paths(small, E("a"), E("d"), as_of=dt.date(2023, 1, 1)).paths
    assert (E("a"), E("c"), E("d")) not in [p.nodes for p in later]


def test_max_hops_and_no_path(small):
    r = find_paths(small, E("a"), E("d"), max_hops=2)
    assert all(p.length <= 2 for p in r.paths) and len(r.paths) == 2
    with pytest.raises(NoPathFound, match="within 1 hop\\."):
        find_paths(small, E("a"), E("d"), max_hops=1)
    with pytest.raises(NoPathFound):
        find_paths(small, E("e"), E("d"), avoid=[E("a")])
    with pytest.raises(NoPathFound, match="both ends"):
        find_paths(small, E("a"), E("a"))


def test_classes_literals_and_shared_sources_are_no_shortcut(small):
    """x shares a class (Company), a source and a literal with a, but takes part in no record."""
    with pytest.raises(NoPathFound):
        find_paths(small, E("a"), E("x"), max_hops=6)


def test_paths_are_simple(small):
    for p in find_paths(small, E("a"), E("d"), max_hops=6).paths:
        assert len(set(p.nodes)) == len(p.nodes)


def test_parallel_records_are_one_tie_and_one_path():
    b = backend_of(
        entities("p", "q")
        + rec("r1", "Contract", "cg:buyer ent:p ; cg:supplier ent:q", extra=_money("10", "2024-11-02"))
        + rec(
            "r2", "Contract", "cg:buyer ent:p ; cg:supplier ent:q", "confirmed", _money("5.5", "2025-03-09")
        )
        + rec("r3", "Contract", "cg:buyer ent:p ; cg:supplier ent:q", extra=_money("7", "2025-02", "ceiling"))
    )
    g = netgraph.project(b)
    r = find_paths(g, E("p"), E("q"))
    assert len(r.paths) == 1
    (hop,) = r.paths[0].hops
    assert hop.count == 3 and hop.certainty == "confirmed"  # the tie is as certain as its best record
    assert [x.rsplit("/", 1)[1] for x in hop.records] == ["r1", "r3", "r2"]  # oldest first
    # obligations and ceilings stay apart: 15.5 obligated, 7 ceiling, never 22.5
    totals = {(t["amount_kind"], t["year"]): t["amount"] for t in hop.data["totals"]}
    assert totals == {
        ("obligated", "2024"): Decimal(10),
        ("obligated", "2025"): Decimal("5.5"),
        ("ceiling", "2025"): 7,
    }
    assert hop_sentence(g, hop) == (
        "P contracts Q: 3 records, contract ceiling 2025 $7; obligated 2024 $10; obligated 2025 $5.50, "
        "2024-11 to 2025-03"
    )
    listed = format_paths(g, r, "text", records=True)
    assert listed.count("record: ") == 3 and "2025-03-09 $5.50 obligated" in listed
    assert "record: " not in format_paths(g, r, "text")
    data = json.loads(format_paths(g, r, "json", records=True))
    assert [x["amount"] for x in data["paths"][0]["hops"][0]["records"]] == [10, 7, 5.5]


def _money(amount: str, date: str, kind: str = "obligated") -> str:
    return f'; cg:amount "{amount}"^^xsd:decimal ; cg:currency "USD" ; cg:amountKind cg:{kind} ; cg:date "{date}" '


def test_two_kinds_between_a_pair_are_one_hop_with_the_other_beside_it():
    b = backend_of(
        entities("p", "q")
        + rec("c1", "Contract", "cg:buyer ent:p ; cg:supplier ent:q")
        + rec("h1", "Partnership", "cg:partner ent:p, ent:q", "confirmed")
    )
    g = netgraph.project(b)
    (path,) = find_paths(g, E("p"), E("q")).paths
    assert path.hops[0].key == "Partnership" and [h.key for h in path.hops[0].also] == ["Contract"]
    assert "also: P contracts Q" in format_paths(g, find_paths(g, E("p"), E("q")))


def test_soft_ties_join_only_when_asked():
    b = backend_of(
        entities("p", "q", "m")
        + rec("s1", "Statement", "cg:speaker ent:p ; cg:about ent:m")
        + rec("s2", "SectorMembership", "cg:member ent:q ; cg:sector ent:m")
    )
    g = netgraph.project(b)
    with pytest.raises(NoPathFound, match="--soft"):
        find_paths(g, E("p"), E("q"))
    assert [p.nodes for p in find_paths(g, E("p"), E("q"), soft=True).paths] == [(E("p"), E("m"), E("q"))]
    named = find_paths(g, E("p"), E("q"), kinds=["Statement", "SectorMembership"])
    assert named.paths and named.soft


def test_soft_is_declared_in_the_ontology(bundled):
    onto = netgraph.read_ontology(bundled)
    soft = {r.name for r in onto.rules.values() if r.soft}
    assert {"Statement", "SectorMembership", "Pledge", "Event"} <= soft
    assert not {"Contract", "CreditFacility", "Ownership", "Hosting"} & soft


def hub_graph(leaves: int) -> str:
    """A hub h joined to every leaf, and each leaf to a second hub k: many 2-hop paths s..t."""
    parts = [entities("h", "k", "s", "t")]
    for i in range(leaves):
        parts.append(f'ent:l{i} a cg:Company ; rdfs:label "L{i}" .\n')
        parts.append(rec(f"h{i}", "Contract", f"cg:buyer ent:h ; cg:supplier ent:l{i}"))
        parts.append(rec(f"k{i}", "Contract", f"cg:buyer ent:k ; cg:supplier ent:l{i}"))
    parts.append(rec("s-h", "Partnership", "cg:partner ent:s, ent:h"))
    parts.append(rec("k-t", "Partnership", "cg:partner ent:k, ent:t"))
    return "".join(parts)


@pytest.fixture(scope="module")
def hub():
    return netgraph.project(backend_of(hub_graph(300)))


def test_hub_is_bounded_by_max_paths_with_a_note(hub):
    r = find_paths(hub, E("h"), E("k"), max_paths=25)
    assert len(r.paths) == 25 and r.truncated
    assert "Results were cut" in r.note and "--max-paths" in r.note
    full = find_paths(hub, E("h"), E("k"), max_paths=1000)
    assert len(full.paths) == 300 and not full.truncated
    far = find_paths(hub, E("s"), E("t"), max_paths=10)
    assert len(far.paths) == 10 and far.truncated and all(p.length == 4 for p in far.paths)


def test_hub_is_bounded_by_time(hub):
    r = None
    try:
        r = find_paths(hub, E("s"), E("t"), max_paths=10_000, time_budget=0.0)
    except NoPathFound as exc:
        assert "time budget" in str(exc)
    if r is not None:
        assert r.truncated and "time budget" in r.note


# -- the bundled graph -------------------------------------------------------------------------------


def test_aws_to_ice_through_icm_and_palantir(bundled, bundled_net):
    g, r = paths_between(bundled, "AWS", "ICE", g=bundled_net)
    lines = [path_line(g, p) for p in r.paths]
    assert (
        "Amazon Web Services —hosts→ Investigative Case Management ←uses— "
        "U.S. Immigration and Customs Enforcement"
    ) == lines[0]
    assert any(str(ENT.icm) in p.nodes for p in r.paths)
    assert any(str(ENT.palantir) in p.nodes and p.length == 2 for p in r.paths)
    likely = [p for p in r.paths if str(ENT.immigrationos) in p.nodes and p.length == 2][0]
    assert likely.min_certainty == "likely"
    assert r.paths.index(likely) > 0  # less certain than the reported 2-hop paths


def test_bundled_options_by_name(bundled, bundled_net):
    _, r = paths_between(bundled, "AWS", "ICE", g=bundled_net, avoid=["ICM", "ImmigrationOS"], max_hops=2)
    assert all(str(ENT.icm) not in p.nodes for p in r.paths)
    # through its partner Palantir, or through Amazon (likely its owner), ICE's technological backbone
    assert r.paths and all(str(ENT.palantir) in p.nodes or str(ENT.amazon) in p.nodes for p in r.paths)
    assert any(str(ENT.palantir) in p.nodes for p in r.paths)
    _, r = paths_between(bundled, "AWS", "ICE", g=bundled_net, kinds=["hosting", "use"])
    assert {p.nodes[1] for p in r.paths} <= {str(ENT.icm), str(ENT.immigrationos), str(ENT.hart)}
    _, r = paths_between(bundled, "Citizens Financial Group", "GEO Group", g=bundled_net, max_hops=1)
    assert r.paths[0].hops[0].label == "lends to" and r.paths[0].hops[0].data["amount"] == 450000000


def test_text_json_md(bundled, bundled_net):
    g, r = paths_between(bundled, "AWS", "ICE", g=bundled_net, max_hops=2)
    text = format_paths(g, r, "text")
    assert "Amazon Web Services hosts Investigative Case Management [reported]" in text
    assert "source: The corporate enablers of the ICE crackdown (Popular Information" in text
    data = json.loads(format_paths(g, r, "json"))
    first = data["paths"][0]
    assert data["source"]["label"] == "Amazon Web Services" and first["length"] == 2
    assert first["hops"][1]["forward"] is False and first["hops"][1]["label"] == "uses"
    assert first["hops"][0]["sources"][0]["url"].startswith("https://popular.info/")
    md = format_paths(g, r, "md")
    assert md.startswith("## Paths from Amazon Web Services to U.S. Immigration and Customs Enforcement")
    assert "](https://popular.info/" in md


# -- the CLI ---------------------------------------------------------------------------------------


def test_cli_paths(runner):
    r = runner.invoke(cli, ["paths", "AWS", "ICE"])
    assert r.exit_code == 0, r.output
    assert "Amazon Web Services —hosts→ Investigative Case Management ←uses— U.S. Immigration" in r.stdout
    r = runner.invoke(cli, ["paths", "AWS", "ICE", "--format", "json", "--max-paths", "2"])
    data = json.loads(r.stdout)
    assert len(data["paths"]) == 2 and data["truncated"] is True
    assert "Results were cut" in r.stderr
    r = runner.invoke(
        cli, ["paths", "AWS", "ICE", "-f", "md", "--min-certainty", "reported", "--max-hops", "2"]
    )
    assert r.exit_code == 0 and "ImmigrationOS" not in r.stdout


def test_cli_exit_codes(runner):
    r = runner.invoke(cli, ["paths", "AWS", "ICE", "--max-hops", "1"])
    assert r.exit_code == 3 and "No path joins" in r.stderr
    r = runner.invoke(cli, ["paths", "AWS", "Nobody Zzzq"])
    assert r.exit_code == 1 and "No entity matches" in r.stderr
    r = runner.invoke(cli, ["paths", "AWS", "ICE", "--as-of", "soon"])
    assert r.exit_code == 2 and "'soon' is not a date" in r.stderr
    r = runner.invoke(cli, ["paths", "AWS", "ICE", "--kinds", "teleportation"])
    assert r.exit_code == 1 and "Unknown relationship kind" in r.stderr


def test_cli_as_of(runner):
    # the ImmigrationOS contract is dated 2025-04: before then it is not in force
    r = runner.invoke(cli, ["paths", "Palantir", "ICE", "--kinds", "contract", "--as-of", "2025-03"])
    assert r.exit_code == 3
    r = runner.invoke(cli, ["paths", "Palantir", "ICE", "--kinds", "contract", "--as-of", "2025-05"])
    assert r.exit_code == 0 and "contracts" in r.stdout


@pytest.mark.parametrize("seed", range(6))
def test_same_paths_as_naive_enumeration(seed):
    """Pruning never loses a path: on random graphs with hubs, the node sequences found equal those
    of networkx.all_simple_paths on the undirected graph (same cutoff)."""
    import random

    import networkx as nx

    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    nodes = [f"n{i}" for i in range(40)]
    for n in nodes:
        g.add_node(n, label=n)
    for i in range(90):
        a = rng.choice(nodes[:3]) if rng.random() < 0.4 else rng.choice(nodes)  # n0..n2 are hubs
        b = rng.choice(nodes)
        if a != b:
            g.add_edge(a, b, key=f"r{i}", label="x", kind="Contract", certainty="reported", certainty_rank=4)
    s, t = nodes[10], nodes[20]
    naive = {tuple(p) for p in nx.all_simple_paths(g.to_undirected(as_view=True), s, t, cutoff=4)}
    try:
        ours = {p.nodes for p in find_paths(g, s, t, max_hops=4, max_paths=100_000, time_budget=30).paths}
    except NoPathFound:
        ours = set()
    assert ours == naive

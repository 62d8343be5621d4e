"""One award stated by several files is counted once per amount kind (issue 9 §4)."""

from __future__ import annotations

from decimal import Decimal

from corpgraph import money, netgraph
from minigraph import backend_of, entities

KEY = "CONT_AWD_70CDCR18P00000017_7012_-NONE-_-NONE-"
SOURCES = (
    'src:a a cg:Source ; schema:url "https://example.org/a"^^xsd:anyURI ; dcterms:title "A" .\n'
    'src:b a cg:Source ; schema:url "https://example.org/b"^^xsd:anyURI ; dcterms:title "B" .\n'
)


def award(name: str, key: str, kind: str, amount: str, *, source="src:doc", extra="") -> str:
    return (
        f"rec:{name} a cg:Contract ; cg:buyer ent:ice ; cg:supplier ent:west ; cg:certainty cg:confirmed ;"
        f' cg:source {source} ; cg:quote "q" ; cg:awardKey "{key}" ; cg:amount {amount} ;'
        f' cg:currency "USD" ; cg:amountKind cg:{kind} {extra}.\n'
    )


def network(turtle: str):
    backend = backend_of(
        entities("west") + 'ent:ice a cg:GovernmentBody ; rdfs:label "ICE" .\n' + SOURCES + turtle
    )
    return backend, netgraph.build_network(backend)


def test_two_statements_of_one_amount_count_once_the_later_with_both_sources():
    backend, g = network(
        award(
            "old",
            "7012/70CDCR18P00000017",
            "potentialValue",
            "5848488",
            source="src:a",
            extra='; cg:asOf "2018"^^xsd:gYear ',
        )
        + award(
            "new", KEY, "potentialValue", "7391976", source="src:b", extra='; cg:asOf "2023-05-10"^^xsd:date '
        )
        + award("obl", KEY, "totalObligated", "7391976", source="src:b")
    )
    edges = {k: d for _u, _v, k, d in g.edges(keys=True, data=True)}
    assert set(edges) == {"https://w3id.org/corpgraph/record/new", "https://w3id.org/corpgraph/record/obl"}
    kept = edges["https://w3id.org/corpgraph/record/new"]
    assert kept["amount"] == Decimal("7391976")
    assert {s["url"] for s in kept["sources"]} == {"https://example.org/a", "https://example.org/b"}
    assert [(s["amount"], s["as_of"]) for s in kept["also_stated"]] == [("5848488", "2018")]
    report = money.money_report(backend, "https://w3id.org/corpgraph/entity/west", g)
    totals = {t.kind: (t.amount, t.records) for t in report.by_kind}
    # kinds stay apart, and each is counted once
    assert totals == {"potentialValue": (Decimal("7391976"), 1), "totalObligated": (Decimal("7391976"), 1)}


def test_fiscal_years_and_other_awards_are_not_folded():
    _, g = network(
        award("fy24", KEY, "fiscalYearObligation", "10", extra='; cg:fiscalYear "2024"^^xsd:gYear ')
        + award("fy25", KEY, "fiscalYearObligation", "20", extra='; cg:fiscalYear "2025"^^xsd:gYear ')
        + award(
            "other",
            KEY.replace("17_", "18_"),
            "fiscalYearObligation",
            "20",
            extra='; cg:fiscalYear "2025"^^xsd:gYear ',
        )
    )
    assert g.number_of_edges() == 3


def test_a_piid_two_awards_share_is_not_joined_to_either():
    """'7012/PIID' joins USAspending's award only when one award has that agency and PIID."""
    twin = "CONT_AWD_70CDCR18P00000017_7012_GS07F0103M_4730"
    _, g = network(
        award("a", KEY, "potentialValue", "1", extra='; cg:asOf "2025-01-01"^^xsd:date ')
        + award("b", twin, "potentialValue", "2", extra='; cg:asOf "2025-01-01"^^xsd:date ')
        + award("c", "7012/70CDCR18P00000017", "potentialValue", "3", extra='; cg:asOf "2018"^^xsd:gYear ')
    )
    assert g.number_of_edges() == 3


def test_an_accepted_match_links_the_imported_award_and_the_curated_record():
    """The article's $30M contract (contract value) and the award's fiscal-year obligation are two
    kinds, never added: both stay, each showing the other's source; of one kind, the curated counts."""
    article = (
        "rec:article a cg:Contract ; cg:buyer ent:ice ; cg:supplier ent:west ; cg:certainty cg:reported ;"
        ' cg:source src:a ; cg:quote "a $30 million contract" ; cg:amount 30000000 ; cg:currency "USD" ;'
        " cg:amountKind cg:{kind} .\n"
    )
    imported = award(
        "imported",
        KEY,
        "fiscalYearObligation",
        "29898236",
        source="src:b",
        extra="; cg:sameTransactionAs rec:article ",
    )
    backend, g = network(article.format(kind="contractValue") + imported)
    edges = {k.rsplit("/", 1)[-1]: d for _u, _v, k, d in g.edges(keys=True, data=True)}
    assert set(edges) == {"article", "imported"}
    for d in edges.values():
        assert {s["url"] for s in d["sources"]} == {"https://example.org/a", "https://example.org/b"}
    assert edges["imported"]["same_transaction"].endswith("/article")
    report = money.money_report(backend, "https://w3id.org/corpgraph/entity/west", g)
    assert {(t.kind, t.amount, t.records) for t in report.by_kind} == {
        ("contractValue", Decimal("30000000"), 1),
        ("fiscalYearObligation", Decimal("29898236"), 1),
    }
    _, g = network(article.format(kind="fiscalYearObligation") + imported)
    [(_, _, key, d)] = list(g.edges(keys=True, data=True))
    assert key.endswith("/article") and d["amount"] == Decimal("30000000")
    assert [s["record"].rsplit("/", 1)[-1] for s in d["also_stated"]] == ["imported"]

"""The query library (queries/*.rq): every query runs with its defaults and answers correctly on the
bundled graph, with parameters bound in memory (initBindings) and inline (VALUES, as the Oxigraph
store and endpoints bind them) alike.  Issue 3 §2."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import Literal

from corpgraph.backend.memory import MemoryBackend
from corpgraph.backend.sparqltext import bind_inline
from corpgraph.ontology import read_ontology
from corpgraph.query import list_queries, load_query, run_query
from corpgraph.vocab import ENT, REC

NAMES = [q.name for q in list_queries()]


def rows(backend, name, **params):
    out = run_query(backend, load_query(name), params).outcome
    return [{k: (v.toPython() if isinstance(v, Literal) else v) for k, v in d.items()} for d in out.dicts()]


def plain(backend, name, **params):
    """Rows as dicts of strings (IRIs and literals alike)."""
    out = run_query(backend, load_query(name), params).outcome
    return [{k: str(v) for k, v in d.items()} for d in out.dicts()]


class InlineBackend(MemoryBackend):
    """The bundled graph, but parameters bound as the Oxigraph and endpoint backends bind them."""

    def _run(self, sparql, bindings, max_rows=None):
        return super()._run(bind_inline(sparql, bindings), {}, max_rows)


@pytest.fixture(scope="module")
def inline(bundled):
    return InlineBackend(bundled.graph, bundled.version())


@pytest.mark.parametrize("name", NAMES)
def test_library_queries_are_checked_without_rdflib_as_rdflib_checks_them(name):
    """A library query skips rdflib's parser when it runs; what it runs must be what the parser gives."""
    from corpgraph.query import _checked_library_query, check_query

    q = load_query(name)
    fast = _checked_library_query(q, q.sparql, name)
    assert fast is not None and fast == check_query(q.sparql, name)
    assert _checked_library_query(q, q.sparql + "\n# edited", name) is None


def test_at_least_twelve_queries():
    assert len(NAMES) >= 12


@pytest.mark.parametrize("name", NAMES)
def test_every_query_runs_with_defaults_and_answers(bundled, name):
    out = run_query(bundled, load_query(name)).outcome
    assert out.kind == "SELECT"
    assert out.rows, f"{name} gave no answer with its defaults"


@pytest.mark.parametrize("name", NAMES)
def test_inline_binding_gives_the_same_answer(bundled, inline, name):
    a = run_query(bundled, load_query(name)).outcome
    b = run_query(inline, load_query(name)).outcome
    assert sorted(map(repr, a.rows)) == sorted(map(repr, b.rows))


def by(rows_, key):
    return {r[key]: r for r in rows_}


def test_paid_by_dhs_counts_sub_agencies_and_keeps_kinds_apart(bundled):
    r = plain(bundled, "paid-by")  # default: DHS
    att = [x for x in r if x["recipient"] == str(ENT.att)]
    assert len(att) == 1 and att[0]["amountKind"] == "contract value"
    assert Decimal(att[0]["total"]) == Decimal("158000000")  # $147M with DHS + $11M with ICE
    assert att[0]["records"] == "2"
    pal = [x for x in r if x["recipient"] == str(ENT.palantir)]
    assert Decimal(pal[0]["total"]) == Decimal("30000000")
    assert all(x["currency"] == "USD" for x in r)


def test_paid_by_ice_alone(bundled):
    r = plain(bundled, "paid-by", agency="ICE")
    att = by(r, "recipient")[str(ENT.att)]
    assert Decimal(att["total"]) == Decimal("11000000")


def test_contractors_of_ice(bundled):
    r = rows(bundled, "contractors-of")  # default: ICE
    recs = by(r, "rec")
    big = recs[REC["att-dhs-communications-contract"]]
    assert big["how"] == "beneficiary" and big["amount"] == Decimal("147000000")
    assert big["buyerLabel"] == "U.S. Department of Homeland Security"
    nobid = recs[REC["att-ice-data-analytics-contract"]]
    assert nobid["how"] == "buyer" and nobid["noBid"] is True and nobid["amount"] == Decimal("11000000")
    assert recs[REC["palantir-immigrationos-contract"]]["supplier"] == ENT.palantir


def test_financiers_of_prison_operators(bundled):
    r = rows(bundled, "financiers-of-prison-operators")
    pairs = {(x["financier"], x["operator"], x["amountKind"], x["amount"]) for x in r}
    cfg = ENT["citizens-financial-group"]
    assert (cfg, ENT["geo-group"], "credit line", Decimal("450000000")) in pairs
    assert (cfg, ENT.corecivic, "bond issue", Decimal("500000000")) in pairs
    assert rows(bundled, "financiers-of-prison-operators", sector="no such sector words") == []


def test_financiers_of_an_operator_that_qualifies_twice_are_listed_once(inline):
    """An operator in the prison sector that also runs a facility (after a facilities import) gave
    every financing row twice: one operator row per way it qualified."""
    from minigraph import backend_of, entities, rec

    g = backend_of(
        entities("bank", "geo")
        + 'ent:prisons a cg:Sector ; rdfs:label "Private prisons" .\n'
        + 'ent:adelanto a cg:Facility ; rdfs:label "Adelanto" .\n'
        + 'ent:otero a cg:Facility ; rdfs:label "Otero" .\n'
        + rec("m", "SectorMembership", "cg:member ent:geo ; cg:sector ent:prisons")
        + rec("op1", "Operation", "cg:operator ent:geo ; cg:asset ent:adelanto")
        + rec("op2", "Operation", "cg:operator ent:geo ; cg:asset ent:otero")
        + rec(
            "loan",
            "CreditFacility",
            "cg:lender ent:bank ; cg:borrower ent:geo",
            extra='; cg:amount 450000000 ; cg:currency "USD" ; cg:amountKind cg:creditLine ',
        )
    )
    for backend in (g, InlineBackend(g.graph, g.version())):
        r = rows(backend, "financiers-of-prison-operators")
        assert [(x["financier"], x["operator"], x["rec"]) for x in r] == [(ENT.bank, ENT.geo, REC.loan)]
        # an operator of facilities qualifies whatever the sector words
        assert len(rows(backend, "financiers-of-prison-operators", sector="no such words")) == 1


def test_money_queries_count_a_record_with_two_sources_once_and_the_later_statement_of_an_award(inline):
    """One award's amount from two files: the same amount is one record citing both sources; a
    different amount stated as of a later date replaces the earlier one."""
    from minigraph import backend_of, entities

    key = "CONT_AWD_X1_7012_-NONE-_-NONE-"
    two = 'src:two a cg:Source ; schema:url "https://example.org/two"^^xsd:anyURI ; dcterms:title "Two" .\n'

    def award(name, kind, amount, extra="", award_key=key):
        return (
            f"rec:{name} a cg:Contract ; cg:buyer ent:ice ; cg:supplier ent:west ; cg:certainty cg:confirmed ;"
            f' cg:source src:doc ; cg:quote "q" ; cg:awardKey "{award_key}" ; cg:amount {amount} ;'
            f' cg:currency "USD" ; cg:amountKind cg:{kind} {extra}.\n'
        )

    g = backend_of(
        entities("west")
        + 'ent:ice a cg:GovernmentBody ; rdfs:label "ICE" .\n'
        + two
        + award("obl", "totalObligated", "100", "; cg:source src:two ")
        # Torn Apart names the award by agency and PIID; USAspending's record says which award that is
        + award("pv2018", "potentialValue", "300", '; cg:asOf "2018"^^xsd:gYear ', award_key="7012/X1")
        + award("pv2020", "potentialValue", "400", '; cg:asOf "2020-01-01"^^xsd:date ')
        + award(
            "pv2025", "potentialValue", "500", '; cg:asOf "2025-03-01"^^xsd:date ; cg:awardPiid "7012/X1" '
        )
        # and the other way: Torn Apart's value of 2018 is later than USAspending's of 2017
        + award(
            "x2old",
            "potentialValue",
            "50",
            '; cg:asOf "2017-05-10"^^xsd:date ; cg:awardPiid "7012/X2" ',
            award_key="CONT_AWD_X2_7012_-NONE-_-NONE-",
        )
        + award("x2torn", "potentialValue", "60", '; cg:asOf "2018"^^xsd:gYear ', award_key="7012/X2")
    )
    for backend in (g, InlineBackend(g.graph, g.version())):
        paid = {r["amountKind"]: (r["total"], r["records"]) for r in rows(backend, "paid-by", agency="ICE")}
        assert paid == {
            "total obligated (all years)": (Decimal("100"), 1),
            "potential value": (Decimal("560"), 2),
        }
        ranked = {
            r["amountKind"]: r["total"]
            for r in rows(backend, "ranked-by-money")
            if r["entity"] == ENT.west and r["direction"] == "in"
        }
        assert ranked == {"total obligated (all years)": Decimal("100"), "potential value": Decimal("560")}


def test_systems_builders_hosts_users(bundled):
    r = rows(bundled, "systems")
    claims = {(x["system"], x["relation"], x["party"]): x for x in r}
    assert (ENT.icm, "hosts", ENT.aws) in claims
    assert (ENT.icm, "built", ENT.palantir) in claims
    assert (ENT.icm, "uses", ENT.ice) in claims
    assert claims[(ENT.immigrationos, "hosts", ENT.aws)]["certainty"] == "likely"
    assert claims[(ENT.hart, "hosts", ENT.aws)]["cost"] == Decimal("6000000000")
    only = rows(bundled, "systems", system="ICM")
    assert only and {x["system"] for x in only} == {ENT.icm}


def test_within_hops(bundled):
    one = {x["entity"]: x["distance"] for x in rows(bundled, "within-hops", hops="1")}
    for e in (ENT.dhs, ENT.amazon, ENT.palantir, ENT.icm, ENT.att):
        assert one[e] == 1
    assert ENT.ice not in one and ENT.hart not in one
    assert ENT.aws not in one  # the article does not say AWS hosts ICM for ICE: AWS is two hops away
    two = {x["entity"]: x["distance"] for x in rows(bundled, "within-hops")}
    assert two[ENT.hart] == 2 and two[ENT.dhs] == 1 and two[ENT.aws] == 2
    assert set(one) < set(two) and max(two.values()) == 2


def test_within_hops_walks_every_role_of_the_ontology(bundled):
    """The query lists the roles (for speed: bench/bench_ontology_queries.py) in its property path and
    its two IN lists; each must be exactly the ontology's roles."""
    import re

    text = load_query("within-hops").sparql
    body = text[text.index("SELECT") :]
    roles = {local for local in (str(r).split("#")[1] for r in read_ontology(bundled).roles)}
    path = body[body.index("?start (") : body.index("?n1 .")]
    lists = re.findall(r"FILTER\(\?\w IN \((.*?)\)\)", body, re.S)
    assert len(lists) == 2
    for listed in (path, *lists):
        assert set(re.findall(r"cg:(\w+)", listed)) == roles


def test_uncertain_claims(bundled):
    r = rows(bundled, "uncertain-claims")
    recs = by(r, "rec")
    assert recs[REC["aws-hosts-immigrationos"]]["certainty"] == "likely"
    assert all(x["certainty"] in ("likely", "alleged", "denied") or x.get("disputedBy") for x in r)
    stricter = rows(bundled, "uncertain-claims", most="cg:alleged")
    assert REC["aws-hosts-immigrationos"] not in by(stricter, "rec")


def test_statements_beside_deeds(bundled):
    r = rows(bundled, "statements-beside-deeds", speaker="Citizens Financial Group")
    deeds = {(x["deed"], x["counterpartyLabel"], x["amount"]) for x in r}
    assert ("lender in credit facility", "GEO Group", Decimal("450000000")) in deeds
    assert ("underwriter in bond underwriting", "CoreCivic", Decimal("500000000")) in deeds
    assert all("committed to strengthening communities" in x["saying"] for x in r)


def test_pledges_and_reversals(bundled):
    r = rows(bundled, "pledges")
    labels = {x["pledgerLabel"] for x in r}
    assert {
        "JPMorgan Chase",
        "Wells Fargo",
        "Bank of America",
        "SunTrust",
        "BNP Paribas",
        "Fifth Third Bancorp",
    } <= labels
    softened = {x["pledgerLabel"] for x in r if x.get("softened") is True}
    assert softened == {"Bank of America", "SunTrust"}
    assert {x["pledgerLabel"] for x in r if "softened" not in x} == {  # the article does not say: unknown
        "JPMorgan Chase",
        "Wells Fargo",
        "BNP Paribas",
        "Fifth Third Bancorp",
    }
    assert all(str(x["date"]) == "2019" for x in r)
    one = rows(bundled, "pledges", pledger="SunTrust")
    assert len(one) == 1 and one[0]["revision"].startswith("softened their policy statements")


def test_contracts_in_range_compares_at_the_graph_precision(bundled):
    default = {x["rec"] for x in rows(bundled, "contracts-in-range")}  # 2024..2025
    assert {
        REC["att-dhs-communications-contract"],
        REC["att-ice-data-analytics-contract"],
        REC["palantir-immigrationos-contract"],
    } <= default
    narrow = {
        x["rec"] for x in rows(bundled, "contracts-in-range", **{"from": "2025-05", "to": "2025-08-15"})
    }
    assert REC["att-ice-data-analytics-contract"] in narrow  # dated 2025-08: overlaps
    assert REC["palantir-immigrationos-contract"] not in narrow  # 2025-04
    assert REC["att-dhs-communications-contract"] not in narrow  # 2024-09
    fy = {x["rec"] for x in rows(bundled, "contracts-in-range", **{"from": "2024-10-01", "to": "2025-09-30"})}
    assert REC["att-dhs-communications-contract"] not in fy and REC["palantir-immigrationos-contract"] in fy


def test_no_bid_contracts(bundled):
    r = rows(bundled, "no-bid-contracts")
    recs = by(r, "rec")
    x = recs[REC["att-ice-data-analytics-contract"]]
    assert x["supplier"] == ENT.att and x["amount"] == Decimal("11000000") and str(x["date"]) == "2025-08"
    assert REC["att-dhs-communications-contract"] not in recs


def test_ranked_by_money_never_mixes_kinds(bundled):
    r = rows(bundled, "ranked-by-money")
    cfg = [x for x in r if x["entity"] == ENT["citizens-financial-group"]]
    assert {(x["amountKind"], x["direction"], x["total"]) for x in cfg} == {
        ("credit line", "out", Decimal("450000000")),
        ("bond issue", "party", Decimal("500000000")),
    }
    geo = [x for x in r if x["entity"] == ENT["geo-group"]]
    assert [(x["direction"], x["total"]) for x in geo] == [("in", Decimal("450000000"))]
    hart = [x for x in r if x["entity"] == ENT.hart]
    assert [(x["direction"], x["amountKind"]) for x in hart] == [("figure", "cost of system")]
    aws = [x for x in r if x["entity"] == ENT.aws]
    assert aws == []  # HART's cost is not AWS's money
    totals = [x["total"] for x in r]
    assert totals == sorted(totals, reverse=True)
    only = rows(bundled, "ranked-by-money", kind="cg:creditLine")
    assert {x["amountKind"] for x in only} == {"credit line"}


def test_sources_count_claims(bundled):
    r = rows(bundled, "sources")
    pi = by(r, "source")[
        __import__("corpgraph.vocab", fromlist=["SRC"]).SRC["popular-info-corporate-enablers"]
    ]
    assert pi["records"] >= 50 and pi["entities"] >= 20 and "contract" in pi["kinds"]
    assert r[0]["records"] >= r[-1]["records"]
    assert rows(bundled, "sources", publisher="Popular Information")
    assert rows(bundled, "sources", publisher="No Such Publisher") == []


def test_parents_and_subsidiaries(bundled):
    r = rows(bundled, "parents-and-subsidiaries")
    links = {(x["parent"], x["relation"], x["child"]) for x in r}
    assert (ENT.dhs, "has sub-agency", ENT.ice) in links
    assert (ENT["citizens-financial-group"], "owns", ENT["citizens-bank"]) in links
    ice = rows(bundled, "parents-and-subsidiaries", entity="ICE")
    assert ice and all(ENT.ice in (x["parent"], x["child"]) for x in ice)


@pytest.mark.endpoint
def test_library_on_a_real_oxigraph_endpoint(bundled, loaded_endpoint):
    """The same answers from the Oxigraph server (parameters bound with VALUES, engine is Oxigraph)."""
    from corpgraph.backend.endpoint import EndpointBackend

    remote = EndpointBackend(loaded_endpoint)
    for name in NAMES:
        a = run_query(bundled, load_query(name)).outcome
        b = run_query(remote, load_query(name)).outcome
        assert len(a.rows) == len(b.rows), name


def test_paths_are_isolated_as_subqueries_for_engines_that_need_it():
    from corpgraph.backend.sparqltext import isolate_paths

    q = 'SELECT ?r WHERE { ?payer (^cg:unit/cg:parentBody)* ?agency . ?r cg:buyer ?payer ; cg:note "a+ b" }'
    assert isolate_paths(q) == (
        "SELECT ?r WHERE { { SELECT DISTINCT ?payer ?agency WHERE { ?payer (^cg:unit/cg:parentBody)* ?agency } }"
        ' ?r cg:buyer ?payer ; cg:note "a+ b" }'
    )
    assert isolate_paths("SELECT ?c WHERE { ?x a ?c . ?c rdfs:subClassOf+ cg:Entity }") == (
        "SELECT ?c WHERE { ?x a ?c . { SELECT DISTINCT ?c WHERE { ?c rdfs:subClassOf+ cg:Entity } }}"
    )
    kept = "SELECT ?x WHERE { ?x cg:p+ ?y ; cg:q ?z }"  # a pattern that goes on with ';' stays
    assert isolate_paths(kept) == kept
    # a parameter of the pattern is bound inside too, and the path turned to start from it
    from rdflib import URIRef

    bound = isolate_paths(
        "SELECT ?m WHERE { ?agency (^cg:parentBody/cg:unit)* ?m . }", {"agency": URIRef("urn:x:a")}
    )
    assert "VALUES (?agency) { (<urn:x:a>) } ?m ^((^cg:parentBody/cg:unit)*) ?agency" in bound

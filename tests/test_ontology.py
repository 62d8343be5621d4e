"""The model is read from the ontology (issue 8 §4): a class, kind, role or record attribute added to a
graph's ontology reaches styles, entity resolution, money, paid-by and entity cards without a code
change, and what the code asks of the ontology matches what graph/ontology.ttl declares."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import URIRef

from corpgraph import describe, money, netgraph, render
from corpgraph.entity_resolution import Known, Resolver
from corpgraph.ontology import bundled_ontology, read_ontology
from corpgraph.query import load_query, run_query
from corpgraph.store import bundled_graph_dir
from corpgraph.vocab import CG, ENT, local_name
from minigraph import backend_of, entities, rec

EX = "https://example.org/model#"

# A user's extension of the ontology: a new entity class, a new money-carrying kind with a new role, a
# kind whose money flows backward, and a new record attribute.
EXTENSION = f"""
@prefix ex: <{EX}> .
ex:Court rdfs:subClassOf cg:GovernmentBody ; rdfs:label "Court" .
ex:guarantor a cg:RoleProperty ; rdfs:subPropertyOf cg:involves ; rdfs:label "guarantor" .
ex:rate rdfs:domain cg:Relationship ; rdfs:label "rate" .
ex:Grant rdfs:subClassOf cg:Relationship ; rdfs:label "grant" ;
    cg:edgeFrom cg:payer ; cg:edgeTo cg:payee ; cg:edgeLabel "grants" ; cg:moneyFlow "forward" .
ex:Refund rdfs:subClassOf cg:Relationship ; rdfs:label "refund" ;
    cg:edgeFrom cg:payee ; cg:edgeTo cg:payer ; cg:edgeLabel "refunded by" ; cg:moneyFlow "backward" .
ent:court a ex:Court ; rdfs:label "COURT" .
ent:dhs a cg:GovernmentBody ; rdfs:label "U.S. Department of Homeland Security" ; cg:alias "DHS" .
"""


@pytest.fixture(scope="module")
def extended():
    money_ = 'cg:currency "USD" ; cg:amountKind cg:payment'
    return backend_of(
        EXTENSION
        + entities("acme", "bolt", "cogs")
        + rec("grant", "Contract", "cg:buyer ent:court ; cg:supplier ent:acme")
        .replace("cg:Contract", "ex:Grant")
        .replace("cg:buyer", "cg:payer")
        .replace("cg:supplier", "cg:payee")
        .replace(" .\n", f' ; cg:amount 5 ; {money_} ; cg:date "2025-11-02"^^xsd:date .\n')
        + rec(
            "refund",
            "Contract",
            "cg:payer ent:dhs ; cg:payee ent:bolt",
            extra=f'; cg:amount 7 ; {money_} ; ex:rate "3%"',
        ).replace("cg:Contract", "ex:Refund")
        + rec(
            "guarantee",
            "CreditFacility",
            "cg:lender ent:bolt ; cg:borrower ent:cogs ; ex:guarantor ent:court",
        )
    )


def test_bundled_ontology_styles_every_entity_class(bundled):
    onto = read_ontology(bundled)
    for cls in onto.entity_classes:
        if cls != str(CG.Entity):
            assert onto.style(cls) is not None, cls
    company = onto.style(str(CG.Company))
    assert company is not None
    assert render.type_style("Company", onto) == (company.colour, company.map_shape, company.figure_shape)


def test_card_fields_are_the_ontologys_record_attributes(bundled):
    onto = read_ontology(bundled)
    assert str(CG.amount) in onto.record_fields and str(CG.laterSoftened) in onto.record_fields
    assert str(CG.alias) not in onto.record_fields and str(CG.quote) not in onto.record_fields
    assert onto.roles == {
        str(r)
        for (r,) in bundled.select(
            "PREFIX cg: <https://w3id.org/corpgraph/ns#> SELECT ?r WHERE { ?r a cg:RoleProperty }"
        ).rows
    }


def test_a_new_subclass_is_drawn_and_resolved_like_its_parent(extended):
    onto = read_ontology(extended)
    court = EX + "Court"
    assert onto.style(court) == onto.style(str(CG.GovernmentBody))
    assert onto.is_a(court, str(CG.GovernmentBody)) and onto.branch(court) == str(CG.Organization)
    assert onto.entity_class_by_name("court") == court
    # an import asking for a Company may join an entity of the new organization class, never a Facility
    r = Resolver([Known("urn:c", "Court of Claims", "Court", set())], ontology=onto)
    assert r.resolve("COURT OF CLAIMS", etype="Company").iri == "urn:c"
    r = Resolver([Known("urn:f", "Court of Claims", "Facility", set())], ontology=onto)
    assert r.resolve("COURT OF CLAIMS", etype="Company").iri != "urn:f"


def test_a_new_money_kind_counts_in_money_and_paid_by(extended):
    net = netgraph.project(extended, use_cache=False)
    report = money.money_report(extended, str(ENT.acme), net)
    (flow,) = report.flows
    assert flow.direction == "in" and flow.amount == Decimal(5)
    assert flow.year == "FY2026"  # paid by a government body (a subclass of one): federal fiscal year
    paid = run_query(extended, load_query("paid-by"), {"agency": "COURT"}).outcome.dicts()
    assert [(r["recipient"], r["total"].toPython()) for r in paid] == [(ENT.acme, Decimal(5))]
    # a backward kind: the money goes from the cg:edgeTo role (the payer) to the cg:edgeFrom role
    paid = run_query(extended, load_query("paid-by"), {"agency": "DHS"}).outcome.dicts()
    assert [(r["recipient"], r["total"].toPython()) for r in paid] == [(ENT.bolt, Decimal(7))]


def test_a_new_role_shows_on_cards(extended):
    card = describe.entity_card(extended, str(ENT.court))
    roles = {p["role"] for rel in card.relationships for p in rel["participants"] if p["is_self"]}
    assert roles == {"payer", "guarantor"}
    # within-hops keeps its role lists for speed; tests/test_queries_library.py holds them to the ontology


def test_a_new_record_attribute_shows_on_cards(extended):
    card = describe.entity_card(extended, str(ENT.bolt))
    (refund,) = [rel for rel in card.relationships if rel["kind"] == "Refund"]
    assert refund["rate"] == "3%"


def test_a_graph_ontology_without_styles_draws_the_bundled_way():
    old = backend_of(entities("acme"))
    for p in (CG.colour, CG.mapShape, CG.figureShape):
        old.graph.remove((None, p, None))
    old.graph.remove((None, URIRef("http://www.w3.org/2000/01/rdf-schema#domain"), CG.Relationship))
    onto = read_ontology(old)
    assert onto.style("Company") == bundled_ontology().style("Company")
    assert onto.record_fields == bundled_ontology().record_fields
    assert local_name(onto.entity_class_by_name("Company") or "") == "Company"


def test_a_new_amount_kind_reads_in_its_own_words():
    """Summaries name an amount kind by its label in the ontology, not by splitting its camelCase."""
    from corpgraph.output.ties import tie_summary

    backend = backend_of(
        f"@prefix ex: <{EX}> .\n"
        'ex:perDiemPaid a cg:AmountKind ; rdfs:label "daily rate paid" .\n'
        + entities("acme", "bolt")
        + rec("r1", "Contract", "cg:buyer ent:acme ; cg:supplier ent:bolt", extra=_money("ex:perDiemPaid", 3))
        + rec("r2", "Contract", "cg:buyer ent:acme ; cg:supplier ent:bolt", extra=_money("cg:ceiling", 4))
    )
    assert read_ontology(backend).amount_kind_labels["perDiemPaid"] == "daily rate paid"
    ties = netgraph.aggregate(netgraph.build_network(backend))
    text = tie_summary(ties.edges[str(ENT.acme), str(ENT.bolt), "Contract"])
    assert "daily rate paid 2025 $3" in text and "contract ceiling 2025 $4" in text
    assert "per diem" not in text


def _money(kind: str, amount: int) -> str:
    return (
        f'; cg:amount {amount} ; cg:currency "USD" ; cg:amountKind {kind} ; cg:date "2025-01-02"^^xsd:date '
    )


def test_the_ontology_is_read_once_per_backend_and_graph_version(tmp_path):
    from corpgraph.backend.cache import parse_folder

    (tmp_path / "g.ttl").write_text(
        (bundled_graph_dir() / "ontology.ttl").read_text(encoding="utf-8"), encoding="utf-8"
    )
    backend = parse_folder(tmp_path)
    asked: list[str] = []
    select = backend.select
    backend.select = lambda sparql, bindings=None: asked.append(sparql) or select(sparql, bindings)  # type: ignore[method-assign]
    first = read_ontology(backend)
    assert asked and read_ontology(backend) is first and len(asked) == 3
    backend._version = "sha256:another"
    assert read_ontology(backend) is not first and len(asked) == 6

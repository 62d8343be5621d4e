"""USAspending imports: the three shapes, sums per award, duplicates, parents, sources, conformance."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from conftest import TEST_DATA
from corpgraph.errors import ImportFailed
from corpgraph.importers.common import header_of
from corpgraph.importers.usaspending import detect
from corpgraph.importing import import_file
from corpgraph.store import parse_turtle_file
from corpgraph.vocab import CG, ENT, SCHEMA

DATA = TEST_DATA / "import"
FY2025 = Path("wrags81-cbp-ice-dashboard") / "CBP_ICE_FY2025_Contract_Obligations.csv"
AWARDS = Path("alyssc-mn_ice_contracts") / "Contracts_PrimeAwardSummaries_2025-03-21_H19M57S23_1.csv"
SUBAWARDS = Path("alyssc-mn_ice_contracts") / "Contracts_Subawards_2025-03-28_H03M23S17_1.csv"


def _graph(result) -> Graph:
    return parse_turtle_file(Path(result.target))


def _records(g: Graph, award_id: str, kind=None):
    out = []
    for rec in g.subjects(CG.awardId, Literal(award_id)):
        if kind is None or (rec, CG.amountKind, kind) in g:
            out.append(rec)
    return out


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("usaspending-transactions.csv", "transactions"),
        ("usaspending-awards.csv", "awards"),
        ("usaspending-subawards.csv", "subawards"),
    ],
)
def test_three_shapes_detected(name, shape):
    assert detect(header_of(DATA / name)) == shape


def test_unknown_header_refused(tmp_graph):
    with pytest.raises(ImportFailed, match="not a USAspending"):
        import_file("usaspending", DATA / "facts-bad.csv", graph_dir=tmp_graph)
    assert not (tmp_graph / "imports").exists()


def test_transactions_summed_per_award_with_deobligations(tmp_graph):
    r = import_file("usaspending", DATA / "usaspending-transactions.csv", graph_dir=tmp_graph)
    assert r.shape == "transactions"
    assert r.stats["duplicate rows dropped"] == 1
    g = _graph(r)
    # CBP award with four transactions, one of them a de-obligation of -3,044,070.30
    [rec] = _records(g, "70B01C23F00001236", CG.fiscalYearObligation)
    expected = Decimal("76002259.22") + Decimal("9236403.24") + Decimal("5096793.56") - Decimal("3044070.3")
    assert g.value(rec, CG.amount).toPython() == expected
    assert g.value(rec, CG.buyer) == ENT.cbp
    assert "1 de-obligation" in str(g.value(rec, CG.note))
    # Palantir's ICM award: one record, seven transactions, joined to the curated Palantir
    [pal] = _records(g, "70CTD022FR0000170", CG.fiscalYearObligation)
    assert g.value(pal, CG.supplier) == ENT.palantir
    assert g.value(pal, CG.buyer) == ENT.ice
    assert g.value(pal, CG.certainty) == CG.confirmed
    assert "Sum of 7 transactions" in str(g.value(pal, CG.note))
    src = g.value(pal, CG.source)
    assert str(g.value(src, SCHEMA.url)) == (
        "https://www.usaspending.gov/award/CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730"
    )
    quotes = {str(q) for q in g.objects(pal, CG.quote)}
    assert any("SELF-DEPORTATION TRACKING" in q for q in quotes)


def test_transactions_join_curated_and_att_subsidiary(tmp_graph):
    g = _graph(import_file("usaspending", DATA / "usaspending-transactions.csv", graph_dir=tmp_graph))
    [geo] = _records(g, "70CDCR25FR0000009")
    assert g.value(geo, CG.supplier) == ENT["geo-group"]
    [cc] = _records(g, "70CDCR25FR0000011")
    assert g.value(cc, CG.supplier) == ENT.corecivic
    [att] = _records(g, "70CMSD25C00000005")
    sub = g.value(att, CG.supplier)
    assert sub != ENT.att
    owns = [o for o in g.subjects(RDF.type, CG.Ownership) if (o, CG.subsidiary, sub) in g]
    assert len(owns) == 1
    assert g.value(owns[0], CG.owner) == ENT.att
    assert g.value(owns[0], CG.certainty) == CG.likely


def test_awards_amount_kinds_dates_and_parents(tmp_graph):
    r = import_file("usaspending", DATA / "usaspending-awards.csv", graph_dir=tmp_graph)
    g = _graph(r)
    [obl] = _records(g, "70CDCR18P00000017", CG.totalObligated)
    [ceil] = _records(g, "70CDCR18P00000017", CG.potentialValue)
    assert obl != ceil
    assert g.value(obl, CG.amount).toPython() == Decimal("7391976")
    assert str(g.value(obl, CG.startDate)) == "2017-12-22"  # from 12/22/17
    assert str(g.value(obl, CG.endDate)) == "2021-05-31"  # from 5/31/21
    west = g.value(obl, CG.supplier)
    assert (west, CG.uei, Literal("L997DB4PEJL8")) in g
    owners = {g.value(o, CG.owner) for o in g.subjects(CG.subsidiary, west)}
    assert len(owners) == 2, "each parent the file gives is its own ownership record, not merged"
    for o in g.subjects(CG.subsidiary, west):
        assert g.value(o, CG.date) is not None  # dated with the row's last_modified_date
    # the same UEI with two different parents (Vista Outdoor, Northrop Grumman Innovation Systems)
    fed = next(g.subjects(CG.uei, Literal("DY5HJN6EL4M1")))
    assert len(set(g.subjects(CG.subsidiary, fed))) == 2
    # Wells Fargo & Company is the curated Wells Fargo
    wf_owner = {g.value(o, CG.owner) for o in g.subjects(RDF.type, CG.Ownership)}
    assert ENT["wells-fargo"] in wf_owner
    assert r.stats["skipped: recipient parent is the recipient itself"] >= 1


def test_subawards_prime_to_sub_and_no_self_parents(tmp_graph):
    r = import_file("usaspending", DATA / "usaspending-subawards.csv", graph_dir=tmp_graph)
    assert r.shape == "subawards"
    g = _graph(r)
    subs = list(g.subjects(CG.amountKind, CG.subaward))
    assert len(subs) == 6
    for s in subs:
        assert g.value(s, CG.buyer) != g.value(s, CG.supplier)
        assert g.value(s, CG.beneficiary) == ENT.ice
    text = " ".join(str(q) for s in subs for q in g.objects(s, CG.quote))
    assert "CRC’S" in text and "Ã" not in text
    assert "\n" in text  # the newline inside the quoted description, kept verbatim
    # LUKOS, LLC's parent "LUKOS  LLC" and GOVCIO's own UEI are not ownerships
    labels = {str(o) for o in g.objects(None, None) if isinstance(o, Literal)}
    assert "LUKOS  LLC" not in labels
    for o in g.subjects(RDF.type, CG.Ownership):
        assert g.value(o, CG.owner) != g.value(o, CG.subsidiary)
    assert r.stats["skipped: prime_awardee parent is the prime_awardee itself"] >= 2
    # Dell Federal Systems -> Dell Technologies is an ownership
    dell = next(g.subjects(CG.alias, Literal("DELL FEDERAL SYSTEMS L.P")), None) or next(
        s
        for s, o in g.subject_objects(URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
        if str(o) == "DELL FEDERAL SYSTEMS L.P"
    )
    assert any(True for _ in g.subjects(CG.subsidiary, dell))


@pytest.mark.realdata
def test_real_fy2025_file(real_data, tmp_graph):
    r = import_file("usaspending", real_data / FY2025, graph_dir=tmp_graph)
    assert r.stats["rows read"] == 10878
    assert r.stats["duplicate rows dropped"] == 22
    assert r.stats["awards"] == 7027
    assert r.records["Contract"] == 7027
    assert not r.errors
    # the curated entities were joined, not duplicated
    joined = {d.iri for d in r.merged}
    for slug in ("geo-group", "corecivic", "palantir", "ice", "cbp"):
        assert str(ENT[slug]) in joined
    assert not any(d.iri == str(ENT["geo-group"]) for d in r.merged if "GEORGIA" in d.source_name)


@pytest.mark.realdata
def test_real_bulk_and_subaward_files(real_data, tmp_graph):
    a = import_file("usaspending", real_data / AWARDS, graph_dir=tmp_graph)
    assert a.shape == "awards" and a.stats["awards"] == 1369 and not a.errors
    s = import_file("usaspending", real_data / SUBAWARDS, graph_dir=tmp_graph)
    assert s.shape == "subawards" and s.stats["rows read"] == 482 and not s.errors
    g = _graph(s)
    for o in g.subjects(RDF.type, CG.Ownership):
        for q in g.objects(o, CG.quote):
            assert "LUKOS  LLC" not in str(q) and "GOVCIO  LLC" not in str(q)

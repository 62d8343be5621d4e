"""Facility lists, Torn Apart files and the hand-curated CSV template."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import RDF, RDFS

from conftest import REPO, TEST_DATA
from corpgraph.importing import import_file
from corpgraph.store import parse_turtle_file
from corpgraph.vocab import CG, ENT, SRC

DATA = TEST_DATA / "import"
PACKAGE_DATA = REPO / "src" / "corpgraph" / "data"


def _g(r):
    return parse_turtle_file(Path(r.target))


def _facility(g, label):
    return next(s for s in g.subjects(RDFS.label, Literal(label)) if (s, RDF.type, CG.Facility) in g)


def test_icefacs_operators_codes_and_dates(tmp_graph):
    r = import_file("facilities", DATA / "icefacs-synthetic.csv", graph_dir=tmp_graph)
    assert r.shape == "icefacs"
    assert r.stats["skipped: facility redacted (no DETLOC)"] == 1
    assert r.stats["skipped: operator names no one (county, city, federal ...)"] == 1
    assert [(e.line, e.field) for e in r.errors] == [(6, "Date.of.Last.Use")]  # 31.02.2017
    g = _g(r)
    fac = _facility(g, "EXAMPLE DETENTION COMPLEX")
    assert (fac, CG.detloc, Literal("EXMPLTX")) in g
    [op] = list(g.subjects(CG.asset, fac))
    assert g.value(op, CG.operator) == ENT["geo-group"]  # operator code GEO
    assert str(g.value(op, CG.date)) == "2017-11-04"  # 04.11.2017
    sample = _facility(g, "SAMPLE PROCESSING CENTER")
    [op2] = list(g.subjects(CG.asset, sample))
    assert g.value(op2, CG.operator) == ENT.corecivic  # operator code CCA
    assert str(g.value(op2, CG.date)) == "2016-12-01"


def test_operator_table_joins_facilities_and_reads_space_before_quote(tmp_graph):
    import_file("facilities", DATA / "icefacs-synthetic.csv", graph_dir=tmp_graph)
    r = import_file("facilities", DATA / "facilities-operators-synthetic.csv", graph_dir=tmp_graph)
    assert r.shape == "operators" and not r.errors
    by_name = {d.source_name: d for d in r.merged + r.created}
    assert by_name["Example Detention Complex"].rule == "graph-name+state"
    assert by_name["Example Detention Complex"].iri.endswith("facility-example-detention-complex-tx")
    assert by_name["Management & Training Corporation (MTC)"].rule == "alias-table"
    g = _g(r)
    annex = _facility(g, "Example Annex")
    assert (annex, CG.place, Literal("Othertown, TX")) in g
    [op] = list(g.subjects(CG.asset, annex))
    assert str(g.value(op, CG.operator)).endswith("management-and-training-corporation")


def test_freezer_contracts_and_curated_parents(tmp_graph):
    r = import_file("tornapart", DATA / "tornapart-freezer-synthetic.csv", graph_dir=tmp_graph)
    assert r.shape == "freezer" and not r.errors
    assert r.records == {"Contract": 5, "Ownership": 2}
    g = _g(r)
    owners = {
        (str(g.value(o, CG.owner)).rsplit("/", 1)[-1], str(g.value(o, CG.subsidiary)).rsplit("/", 1)[-1])
        for o in g.subjects(RDF.type, CG.Ownership)
    }
    assert owners == {("acme-holdings", "acme-detention-services"), ("corecivic", "example-corrections")}
    kinds = {g.value(c, CG.amountKind) for c in g.subjects(CG.awardId, Literal("EXAMPLE18C00001"))}
    assert kinds == {CG.currentValue, CG.potentialValue}


def test_csv_example_template(tmp_graph):
    r = import_file("csv", REPO / "templates" / "facts-example.csv", graph_dir=tmp_graph)
    assert not r.errors and r.records == {"Contract": 2, "Ownership": 1}
    g = _g(r)
    nobid = list(g.subjects(CG.noBid, Literal(True)))
    assert (
        len(nobid) == 1
        and g.value(nobid[0], CG.buyer) == ENT.ice
        and g.value(nobid[0], CG.supplier) == ENT.att
    )
    assert str(g.value(nobid[0], CG.date)) == "2025-08"
    dhs = [c for c in g.subjects(CG.buyer, ENT.dhs)]
    assert len(dhs) == 1 and g.value(dhs[0], CG.amount).toPython() == 147000000
    # the article is already a source of the graph: reused, not declared again
    assert g.value(nobid[0], CG.source) == SRC["popular-info-corporate-enablers"]


def test_template_shipped_in_package_matches():
    for name in ("facts-template.csv", "facts-example.csv"):
        assert (REPO / "templates" / name).read_bytes() == (PACKAGE_DATA / name).read_bytes()
    assert (REPO / "templates" / "README.md").read_bytes() == (
        PACKAGE_DATA / "facts-template.md"
    ).read_bytes()
    from corpgraph.importers.csv_facts import COLUMNS, REQUIRED

    header = next(csv.reader(open(PACKAGE_DATA / "facts-template.csv", encoding="utf-8")))
    assert tuple(header) == COLUMNS
    doc = (PACKAGE_DATA / "facts-template.md").read_text(encoding="utf-8")
    for col in COLUMNS:
        assert f"`{col}`" in doc
    assert set(REQUIRED) <= set(COLUMNS)


@pytest.mark.realdata
def test_real_facility_files(real_data, tmp_graph):
    a = import_file("facilities", real_data / "xpmethod-torn-apart" / "iceFacs.csv", graph_dir=tmp_graph)
    assert a.stats["skipped: facility redacted (no DETLOC)"] == 168
    assert not a.errors
    b = import_file(
        "facilities", real_data / "CarwilB-ice-detention" / "contractors-patch-fy26.csv", graph_dir=tmp_graph
    )
    assert b.stats["rows read"] == 116 and not b.errors
    g = _g(b)
    el_valle = _facility(g, "El Valle Detention Facility")
    assert (el_valle, CG.place, Literal("Raymondville, TX")) in g
    [op] = list(g.subjects(CG.asset, el_valle))
    assert str(g.value(op, CG.operator)).endswith("management-and-training-corporation")
    operators = {}
    for rec in g.subjects(RDF.type, CG.Operation):
        operators[g.value(rec, CG.operator)] = operators.get(g.value(rec, CG.operator), 0) + 1
    assert operators[ENT.corecivic] == 63 and operators[ENT["geo-group"]] == 36
    joined = [d for d in b.merged if d.rule == "graph-name+state"]
    assert any(d.source_name == "Stewart Detention Center" for d in joined)


@pytest.mark.realdata
def test_real_torn_apart_files(real_data, tmp_graph):
    f = import_file("tornapart", real_data / "xpmethod-torn-apart" / "freezer.csv", graph_dir=tmp_graph)
    assert f.stats["awards"] == 2203 and not f.errors
    g = _g(f)
    cca = [d for d in f.merged if d.source_name == "Corrections Corporation of America"]
    assert cca and cca[0].iri == str(ENT.corecivic)
    usg = next(s for s in g.subjects(RDFS.label, Literal("Palantir USG")))
    assert any(g.value(o, CG.owner) == ENT.palantir for o in g.subjects(CG.subsidiary, usg))
    bi = next(s for s in g.subjects(RDFS.label, Literal("B.I.")))
    assert any(g.value(o, CG.owner) == ENT["geo-group"] for o in g.subjects(CG.subsidiary, bi))
    j = import_file("tornapart", real_data / "xpmethod-torn-apart" / "graph.json", graph_dir=tmp_graph)
    assert j.shape == "graph" and j.records["Ownership"] > 100
    geo = [d for d in j.merged if d.source_name == "The Geo Group"]
    assert geo and geo[0].iri == str(ENT["geo-group"])
    bi2 = [d for d in j.merged if d.source_name == "B.i."]
    assert bi2 and bi2[0].iri == str(bi)

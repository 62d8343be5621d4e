"""Entity resolution: variants to one entity, never substrings, identifiers, the curated entities joined."""

from __future__ import annotations

import pytest

from corpgraph.entity_resolution import Resolver, name_key
from corpgraph.vocab import ENT


@pytest.fixture
def resolver(bundled) -> Resolver:
    return Resolver.from_backend(bundled)


def test_name_key_folds_legal_forms():
    assert (
        name_key("THE GEO GROUP, INC.") == name_key("GEO Group") == name_key("The Geo Group") == "geo group"
    )
    assert name_key("B.I. INCORPORATED") == name_key("B.i.") == "bi"
    assert name_key("LUKOS  LLC") == name_key("LUKOS, LLC")
    assert name_key("FOUR POINTS TECHNOLOGY, L.L.C.") == "four points technology"
    assert name_key("GEORGIA") != name_key("GEO")
    assert name_key("AT&T ENTERPRISES, LLC") != name_key("AT&T")


@pytest.mark.parametrize("name", ["THE GEO GROUP, INC.", "GEO Group", "The Geo Group", "GEO"])
def test_geo_variants_are_one_entity(resolver, name):
    d = resolver.resolve(name)
    assert d.iri == str(ENT["geo-group"])
    assert not d.created
    assert d.rule in ("alias-table", "graph-name")


@pytest.mark.parametrize("name", ["Corrections Corporation of America", "CCA", "CORECIVIC, INC."])
def test_corecivic_variants(resolver, name):
    assert resolver.resolve(name).iri == str(ENT["corecivic"])


def test_georgia_is_not_geo(resolver):
    d = resolver.resolve("GEORGIA")
    assert d.iri != str(ENT["geo-group"])
    assert d.created and d.rule == "new"
    d2 = resolver.resolve("GUARDIAN CENTERS OF GEORGIA, LLC")
    assert d2.iri != str(ENT["geo-group"]) and d2.created


def test_att_enterprises_is_a_subsidiary_not_att(resolver):
    d = resolver.resolve("AT&T ENTERPRISES, LLC")
    assert d.iri != str(ENT["att"])
    assert d.created
    assert resolver.parent_by_name("AT&T ENTERPRISES, LLC") == "AT&T"
    assert resolver.resolve("AT&T").iri == str(ENT["att"])
    assert resolver.parent_by_name("GEORGIA") is None


def test_palantir_joins_curated(resolver):
    d = resolver.resolve("PALANTIR TECHNOLOGIES INC.")
    assert d.iri == str(ENT["palantir"]) and not d.created
    # the subsidiary stays its own entity
    assert resolver.resolve("Palantir USG").iri != str(ENT["palantir"])


def test_agencies_by_code(resolver):
    assert resolver.agency("7012", "ICE").iri == str(ENT["ice"])
    assert resolver.agency("7014", "CBP").iri == str(ENT["cbp"])
    opo = resolver.agency("7001", "ICE")
    assert opo.iri not in (str(ENT["ice"]), str(ENT["dhs"]))
    assert "Procurement Operations" in opo.label


def test_identifiers_merge_spellings(resolver):
    a = resolver.resolve("ATLANTIC DIVING SUPPLY, INC.", uei="ABCDEFGHJK12")
    b = resolver.resolve("ATLANTIC DIVING SUPPLY INCORPORATED", uei="ABCDEFGHJK12")
    assert a.iri == b.iri
    assert b.rule in ("uei", "same-name")
    c = resolver.resolve("SOMETHING ELSE ENTIRELY", uei="ABCDEFGHJK12")
    assert c.iri == a.iri and c.rule == "uei"
    d = resolver.resolve("ANOTHER NAME", duns="012345678")
    e = resolver.resolve("YET ANOTHER NAME", duns="012345678")
    assert d.iri == e.iri and e.rule == "duns"


def test_every_decision_recorded_with_its_rule(resolver):
    resolver.resolve("THE GEO GROUP, INC.")
    resolver.resolve("GEORGIA")
    rows = {r[0]: r for r in resolver.decision_rows()}
    assert rows["THE GEO GROUP, INC."][2] == str(ENT["geo-group"])
    assert rows["THE GEO GROUP, INC."][4] == "alias-table"
    assert rows["GEORGIA"][4] == "new"


def test_ambiguous_name_creates_separate_entity(bundled):
    from corpgraph.entity_resolution import Known

    r = Resolver([Known("urn:a", "Acme", "Company", set()), Known("urn:b", "ACME INC", "Company", set())])
    d = r.resolve("Acme, Inc.")
    assert d.rule == "ambiguous" and d.iri not in ("urn:a", "urn:b")
    assert "urn:a" in d.detail and "urn:b" in d.detail


def test_types_must_be_compatible(resolver):
    # ICM is a curated System: a company called ICM is not it
    assert resolver.resolve("ICM").iri != str(ENT["icm"])


def test_resolver_entity_index(resolver):
    idx = resolver.entity_index()
    assert idx.resolve("GEO Group") == str(ENT["geo-group"])


def test_government_of_the_united_states_is_the_curated_federal_government(resolver):
    d = resolver.resolve("GOVERNMENT OF THE UNITED STATES", etype="GovernmentBody")
    assert d.iri == str(ENT["us-federal-government"]) and not d.created


def test_cage_codes_join_a_company_but_never_split_one(resolver):
    """A CAGE code names one location of a company: it joins a name to the company that holds it, but
    a second CAGE code beside the first is the same company (UEI and DUNS decide that)."""
    a = resolver.resolve("NORTHERN OPTICS, INC.", uei="NRTHOPT12345", cage="1ABC2")
    b = resolver.resolve("NORTHERN OPTICS DIVISION OF TWIN LAKES", cage="1abc2 ")
    assert b.iri == a.iri and b.rule == "cage" and b.detail == "cage 1ABC2"
    c = resolver.resolve("NORTHERN OPTICS, INC.", uei="NRTHOPT12345", cage="9XYZ9")  # another location
    assert c.iri == a.iri
    assert resolver.resolve("SOMEONE ELSE", cage="9XYZ9").iri == a.iri
    assert {("cage", "1ABC2"), ("cage", "9XYZ9"), ("uei", "NRTHOPT12345")} <= resolver.known_ids(a.iri)
    triples = []

    class Sink:
        add = triples.append

    resolver.entity_triples(Sink())
    from corpgraph.vocab import CG

    assert {str(o) for s, p, o in triples if p == CG.cage and str(s) == a.iri} == {"1ABC2", "9XYZ9"}


# Two files of one name: the dashboard's transactions (no identifier) and award summaries where two
# companies of that name (two UEIs) hold one award each.  Imported in either order, the same names
# must go to the same entities.
_TX_HEADER = (
    "Agency,Award ID,Recipient Name,Federal Action Obligation,Action Date,Modification,"
    "Product/Service Description,NAICS Description,Transaction Description,Generated Award ID\n"
)
_TX_ROWS = (
    "ICE,70CMSD25F00000001,ACME WIDGETS INC,1000.00,2025-03-04,0,WIDGETS,WIDGETS,WIDGETS,"
    "CONT_AWD_70CMSD25F00000001_7012_-NONE-_-NONE-\n"
    "ICE,70CMSD25F00000002,BETA TOOLS LLC,500.00,2025-03-05,0,TOOLS,TOOLS,TOOLS,"
    "CONT_AWD_70CMSD25F00000002_7012_-NONE-_-NONE-\n"
)
_AWARD_HEADER = (
    "contract_award_unique_key,award_id_piid,total_obligated_amount,potential_total_value_of_award,"
    "awarding_sub_agency_code,awarding_sub_agency_name,recipient_uei,recipient_duns,recipient_name\n"
)
_AWARD_ROWS = (
    "CONT_AWD_70CMSD20P00000011_7012_-NONE-_-NONE-,70CMSD20P00000011,2000,3000,7012,ICE,"
    "AAAAAAAAAAA1,,ACME WIDGETS INC\n"
    "CONT_AWD_70CMSD20P00000012_7012_-NONE-_-NONE-,70CMSD20P00000012,4000,5000,7012,ICE,"
    "BBBBBBBBBBB2,,ACME WIDGETS INC\n"
    "CONT_AWD_70CMSD20P00000013_7012_-NONE-_-NONE-,70CMSD20P00000013,700,800,7012,ICE,"
    "CCCCCCCCCCC3,,BETA TOOLS LLC\n"
)


def _decisions(folder) -> list[tuple[str, str, str, str]]:
    import csv

    out = []
    for path in sorted((folder / "imports").glob("*.decisions.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            out += [(path.name, r["source_name"], r["identifier"], r["entity"]) for r in csv.DictReader(fh)]
    return sorted(out)


def test_two_import_orders_give_the_same_entities(tmp_path):
    """A name two UEIs share joins neither company by name: the unidentified transactions' name gets
    an entity of its own (flagged ambiguous where both companies are known), and each company one
    whose IRI comes from its UEI; a name with one UEI joins the unidentified spelling in both orders."""
    import shutil

    from corpgraph.importing import import_file
    from corpgraph.store import bundled_graph_dir

    (tmp_path / "tx.csv").write_text(_TX_HEADER + _TX_ROWS, encoding="utf-8")
    (tmp_path / "awards.csv").write_text(_AWARD_HEADER + _AWARD_ROWS, encoding="utf-8")
    found = []
    for name, order in (("forward", ["tx.csv", "awards.csv"]), ("reverse", ["awards.csv", "tx.csv"])):
        graph = tmp_path / name
        shutil.copytree(bundled_graph_dir(), graph)
        for file in order:
            import_file("usaspending", tmp_path / file, graph_dir=graph)
        found.append(_decisions(graph))
    assert found[0] == found[1]
    entity = {(source, ident): iri for _, source, ident, iri in found[0]}
    acme_a, acme_b = (
        entity[("ACME WIDGETS INC", "uei:AAAAAAAAAAA1")],
        entity[("ACME WIDGETS INC", "uei:BBBBBBBBBBB2")],
    )
    assert acme_a == str(ENT["acme-widgets-uei-aaaaaaaaaaa1"])
    assert acme_b == str(ENT["acme-widgets-uei-bbbbbbbbbbb2"])
    assert entity[("ACME WIDGETS INC", "")] not in (acme_a, acme_b)
    # one company of that name: the transactions and the award are one entity, whichever came first
    assert entity[("BETA TOOLS LLC", "")] == entity[("BETA TOOLS LLC", "uei:CCCCCCCCCCC3")]


def _part_triples(folder) -> dict[str, set[tuple[str, str, str]]]:
    import pyoxigraph

    return {
        path.name: {
            (q.subject.value, q.predicate.value, q.object.value)
            for q in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
        }
        for path in sorted((folder / "imports").glob("*.ttl"))
    }


def test_a_name_split_between_two_later_files_gives_the_same_graph_in_any_order(tmp_path):
    """Issue 9 §5/§7: one UEI of ACME WIDGETS INC in each of two award files.  Each file alone would
    join the transactions' bare name to its company; together they show two companies of that name.
    The folder's imports are resolved together (corpgraph.folder_resolution), so every order of
    the three files gives the same decisions and the same triples, and importing any file again
    changes nothing."""
    import shutil

    from corpgraph.importing import import_file
    from corpgraph.store import bundled_graph_dir

    rows = _AWARD_ROWS.splitlines(keepends=True)
    (tmp_path / "tx.csv").write_text(_TX_HEADER + _TX_ROWS, encoding="utf-8")
    (tmp_path / "awards-a.csv").write_text(_AWARD_HEADER + rows[0] + rows[2], encoding="utf-8")
    (tmp_path / "awards-b.csv").write_text(_AWARD_HEADER + rows[1], encoding="utf-8")
    orders = [
        ["tx.csv", "awards-a.csv", "awards-b.csv"],
        ["awards-b.csv", "awards-a.csv", "tx.csv"],
        ["awards-a.csv", "tx.csv", "awards-b.csv"],
    ]
    decisions, triples, rewritten = [], [], []
    for n, order in enumerate(orders):
        graph = tmp_path / f"order-{n}"
        shutil.copytree(bundled_graph_dir(), graph)
        for file in order:
            rewritten += import_file("usaspending", tmp_path / file, graph_dir=graph).reresolved
        decisions.append(_decisions(graph))
        triples.append(_part_triples(graph))
        for file in order:  # again: the same bytes, no earlier part rewritten
            again = import_file("usaspending", tmp_path / file, graph_dir=graph)
            assert not again.changed and not again.reresolved, (order, file)
    assert decisions[0] == decisions[1] == decisions[2]
    assert triples[0] == triples[1] == triples[2]
    assert rewritten, "some order imports a file that changes an earlier import's decisions"
    entity = {(source, ident): iri for _, source, ident, iri in decisions[0]}
    a, b = entity[("ACME WIDGETS INC", "uei:AAAAAAAAAAA1")], entity[("ACME WIDGETS INC", "uei:BBBBBBBBBBB2")]
    assert a != b and entity[("ACME WIDGETS INC", "")] not in (a, b)
    assert entity[("BETA TOOLS LLC", "")] == entity[("BETA TOOLS LLC", "uei:CCCCCCCCCCC3")]


def test_a_failed_import_leaves_the_earlier_parts_it_would_rewrite_as_they_were(tmp_path, monkeypatch):
    import shutil

    from corpgraph import fileio
    from corpgraph.errors import OutputError
    from corpgraph.importing import import_file
    from corpgraph.store import bundled_graph_dir

    rows = _AWARD_ROWS.splitlines(keepends=True)
    (tmp_path / "tx.csv").write_text(_TX_HEADER + _TX_ROWS, encoding="utf-8")
    (tmp_path / "awards-a.csv").write_text(_AWARD_HEADER + rows[0], encoding="utf-8")
    graph = tmp_path / "graph"
    shutil.copytree(bundled_graph_dir(), graph)
    import_file("usaspending", tmp_path / "tx.csv", graph_dir=graph)
    before = {p.name: p.read_bytes() for p in (graph / "imports").iterdir()}
    real_replace = fileio.os.replace
    calls = []

    def fail_late(src, dst):  # the last file placed fails, after the earlier part was replaced
        calls.append(dst)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(fileio.os, "replace", fail_late)
    with pytest.raises(OutputError):
        import_file("usaspending", tmp_path / "awards-a.csv", graph_dir=graph)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in (graph / "imports").iterdir()} == before
    done = import_file("usaspending", tmp_path / "awards-a.csv", graph_dir=graph)
    assert done.reresolved == ["imports/usaspending-tx"]  # the import that failed would rewrite it
    assert (graph / "imports" / "usaspending-tx.ttl").read_bytes() != before["usaspending-tx.ttl"]


def test_evidence_that_cannot_be_replayed_is_a_clear_error_and_changes_nothing(tmp_path):
    import shutil

    from corpgraph.errors import ImportFailed
    from corpgraph.importing import import_file
    from corpgraph.store import bundled_graph_dir

    (tmp_path / "tx.csv").write_text(_TX_HEADER + _TX_ROWS, encoding="utf-8")
    (tmp_path / "awards.csv").write_text(_AWARD_HEADER + _AWARD_ROWS, encoding="utf-8")
    graph = tmp_path / "graph"
    shutil.copytree(bundled_graph_dir(), graph)
    import_file("usaspending", tmp_path / "tx.csv", graph_dir=graph)
    evidence = graph / "imports" / "usaspending-tx.evidence.jsonl"
    assert '"ACME WIDGETS INC"' in evidence.read_text(encoding="utf-8")
    evidence.write_text('["resolve", ["ACME"\n', encoding="utf-8")
    before = {p.name: p.read_bytes() for p in (graph / "imports").iterdir()}
    with pytest.raises(ImportFailed, match="usaspending-tx.evidence.jsonl: cannot resolve that import again"):
        import_file("usaspending", tmp_path / "awards.csv", graph_dir=graph)
    assert {p.name: p.read_bytes() for p in (graph / "imports").iterdir()} == before

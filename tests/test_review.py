"""Entity resolution people can review (issue 9 §5): legal forms, banks, identifiers, `corpgraph review`."""

from __future__ import annotations

import json

import pytest

from corpgraph.cli import cli
from corpgraph.entity_resolution import Resolver, legal_form, name_key, same_legal_entity
from corpgraph.vocab import ENT

HEADER = (
    "Agency,Award ID,Recipient Name,Federal Action Obligation,Action Date,Modification,"
    "Product/Service Description,NAICS Description,Transaction Description,Generated Award ID\n"
)


def _row(piid: str, name: str, amount: str) -> str:
    return f'ICE,{piid},"{name}",{amount},2025-03-04,0,GUARDS,SECURITY,FUNDING,CONT_AWD_{piid}_7012_-NONE-_-NONE-\n'


@pytest.fixture(scope="module")
def resolver(bundled):
    return Resolver.from_backend(bundled)


def test_ampersands_inside_a_word_fold_and_legal_forms_are_read():
    assert name_key("AT&T Mobility") == name_key("ATT MOBILITY LLC") == "att mobility"
    assert name_key("B & W SUPPLY") != name_key("BW SUPPLY")
    assert legal_form("ACME, L.L.C.") == "llc"
    assert legal_form("ACME INCORPORATED") == legal_form("ACME, INC.") == "inc"
    assert (
        legal_form("WELLS FARGO BANK, NATIONAL ASSOCIATION") == legal_form("Fifth Third Bank, N.A.") == "na"
    )
    assert legal_form("GEO Group") is None
    assert name_key("FIFTH THIRD BANK, NATIONAL ASSOCIATION") == name_key("Fifth Third Bank, N.A.")
    assert same_legal_entity("inc", {None}) and same_legal_entity(None, {"inc"})
    assert not same_legal_entity("llc", {"inc"})
    assert not same_legal_entity("na", {None}) and not same_legal_entity(None, {"na"})


def test_att_mobility_spellings_are_one_entity(resolver):
    a = resolver.resolve("AT&T Mobility")
    b = resolver.resolve("ATT MOBILITY LLC")
    assert a.iri == b.iri and a.iri != str(ENT.att)


def _bank_holding() -> Resolver:
    """A holding company known, as in the bundled graph, also by its bank's name."""
    from corpgraph.entity_resolution import Known

    return Resolver(
        [
            Known("urn:bancorp", "Fifth Third Bancorp", "Company", {"Fifth Third", "Fifth Third Bank"}),
            Known("urn:suntrust", "SunTrust", "Company", {"SunTrust Banks", "SunTrust Bank"}),
        ]
    )


def test_a_national_bank_is_not_its_holding_company():
    r = _bank_holding()
    d = r.resolve("FIFTH THIRD BANK, NATIONAL ASSOCIATION")
    assert d.iri != "urn:bancorp" and d.created
    assert d.status == "pending" and d.candidate == "urn:bancorp"


def test_another_legal_form_is_a_proposal_not_a_merge():
    r = Resolver([])
    inc = r.resolve("GOVERNMENT ACQUISITIONS INC")
    llc = r.resolve("GOVERNMENT ACQUISITIONS LLC")
    assert llc.iri != inc.iri and llc.rule == "legal-form" and llc.status == "pending"
    assert llc.candidate == inc.iri and llc.proposal_id.startswith("p")
    assert r.resolve("Government Acquisitions").rule == "ambiguous"  # no form: both fit
    assert [d.source_name for d in r.pending()] == ["GOVERNMENT ACQUISITIONS LLC"]
    accepted = Resolver([], reviewed={llc.proposal_id: "accepted"})
    first = accepted.resolve("GOVERNMENT ACQUISITIONS INC")
    again = accepted.resolve("GOVERNMENT ACQUISITIONS LLC")
    assert again.iri == first.iri and again.status == "accepted" and not accepted.pending()
    rejected = Resolver([], reviewed={llc.proposal_id: "rejected"})
    rejected.resolve("GOVERNMENT ACQUISITIONS INC")
    kept_apart = rejected.resolve("GOVERNMENT ACQUISITIONS LLC")
    assert kept_apart.status == "rejected" and kept_apart.iri != first.iri and not rejected.pending()


def test_identifiers_decide_over_names():
    r = Resolver([])
    a = r.resolve("ACME SERVICES LLC", uei="AAAAAAAAAAA1")
    b = r.resolve("ACME SERVICES, LLC", uei="BBBBBBBBBBB2")
    assert a.iri != b.iri, "two UEIs are two companies, whatever their names"
    parent = r.resolve("KESTREL HOLDINGS INC", uei="PPPPPPPPPPP1")
    child = r.resolve("KESTREL HOLDINGS, INC.", uei="CCCCCCCCCCC1", parent_uei="PPPPPPPPPPP1")
    assert child.iri != parent.iri, "the entity with the parent's UEI is the parent"


def test_review_lists_accepts_and_reapplies_on_import(runner, tmp_graph, tmp_path):
    data = tmp_path / "tx.csv"
    data.write_text(
        HEADER
        + _row("70X0001", "DAWSON SOLUTIONS, INC.", "100.0")
        + _row("70X0002", "DAWSON SOLUTIONS, LLC", "5.0"),
        encoding="utf-8",
    )
    args = ["import", "usaspending", str(data), "--graph", str(tmp_graph)]
    first = runner.invoke(cli, args, catch_exceptions=False)
    assert first.exit_code == 0 and "waiting for review:" in first.output
    assert " 1 (list them with: corpgraph review)" in first.output
    listed = runner.invoke(cli, ["review", "--graph", str(tmp_graph), "-f", "json"], catch_exceptions=False)
    [item] = json.loads(listed.output)
    assert item["rule"] == "legal-form" and item["source_name"] == "DAWSON SOLUTIONS, LLC"
    assert item["status"] == "pending" and "llc against inc" in item["evidence"]
    # the list in the row formats of every other command: one row per proposal
    as_csv = runner.invoke(cli, ["review", "--graph", str(tmp_graph), "-f", "csv"], catch_exceptions=False)
    header, row = as_csv.output.splitlines()
    assert header.startswith("id,status,rule,source_name") and row.startswith(
        f"{item['id']},pending,legal-form,"
    )
    table = runner.invoke(cli, ["review", "--graph", str(tmp_graph), "-f", "table"], catch_exceptions=False)
    assert item["id"] in table.output and "DAWSON SOLUTIONS, LLC" in table.output
    ttl = tmp_graph / "imports" / "usaspending-tx.ttl"
    assert "dawson-solutions-llc" in ttl.read_text(encoding="utf-8")

    done = runner.invoke(
        cli, ["review", "accept", item["id"], "--graph", str(tmp_graph)], catch_exceptions=False
    )
    assert done.exit_code == 0 and "accepted" in done.output and "takes effect now" in done.output
    assert runner.invoke(cli, ["review", "--graph", str(tmp_graph)]).output.startswith("No decisions wait")
    decided = runner.invoke(cli, ["review", "--all", "--graph", str(tmp_graph)], catch_exceptions=False)
    assert f"{item['id']} [accepted]" in decided.output
    # at once, with no import: both spellings are one entity, and the graph validates
    text = ttl.read_text(encoding="utf-8")
    assert "dawson-solutions-llc" not in text, "the accepted merge sends both spellings to one entity"
    assert 'cg:alias "DAWSON SOLUTIONS, LLC"' in text
    money = runner.invoke(
        cli, ["money", "Dawson Solutions", "--graph", str(tmp_graph)], catch_exceptions=False
    )
    assert "obligated in fiscal year: $105 in 2 records" in money.output
    valid = runner.invoke(cli, ["validate", "--graph", str(tmp_graph)], catch_exceptions=False)
    assert valid.exit_code == 0, valid.output
    decisions = (tmp_graph / "imports" / "usaspending-tx.decisions.csv").read_text(encoding="utf-8")
    assert f"accepted,{item['id']}," in decisions and "dawson-solutions-llc" not in decisions
    # importing again applies the decision the same way: nothing to change
    again = runner.invoke(cli, args, catch_exceptions=False)
    assert " 0\n" in again.output.split("waiting for review:")[1][:60]
    assert "unchanged (already imported)" in again.output, again.output

    missing = runner.invoke(cli, ["review", "reject", "pnothing", "--graph", str(tmp_graph)])
    assert missing.exit_code == 1 and "No proposal 'pnothing'" in missing.output


def test_a_near_facility_name_in_the_same_state_is_a_proposal():
    from corpgraph.entity_resolution import Known

    r = Resolver([Known("urn:adelanto", "Adelanto ICE Processing Center", "Facility", set())])
    r.places["urn:adelanto"] = "Adelanto, CA"
    d = r.resolve_facility("ADELANTO DETENTION FACILITY", "Adelanto, CA")
    assert d.rule == "facility-name" and d.status == "pending" and d.candidate == "urn:adelanto"
    assert d.iri != "urn:adelanto" and "'adelanto'" in d.detail
    assert r.resolve_facility("Adelanto Detention Facility", "Houston, TX").rule == "new"  # another state
    accepted = Resolver(
        [Known("urn:adelanto", "Adelanto ICE Processing Center", "Facility", set())],
        reviewed={d.proposal_id: "accepted"},
    )
    accepted.places["urn:adelanto"] = "Adelanto, CA"
    assert accepted.resolve_facility("ADELANTO DETENTION FACILITY", "Adelanto, CA").iri == "urn:adelanto"


def test_the_articles_palantir_contract_is_proposed_as_the_usaspending_award(tmp_graph):
    from conftest import TEST_DATA
    from corpgraph import review
    from corpgraph.importing import import_file

    data = TEST_DATA / "import" / "usaspending-transactions.csv"
    first = import_file("usaspending", data, graph_dir=tmp_graph)
    [match] = [d for d in first.pending if d.rule == "record-match"]
    assert match.candidate.endswith("/palantir-immigrationos-contract")
    assert "29,898,236 on 2025-04-11" in match.detail and "30,000,000 on 2025-04" in match.detail
    ttl = tmp_graph / "imports" / "usaspending-usaspending-transactions.ttl"
    assert "sameTransactionAs" not in ttl.read_text(encoding="utf-8")  # a proposal until reviewed
    review.decide(tmp_graph, match.proposal_id, "accepted")
    # at once: the award is linked to the article's record
    assert "cg:sameTransactionAs rec:palantir-immigrationos-contract" in ttl.read_text(encoding="utf-8")
    again = import_file("usaspending", data, graph_dir=tmp_graph)
    assert not [d for d in again.pending if d.rule == "record-match"]
    assert not again.changed  # the import applies the decision exactly as the review did
    assert "cg:sameTransactionAs rec:palantir-immigrationos-contract" in ttl.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "parent"), [("FIFTH THIRD BANK", "urn:bancorp"), ("SUNTRUST BANK", "urn:suntrust")]
)
def test_a_bank_matching_a_holding_companys_alias_is_a_proposal(name, parent):
    """An alias such as 'Fifth Third Bank' on the holding company must not pull the bank into it."""
    r = _bank_holding()
    d = r.resolve(name)
    assert d.rule == "holding-company" and d.status == "pending"
    assert d.iri != parent and d.candidate == parent
    assert r.resolve("Fifth Third").iri == "urn:bancorp"
    assert r.resolve("SunTrust Banks").iri == "urn:suntrust"


CURATED_CSV = (
    "kind,from,to,amount,amount_kind,date,certainty,source_url,source_title,publisher,quote,id\n"
    "Contract,ICE,Palantir,30000000,contractValue,2025-04,reported,"
    "https://popular.info/p/the-corporate-enablers-of-the-ice,The corporate enablers of the ICE crackdown,"
    'Popular Information,"Last April, the Trump administration awarded Palantir a new $30 million contract '
    'to create “ImmigrationOS,”",immigrationos-from-the-sheet\n'
)


def test_a_curated_record_is_matched_with_an_award_whatever_the_import_order(tmp_path):
    """The curated sheet imported after the award file gets the proposal the award file gives when it
    comes second: the same question, the same id, listed once, and accepting it links the two."""
    import shutil

    from conftest import TEST_DATA
    from corpgraph import review
    from corpgraph.importing import import_file
    from corpgraph.store import bundled_graph_dir

    awards = TEST_DATA / "import" / "usaspending-transactions.csv"
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(CURATED_CSV, encoding="utf-8")
    found = {}
    for name, order in (
        ("awards-first", [("usaspending", awards), ("csv", sheet)]),
        ("sheet-first", [("csv", sheet), ("usaspending", awards)]),
    ):
        folder = tmp_path / name
        shutil.copytree(bundled_graph_dir(), folder)
        for kind, path in order:
            import_file(kind, path, graph_dir=folder)
        found[name] = {
            p.id: p for p in review.proposals(folder) if p.candidate.endswith("-immigrationos-from-the-sheet")
        }
    assert found["awards-first"].keys() == found["sheet-first"].keys() and len(found["sheet-first"]) == 1
    [(pid, match)] = found["awards-first"].items()
    assert match.rule == "record-match" and "29,898,236 on 2025-04-11" in match.evidence
    assert match.entity == found["sheet-first"][pid].entity  # the same award record either way
    folder = tmp_path / "awards-first"
    review.decide(folder, pid, "accepted")
    sheet_part = (folder / "imports" / "csv-sheet.ttl").read_text(encoding="utf-8")
    award_part = (folder / "imports" / "usaspending-usaspending-transactions.ttl").read_text(encoding="utf-8")
    assert "cg:sameTransactionAs rec:csv-sheet-immigrationos-from-the-sheet" in sheet_part + award_part
    # importing either file again keeps the link and asks no more
    for kind, path in (("csv", sheet), ("usaspending", awards)):
        again = import_file(kind, path, graph_dir=folder)
        assert not [d for d in again.pending if d.candidate.endswith("-immigrationos-from-the-sheet")]
    text = "".join(p.read_text(encoding="utf-8") for p in (folder / "imports").glob("*.ttl"))
    assert "cg:sameTransactionAs rec:csv-sheet-immigrationos-from-the-sheet" in text


def test_a_bare_name_does_not_carry_another_legal_form_into_an_entity():
    """Issue 9 §5: 'Acme Widgets' (no form) joins ACME WIDGETS INC; ACME WIDGETS LLC then differs from
    that entity in legal form alone, so it is a proposal, not a merge through the bare name."""
    r = Resolver([])
    inc = r.resolve("ACME WIDGETS INC")
    bare = r.resolve("Acme Widgets")
    assert bare.iri == inc.iri
    llc = r.resolve("ACME WIDGETS, LLC")
    assert llc.iri != inc.iri and llc.rule == "legal-form" and llc.candidate == inc.iri
    assert not same_legal_entity("llc", {None, "inc"}) and same_legal_entity("inc", {None, "inc"})

"""The facts of the Popular Information article, read back from the bundled graph through the library.

Each class holds one kind of fact.  Records are found by what they say (kind, participants, amounts),
not by their IRIs, through ``Backend.select`` with bound parameters and through the network
projection (``netgraph.project``), so a fact moved, renamed or mistyped in graph/ fails here.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from conftest import SHARED
from corpgraph import netgraph
from corpgraph.resolve import EntityIndex
from corpgraph.store import bundled_graph_dir
from corpgraph.validate import validate_folder
from corpgraph.vocab import CG, ENT, SPARQL_PREFIXES, SRC

ARTICLE = SHARED / "sources" / "popular-info-corporate-enablers-of-ice.txt"
ARTICLE_SRC = SRC["popular-info-corporate-enablers"]


# --------------------------------------------------------------------------------------------------
# helpers: every read goes through the Backend's SPARQL
# --------------------------------------------------------------------------------------------------


def select(backend, body: str, **bindings) -> list[dict]:
    """Rows of ``SELECT * WHERE { body }`` with ``bindings`` bound as parameters."""
    return backend.select(SPARQL_PREFIXES + "SELECT * WHERE { " + body + " }", bindings).dicts()


def find(backend, kind: str, **roles: URIRef) -> list[URIRef]:
    """Records of ``kind`` (a cg: class name) having every given role (cg: property name -> entity)."""
    patterns = " ".join(f"?rec cg:{role} ?{role} ." for role in roles)
    rows = select(backend, f"?rec a cg:{kind} . {patterns}", **roles)
    return sorted({r["rec"] for r in rows})


def one(backend, kind: str, **roles: URIRef) -> dict[str, list]:
    """The single record of ``kind`` with these roles, as {property local name: [values]}."""
    recs = find(backend, kind, **roles)
    assert len(recs) == 1, f"expected one {kind} with {roles}, found {recs}"
    return props(backend, recs[0])


def props(backend, rec: URIRef) -> dict[str, list]:
    out: dict[str, list] = {}
    for row in select(backend, "?rec ?p ?o .", rec=rec):
        name = str(row["p"]).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        out.setdefault(name, []).append(row["o"])
    return out


def single(values: dict, name: str):
    got = values.get(name, [])
    assert len(got) == 1, f"expected one {name}, got {got}"
    return got[0]


def ent(slug: str) -> URIRef:
    return ENT[slug]


def amount(values: dict) -> Decimal:
    lit = single(values, "amount")
    assert lit.datatype == XSD.decimal
    return Decimal(str(lit))


def month(text: str) -> Literal:
    return Literal(text, datatype=XSD.gYearMonth)


def year(text: str) -> Literal:
    return Literal(text, datatype=XSD.gYear)


def edges(net, u: str, v: str, kind: str) -> list[dict]:
    data = net.get_edge_data(str(ent(u)), str(ent(v))) or {}
    return [d for d in data.values() if d["kind"] == kind]


# --------------------------------------------------------------------------------------------------
# hosting, development, use, operation, partnership
# --------------------------------------------------------------------------------------------------


class TestSystems:
    def test_aws_hosts_icm_the_article_names_no_client(self, bundled):
        rec = one(bundled, "Hosting", host=ent("aws"), system=ent("icm"))
        assert "client" not in rec  # "hosts the database ... that ICE uses": not said to host it for ICE
        assert single(rec, "certainty") == CG.reported
        assert "client" not in one(bundled, "Development", developer=ent("palantir"), system=ent("icm"))

    def test_palantir_built_icm_and_ice_uses_it(self, bundled):
        assert one(bundled, "Development", developer=ent("palantir"), system=ent("icm"))
        use = one(bundled, "SystemUse", user=ent("ice"), system=ent("icm"))
        assert "target and deport immigrants" in str(single(use, "purpose"))

    def test_immigrationos_hosting_is_only_likely(self, bundled, bundled_net):
        rec = one(bundled, "Hosting", host=ent("aws"), system=ent("immigrationos"))
        assert single(rec, "certainty") == CG.likely
        (edge,) = edges(bundled_net, "aws", "immigrationos", "Hosting")
        assert edge["certainty"] == "likely"
        firm = netgraph.filter_edges(bundled_net, min_certainty="reported")
        assert not firm.has_edge(str(ent("aws")), str(ent("immigrationos")))
        assert firm.has_edge(str(ent("aws")), str(ent("icm")))

    def test_palantir_builds_immigrationos_for_ice(self, bundled):
        dev = one(bundled, "Development", developer=ent("palantir"), system=ent("immigrationos"))
        assert single(dev, "client") == ent("ice")
        assert single(dev, "date") == month("2025-04")
        assert one(bundled, "SystemUse", user=ent("ice"), system=ent("immigrationos"))

    def test_aws_hosts_hart_for_dhs_still_in_development(self, bundled):
        rec = one(bundled, "Hosting", host=ent("aws"), system=ent("hart"))
        assert single(rec, "client") == ent("dhs")
        use = one(bundled, "SystemUse", user=ent("dhs"), system=ent("hart"))
        assert "development" in str(single(use, "status"))
        assert single(use, "certainty") == CG.likely  # a system for DHS, still in development: use not stated

    def test_ice_use_of_immigrationos_is_only_likely(self, bundled):
        use = one(bundled, "SystemUse", user=ent("ice"), system=ent("immigrationos"))
        assert single(use, "certainty") == CG.likely  # a tool contracted "to provide [ICE]" with capabilities

    def test_amazon_provides_the_technological_backbone(self, bundled, bundled_net, article_text):
        rec = one(bundled, "ServiceProvision", provider=ent("amazon"), client=ent("ice"))
        (quote,) = rec["quote"]
        assert (
            "provides much of the technological backbone for ICE’s surveillance and deportation activities"
            in str(quote)
        )
        assert str(quote) in article_text
        assert single(rec, "certainty") == CG.reported
        assert edges(bundled_net, "amazon", "ice", "ServiceProvision")[0]["label"] == "provides services to"

    def test_att_operates_firstnet(self, bundled, bundled_net):
        assert one(bundled, "Operation", operator=ent("att"), asset=ent("firstnet"))
        assert edges(bundled_net, "att", "firstnet", "Operation")[0]["label"] == "operates"

    def test_aws_palantir_partnership_is_one_symmetric_edge(self, bundled, bundled_net):
        rec = one(bundled, "Partnership", partner=ent("aws"))
        assert set(rec["partner"]) == {ent("aws"), ent("palantir")}
        found = edges(bundled_net, "aws", "palantir", "Partnership")
        found += edges(bundled_net, "palantir", "aws", "Partnership")
        assert len(found) == 1 and found[0]["symmetric"] is True


# --------------------------------------------------------------------------------------------------
# contracts
# --------------------------------------------------------------------------------------------------


class TestContracts:
    def test_att_dhs_ten_year_contract(self, bundled, bundled_net):
        rec = one(bundled, "Contract", supplier=ent("att"), buyer=ent("dhs"))
        assert amount(rec) == Decimal("147000000")
        assert single(rec, "currency") == Literal("USD")
        assert single(rec, "amountKind") == CG.contractValue
        assert single(rec, "date") == month("2024-09")
        assert single(rec, "duration") == Literal("P10Y", datatype=XSD.duration)
        assert single(rec, "beneficiary") == ent("ice")
        assert "mission-critical communications services" in str(single(rec, "purpose"))
        (edge,) = edges(bundled_net, "dhs", "att", "Contract")
        assert edge["amount"] == Decimal("147000000") and edge["money_flow"] == "forward"

    def test_att_no_bid_ice_contract(self, bundled):
        rec = one(bundled, "Contract", supplier=ent("att"), buyer=ent("ice"))
        assert amount(rec) == Decimal("11000000")
        assert single(rec, "noBid") == Literal(True)
        assert single(rec, "date") == month("2025-08")
        assert "data analytics and support services" in str(single(rec, "purpose"))

    def test_only_the_august_contract_is_no_bid(self, bundled):
        rows = select(bundled, "?rec a cg:Contract ; cg:noBid true ; cg:supplier ?s .")
        assert [r["s"] for r in rows] == [ent("att")]

    def test_palantir_immigrationos_contract(self, bundled):
        rec = one(bundled, "Contract", supplier=ent("palantir"))
        assert amount(rec) == Decimal("30000000")
        assert single(rec, "amountKind") == CG.contractValue
        assert single(rec, "date") == month("2025-04")
        assert single(rec, "buyer") == ent("ice")
        assert "ImmigrationOS" in str(single(rec, "purpose"))

    def test_amazon_government_contracts_have_no_invented_amount(self, bundled):
        rec = one(bundled, "Contract", supplier=ent("amazon"), buyer=ent("us-federal-government"))
        assert "amount" not in rec
        assert str(single(rec, "amountText")) == "billions"


# --------------------------------------------------------------------------------------------------
# financing and corporate structure
# --------------------------------------------------------------------------------------------------


class TestFinancing:
    def test_citizens_credit_line_to_geo_group(self, bundled, bundled_net):
        citizens = ent("citizens-financial-group")
        rec = one(bundled, "CreditFacility", lender=citizens, borrower=ent("geo-group"))
        assert amount(rec) == Decimal("450000000")
        assert single(rec, "amountKind") == CG.creditLine
        assert single(rec, "date") == month("2025-07")
        assert "revolving" in str(single(rec, "purpose"))
        (edge,) = edges(bundled_net, "citizens-financial-group", "geo-group", "CreditFacility")
        assert edge["amount_kind"] == "creditLine"

    def test_citizens_underwrote_corecivic_bonds(self, bundled, bundled_net):
        citizens = ent("citizens-financial-group")
        rec = one(bundled, "BondUnderwriting", underwriter=citizens, issuer=ent("corecivic"))
        assert amount(rec) == Decimal("500000000")
        assert single(rec, "amountKind") == CG.bondIssue
        assert single(rec, "date") == month("2025-03")
        (edge,) = edges(bundled_net, "citizens-financial-group", "corecivic", "BondUnderwriting")
        assert edge["money_flow"] == "none"  # an underwriter does not lend the face value

    def test_citizens_financial_group_operates_citizens_bank(self, bundled):
        citizens = ent("citizens-financial-group")
        assert one(bundled, "Ownership", owner=citizens, subsidiary=ent("citizens-bank"))

    def test_amazon_owns_aws_is_likely_inferred_from_the_wording(self, bundled, bundled_net, article_text):
        rec = one(bundled, "Ownership", owner=ent("amazon"), subsidiary=ent("aws"))
        assert single(rec, "certainty") == CG.likely  # the article never states it
        assert "inferred from its wording" in str(single(rec, "note"))
        assert all(str(q) in article_text for q in rec["quote"])
        assert single(rec, "source") == ARTICLE_SRC  # no other source in the graph states it
        firm = netgraph.filter_edges(bundled_net, min_certainty="reported")
        assert not firm.has_edge(str(ent("amazon")), str(ent("aws")))
        assert bundled_net.has_edge(str(ent("amazon")), str(ent("aws")))

    def test_private_prison_companies(self, bundled):
        rows = select(
            bundled,
            "?rec a cg:SectorMembership ; cg:sector ?sector ; cg:member ?m .",
            sector=ent("private-prison-industry"),
        )
        assert {r["m"] for r in rows} == {ent("geo-group"), ent("corecivic")}


# --------------------------------------------------------------------------------------------------
# pledges
# --------------------------------------------------------------------------------------------------

PLEDGERS = {
    "jpmorgan-chase",
    "wells-fargo",
    "bank-of-america",
    "suntrust",
    "bnp-paribas",
    "fifth-third-bancorp",
}


class TestPledges:
    def rows(self, bundled):
        return select(
            bundled,
            "?rec a cg:Pledge ; cg:pledger ?bank ; cg:about ?about ; cg:commitment ?c ; cg:date ?date . "
            "OPTIONAL { ?rec cg:laterSoftened ?soft } OPTIONAL { ?rec cg:revision ?rev }",
        )

    def test_six_banks_pledged_in_2019(self, bundled):
        rows = self.rows(bundled)
        assert {str(r["bank"]).rsplit("/", 1)[-1] for r in rows} == PLEDGERS
        assert len(rows) == 6
        for r in rows:
            assert r["date"] == year("2019")
            assert r["about"] == ent("private-prison-industry")
            assert str(r["c"]) == "stop working with the private prison industry"

    def test_exactly_bank_of_america_and_suntrust_softened(self, bundled):
        rows = self.rows(bundled)
        softened = {
            str(r["bank"]).rsplit("/", 1)[-1] for r in rows if "soft" in r and r["soft"].toPython() is True
        }
        assert softened == {"bank-of-america", "suntrust"}
        for r in rows:
            assert ("rev" in r) == ("soft" in r and r["soft"].toPython() is True)
            if "rev" in r:
                assert "detention companies in some circumstances" in str(r["rev"])

    def test_the_other_four_banks_softened_is_unknown_not_false(self, bundled):
        """The article does not say the other four did not soften their pledge: nothing is recorded."""
        unknown = {str(r["bank"]).rsplit("/", 1)[-1] for r in self.rows(bundled) if "soft" not in r}
        assert unknown == PLEDGERS - {"bank-of-america", "suntrust"}
        from corpgraph.query import load_query, run_query

        shown = {
            str(r["pledger"]).rsplit("/", 1)[-1]: r.get("softened")
            for r in run_query(bundled, load_query("pledges")).outcome.dicts()
        }
        assert {k for k, v in shown.items() if v is None} == unknown
        assert {k for k, v in shown.items() if v is not None and v.toPython() is True} == {
            "bank-of-america",
            "suntrust",
        }


# --------------------------------------------------------------------------------------------------
# statements and requests for comment
# --------------------------------------------------------------------------------------------------


class TestStatements:
    def test_amazon_refugee_webpage(self, bundled):
        rec = one(bundled, "Statement", speaker=ent("amazon"))
        assert str(single(rec, "medium")) == "corporate webpage"
        assert "refugee and humanitarian-based immigrant population" in str(single(rec, "text"))

    def test_citizens_website(self, bundled):
        rec = one(bundled, "Statement", speaker=ent("citizens-financial-group"))
        texts = {str(t) for t in rec["text"]}
        assert texts == {"committed to strengthening communities", "to advance social equity"}

    def test_att_human_rights_policy_and_firstnet_pitch(self, bundled):
        policy = [props(bundled, r) for r in find(bundled, "Statement", speaker=ent("att"))]
        by_medium = {str(single(p, "medium")): p for p in policy}
        hrp = by_medium["AT&T Human Rights Policy"]
        assert single(hrp, "date") == month("2025-08")
        assert any("not complicit in human rights abuses" in str(t) for t in hrp["text"])
        assert any("regardless of status or circumstance" in str(t) for t in hrp["text"])
        pitch = one(bundled, "Statement", speaker=ent("att"), about=ent("firstnet"))
        assert single(pitch, "addressee") == ent("us-federal-government")
        assert "undocumented immigrants" in str(single(pitch, "text"))

    def test_bezos_told_wired_in_2018(self, bundled):
        rec = one(bundled, "Statement", speaker=ent("jeff-bezos"), about=ent("ice"))
        assert single(rec, "date") == year("2018")
        assert single(rec, "addressee") == ent("wired")
        assert any("everybody is trying to get in" in str(t) for t in rec["text"])

    def test_employees_urged_bezos(self, bundled):
        rec = one(bundled, "Statement", speaker=ent("amazon-employees-2018"), addressee=ent("jeff-bezos"))
        assert ent("ice") in rec["about"]
        assert single(rec, "date") == year("2018")

    def test_advocates_2022_letter_about_hart(self, bundled):
        rec = one(bundled, "Statement", speaker=ent("advocates-2022-letter"), addressee=ent("amazon"))
        assert ent("hart") in rec["about"]
        assert single(rec, "date") == year("2022")
        assert "invasive biometrics database" in str(single(rec, "text"))

    def test_chicago_activists_accused_att(self, bundled):
        rec = one(bundled, "Statement", speaker=ent("chicago-activists"), about=ent("att"))
        assert single(rec, "date") == month("2025-11")
        assert any("lin[ing] its pockets with public dollars" in str(t) for t in rec["text"])

    def test_administration_claim_is_recorded_as_disputed(self, bundled):
        rec = one(bundled, "Statement", speaker=ent("administration-officials"), about=ent("alex-pretti"))
        assert "9 mm semi-automatic handgun" in str(single(rec, "text"))
        assert "holding a phone" in str(single(rec, "disputedBy"))

    @pytest.mark.parametrize("company", ["amazon", "citizens-financial-group", "att"])
    def test_popular_information_got_no_response(self, bundled, company):
        rec = one(bundled, "CommentRequest", requester=ent("popular-information"), respondent=ent(company))
        assert single(rec, "responded") == Literal(False)

    def test_amazon_did_not_answer_the_advocates(self, bundled):
        rec = one(bundled, "CommentRequest", requester=ent("advocates-2022-letter"), respondent=ent("amazon"))
        assert single(rec, "responded") == Literal(False)


# --------------------------------------------------------------------------------------------------
# figures and money semantics
# --------------------------------------------------------------------------------------------------


def figures(backend, subject: str) -> list[dict]:
    return [props(backend, r) for r in find(backend, "Figure", subject=ent(subject))]


class TestFigures:
    def test_hart_six_billion_is_the_cost_of_the_system(self, bundled):
        costs = [f for f in figures(bundled, "hart") if "amount" in f]
        assert len(costs) == 1
        assert amount(costs[0]) == Decimal("6000000000")
        assert single(costs[0], "amountKind") == CG.costOfSystem

    def test_no_amount_is_ever_paid_to_aws(self, bundled, bundled_net):
        rows = select(bundled, "?rec ?role ?aws ; cg:amount ?a .", aws=ent("aws"))
        assert rows == []
        pay = one(bundled, "Payment", payer=ent("palantir"), payee=ent("aws"))
        assert "amount" not in pay
        assert str(single(pay, "amountText")) == "millions of dollars annually"
        assert single(pay, "funder") == ent("us-federal-government")
        for _, _, d in bundled_net.in_edges(str(ent("aws")), data=True):
            assert d["amount"] is None

    @pytest.mark.parametrize(
        ("unit", "value", "qualifier"),
        [
            ("people", "270000000", "over"),
            ("iris scans", "6700000", None),
            ("face images", "1100000000", None),
        ],
    )
    def test_hart_data_counts(self, bundled, unit, value, qualifier):
        (fig,) = [f for f in figures(bundled, "hart") if [str(u) for u in f.get("countUnit", [])] == [unit]]
        assert single(fig, "value") == Literal(value, datatype=XSD.decimal)
        assert [str(q) for q in fig.get("amountQualifier", [])] == ([qualifier] if qualifier else [])

    def test_ice_detention_population(self, bundled):
        got = {
            (str(single(f, "date")), str(single(f, "amountQualifier"))): Decimal(str(single(f, "value")))
            for f in figures(bundled, "ice")
        }
        assert got == {("2025-01", "below"): Decimal(40000), ("2026-01", "over"): Decimal(73000)}

    def test_megabill_allocation(self, bundled):
        rec = one(bundled, "Appropriation", law=ent("trumps-megabill"))
        assert amount(rec) == Decimal("170000000000")
        assert single(rec, "amountKind") == CG.appropriation
        assert str(single(rec, "amountQualifier")) == "more than"
        assert single(rec, "duration") == Literal("P4Y", datatype=XSD.duration)
        assert single(rec, "date") == year("2025")
        assert "beneficiary" not in rec  # the article names no recipient

    def test_melania_loss_is_an_assessment_without_a_number(self, bundled):
        (fig,) = figures(bundled, "melania-film")
        assert single(fig, "certainty") == CG.likely
        assert "amount" not in fig and "value" not in fig
        assert str(single(fig, "amountText")) == "tens of millions of dollars"


# --------------------------------------------------------------------------------------------------
# people in roles
# --------------------------------------------------------------------------------------------------


class TestRoles:
    @pytest.mark.parametrize(
        ("person", "org", "title"),
        [
            ("andy-jassy", "amazon", "CEO"),
            ("jeff-bezos", "amazon", "CEO"),
            ("donald-trump", "us-federal-government", "President"),
            ("melania-trump", "us-federal-government", "First Lady"),
        ],
    )
    def test_role(self, bundled, bundled_net, person, org, title):
        rec = one(bundled, "Role", person=ent(person), organization=ent(org))
        assert str(single(rec, "title")) == title
        (edge,) = edges(bundled_net, person, org, "Role")
        assert edge["label"] == title

    def test_bezos_was_ceo_in_2018(self, bundled):
        rec = one(bundled, "Role", person=ent("jeff-bezos"))
        assert single(rec, "date") == year("2018")


# --------------------------------------------------------------------------------------------------
# payments, purchases, production, investment
# --------------------------------------------------------------------------------------------------


class TestPaymentsAndPurchases:
    def purchases(self, bundled):
        recs = find(bundled, "Purchase", buyer=ent("amazon"), object=ent("melania-film"))
        return [props(bundled, r) for r in recs]

    def test_amazon_paid_59_million_for_the_rights(self, bundled):
        (rights,) = [p for p in self.purchases(bundled) if "rights" in str(single(p, "purpose"))]
        assert amount(rights) == Decimal("59000000")
        assert single(rights, "amountKind") == CG.payment

    def test_35_million_promotion_reported_by_belloni(self, bundled):
        (promo,) = [p for p in self.purchases(bundled) if "promote" in str(single(p, "purpose"))]
        assert amount(promo) == Decimal("35000000")
        assert single(promo, "attributedTo") == ent("matt-belloni")
        assert single(promo, "certainty") == CG.reported

    def test_most_of_the_money_went_to_melania_trump(self, bundled, bundled_net):
        pay = one(bundled, "Payment", payer=ent("amazon"), payee=ent("melania-trump"))
        assert "amount" not in pay
        assert "most" in str(single(pay, "amountText"))
        assert edges(bundled_net, "amazon", "melania-trump", "Payment")

    def test_melania_trump_produced_the_film(self, bundled):
        assert one(bundled, "Production", producer=ent("melania-trump"), work=ent("melania-film"))

    def test_amazon_federal_cloud_investment(self, bundled):
        rec = one(bundled, "Investment", investor=ent("amazon"))
        assert amount(rec) == Decimal("50000000000")
        assert single(rec, "amountKind") == CG.investment
        assert single(rec, "date") == month("2025-11")
        assert single(rec, "beneficiary") == ent("us-federal-government")


# --------------------------------------------------------------------------------------------------
# events
# --------------------------------------------------------------------------------------------------


class TestEvents:
    def test_alex_pretti_killed(self, bundled):
        rec = one(bundled, "Event", subject=ent("alex-pretti"))
        assert "participant" not in rec  # "federal officers": the article names no agency
        assert single(rec, "date") == month("2026-01")
        assert str(single(rec, "place")) == "Minneapolis"
        assert "holding a phone" in str(single(rec, "description"))

    def test_white_house_screening(self, bundled, bundled_net):
        rec = one(bundled, "Event", participant=ent("andy-jassy"), location=ent("white-house"))
        assert ent("melania-film") in rec["subject"]
        assert single(rec, "date") == month("2026-01")
        text = str(single(rec, "description"))
        assert "Melania’s Waltz" in text and "popcorn boxes" in text
        assert edges(bundled_net, "andy-jassy", "melania-film", "Event")

    def test_ice_minneapolis_operation(self, bundled):
        (rec,) = [props(bundled, r) for r in find(bundled, "Event", participant=ent("ice"))]
        assert str(single(rec, "place")) == "Minneapolis"

    def test_amazon_kept_the_film_from_critics(self, bundled):
        rec = one(bundled, "Event", participant=ent("amazon"), subject=ent("melania-film"))
        assert "critics" in str(single(rec, "description"))

    def test_song_composed_for_the_film(self, bundled):
        assert find(bundled, "Event", subject=ent("melanias-waltz"))


# --------------------------------------------------------------------------------------------------
# agencies and entities
# --------------------------------------------------------------------------------------------------


class TestAgenciesAndEntities:
    def test_ice_is_part_of_dhs_per_the_article(self, bundled):
        rec = one(bundled, "Subdivision", unit=ent("ice"), parentBody=ent("dhs"))
        assert ARTICLE_SRC in rec["source"]

    def test_border_patrol_chain_cites_its_own_source(self, bundled, bundled_net):
        for unit, parent in (("us-border-patrol", "cbp"), ("cbp", "dhs")):
            rec = one(bundled, "Subdivision", unit=ent(unit), parentBody=ent(parent))
            assert ARTICLE_SRC not in rec["source"]  # the article does not state it
        assert edges(bundled_net, "us-border-patrol", "cbp", "Subdivision")

    @pytest.mark.parametrize(
        ("name", "slug"),
        [
            ("AWS", "aws"),
            ("Amazon Web Services", "aws"),
            ("Palantir", "palantir"),
            ("AT&T", "att"),
            ("Citizens Financial Group", "citizens-financial-group"),
            ("CFG", "citizens-financial-group"),
            ("Citizens Bank", "citizens-bank"),
            ("The GEO Group", "geo-group"),
            ("GEO", "geo-group"),
            ("CoreCivic", "corecivic"),
            ("JPMorgan Chase", "jpmorgan-chase"),
            ("Wells Fargo", "wells-fargo"),
            ("Bank of America", "bank-of-america"),
            ("SunTrust", "suntrust"),
            ("BNP Paribas", "bnp-paribas"),
            ("Fifth Third Bancorp", "fifth-third-bancorp"),
            ("DHS", "dhs"),
            ("ICE", "ice"),
            ("CBP", "cbp"),
            ("U.S. Border Patrol", "us-border-patrol"),
            ("Trump administration", "us-federal-government"),
            ("federal government", "us-federal-government"),
            ("ICM", "icm"),
            ("HART", "hart"),
            ("ImmigrationOS", "immigrationos"),
            ("FirstNet", "firstnet"),
            ("Andy Jassy", "andy-jassy"),
            ("Jeff Bezos", "jeff-bezos"),
            ("Donald Trump", "donald-trump"),
            ("Melania Trump", "melania-trump"),
            ("Matt Belloni", "matt-belloni"),
            ("Alex Pretti", "alex-pretti"),
            ("Melania", "melania-film"),
            ("Melania’s Waltz", "melanias-waltz"),
            ("White House", "white-house"),
            ("Private prison industry", "private-prison-industry"),
            ("Trump's megabill", "trumps-megabill"),
            ("Popular Information", "popular-information"),
            ("WIRED", "wired"),
        ],
    )
    def test_names_resolve(self, bundled, name, slug):
        assert EntityIndex.from_backend(bundled).resolve(name) == str(ent(slug))

    @pytest.mark.parametrize(
        ("alias", "parent"),
        [
            ("Citizens", "citizens-financial-group"),  # also Citizens Bank, its subsidiary
            ("Fifth Third Bank", "fifth-third-bancorp"),  # the bank, a subsidiary of the Bancorp
            ("Fifth Third", "fifth-third-bancorp"),  # the brand of both
            ("Chase", "jpmorgan-chase"),  # JPMorgan Chase Bank, N.A.'s brand
            ("SunTrust Bank", "suntrust"),  # the bank, not SunTrust Banks, Inc.
        ],
    )
    def test_no_alias_names_another_legal_entity(self, bundled, alias, parent):
        """An importer joins a name to the entity whose alias it is: a subsidiary's name must not be one."""
        from corpgraph.entity_resolution import name_key

        rows = select(bundled, "?e cg:alias ?a .", e=ent(parent))
        assert name_key(alias) not in {name_key(str(r["a"])) for r in rows}

    def test_every_entity_has_label_source_and_article_entities_a_description(self, bundled):
        rows = select(
            bundled,
            "?e a ?c . ?c rdfs:subClassOf* cg:Entity . "
            "OPTIONAL { ?e rdfs:label ?label } OPTIONAL { ?e cg:source ?src } "
            "OPTIONAL { ?e schema:description ?d }",
        )
        assert len({r["e"] for r in rows}) >= 40
        for r in rows:
            assert "label" in r and "src" in r, r["e"]
            if r.get("src") == ARTICLE_SRC:
                assert "d" in r, f"{r['e']} has no schema:description"


# --------------------------------------------------------------------------------------------------
# provenance: sources, certainty, verbatim quotes, typed dates, valid data
# --------------------------------------------------------------------------------------------------

RECORDS = "?rec a ?kind . ?kind rdfs:subClassOf+ cg:Relationship . "
DATE_TYPES = {XSD.date, XSD.gYearMonth, XSD.gYear}


@pytest.fixture(scope="module")
def article_text() -> str:
    if not ARTICLE.is_file():
        pytest.skip(f"article {ARTICLE} is absent (set CORPGRAPH_SHARED to the shared/ folder)")
    return ARTICLE.read_text(encoding="utf-8")


class TestProvenance:
    def test_every_record_has_a_source_and_one_certainty(self, bundled):
        rows = select(bundled, RECORDS + "OPTIONAL { ?rec cg:source ?src } OPTIONAL { ?rec cg:certainty ?c }")
        recs: dict = {}
        for r in rows:
            entry = recs.setdefault(r["rec"], (set(), set()))
            entry[0].update([r["src"]] if "src" in r else [])
            entry[1].update([r["c"]] if "c" in r else [])
        assert len(recs) >= 60
        for rec, (sources, certainties) in recs.items():
            assert sources, f"{rec} has no cg:source"
            assert len(certainties) == 1, f"{rec} needs exactly one cg:certainty, has {certainties}"

    def test_every_article_record_has_a_quote(self, bundled):
        body = RECORDS + "?rec cg:source ?src . FILTER NOT EXISTS { ?rec cg:quote ?q }"
        rows = select(bundled, body, src=ARTICLE_SRC)
        assert rows == []

    def test_every_quote_is_verbatim_in_the_article(self, bundled, article_text):
        rows = select(bundled, RECORDS + "?rec cg:source ?src ; cg:quote ?q .", src=ARTICLE_SRC)
        assert len(rows) >= 60
        missing = [(str(r["rec"]), str(r["q"])) for r in rows if str(r["q"]) not in article_text]
        assert missing == []

    def test_every_statement_text_is_verbatim_in_the_article(self, bundled, article_text):
        rows = select(bundled, "?rec a cg:Statement ; cg:source ?src ; cg:text ?t .", src=ARTICLE_SRC)
        assert rows
        assert [str(r["t"]) for r in rows if str(r["t"]) not in article_text] == []

    def test_dates_are_typed_and_not_after_the_article(self, bundled):
        rows = select(bundled, RECORDS + "?rec ?p ?d . VALUES ?p { cg:date cg:startDate cg:endDate }")
        assert rows
        for r in rows:
            assert r["d"].datatype in DATE_TYPES, r
            assert str(r["d"]) <= "2026-01", r  # nothing in the article happens after its own date

    def test_amounts_are_usd_decimals_with_a_kind(self, bundled):
        rows = select(
            bundled,
            "?rec cg:amount ?a . OPTIONAL { ?rec cg:currency ?cur } OPTIONAL { ?rec cg:amountKind ?k }",
        )
        assert len(rows) >= 10
        for r in rows:
            assert r["a"].datatype == XSD.decimal
            assert r.get("cur") == Literal("USD") and "k" in r, r

    def test_bundled_graph_is_valid(self):
        report = validate_folder(bundled_graph_dir())
        problems = [p.as_dict() if hasattr(p, "as_dict") else str(p) for p in report.problems]
        assert report.conforms, problems

"""corpgraph.money and `corpgraph money`: money by counterparty, kind and year, with sources.
Issue 3 §4: kinds never added together; a system's cost is never its host's income."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from corpgraph import netgraph
from corpgraph.cli import cli
from corpgraph.errors import QueryError
from corpgraph.money import money_of, money_report
from corpgraph.output.money import format_money
from corpgraph.vocab import ENT
from minigraph import backend_of, entities, rec

USD = '; cg:currency "USD" '

TINY = (
    entities("x", "y", cls="GovernmentBody")
    + entities("c", "l", "other")
    + 'ent:s a cg:System ; rdfs:label "S" .\n'
    + rec("y-in-x", "Subdivision", "cg:unit ent:y ; cg:parentBody ent:x")
    + rec(
        "x-c-1",
        "Contract",
        "cg:buyer ent:x ; cg:supplier ent:c",
        extra='; cg:amount "100"^^xsd:decimal '
        + USD
        + '; cg:amountKind cg:contractValue ; cg:date "2024-10-15"^^xsd:date ',
    )
    + rec(
        "x-c-2",
        "Contract",
        "cg:buyer ent:x ; cg:supplier ent:c",
        extra='; cg:amount "40"^^xsd:decimal '
        + USD
        + '; cg:amountKind cg:contractValue ; cg:date "2024-09"^^xsd:gYearMonth ',
    )
    + rec(
        "y-c",
        "Contract",
        "cg:buyer ent:y ; cg:supplier ent:c",
        extra='; cg:amount "50"^^xsd:decimal '
        + USD
        + '; cg:amountKind cg:obligated ; cg:date "2025"^^xsd:gYear ',
    )
    + rec(
        "y-other",
        "Contract",
        "cg:buyer ent:y ; cg:supplier ent:other",
        extra='; cg:amount "7"^^xsd:decimal ' + USD + "; cg:amountKind cg:obligated ; "
        'cg:amountQualifier "more than" ; cg:date "2025-03"^^xsd:gYearMonth ',
    )
    + rec(
        "l-c",
        "CreditFacility",
        "cg:lender ent:l ; cg:borrower ent:c",
        extra='; cg:amount "30"^^xsd:decimal '
        + USD
        + '; cg:amountKind cg:creditLine ; cg:date "2024-11"^^xsd:gYearMonth ',
    )
    + rec(
        "l-bonds-c",
        "BondUnderwriting",
        "cg:underwriter ent:l ; cg:issuer ent:c",
        extra='; cg:amount "60"^^xsd:decimal ' + USD + "; cg:amountKind cg:bondIssue ",
    )
    + rec("c-hosts-s", "Hosting", "cg:host ent:c ; cg:system ent:s")
    + rec(
        "s-cost",
        "Figure",
        "cg:subject ent:s",
        extra='; cg:amount "1000"^^xsd:decimal ' + USD + "; cg:amountKind cg:costOfSystem ",
    )
    + rec(
        "other-pays-c", "Payment", "cg:payer ent:other ; cg:payee ent:c", extra='; cg:amountText "millions" '
    )
)


@pytest.fixture(scope="module")
def tiny():
    b = backend_of(TINY)
    return b, netgraph.project(b)


def E(n: str) -> str:
    return str(ENT[n])


def totals(report, by="by_kind"):
    return {
        (
            t.direction,
            t.kind,
            t.counterparty if by == "by_counterparty" else t.year if by == "by_year" else None,
        ): t.amount
        for t in getattr(report, by)
    }


def test_kinds_are_never_added_together(tiny):
    b, g = tiny
    r = money_report(b, E("c"), g)
    assert totals(r) == {
        ("in", "contractValue", None): Decimal(140),
        ("in", "obligated", None): Decimal(50),
        ("in", "creditLine", None): Decimal(30),
        ("party", "bondIssue", None): Decimal(60),
    }
    assert "never added together" in " ".join(r.notes)


def test_totals_per_counterparty(tiny):
    b, g = tiny
    r = money_report(b, E("c"), g)
    t = totals(r, "by_counterparty")
    assert t[("in", "contractValue", E("x"))] == Decimal(140)
    assert t[("in", "obligated", E("y"))] == Decimal(50)
    assert t[("in", "creditLine", E("l"))] == Decimal(30)


def test_fiscal_years_for_federal_money_calendar_years_otherwise(tiny):
    b, g = tiny
    years = totals(money_report(b, E("c"), g), "by_year")
    assert years[("in", "contractValue", "FY2025")] == Decimal(100)  # 2024-10-15
    assert years[("in", "contractValue", "FY2024")] == Decimal(40)  # 2024-09
    assert years[("in", "obligated", "FY2025-2026")] == Decimal(50)  # the year 2025 spans two fiscal years
    assert years[("in", "creditLine", "2024")] == Decimal(30)  # a company lends: calendar year
    assert years[("party", "bondIssue", "undated")] == Decimal(60)


def test_system_cost_is_not_income_of_its_host(tiny):
    b, g = tiny
    r = money_report(b, E("c"), g)
    assert all(f.kind != "costOfSystem" for f in r.flows)
    assert [(f.counterparty, f.amount) for f in r.not_counted] == [(E("s"), Decimal(1000))]
    assert "which C hosts" in r.not_counted[0].relation
    system = money_report(b, E("s"), g)
    assert [(f.direction, f.kind, f.amount) for f in system.flows] == [
        ("figure", "costOfSystem", Decimal(1000))
    ]
    assert system.flows[0].sources[0]["url"] == "https://example.org/doc"


def test_money_without_a_figure_is_listed_not_totalled(tiny):
    b, g = tiny
    r = money_report(b, E("c"), g)
    assert [(f.direction, f.amount_text) for f in r.without_amount] == [("in", "millions")]
    assert all(t.kind is not None for t in r.by_kind)


def test_payer_side_and_sub_agencies(tiny):
    b, g = tiny
    alone = money_report(b, E("x"), g)
    assert totals(alone) == {("out", "contractValue", None): Decimal(140)}
    family = money_report(b, E("x"), g, with_units=True)
    assert family.units == [E("y")]
    assert totals(family) == {
        ("out", "contractValue", None): Decimal(140),
        ("out", "obligated", None): Decimal(57),
    }
    through = [f for f in family.flows if f.through == E("y")]
    assert {f.record.rsplit("/", 1)[1] for f in through} == {"y-c", "y-other"}
    hedged = [t for t in family.by_kind if t.kind == "obligated"][0]
    assert hedged.qualified  # "more than 7"


def test_kind_filter_by_label_or_name(tiny):
    b, _ = tiny
    r = money_of(b, "C", kinds=["credit line"])
    assert {f.kind for f in r.flows} == {"creditLine"}
    r = money_of(b, "C", kinds=["contractValue", "bondIssue"])
    assert {f.kind for f in r.flows} == {"contractValue", "bondIssue"}
    with pytest.raises(QueryError, match="Unknown amount kind"):
        money_of(b, "C", kinds=["gold bars"])


# -- the bundled graph -------------------------------------------------------------------------------


def test_att_contracts(bundled, bundled_net):
    r = money_report(bundled, E("att"), bundled_net)
    assert totals(r) == {("in", "contractValue", None): Decimal(158_000_000)}
    per = totals(r, "by_counterparty")
    assert per[("in", "contractValue", E("dhs"))] == Decimal(147_000_000)
    assert per[("in", "contractValue", E("ice"))] == Decimal(11_000_000)
    years = totals(r, "by_year")
    assert years == {
        ("in", "contractValue", "FY2024"): Decimal(147_000_000),
        ("in", "contractValue", "FY2025"): Decimal(11_000_000),
    }
    assert all(f.sources and f.sources[0]["url"].startswith("https://popular.info/") for f in r.flows)


def test_citizens_financing(bundled, bundled_net):
    r = money_report(bundled, E("citizens-financial-group"), bundled_net)
    assert totals(r) == {
        ("out", "creditLine", None): Decimal(450_000_000),
        ("party", "bondIssue", None): Decimal(500_000_000),
    }


def test_aws_is_not_credited_with_harts_cost(bundled, bundled_net):
    r = money_report(bundled, E("aws"), bundled_net)
    assert r.flows == []
    assert any(f.counterparty == E("hart") and f.amount == Decimal(6_000_000_000) for f in r.not_counted)
    hart = money_report(bundled, E("hart"), bundled_net)
    assert [(f.direction, f.amount) for f in hart.flows] == [("figure", Decimal(6_000_000_000))]


def test_dhs_with_sub_agencies(bundled, bundled_net):
    r = money_report(bundled, E("dhs"), bundled_net, with_units=True)
    assert E("ice") in r.units
    assert totals(r) == {("out", "contractValue", None): Decimal(188_000_000)}


def test_formats(bundled, bundled_net):
    r = money_report(bundled, E("att"), bundled_net)
    text = format_money(r, "text")
    assert "Money in:" in text and "contract value: $158,000,000 in 2 records" in text
    assert "by year: FY2024 $147,000,000; FY2025 $11,000,000" in text
    data = json.loads(format_money(r, "json"))
    assert data["totals_by_kind"][0]["amount"] == 158000000
    rows = list(csv.DictReader(io.StringIO(format_money(r, "csv"))))
    assert {row["amount"] for row in rows} == {"147000000", "11000000"}
    assert all(row["sources"].startswith("https://popular.info/") for row in rows)
    md = format_money(r, "md")
    assert md.startswith("## Money of AT&T") and "| money in | contract value |" in md


def test_cli_money(runner):
    r = runner.invoke(cli, ["money", "AT&T"])
    assert r.exit_code == 0 and "U.S. Department of Homeland Security: $147,000,000" in r.stdout
    r = runner.invoke(cli, ["money", "DHS", "--with-subagencies", "-f", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["totals_by_kind"][0]["amount"] == 188000000
    r = runner.invoke(cli, ["money", "Citizens Financial Group", "--kind", "credit line", "-f", "csv"])
    assert r.exit_code == 0 and "bond" not in r.stdout and "450000000" in r.stdout
    r = runner.invoke(cli, ["money", "Nobody Qqqz"])
    assert r.exit_code == 1 and "No entity matches" in r.stderr
    r = runner.invoke(cli, ["money", "AWS", "-f", "md"])
    assert r.exit_code == 0 and "Not counted" in r.stdout

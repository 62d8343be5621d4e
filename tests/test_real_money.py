"""Money counted once on the real files (issue 9 §4, §5, §7): the seven files imported in two orders
give the same answers, and the answers equal sums made here with the csv module over the raw rows.

The files are cut for speed and imported once per test run (tests/realfiles.py says how); the
expected figures are computed over the same cut rows, independently of the importer's code.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from corpgraph import money
from corpgraph.vocab import ENT
from realfiles import AWARDS, FREEZER, SUBAWARDS, expected_fy, short_key


def _totals(backend, network, entity) -> dict[tuple[str, str | None, str], Decimal]:
    report = money.money_report(backend, str(entity), network)
    return {(t.kind, t.counterparty, t.direction): t.amount for t in report.by_counterparty}


def _by_kind(backend, network, entity) -> dict[tuple[str, str], tuple[Decimal, int]]:
    report = money.money_report(backend, str(entity), network)
    return {(t.kind, t.direction): (t.amount, t.records) for t in report.by_kind}


def test_both_orders_give_the_same_money(imported):
    """Per kind for ICE, per counterparty for the companies.  (Which entity an unidentified name
    joins can depend on order where identifiers split one name in two: those names are flagged
    ambiguous for review, and ICE's counterparties are compared by kind only.)"""
    (_, b1, g1), (_, b2, g2) = imported
    assert _by_kind(b1, g1, ENT.ice) == _by_kind(b2, g2, ENT.ice)
    for entity in (ENT["geo-group"], ENT.corecivic, ENT.palantir):
        assert _totals(b1, g1, entity) == _totals(b2, g2, entity), entity


@pytest.mark.parametrize(
    ("entity", "names"),
    [
        (ENT["geo-group"], {"THE GEO GROUP, INC."}),
        (ENT.corecivic, {"CORECIVIC, INC."}),
        (ENT.palantir, {"PALANTIR TECHNOLOGIES INC."}),
    ],
)
def test_fiscal_year_obligations_per_company_equal_the_csv_sums(subset, imported, entity, names):
    for _, backend, network in imported:
        got = _totals(backend, network, entity).get(("fiscalYearObligation", str(ENT.ice), "in"))
        assert got == expected_fy(subset, "7012", names)


def test_ice_totals_per_kind_count_each_award_once(subset, imported):
    # all-years totals: the prime-award summaries and the subaward file's prime amounts, one per award
    totals: dict[str, Decimal] = {}
    for r in subset[AWARDS][1]:
        if r["awarding_sub_agency_code"] == "7012" and r["total_obligated_amount"]:
            totals[r["contract_award_unique_key"]] = Decimal(r["total_obligated_amount"])
    firsts: dict[str, Decimal] = {}
    for r in subset[SUBAWARDS][1]:
        if r["prime_award_awarding_sub_agency_code"] == "7012" and r["prime_award_amount"]:
            firsts.setdefault(r["prime_award_unique_key"], Decimal(r["prime_award_amount"]))
    for key, amount in firsts.items():
        totals.setdefault(key, amount)
    fy = expected_fy(subset, "7012")
    for _, backend, network in imported:
        report = money.money_report(backend, str(ENT.ice), network)
        by_kind = {(t.kind, t.direction): (t.amount, t.records) for t in report.by_kind}
        assert by_kind[("totalObligated", "out")] == (sum(totals.values()), len(totals))
        assert by_kind[("fiscalYearObligation", "out")][0] == fy
        # no award's amount of one kind (and fiscal year) appears twice
        seen = [
            (network.edges[u, v, k].get("award_key"), f.kind, network.edges[u, v, k].get("fiscal_year"))
            for f in report.flows
            for u, v, k in network.edges(keys=True)
            if k == f.record and network.edges[u, v, k].get("award_key")
        ]
        assert len(seen) == len(set(seen))


def test_potential_values_from_two_files_count_once_the_later(subset, imported):
    """The 2018 extract and the 2025 summaries both give potential values of the same awards."""
    latest: dict[tuple[str, str], tuple[str, Decimal]] = {}  # (agency, PIID) -> (as of, value)
    by_short = defaultdict(set)
    for r in subset[AWARDS][1]:
        by_short[short_key(r["contract_award_unique_key"])].add(r["contract_award_unique_key"])
    for r in subset[AWARDS][1]:
        if r["awarding_sub_agency_code"] == "7012" and r["potential_total_value_of_award"]:
            m, d, y = r["last_modified_date"].split("/")
            when = f"20{y}-{int(m):02d}-{int(d):02d}"
            latest[r["contract_award_unique_key"]] = (when, Decimal(r["potential_total_value_of_award"]))
    for r in subset[FREEZER][1]:
        if not r["potential_total_value"]:
            continue
        short = ("7012", r["award_id"])
        fulls = by_short.get(short, set())
        key = next(iter(fulls)) if len(fulls) == 1 and next(iter(fulls)) in latest else short
        if key not in latest or latest[key][0] < "2018":
            latest[key] = ("2018", Decimal(r["potential_total_value"]))
    from corpgraph.query import load_query, run_query

    expected = (sum(v for _, v in latest.values()), len(latest))
    for _, backend, network in imported:
        report = money.money_report(backend, str(ENT.ice), network)
        by_kind = {(t.kind, t.direction): (t.amount, t.records) for t in report.by_kind}
        assert by_kind[("potentialValue", "out")] == expected
        # the query library counts it the same way
        rows = run_query(backend, load_query("paid-by"), {"agency": "ICE"}).outcome.dicts()
        potential = [r for r in rows if str(r["amountKind"]) == "potential value"]
        assert (
            sum(Decimal(str(r["total"])) for r in potential),
            sum(int(r["records"]) for r in potential),
        ) == expected


def test_names_as_written_and_banks_kept_apart(imported):
    graph, backend, _ = imported[0]
    missing = backend.select(
        "PREFIX cg: <https://w3id.org/corpgraph/ns#> SELECT (COUNT(?r) AS ?n) WHERE { "
        "?r a cg:Contract ; cg:awardKey ?k FILTER NOT EXISTS { ?r cg:nameAsWritten ?n0 } }"
    ).rows[0][0]
    assert int(missing) == 0
    written = backend.select(
        "PREFIX cg: <https://w3id.org/corpgraph/ns#> SELECT ?s WHERE { "
        '?r cg:nameAsWritten "FIFTH THIRD BANK, NATIONAL ASSOCIATION" ; cg:supplier ?s }'
    ).rows
    assert written and all(str(s) != str(ENT["fifth-third-bancorp"]) for (s,) in written)
    mobility = backend.select(
        "PREFIX cg: <https://w3id.org/corpgraph/ns#> SELECT DISTINCT ?s WHERE { "
        '?r cg:nameAsWritten ?n ; cg:supplier ?s FILTER(?n IN ("ATT MOBILITY LLC", "AT&T Mobility")) }'
    ).rows
    assert len(mobility) == 1, "AT&T Mobility and ATT MOBILITY LLC are one entity"
    from corpgraph import review

    pending = {(p.rule, p.source_name, p.candidate.rsplit("/", 1)[-1]) for p in review.proposals(graph)}
    # a hand-made-looking facility name and the list's name for it: a question, not a merge
    assert (
        "facility-name",
        "Coastal Bend Detention Center",
        "facility-coastal-bend-detention-facility-tx",
    ) in pending
    assert ("legal-form", "DAWSON SOLUTIONS, LLC", "dawson-solutions") in pending


def test_financiers_of_prison_operators_listed_once_after_the_facility_imports(imported):
    from corpgraph.query import load_query, run_query

    _, backend, _ = imported[0]
    rows = [
        tuple(str(v) for v in r)
        for r in run_query(backend, load_query("financiers-of-prison-operators")).outcome.rows
    ]
    assert rows and len(rows) == len(set(rows))

"""Reading outside files: dates, amounts, repaired text, CSV quirks (committed excerpts, real files)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import TEST_DATA
from corpgraph.importers.common import BadRow, parse_amount, parse_date, read_csv, repair_text

DATA = TEST_DATA / "import"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-04-11", "2025-04-11"),
        ("2025-03-25 00:00:00+00", "2025-03-25"),
        ("12/22/17", "2017-12-22"),  # two-digit year, re-saved by a spreadsheet
        ("5/31/21", "2021-05-31"),
        ("1/15/08", "2008-01-15"),
        ("7/27/99", "1999-07-27"),
        ("3/4/2025", "2025-03-04"),
        ("04.11.2017", "2017-11-04"),  # DD.MM.YYYY (iceFacs.csv)
        ("27.06.2005", "2005-06-27"),
        ("", None),
        ("NA", None),
        ("Redacted", None),
    ],
)
def test_dates_in_four_formats(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31.02.2017", "2025-13-45", "next week", "13/45/21"])
def test_bad_dates_are_bad_rows(text):
    with pytest.raises(BadRow) as info:
        parse_date(text, "Action Date")
    assert info.value.field == "Action Date"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("29898236.0", Decimal("29898236.0")),
        ("7391976", Decimal("7391976")),
        ("-3044070.3", Decimal("-3044070.3")),
        ("$1,200.50", Decimal("1200.50")),
        ("(500)", Decimal("-500")),
        ("", None),
        ("NA", None),
    ],
)
def test_amounts_as_strings(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["lots", "1.2.3", "NaN", "Infinity"])
def test_bad_amounts(text):
    with pytest.raises(BadRow):
        parse_amount(text, "amount")


def test_mojibake_repaired():
    assert repair_text("CRCÃ¢Â‚¬Â„¢S") == "CRC’S"  # the form in the subawards file
    assert repair_text("Ã¢Â‚¬Â€¹ENGINEERING") == "ENGINEERING"  # double-encoded zero-width space, dropped
    assert repair_text("CRCâ€™S") == "CRC’S"  # plain double encoding
    assert repair_text("Señor Café") == "Señor Café"  # correct text untouched
    assert repair_text("PLAIN ASCII") == "PLAIN ASCII"


def test_subaward_excerpt_reads_repaired_with_newline_in_quotes():
    rows = list(read_csv(DATA / "usaspending-subawards.csv"))
    texts = [r.get("subaward_description") for r in rows]
    assert any("CRC’S" in t for t in texts)
    assert not any("Ã" in v or "Â" in v for r in rows for v in r.data.values() if isinstance(v, str))
    multi = [r for r in rows if "\n" in r.get("subaward_description")]
    assert multi, "the excerpt keeps a newline inside a quoted field"
    # line numbers count physical lines: the row after a two-line record starts two lines later
    lines = [r.line for r in rows]
    assert lines[0] == 2 and lines == sorted(lines)
    i = rows.index(multi[0])
    if i + 1 < len(rows):
        assert rows[i + 1].line == rows[i].line + 1 + rows[i].get("subaward_description").count("\n")


def test_crlf_transactions_excerpt():
    assert b"\r\n" in (DATA / "usaspending-transactions.csv").read_bytes()
    rows = list(read_csv(DATA / "usaspending-transactions.csv"))
    assert all(not v.endswith("\r") for r in rows for v in r.data.values() if isinstance(v, str))
    assert rows[0].get("Agency") in ("ICE", "CBP")


def test_space_before_quote_synthetic():
    rows = list(read_csv(DATA / "facilities-operators-synthetic.csv"))
    annex = next(r for r in rows if r.get("Facility Name") == "Example Annex")
    assert annex.get("Location") == "Othertown, TX"
    assert annex.get("Management") == "Management & Training Corporation (MTC)"
    assert None not in annex.data


@pytest.mark.realdata
def test_el_valle_row_parsed(real_data):
    rows = list(read_csv(real_data / "CarwilB-ice-detention" / "contractors-patch-fy26.csv"))
    assert len(rows) == 116
    el_valle = next(r for r in rows if r.get("Facility Name") == "El Valle Detention Facility")
    assert el_valle.get("Location") == "Raymondville, TX"
    assert el_valle.get("Management") == "Management & Training Corporation (MTC)"
    assert el_valle.line == 6
    assert all(None not in r.data for r in rows)


@pytest.mark.realdata
def test_real_subawards_have_no_mojibake_left(real_data):
    path = real_data / "alyssc-mn_ice_contracts" / "Contracts_Subawards_2025-03-28_H03M23S17_1.csv"
    rows = list(read_csv(path))
    assert len(rows) == 482
    values = [v for r in rows for v in r.data.values() if isinstance(v, str)]
    assert not any("Ã" in v or "Â" in v or "\u200b" in v for v in values)
    assert sum(v.count("’") for v in values) == 12  # the 12 repaired apostrophes


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("COUNTY OF ANOKA", "GovernmentBody"),
        ("ANOKA COUNTY", "GovernmentBody"),
        ("STATE OF MINNESOTA", "GovernmentBody"),
        ("Government of the United States", "GovernmentBody"),
        ("MINNESOTA DEPARTMENT OF PUBLIC SAFETY", "GovernmentBody"),
        ("COUNTY LINE CONSTRUCTION INC", "Company"),
        ("THE GEO GROUP, INC.", "Company"),
    ],
)
def test_government_recipients_typed(name, kind):
    from corpgraph.importers.common import org_type

    assert org_type(name) == kind


def test_fast_literals_are_the_terms_rdflib_builds():
    """The importers' literal builders give rdflib's own terms, slot by slot; builders that would not
    (an rdflib release that moved its slots) are detected and the constructor is used instead."""
    from rdflib import Literal
    from rdflib.namespace import XSD

    from corpgraph.importers import context

    for text in ("", "a\nb", "Ω ünïcode", "1.5", "=HYPERLINK()", "https://example.org/x"):
        for fast, slow in (
            (context.plain_literal(text), Literal(text)),
            (context.any_uri_literal(text), Literal(text, datatype=XSD.anyURI)),
        ):
            assert fast == slow and hash(fast) == hash(slow) and fast.n3() == slow.n3()
            assert all(getattr(fast, slot) == getattr(slow, slot) for slot in Literal.__slots__)

    def moved(text: str) -> Literal:  # as if a release kept the value elsewhere
        lit = context._fast_plain(text)
        lit._value = None
        return lit

    assert not context._same_terms(moved, Literal)
    assert context._same_terms(context._fast_plain, Literal) == context.FAST_LITERALS


def _rdflib_record_triples(iri, fields):
    """The triples ImportContext.record stands for, built with rdflib's own constructors."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDF, XSD

    from corpgraph.dates import date_literal
    from corpgraph.vocab import CG

    s = URIRef(iri)
    out = {
        (s, RDF.type, CG.Contract),
        (s, CG.buyer, URIRef(fields["buyer"])),
        (s, CG.supplier, URIRef(fields["supplier"])),
        (s, CG.certainty, CG.confirmed),
        (s, CG.source, URIRef(fields["source"])),
        (s, CG.amount, Literal(fields["amount"], datatype=XSD.decimal)),
        (s, CG.currency, Literal("USD")),
        (s, CG.amountKind, CG.obligated),
        (s, CG.date, date_literal(fields["date"])),
        (s, CG.fiscalYear, date_literal("2025")),
        (s, CG.note, Literal(fields["note"])),
        (s, CG.awardKey, Literal("7012/X")),
    }
    out |= {(s, CG.quote, Literal(q.strip())) for q in fields["quotes"] if q.strip()}
    out |= {(s, CG.nameAsWritten, Literal(n)) for n in fields["names"]}
    return out


@pytest.mark.parametrize("amount", ["29898236.0", "-1200", "0.00", "1E+3", "0.0000001", "12.30"])
def test_record_text_triples_are_the_rdflib_triples(tmp_path, amount):
    """ImportContext.record builds text, not rdflib terms: the text is what the rdflib terms it stands
    for are written as, and reads back as those very terms (amounts in any form, escapes, Unicode)."""
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from corpgraph.entity_resolution import Resolver
    from corpgraph.importers.context import ImportContext
    from corpgraph.importers.turtle import text_triple, write_turtle
    from corpgraph.vocab import CG

    fields = {
        "buyer": "https://w3id.org/corpgraph/entity/ice",
        "supplier": "https://w3id.org/corpgraph/entity/acme-llc",
        "source": "https://w3id.org/corpgraph/source/usaspending-award-x",
        "amount": str(Decimal(amount)),
        "date": "2025-04-11",
        "note": 'Sum of 2 "transactions"\nde-obligations\t\\ included',
        "quotes": ["  DETENTION SERVICES ", "Caf\u00e9 \u2019s", "   "],
        "names": ["ACME, LLC", "ACME LLC"],
    }
    ctx = ImportContext("usaspending", tmp_path / "x.csv", "imports/x", Resolver([]))
    iri = ctx.record_iri("award", "x")
    ctx.record(
        iri,
        CG.Contract,
        {CG.buyer: fields["buyer"], CG.supplier: [fields["supplier"]]},
        certainty=CG.confirmed,
        sources=[fields["source"]],
        quotes=fields["quotes"],
        amount=Decimal(amount),
        amount_kind=CG.obligated,
        date=fields["date"],
        note=fields["note"],
        award_key="7012/X",
        fiscal_year="2025",
        names_as_written=fields["names"],
    )
    expected = _rdflib_record_triples(iri, fields)
    assert ctx.graph.text() == {text_triple(t) for t in expected}
    assert set(ctx.graph) == expected and len(ctx.graph) == len(expected)
    assert all(t in ctx.graph for t in expected)
    assert write_turtle(ctx.graph) == write_turtle(expected)
    back = Graph().parse(data=write_turtle(ctx.graph), format="turtle")
    assert isomorphic(back, ctx.graph.to_graph())


def test_text_triples_refuse_a_bad_iri_when_written(tmp_path):
    """An IRI that could break out of <...> is stored as given and refused by the writer (BadIRI)."""
    from rdflib import Literal, URIRef

    from corpgraph.importers.context import Triples
    from corpgraph.importers.turtle import write_turtle
    from corpgraph.rdftext import BadIRI

    t = Triples()
    t.add((URIRef("urn:a"), URIRef("urn:p"), URIRef("urn:b> . <urn:c")))
    t.add((URIRef("urn:a"), URIRef("urn:q"), Literal("fine")))
    with pytest.raises(BadIRI):
        write_turtle(t)

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

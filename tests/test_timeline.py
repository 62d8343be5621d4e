"""Timelines (issue 12 §3): a selection's records in time order at their date's precision, statements
beside deeds, as CSV and as a print figure."""

from __future__ import annotations

import csv
import io
import re

import pytest

from corpgraph import subgraph
from corpgraph.cli import cli
from corpgraph.export import EXPORTERS
from corpgraph.export.timeline import build_timeline_dot
from corpgraph.timeline import SAID, timeline, timeline_document


@pytest.fixture(scope="module")
def whole_timeline(bundled):
    sub = subgraph.select_subgraph(bundled)
    return sub, timeline(sub, bundled)


def _by_record(entries):
    return {e.record.rsplit("/", 1)[-1]: e for e in entries}


def test_precision_is_respected(whole_timeline):
    _, entries = whole_timeline
    e = _by_record(entries)
    credit = e["citizens-geo-group-credit-line"]
    assert (credit.start, credit.precision, credit.first_day, credit.last_day) == (
        "2025-07",
        "month",
        "2025-07-01",
        "2025-07-31",
    )
    pledge = e["bank-of-america-2019-pledge"]
    assert (pledge.precision, pledge.first_day, pledge.last_day) == ("year", "2019-01-01", "2019-12-31")
    days = [(x.first_day, x.last_day) for x in entries]
    assert days == sorted(days, key=lambda d: d)  # time order


def test_statements_beside_deeds_including_undated_ones(whole_timeline):
    _, entries = whole_timeline
    e = _by_record(entries)
    statement = e["amazon-refugee-webpage"]  # a statement about nothing in particular: drawn as no edge
    assert statement.lane == SAID and not statement.dated and statement.precision == "undated"
    assert statement.reported_by == "2026-01" and statement.frm == ["Amazon"]
    for hosting in ("aws-hosts-icm", "aws-hosts-hart"):
        assert e[hosting].lane == "did" and e[hosting].reported_by == "2026-01"
    assert e["att-human-rights-policy"].lane == SAID and e["att-human-rights-policy"].start == "2025-08"
    assert e["citizens-geo-group-credit-line"].sentence.startswith("In July 2025, Citizens Financial Group")
    assert "hart-cost" not in e  # a figure is no event
    dated = timeline(whole_timeline[0], None, undated=False)
    assert dated and all(x.dated for x in dated)


def test_timeline_csv_has_one_row_per_record(runner):
    text = runner.invoke(cli, ["export", "-f", "timeline-csv", "--focus", "Citizens Financial Group"]).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len({r["record"] for r in rows}) >= 4
    credit = next(r for r in rows if r["record"].endswith("citizens-geo-group-credit-line"))
    assert credit["start"] == "2025-07" and credit["end"] == "2025-07" and credit["precision"] == "month"
    assert (credit["from"], credit["to"], credit["amount"], credit["amount_kind"]) == (
        "Citizens Financial Group",
        "GEO Group",
        "450000000",
        "creditLine",
    )
    assert credit["certainty"] == "reported" and credit["sources"].startswith("https://popular.info/")
    assert [r["first_day"] for r in rows] == sorted(r["first_day"] for r in rows)


def test_timeline_figure_places_bars_by_precision(bundled, whole_timeline):
    sub, entries = whole_timeline
    dot = build_timeline_dot(sub, entries)
    assert "What they said" in dot and "What they did" in dot
    # a month is a twelfth of a year wide: the July 2025 bar against the 2019 pledges' bars
    widths = {float(w) for w in re.findall(r'shape="box", width="([\d.]+)"', dot)}
    assert len(widths) >= 2 and max(widths) / min(widths) > 10
    assert dot.count('shape="diamond"') == sum(1 for e in entries if not e.dated)


def test_timeline_svg_and_png(runner, tmp_path):
    svg = tmp_path / "t.svg"
    r = runner.invoke(cli, ["export", "-f", "timeline-svg", "--focus", "Amazon", "-o", str(svg)])
    assert r.exit_code == 0, r.output
    text = svg.read_text()
    assert "<svg" in text and "What they said" in text and "Amazon said (corporate webpage)" in text
    png = tmp_path / "t.png"
    assert (
        runner.invoke(cli, ["export", "-f", "timeline-png", "--focus", "Amazon", "-o", str(png)]).exit_code
        == 0
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert EXPORTERS["timeline-png"].binary


def test_hostile_strings_in_the_timeline_figure_stay_text(mini, tmp_path):
    sub = subgraph.select_subgraph(mini)
    dot = build_timeline_dot(sub, timeline(sub, mini))
    assert "<script>" not in dot and "<img" not in dot and "&lt;" in dot


def test_timeline_document_is_json_ready(whole_timeline):
    import json

    doc = timeline_document(whole_timeline[1])
    assert json.loads(json.dumps(doc))["entries"][0]["record"].startswith("https://")
    assert doc["first_day"] <= doc["last_day"] and {lane["id"] for lane in doc["lanes"]} == {"said", "did"}


def test_map_timeline_option_adds_the_panel_and_its_script(runner, tmp_path):
    with_tl, without = tmp_path / "t.html", tmp_path / "n.html"
    r = runner.invoke(cli, ["map", "--focus", "Citizens Financial Group", "--timeline", "-o", str(with_tl)])
    assert r.exit_code == 0, r.output
    assert (
        runner.invoke(cli, ["map", "--focus", "Citizens Financial Group", "-o", str(without)]).exit_code == 0
    )
    page, plain = with_tl.read_text(), without.read_text()
    assert "corpgraph timelines" in page and "corpgraph timelines" not in plain  # timeline.js inlined or not
    assert '"timeline":' in page and "citizens-geo-group-credit-line" in page


def test_an_undated_fiscal_year_sum_spans_its_fiscal_year():
    from corpgraph.timeline import _entry

    e = _entry("urn:r", {"kind": "Contract", "fiscal_year": "2025", "sources": []}, None)
    assert (e.start, e.precision, e.first_day, e.last_day) == (
        "FY2025",
        "fiscal year",
        "2024-10-01",
        "2025-09-30",
    )
    dated = _entry(
        "urn:r", {"kind": "Contract", "date": "2025-07-01", "fiscal_year": "2025", "sources": []}, None
    )
    assert (dated.precision, dated.first_day) == ("day", "2025-07-01")

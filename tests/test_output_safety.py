"""Outputs that cannot be turned against the user (issue 13 §5, issue 8 §2): hostile strings from the
data stay inert in every human format (Markdown, HTML, table, text), spreadsheets never run a cell as a
formula, XML exports stay well-formed whatever control characters a label holds, and an endpoint's
graph version cannot break out of its code span.  Each attack below broke on the main of issue 13."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from xml.etree import ElementTree

import pytest

from corpgraph import subgraph
from corpgraph.backend.memory import MemoryBackend
from corpgraph.cli import cli
from corpgraph.export import export_subgraph
from corpgraph.export.markdown import to_markdown
from corpgraph.output import render_rows
from corpgraph.output.escape import html, md, md_code, md_link, spreadsheet_cell
from corpgraph.output.numbers import duration, money, plural
from corpgraph.store import bundled_graph_dir

LINK = "[x](javascript:alert(1))"
TAG = "<img src=x onerror=alert(1)>"
HOSTILE = f"{LINK} {TAG}"
ESC = "\x1b[2J\x1b]0;pwned\x07"  # clear the screen, retitle the terminal
FORMULA = '=HYPERLINK("http://evil.example/","click")'

GRAPH = r"""@prefix cg: <https://w3id.org/corpgraph/ns#> .
@prefix ent: <https://w3id.org/corpgraph/entity/> .
@prefix rec: <https://w3id.org/corpgraph/record/> .
@prefix src: <https://w3id.org/corpgraph/source/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

src:evil a cg:Source ; schema:url "javascript:alert(1)"^^xsd:anyURI ;
    dcterms:title "<script>alert(1)</script> [t](javascript:alert(2))" ; dcterms:publisher "E & <b>vil</b>" .
ent:hostile a cg:Company ; rdfs:label "[x](javascript:alert(1)) <img src=x onerror=alert(1)>" ;
    cg:alias "=HYPERLINK(\"http://evil.example/\",\"click\")" .
ent:agency a cg:GovernmentBody ; rdfs:label "Border Agency\u001B[2J\u001B]0;pwned\u0007" .
ent:ctl a cg:Company ; rdfs:label "Ctl\u0001\u0008\u000BCo" .
rec:c1 a cg:Contract ; cg:buyer ent:agency ; cg:supplier ent:hostile ;
    cg:amount "-62013.29"^^xsd:decimal ; cg:currency "USD" ; cg:amountKind cg:obligated ;
    cg:date "2025-03-01"^^xsd:date ; cg:duration "P10Y" ; cg:purpose "@SUM(1+1)*cmd|' /C calc'!A0" ;
    cg:certainty cg:reported ; cg:source src:evil ; cg:quote "+1+1 | pipes | and `ticks`" .
rec:c2 a cg:Contract ; cg:buyer ent:agency ; cg:supplier ent:ctl ;
    cg:amount "1000"^^xsd:decimal ; cg:currency "USD" ; cg:amountKind cg:obligated ;
    cg:certainty cg:reported ; cg:source src:evil ; cg:quote "q" .
"""


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    for name in ("ontology.ttl", "shapes.ttl"):
        shutil.copy(bundled_graph_dir() / name, folder / name)
    (folder / "hostile.ttl").write_text(GRAPH, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def hostile(hostile_dir):
    return MemoryBackend.from_folder(hostile_dir)


def run(runner, hostile_dir, *args: str) -> str:
    r = runner.invoke(cli, [*args, "--graph", str(hostile_dir)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.stdout


def assert_inert_markdown(text: str) -> None:
    """No link to anything but http(s), no raw HTML tag, no unescaped table pipe from the data."""
    assert not re.search(r"(?<!\\)\]\((?!https?://)", text), "a link to a non-http target"
    assert not re.search(r"(?<!\\)<(?!https?://)", text), "a raw tag"
    assert "\x1b" not in text


# -- Markdown: every command that writes it --------------------------------------------------------

MD_COMMANDS = {
    "show": ["show", "ent:hostile", "-f", "md"],
    "paths": ["paths", "ent:hostile", "ent:agency", "-f", "md"],
    "money": ["money", "ent:hostile", "-f", "md"],
    "query": ["query", "-e", "SELECT ?l WHERE { ?e rdfs:label ?l }", "-f", "md"],
    "search": ["search", "javascript", "-f", "md"],
    "export": ["export", "-f", "md"],
    "stats": ["stats", "-f", "md"],
}


@pytest.mark.parametrize("command", MD_COMMANDS, ids=list(MD_COMMANDS))
def test_markdown_escapes_data(runner, hostile_dir, command):
    text = run(runner, hostile_dir, *MD_COMMANDS[command])
    assert_inert_markdown(text)
    if command not in ("stats",):
        assert "\\[x\\](javascript:alert(1)) \\<img src=x onerror=alert(1)>" in text


def test_markdown_table_cells_cannot_add_columns(runner, hostile_dir):
    text = run(runner, hostile_dir, "money", "ent:hostile", "-f", "md")
    row = next(
        line for line in text.splitlines() if line.startswith("| Border Agency") and "javascript" in line
    )
    assert len(re.findall(r"(?<!\\)\|", row)) == 7  # six columns, whatever the labels hold


def test_endpoint_version_cannot_leave_its_code_span(hostile):
    class Hostile(MemoryBackend):
        def version(self) -> str:
            return "x` <img src=x onerror=alert(1)> [a](javascript:b) `y"

    backend = Hostile(hostile.graph, "hostile endpoint")
    text = to_markdown(subgraph.select_subgraph(backend), backend).decode()
    line = next(line for line in text.splitlines() if line.startswith("Graph version"))
    assert line.startswith("Graph version ``x` <img src=x onerror=alert(1)> [a](javascript:b) `y`` ·")


# -- the terminal: table and text views -----------------------------------------------------------

TERMINAL_COMMANDS = {
    "show": ["show", "ent:agency"],
    "show-table": ["show", "ent:agency", "-f", "table"],
    "paths": ["paths", "ent:hostile", "ent:agency"],
    "money": ["money", "ent:agency"],
    "search": ["search", "Border"],
    "query": ["query", "-e", "SELECT ?l WHERE { ?e rdfs:label ?l }"],
}


@pytest.mark.parametrize("command", TERMINAL_COMMANDS, ids=list(TERMINAL_COMMANDS))
def test_terminal_views_neutralise_escape_sequences(runner, hostile_dir, command):
    text = run(runner, hostile_dir, *TERMINAL_COMMANDS[command])
    assert "Border Agency" in text
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text)
    assert "\ufffd" in text  # shown, not dropped: a reader sees that something was there


# -- spreadsheets ----------------------------------------------------------------------------------


def _cells(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_money_rows_neutralise_formulas_and_keep_negative_numbers(runner, hostile_dir, fmt):
    rows = _cells(run(runner, hostile_dir, "money", "ent:hostile", "-f", fmt), "," if fmt == "csv" else "\t")
    row = next(r for r in rows if r["record"].endswith("c1"))
    assert row["amount"] == "-62013.29"  # a number stays a number
    for r in rows:
        for value in r.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")) or value.startswith("'")


def test_query_csv_neutralises_formulas(runner, hostile_dir):
    rows = _cells(
        run(
            runner,
            hostile_dir,
            "query",
            "-e",
            "SELECT ?a ?x WHERE { ?e cg:alias ?a . rec:c1 cg:amount ?x }",
            "-f",
            "csv",
        )
    )
    assert rows == [{"a": "'" + FORMULA, "x": "-62013.29"}]


def test_export_csv_neutralises_formulas(hostile, tmp_path):
    export_subgraph(subgraph.select_subgraph(hostile), hostile, "csv", tmp_path / "x.zip")
    with zipfile.ZipFile(tmp_path / "x.zip") as z:
        edges = _cells(z.read("edges.csv").decode())
    c1 = next(r for r in edges if r["record"].endswith("c1"))
    assert c1["amount"] == "-62013.29"
    assert c1["quote"] == "'+1+1 | pipes | and `ticks`"
    assert all(
        not v.startswith(("=", "+", "-", "@")) or v.startswith("'") or v == "-62013.29"
        for r in edges
        for v in r.values()
    )


def test_search_csv_neutralises_a_formula_alias(runner, hostile_dir):
    rows = _cells(run(runner, hostile_dir, "search", "HYPERLINK", "-f", "csv"))
    assert rows and rows[0]["matched"] == "'" + FORMULA


# -- XML -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_xml_exports_stay_well_formed_with_control_characters(hostile, tmp_path, fmt):
    out = tmp_path / f"x.{fmt}"
    export_subgraph(subgraph.select_subgraph(hostile), hostile, fmt, out)
    root = ElementTree.parse(out).getroot()  # raises on a control character
    text = " ".join([*root.itertext(), *(v for e in root.iter() for v in e.attrib.values())])
    assert "Ctl\ufffd\ufffd\ufffdCo" in text and "Border Agency\ufffd[2J" in text


def test_a_16k_character_label_exports_to_svg(tmp_path, hostile_dir, runner):
    long_dir = tmp_path / "long"
    shutil.copytree(hostile_dir, long_dir)
    label = "Very long name " * 1100  # 16,500 characters
    (long_dir / "long.ttl").write_text(
        GRAPH.split("src:evil")[0] + f'ent:long a cg:Company ; rdfs:label "{label.strip()}" .\n',
        encoding="utf-8",
    )
    out = tmp_path / "long.svg"
    r = runner.invoke(
        cli, ["export", "-f", "svg", "-o", str(out), "--graph", str(long_dir)], catch_exceptions=False
    )
    assert r.exit_code == 0, r.output
    root = ElementTree.parse(out).getroot()
    assert "Very long name" in "".join(root.itertext())


# -- the escapers themselves -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "AT&T",
        "Melania (film)",
        "GEO Group, Inc.",
        "snake_case_name",
        "100% of $5 million",
        "C++ or C#",
        "a > b",
    ],
)
def test_markdown_leaves_ordinary_text_alone(text):
    assert md(text) == text


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        (LINK, r"\[x\](javascript:alert(1))"),
        (TAG, r"\<img src=x onerror=alert(1)>"),
        ("a | b", r"a \| b"),
        ("*bold* _em_ ~del~", r"\*bold\* \_em\_ \~del\~"),
        ("`code`", r"\`code\`"),
        ("&lt;script&gt;", r"\&lt;script\&gt;"),
        ("# heading", r"\# heading"),
        ("> quote", r"\> quote"),
        ("- item", r"\- item"),
        ("1. item", r"1\. item"),
        ("back\\slash\\*", "back\\slash\\\\\\*"),
        ("two\nlines", "two lines"),
    ],
)
def test_markdown_escapes_what_would_be_misread(text, escaped):
    assert md(text) == escaped


@pytest.mark.parametrize(
    "text",
    ["AT&T", "Melania (film)", "3 * 4", "snake_case", "3 < 4", "a _ b", "C++ and C#", "50% off", "x ~ y"],
)
def test_markdown_leaves_what_cannot_be_misread(text):
    """Issue 12 §4: text pasted into a CMS stays as it was written."""
    assert md(text) == text


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("* item", r"\* item"),
        ("+ item", r"\+ item"),
        ("***", r"\*\*\*"),
        ("~~~", r"\~\~\~"),
        ("2*3*4", r"2\*3\*4"),
        ("a *b* c", r"a \*b\* c"),
        ("</p>", r"\</p>"),
        ("<!-- x -->", r"\<!-- x -->"),
        ("<https://evil.example>", r"\<https://evil.example>"),
        ("_init_", r"\_init\_"),
    ],
)
def test_markdown_still_escapes_markup_in_its_narrower_forms(text, escaped):
    assert md(text) == escaped


def test_markdown_code_span_and_links():
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x`") == "`` `x` ``"
    assert md_link("T", "https://example.org/a?b=1") == "[T](https://example.org/a?b=1)"
    assert md_link("T", "javascript:alert(1)") == "T"
    assert md_link("T", "https://example.org/a) [x](javascript:b") == "T"


def test_html_escaper():
    assert html(TAG + "\"'&") == "&lt;img src=x onerror=alert(1)&gt;&#34;&#39;&amp;"


def test_spreadsheet_guard():
    for bad in ("=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "-x"):
        assert spreadsheet_cell(bad) == "'" + bad
    for fine in ("-62013.29", "+3", "-1e6", "AT&T", "", "1-2"):
        assert spreadsheet_cell(fine) == fine


def test_rows_in_every_format_escape_their_cells():
    rows = [[HOSTILE, FORMULA]]
    assert_inert_markdown(render_rows(["a", "b"], rows, "md"))
    assert _cells(render_rows(["a", "b"], rows, "csv"))[0]["b"] == "'" + FORMULA
    assert json.loads(render_rows(["a", "b"], rows, "jsonl"))["b"] == FORMULA  # data stays data in JSON


# -- numbers for people ----------------------------------------------------------------------------


def test_money_puts_the_sign_before_the_symbol():
    from decimal import Decimal

    assert money(Decimal("-100235.21"), "USD") == "-$100,235.21"
    assert money(Decimal("450000000"), "USD") == "$450,000,000"
    assert money(Decimal("-5"), "EUR") == "-EUR 5"
    assert money(Decimal("1250.5"), None) == "1,250.50"


def test_durations_and_plurals_read_as_words():
    assert duration("P10Y") == "10 years"
    assert duration("P1Y6M") == "1 year 6 months"
    assert duration("P1D") == "1 day"
    assert duration("not a duration") == "not a duration"
    assert plural(1, "hop") == "1 hop" and plural(2, "hop") == "2 hops"
    assert plural(1, "entity", "entities") == "1 entity"


def test_cards_and_paths_use_the_words(runner, hostile_dir):
    card = run(runner, hostile_dir, "show", "ent:hostile")
    assert "duration 10 years" in card and "-$62,013.29" in card
    path = run(runner, hostile_dir, "paths", "ent:hostile", "ent:agency")
    assert "[1 hop, least certain" in path and "(up to 4 hops" in path and "1 hops" not in path


def test_plain_text_facts_and_timeline_csv_stay_inert(runner, hostile_dir):
    """Issue 12 §3-4: the email fact list carries no terminal escapes; no timeline cell runs as a formula."""
    text = run(runner, hostile_dir, "export", "-f", "txt")
    assert "\x1b" not in text and "\x07" not in text and "Border Agency" in text
    rows = list(csv.reader(io.StringIO(run(runner, hostile_dir, "export", "-f", "timeline-csv"))))
    cells = [c for row in rows[1:] for c in row]
    assert cells and not [
        c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and c != "-62013.29")
    ]


def test_timeline_csv_neutralises_a_formula_label(hostile):
    from corpgraph.export.timeline import to_timeline_csv

    sub = subgraph.select_subgraph(hostile)
    sub.net.nodes["https://w3id.org/corpgraph/entity/agency"]["label"] = FORMULA
    rows = list(csv.DictReader(io.StringIO(to_timeline_csv(sub, hostile).decode())))
    assert {r["from"] for r in rows} == {"'" + FORMULA}
    assert "-62013.29" in {r["amount"] for r in rows}  # a plain number stays a number

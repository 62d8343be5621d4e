"""Bad data is a clear error with file, line and field (or one line and an exit code), never a
traceback and never a wrong value."""

from __future__ import annotations

import pytest

from conftest import TEST_DATA
from corpgraph.backend.oxigraph_store import OxigraphBackend
from corpgraph.cli import cli
from corpgraph.errors import GraphLoadError, ImportFailed, QueryError
from corpgraph.importers.common import BadRow, parse_amount, read_csv
from corpgraph.importing import import_file, part_name
from corpgraph.query import run_query
from corpgraph.store import parse_turtle_file

FACTS = "kind,from,to,date,amount,amount_kind,certainty,source_url,source_title,publisher,quote\n"


def _facts(tmp_path, *rows: str, name: str = "facts.csv"):
    f = tmp_path / name
    f.write_text(FACTS + "".join(r + "\n" for r in rows), encoding="utf-8")
    return f


def _row(date: str = "2025-04", amount: str = "") -> str:
    kind = "contractValue" if amount else ""
    return f"Contract,ICE,Acme,{date},{amount},{kind},reported,https://example.org/a,T,P,Q"


@pytest.mark.parametrize("date", ["2025-13", "2025-00", "2025-13-45", "2025-02-30"])
def test_impossible_dates_are_bad_rows(tmp_graph, tmp_path, date):
    result = import_file("csv", _facts(tmp_path, _row(date)), graph_dir=tmp_graph)
    assert [(e.line, e.field) for e in result.errors] == [(2, "date")]
    assert result.records == {}


def test_decimal_comma_is_refused_not_misread():
    with pytest.raises(BadRow, match="1,234.56"):
        parse_amount("1.234,56")
    assert str(parse_amount("1,234.56")) == "1234.56"


def test_line_separator_inside_a_field_does_not_split_the_row(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a,b,c\none\u2028two,x\u0085y,3\nnext,row,4\n", encoding="utf-8")
    rows = list(read_csv(f))
    assert [r.data["a"] for r in rows] == ["one\u2028two", "next"]
    assert [r.line for r in rows] == [2, 3]


@pytest.mark.parametrize("extra", [",surplus", ""])
def test_rows_wider_or_narrower_than_the_header_are_reported(tmp_graph, tmp_path, extra):
    row = _row() + extra if extra else _row().rsplit(",", 2)[0]
    result = import_file("csv", _facts(tmp_path, row), graph_dir=tmp_graph)
    assert len(result.errors) == 1 and result.errors[0].line == 2
    assert "field" in result.errors[0].reason


IMPORT_SAMPLES = {
    "usaspending": "usaspending-transactions.csv",
    "facilities": "icefacs-synthetic.csv",
    "tornapart": "tornapart-freezer-synthetic.csv",
}


@pytest.mark.parametrize("kind", sorted(IMPORT_SAMPLES))
def test_every_importer_reports_rows_wider_or_narrower_than_the_header(tmp_graph, tmp_path, kind):
    lines = (TEST_DATA / "import" / IMPORT_SAMPLES[kind]).read_text(encoding="utf-8").splitlines()
    header, first = lines[0], lines[1]
    bad = tmp_path / IMPORT_SAMPLES[kind]
    bad.write_text("\n".join([header, first + ",surplus", "x,y", *lines[2:]]) + "\n", encoding="utf-8")
    result = import_file(kind, bad, graph_dir=tmp_graph, dry_run=True)
    width = {e.line: e.reason for e in result.errors if "field" in e.reason and "header" in e.reason}
    assert sorted(width) == [2, 3]  # the sample's own rows are not width errors
    assert width[2] == "1 more field than the header has"


def test_two_file_names_with_one_part_do_not_replace_each_other(tmp_graph, tmp_path):
    first = _facts(tmp_path, _row(), name="Facts 2025.csv")
    second = _facts(tmp_path, _row("2024"), name="facts_2025.csv")
    assert part_name("csv", first) == part_name("csv", second)
    import_file("csv", first, graph_dir=tmp_graph)
    before = (tmp_graph / f"{part_name('csv', first)}.ttl").read_bytes()
    with pytest.raises(ImportFailed, match="already holds the import of 'Facts 2025.csv'"):
        import_file("csv", second, graph_dir=tmp_graph)
    assert (tmp_graph / f"{part_name('csv', first)}.ttl").read_bytes() == before
    import_file("csv", first, graph_dir=tmp_graph)  # the same file again is still fine


def test_a_very_long_file_name_gives_a_short_part(tmp_graph, tmp_path):
    f = _facts(tmp_path, _row(), name="x" * 240 + ".csv")
    assert len(part_name("csv", f)) < 130
    result = import_file("csv", f, graph_dir=tmp_graph)
    assert result.records


def test_file_name_cannot_break_out_of_the_turtle_comment(tmp_graph, tmp_path):
    f = _facts(tmp_path, _row(), name='evil\n<urn:a> <urn:b> "x" .\n.csv')
    import_file("csv", f, graph_dir=tmp_graph)
    (written,) = (tmp_graph / "imports").glob("*.ttl")
    assert not any(t for t in parse_turtle_file(written) if str(t[0]) == "urn:a")


def test_non_utf8_turtle_names_file_and_line(tmp_path):
    f = tmp_path / "latin.ttl"
    f.write_bytes(b'<urn:a> <urn:b> "ok" .\n<urn:a> <urn:c> "caf\xe9" .\n')
    with pytest.raises(GraphLoadError, match=r"latin\.ttl:2: not UTF-8"):
        parse_turtle_file(f)


@pytest.mark.parametrize(
    "q,reason",
    [
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "GRAPH patterns need named graphs"),
        ('SELECT ?s WHERE { ?s ?p ?o FILTER REGEX(STR(?o), "(") }', "unterminated subpattern"),
        ("SELECT (SUM(?s) AS ?t) WHERE { ?s ?p ?o }", "wrong kind"),
    ],
)
def test_query_evaluation_errors_are_one_line(bundled, runner, q, reason):
    with pytest.raises(QueryError, match=reason) as err:
        run_query(bundled, q)
    assert "\n" not in str(err.value)
    result = runner.invoke(cli, ["query", "-e", q, "-f", "json"], env={"CORPGRAPH_CACHE": "off"})
    assert result.exit_code == 1 and reason in result.stderr and "Traceback" not in result.stderr


def test_non_ascii_variable_on_the_store(tmp_graph, tmp_path):
    b = OxigraphBackend.open(tmp_path / "store", tmp_graph)
    try:
        out = b.query("SELECT ?ä WHERE { ?ä a ?t } LIMIT 1")
        assert out.variables == ["ä"] and len(out.rows) == 1
        assert b.query('SELECT ?s WHERE { ?s ?p ?o FILTER REGEX(STR(?o), "(") }').rows == []
    finally:
        b.close()


@pytest.mark.endpoint
def test_non_ascii_variable_on_an_endpoint(loaded_endpoint):
    from corpgraph.backend.endpoint import EndpointBackend

    out = EndpointBackend(loaded_endpoint).query("SELECT ?ä WHERE { ?ä a ?t } LIMIT 1")
    assert out.variables == ["ä"] and len(out.rows) == 1


def test_ill_typed_literals_are_reported_by_validate(runner, tmp_graph):
    (tmp_graph / "bad.ttl").write_text(
        "@prefix cg: <https://w3id.org/corpgraph/ns#> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<https://w3id.org/corpgraph/record/x> a cg:Contract ; cg:amount "abc"^^xsd:decimal ;\n'
        '    cg:date "2025-13-45"^^xsd:date .\n',
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["validate", "--graph", str(tmp_graph)])
    assert result.exit_code == 1, result.output
    assert "bad.ttl:3:" in result.stdout and "(value: abc)" in result.stdout
    assert "(value: 2025-13-45)" in result.stdout
    assert "Traceback" not in result.stderr and "Failed to convert" not in result.stderr

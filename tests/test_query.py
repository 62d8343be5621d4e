"""corpgraph.query and `corpgraph query` / `corpgraph queries`: the safety check, binding, formats.

Issue 3 §1: https://github.com/ (issue 3) — read-only, offline, parameters bound, errors located.
"""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, Literal, URIRef

from corpgraph.cli import cli
from corpgraph.errors import QueryError, QueryRefused, UnknownEntity, UnknownQuery
from corpgraph.output.answers import format_answer
from corpgraph.query import (
    bind_params,
    check_query,
    list_queries,
    load_query,
    parse_header,
    run_query,
)
from corpgraph.vocab import ENT

ICE = str(ENT.ice)


# -- the check -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
        "LOAD <file:///etc/passwd>",
        "LOAD <http://127.0.0.1:9/x.ttl> INTO GRAPH <urn:g>",
        "CLEAR DEFAULT",
        "DROP ALL",
        "CREATE GRAPH <urn:g>",
        "COPY DEFAULT TO <urn:g>",
        "PREFIX ex: <http://example.org/>\nINSERT DATA { ex:a ex:b ex:c }",
    ],
)
def test_updates_are_refused(text):
    with pytest.raises(QueryRefused, match="read-only"):
        check_query(text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?x } } }",
        "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
        "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
        "ASK { { ?s ?p ?o } UNION { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
        "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    ],
)
def test_service_anywhere_is_refused(text):
    with pytest.raises(QueryRefused, match="SERVICE"):
        check_query(text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "ASK FROM <file:///tmp/x.ttl> { ?s ?p ?o }",
    ],
)
def test_from_clauses_are_refused(text):
    with pytest.raises(QueryRefused, match="FROM"):
        check_query(text)


def test_word_service_in_a_string_is_not_refused(bundled):
    assert check_query('SELECT ?x WHERE { BIND("SERVICE <http://x/> {}" AS ?x) }').kind == "SELECT"


def test_syntax_error_reports_line_and_column():
    text = "SELECT ?s\nWHERE {\n  ?s ?p ?o ..\n}"
    with pytest.raises(QueryError) as err:
        check_query(text, where="q.rq")
    msg = str(err.value)
    assert msg.startswith("q.rq:3:"), msg
    line, col = msg.split(":")[1:3]
    assert int(line) == 3 and 1 <= int(col) <= len("  ?s ?p ?o ..") + 1


def test_syntax_error_on_first_line_column():
    with pytest.raises(QueryError, match=r"^query:1:\d+: SPARQL syntax error"):
        check_query("SELEKT * WHERE { ?s ?p ?o }")


def test_query_kinds():
    assert check_query("ASK { ?s ?p ?o }").kind == "ASK"
    assert check_query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").kind == "CONSTRUCT"
    assert check_query("DESCRIBE ent:ice").kind == "DESCRIBE"
    assert check_query("SELECT * WHERE { ?s a cg:Company }").kind == "SELECT"


def test_standard_prefixes_are_added_only_when_missing():
    checked = check_query("PREFIX cg: <urn:other#>\nSELECT * WHERE { ?s a cg:X }")
    assert "PREFIX cg: <urn:other#>" in checked.runnable
    assert "PREFIX cg: <https://w3id.org/corpgraph/ns#>" not in checked.runnable
    assert "PREFIX ent:" in checked.runnable


# -- no connection ever leaves -------------------------------------------------------------------


def test_service_query_is_refused_and_nothing_is_contacted(bundled, runner, listener):
    url = f"http://127.0.0.1:{listener.port}/sparql"
    queries = [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE SILENT <{url}> {{ ?s ?p ?x }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        f"LOAD <{url}>",
    ]
    for q in queries:
        with pytest.raises(QueryRefused):
            run_query(bundled, q)
        result = runner.invoke(cli, ["query", "-e", q])
        assert result.exit_code == 1, result.output
        assert "refused" in result.stderr
    listener.thread.join(0.5)
    assert listener.connections == 0


def test_listener_control_rdflib_alone_would_connect(bundled, listener):
    """Control: the same SERVICE query handed straight to rdflib does reach the listener, so the
    test above would see a connection if corpgraph let one through."""
    q = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
    g = Graph()
    try:
        list(g.query(q))
    except Exception:
        pass
    for _ in range(20):
        if listener.connections:
            break
        listener.thread.join(0.1)
    assert listener.connections >= 1


# -- the library and its headers -----------------------------------------------------------------


def test_header_parsing():
    q = parse_header(
        "# title: A title\n# description: first part\n#   second part\n"
        "# param agency (entity) default=ICE -- the agency\n#   by name\n"
        '# param from (date) default="2024-01" -- start\n# param note -- free text\n'
        "# example: corpgraph query x -p agency DHS\nSELECT * WHERE { ?s ?p ?o }\n# not header\n",
        "x",
    )
    assert q.title == "A title"
    assert q.description == "first part second part"
    assert [(p.name, p.type, p.default) for p in q.params] == [
        ("agency", "entity", "ICE"),
        ("from", "date", "2024-01"),
        ("note", "string", None),
    ]
    assert q.params[0].description == "the agency by name"
    assert q.examples == ["corpgraph query x -p agency DHS"]


def test_header_with_bad_type_is_reported():
    with pytest.raises(QueryError, match=r"q:1: parameter 'x' has unknown type 'colour'"):
        parse_header("# param x (colour) default=red\nSELECT * {}", "q")


def test_library_has_at_least_twelve_documented_queries():
    library = list_queries()
    assert len(library) >= 12
    for q in library:
        assert q.title and q.description and q.examples, q.name
        assert q.examples[0].startswith(f"corpgraph query {q.name}"), q.name
        check_query(q.sparql, where=q.name)


def test_load_query_by_name_path_and_unknown(tmp_path):
    assert load_query("paid-by").title
    f = tmp_path / "mine.rq"
    f.write_text("# title: Mine\nSELECT * WHERE { ?s ?p ?o } LIMIT 1\n")
    assert load_query(str(f)).title == "Mine"
    with pytest.raises(UnknownQuery, match="paid-by"):
        load_query("paid-bye")
    with pytest.raises(UnknownQuery, match="does not exist"):
        load_query(str(tmp_path / "missing.rq"))


# -- parameters ------------------------------------------------------------------------------------


def test_entity_parameter_takes_alias_name_slug_or_iri(bundled):
    q = load_query("contractors-of")
    for value in ("ICE", "Immigration and Customs Enforcement", "ent:ice", ICE, "ice"):
        assert bind_params(bundled, q, {"agency": value}) == {"agency": URIRef(ICE)}


def test_unknown_entity_and_parameter_errors(bundled):
    q = load_query("contractors-of")
    with pytest.raises(UnknownEntity):
        bind_params(bundled, q, {"agency": "Nonexistent Agency Zzz"})
    with pytest.raises(QueryError, match="unknown parameter 'agencyy'"):
        bind_params(bundled, q, {"agencyy": "ICE"})
    with pytest.raises(QueryError, match="not a date"):
        bind_params(bundled, load_query("contracts-in-range"), {"from": "last year"})
    with pytest.raises(QueryError, match="not a whole number"):
        bind_params(bundled, load_query("within-hops"), {"hops": "two"})


def test_defaults_are_bound_and_optional_params_left_unbound(bundled):
    q = load_query("within-hops")
    b = bind_params(bundled, q, {})
    assert b["start"] == URIRef(ICE) and b["hops"].toPython() == 2
    assert "system" not in bind_params(bundled, load_query("systems"), {})


def test_string_parameter_cannot_inject(bundled):
    text = "SELECT ?l WHERE { ?e rdfs:label ?l FILTER(?l = ?name) }"
    hit = run_query(bundled, text, {"name": "AT&T"}).outcome.rows
    assert [str(r[0]) for r in hit] == ["AT&T"]
    assert run_query(bundled, text, {"name": 'x" || true || "'}).outcome.rows == []
    assert run_query(bundled, text, {"name": "x') || true || ('"}).outcome.rows == []


def test_inline_parameters_look_like_iris_or_strings(bundled):
    out = run_query(bundled, "SELECT ?l WHERE { ?e rdfs:label ?l }", {"e": "ent:ice"}).outcome
    assert [str(r[0]) for r in out.rows] == ["U.S. Immigration and Customs Enforcement"]


# -- formats ---------------------------------------------------------------------------------------

SELECT_SYSTEMS = "SELECT ?s ?label WHERE { ?s a cg:System ; rdfs:label ?label } ORDER BY ?label"


def test_json_is_sparql_results_json(bundled):
    data = json.loads(format_answer(run_query(bundled, SELECT_SYSTEMS), "json"))
    assert data["head"]["vars"] == ["s", "label"]
    first = data["results"]["bindings"][0]
    assert first["s"]["type"] == "uri" and first["s"]["value"].startswith(str(ENT))
    assert first["label"]["type"] == "literal"


def test_json_keeps_datatypes_and_leaves_unbound_out(bundled):
    out = run_query(
        bundled,
        "SELECT ?a ?x WHERE { rec:citizens-geo-group-credit-line cg:amount ?a "
        "OPTIONAL { rec:citizens-geo-group-credit-line cg:nothing ?x } }",
    )
    data = json.loads(format_answer(out, "json"))
    b = data["results"]["bindings"][0]
    assert b["a"] == {
        "type": "literal",
        "value": "450000000",
        "datatype": "http://www.w3.org/2001/XMLSchema#decimal",
    }
    assert "x" not in b


def test_row_formats(bundled):
    ans = run_query(bundled, SELECT_SYSTEMS)
    csv = format_answer(ans, "csv").splitlines()
    assert csv[0] == "s,label" and csv[1].startswith(str(ENT))
    assert format_answer(ans, "tsv").splitlines()[0] == "s\tlabel"
    md = format_answer(ans, "md").splitlines()
    assert md[0] == "| s | label |" and md[2].startswith("| ent:")
    table = format_answer(ans, "table").splitlines()
    assert table[0].split() == ["s", "label"] and set(table[1]) <= {"-", " "}


def test_ask_and_construct_formats(bundled):
    assert format_answer(run_query(bundled, "ASK { ent:aws a cg:Company }"), "table") == "true\n"
    assert json.loads(format_answer(run_query(bundled, "ASK { ent:aws a cg:System }"), "json")) == {
        "head": {},
        "boolean": False,
    }
    ans = run_query(bundled, "CONSTRUCT { ?r cg:host ?h } WHERE { ?r a cg:Hosting ; cg:host ?h }")
    g = Graph().parse(data=format_answer(ans, "turtle"), format="turtle")
    assert (None, None, ENT.aws) in g and len(g) == len(ans.outcome.graph)
    g2 = Graph().parse(data=format_answer(ans, "json-ld"), format="json-ld")
    assert len(g2) == len(g)
    with pytest.raises(QueryError, match="CONSTRUCT"):
        format_answer(run_query(bundled, SELECT_SYSTEMS), "turtle")


# -- the CLI ---------------------------------------------------------------------------------------


def test_cli_query_by_name_with_param(runner):
    result = runner.invoke(cli, ["query", "contractors-of", "--param", "agency", "ICE", "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert "AT&T" in result.stdout and "11000000" in result.stdout


def test_cli_default_format_is_the_table_whether_or_not_piped(runner):
    result = runner.invoke(cli, ["query", "-e", SELECT_SYSTEMS], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].split() == ["s", "label"]  # CliRunner's stdout is no terminal
    piped = runner.invoke(cli, ["query", "-e", SELECT_SYSTEMS, "-f", "json"], catch_exceptions=False)
    assert json.loads(piped.stdout)["head"]["vars"] == ["s", "label"]


def test_cli_query_file_and_construct(runner, tmp_path):
    f = tmp_path / "q.rq"
    f.write_text("CONSTRUCT { ?s cg:alias ?a } WHERE { ?s cg:alias ?a ; rdfs:label ?l FILTER(?l = ?name) }\n")
    result = runner.invoke(cli, ["query", str(f), "-p", "name", "Palantir Technologies"])
    assert result.exit_code == 0, result.output
    g = Graph().parse(data=result.stdout, format="turtle")
    assert (ENT.palantir, None, Literal("Palantir")) in g


def test_cli_errors(runner, tmp_path):
    r = runner.invoke(cli, ["query", "no-such-query"])
    assert r.exit_code == 1 and "No query named 'no-such-query'" in r.stderr
    r = runner.invoke(cli, ["query", "-e", "SELECT * WHERE {\n ?s ?p\n}"])
    assert r.exit_code == 1 and "query:2:2: SPARQL syntax error" in r.stderr  # the incomplete triple
    r = runner.invoke(cli, ["query", "-e", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"])
    assert r.exit_code == 1 and "refused" in r.stderr
    for args in (["query"], ["query", "paid-by", "-e", "ASK {}"]):
        r = runner.invoke(cli, args)
        assert r.exit_code == 2 and "Give a query NAME or FILE, or inline SPARQL with -e" in r.stderr
    r = runner.invoke(cli, ["query", "paid-by", "-p", "agency", "Nowhere Agency Qqq"])
    assert r.exit_code == 1 and "No entity matches" in r.stderr


def test_cli_refused_query_leaves_graph_unchanged(runner, tmp_graph):
    before = {p.name: p.read_bytes() for p in tmp_graph.rglob("*.ttl")}
    r = runner.invoke(cli, ["query", "--graph", str(tmp_graph), "-e", "DELETE WHERE { ?s ?p ?o }"])
    assert r.exit_code == 1 and "SPARQL Update (DELETE) is refused" in r.stderr
    assert {p.name: p.read_bytes() for p in tmp_graph.rglob("*.ttl")} == before


def test_cli_queries_lists_library(runner):
    r = runner.invoke(cli, ["queries"])
    assert r.exit_code == 0
    for q in list_queries():
        assert f"{q.name}: {q.title}" in r.stdout
    assert "--param agency (entity) [default: DHS]" in r.stdout
    data = json.loads(runner.invoke(cli, ["queries", "-f", "json"]).stdout)
    assert len(data) >= 12 and all(d["title"] and d["examples"] for d in data)
    md = runner.invoke(cli, ["queries", "-f", "md"]).stdout
    assert md.startswith("| name | title | parameters |")


def test_queries_parse_in_many_threads_at_once():
    """rdflib's SPARQL parser shares state between threads; a server parses many queries at once
    (without the parser lock, about one parse in ten failed with a pyparsing TypeError)."""
    import concurrent.futures

    from corpgraph.query import check_query

    texts = [f"SELECT (COUNT(*) AS ?n{i}) WHERE {{ ?r a cg:Contract ; cg:amount ?a{i} }}" for i in range(8)]

    def parse(i: int) -> str:
        return check_query(texts[i % len(texts)]).kind

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(parse, range(64)))
    assert set(answers) == {"SELECT"}

"""No request and no write from data or parameters: hostile graph files, queries, parameter names and
CSV values never make corpgraph contact the network, read other files or write raw text.

Each test is an attack that got through before the fix; a local TCP listener (conftest.Listener)
counts the connections an attack would open.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef

from corpgraph import netrows, rdftext
from corpgraph.backend.memory import MemoryBackend
from corpgraph.backend.oxigraph_store import OxigraphBackend
from corpgraph.backend.sparqltext import refuse_unsafe, values_block
from corpgraph.cli import cli
from corpgraph.errors import QueryError, QueryRefused
from corpgraph.importing import import_file
from corpgraph.query import run_query
from corpgraph.store import parse_turtle_file


def _settle(listener) -> None:
    listener.thread.join(0.3)


# -- queries handed to a backend directly (the library API) ----------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE SILENT <{url}> {{ ?s ?p ?x }} }} }}",
        # rdflib expands \\u escapes anywhere in a query before parsing it
        "SELECT * WHERE {{ SERVIC\\u0045 <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "ASK FR\\u004FM <{url}> {{ ?s ?p ?o }}",
    ],
)
def test_memory_backend_refuses_network_queries(bundled, listener, template):
    url = f"http://127.0.0.1:{listener.port}/sparql"
    with pytest.raises(QueryRefused, match="refused"):
        bundled.query(template.format(url=url))
    _settle(listener)
    assert listener.connections == 0


def test_memory_backend_refuses_an_update_word_in_any_spelling(bundled):
    with pytest.raises(QueryRefused, match="read-only"):
        bundled.query("SELECT * WHERE { ?s ?p ?o } \\u004cOAD <file:///etc/passwd>")


def test_non_ascii_words_do_not_break_the_check():
    assert refuse_unsafe("SELECT ?s WHERE { ?s ?p ?ä . FILTER(?ä != ünknown:x) }") == "SELECT"
    with pytest.raises(QueryRefused):
        refuse_unsafe("SELECT * WHERE { ?s ?p é SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")


# -- IRIs from the graph ---------------------------------------------------------------------------


def _evil_class(port: int) -> str:
    """A class IRI that rdflib decodes into text closing a VALUES block and opening a SERVICE call."""
    return (
        "@prefix cg: <https://w3id.org/corpgraph/ns#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f"<https://w3id.org/corpgraph/ns#Evil\\u003E\\u000A }} SERVICE \\u003Chttp://127.0.0.1:{port}/\\u003E "
        "{ ?a ?b ?c } VALUES ?zz { \\u003Curn:x> rdfs:subClassOf cg:Company .\n"
    )


def test_graph_file_iri_smuggling_sparql_is_refused_on_load(tmp_graph, runner, listener, tmp_path):
    (tmp_graph / "evil.ttl").write_text(_evil_class(listener.port), encoding="utf-8")
    result = runner.invoke(cli, ["map", "--graph", str(tmp_graph), "-o", str(tmp_path / "m.html")])
    assert result.exit_code == 1, result.output
    assert "evil.ttl:3:" in result.stderr and "Invalid IRI" in result.stderr
    assert not (tmp_path / "m.html").exists()
    _settle(listener)
    assert listener.connections == 0


@pytest.mark.parametrize(
    "iri", ["http://example.org/a b", "http://example.org/a\\u007Bb", "http://e/x\\u0060"]
)
def test_graph_file_iri_with_forbidden_character_is_refused(tmp_path, iri):
    f = tmp_path / "bad.ttl"
    f.write_text(f"<{iri}> <http://example.org/p> <http://example.org/o> .\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"bad\.ttl:1:\d+: Invalid IRI code point"):
        parse_turtle_file(f)


@pytest.mark.parametrize("bad", ["urn:a> } SERVICE <http://127.0.0.1:9/> { ?s ?p ?o", "urn:a b", "no-scheme"])
def test_every_values_builder_refuses_a_bad_iri(bad):
    with pytest.raises(QueryError, match="not a valid IRI"):
        netrows.read_rows(MemoryBackend(Graph(), "test"), [], ["urn:ok", bad])
    with pytest.raises(QueryError, match="not a valid IRI"):
        values_block(["s"], [[URIRef(bad)]])


def test_values_block_escapes_literals():
    text = values_block(["v"], [[Literal('x" } SERVICE <http://127.0.0.1:9/> { "')]])
    assert text == 'VALUES (?v) { ("x\\" } SERVICE <http://127.0.0.1:9/> { \\"") }'


# -- parameters ------------------------------------------------------------------------------------


@pytest.fixture
def small_store(tmp_graph, tmp_path):
    path = tmp_path / "store"
    OxigraphBackend.open(path, tmp_graph).close()
    return path


def test_param_name_is_a_variable_name_or_an_error(runner, tmp_graph, small_store, listener):
    name = f"v) {{ (1) }} SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} VALUES (?w"
    args = ["query", "-e", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--param", name, "1"]
    result = runner.invoke(cli, [*args, "--store", str(small_store), "--graph", str(tmp_graph)])
    assert result.exit_code == 1, result.output
    assert "is not a parameter name" in result.stderr
    _settle(listener)
    assert listener.connections == 0


def test_param_name_checked_by_the_backend_itself(bundled):
    with pytest.raises(QueryError, match="not a parameter name"):
        bundled.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1", {"v) { (1) } #": Literal(1)})


def test_param_iri_value_is_checked(bundled):
    with pytest.raises(QueryError, match="not a valid IRI"):
        run_query(bundled, "SELECT * WHERE { ?s ?p ?x } LIMIT 1", {"x": "http://example.org/a> b"})


# -- imports write no raw text ---------------------------------------------------------------------

_HEADER = "kind,from,from_role,to,to_role,also,certainty,source_url,source_title,publisher,quote\n"


@pytest.mark.parametrize(
    "from_role,also",
    [
        ("http://www.w3.org/2000/01/rdf-schema#label", ""),  # relabels the entity
        ('http://x/"broken', ""),  # an unreadable folder
        ("http://x/> . <urn:a> <urn:b> <urn:c", ""),
        ("buyer", "http://www.w3.org/2000/01/rdf-schema#label=HACKED BY CSV"),
        ("cg:label", ""),
    ],
)
def test_csv_role_values_must_be_ontology_roles(tmp_graph, tmp_path, from_role, also):
    csv_file = tmp_path / "facts.csv"
    csv_file.write_text(
        _HEADER + f'Contract,ICE,"{from_role.replace(chr(34), chr(34) * 2)}",AWS,supplier,"{also}",reported,'
        "https://example.org/a,Title,Pub,Quote\n",
        encoding="utf-8",
    )
    result = import_file("csv", csv_file, graph_dir=tmp_graph)
    assert result.records == {} and len(result.errors) == 1
    error = result.errors[0]
    assert error.field in ("from_role", "also") and "unknown role" in error.reason
    g = MemoryBackend.from_folder(tmp_graph)
    assert not g.query("ASK { ?s ?p 'HACKED BY CSV' }").boolean


def test_turtle_writer_refuses_a_bad_iri():
    from corpgraph.importers.turtle import write_turtle

    with pytest.raises(rdftext.BadIRI):
        write_turtle([(URIRef("urn:a> . <urn:b"), URIRef("urn:p"), Literal("x"))])
    assert rdftext.ntriple(URIRef("urn:a"), URIRef("urn:p"), Literal('a"\n', lang="en")) == (
        '<urn:a> <urn:p> "a\\"\\n"@en .'
    )

"""--endpoint against a REAL OpenLink Virtuoso 7.2 on 127.0.0.1 (see virtuoso_server.py).

The commands give the same answers as on the parsed folder where Virtuoso's SPARQL engine answers
the query correctly (query, paths, money, map, import, load), and the dialect handles what differs:
the default graph (all graphs, Virtuoso's own included), answers cut at ResultSetMaxRows, ASK
answered as a table, booleans as 1/0, loads through the Graph Store endpoint, HTTP Digest.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal

from corpgraph import store as graph_store
from corpgraph.backend.endpoint import VIRTUOSO, EndpointBackend
from corpgraph.cli import cli
from corpgraph.errors import BackendError
from corpgraph.vocab import SPARQL_PREFIXES

try:
    from virtuoso_server import AUTH_PASSWORD, AUTH_USER, MAX_ROWS
except ImportError:  # pragma: no cover - importlib import mode
    from tests.virtuoso_server import AUTH_PASSWORD, AUTH_USER, MAX_ROWS

pytestmark = pytest.mark.endpoint
P = SPARQL_PREFIXES
IMPORT_DATA = Path(__file__).resolve().parent / "data" / "import"


def _same(runner, args: list[str], url: str) -> str:
    mem = runner.invoke(cli, args, catch_exceptions=False)
    other = runner.invoke(cli, args + ["--endpoint", url], catch_exceptions=False)
    assert mem.exit_code == 0, mem.output
    assert other.exit_code == 0, other.output
    assert other.stdout == mem.stdout
    return other.stdout


def test_the_dialect_is_recognised_and_reads_only_corpgraphs_graphs(virtuoso_loaded):
    e = EndpointBackend(virtuoso_loaded)
    assert e.dialect is VIRTUOSO
    # Virtuoso's default graph holds its own system graphs too; corpgraph's queries see its parts only
    mem_len = len(graph_store.load_graph(graph_store.bundled_graph_dir()))
    assert len(e) == mem_len == e._count()
    assert e.query(P + "ASK { ?r a cg:Contract }").boolean is True
    assert e.query(P + "ASK { ?r a cg:NoSuchClass }").boolean is False
    assert not e.query(
        "ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?p), 'http://www.openlinksw.com/schemas/virtrdf#')) }"
    ).boolean
    # booleans come back as true/false, not Virtuoso's 1/0
    flags = {o for (o,) in e.select(P + "SELECT DISTINCT ?o WHERE { ?k cg:softTie ?o }").rows}
    assert flags and all(str(f) in ("true", "false") for f in flags)
    assert len(e.to_graph()) == mem_len


def test_query_paths_money_map_through_virtuoso(runner, virtuoso_loaded, tmp_path):
    out = _same(
        runner,
        [
            "query",
            "-e",
            "SELECT ?e ?l WHERE { ?e a cg:System ; rdfs:label ?l } ORDER BY ?e",
            "--format",
            "csv",
        ],
        virtuoso_loaded,
    )
    assert "icm" in out.lower()
    _same(
        runner,
        [
            "query",
            "-e",
            "SELECT ?e WHERE { ?e rdfs:label ?l FILTER(?l = ?name) }",
            "-p",
            "name",
            'x" || "',
            "-f",
            "csv",
        ],
        virtuoso_loaded,
    )
    for name in ("ranked-by-money", "pledges", "systems", "contracts-in-range"):
        _same(runner, ["query", name, "--format", "csv"], virtuoso_loaded)
    assert "Amazon Web Services" in _same(runner, ["paths", "AWS", "ICE"], virtuoso_loaded)
    money = _same(runner, ["money", "ICE"], virtuoso_loaded)
    assert "$41,000,000" in money  # xsd:decimal sums: 30,000,000 + 11,000,000
    assert "30000000" in _same(runner, ["money", "Palantir", "--format", "csv"], virtuoso_loaded)
    mem_out, v_out = tmp_path / "mem.html", tmp_path / "v.html"
    assert runner.invoke(cli, ["map", "-o", str(mem_out)], catch_exceptions=False).exit_code == 0
    r = runner.invoke(cli, ["map", "-o", str(v_out), "--endpoint", virtuoso_loaded], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    html = v_out.read_text(encoding="utf-8")
    assert "Palantir" in html
    assert len(html) == pytest.approx(len(mem_out.read_text(encoding="utf-8")), rel=0.02)


def test_load_and_import_through_virtuoso(runner, virtuoso_fresh, tmp_graph):
    url = virtuoso_fresh
    r = runner.invoke(cli, ["load", "--graph", str(tmp_graph), "--endpoint", url], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    e = EndpointBackend(url)
    assert e.version() == graph_store.graph_version(tmp_graph)
    mem_len = len(graph_store.load_graph(tmp_graph))
    assert len(e) == mem_len
    assert e.load_folder(tmp_graph) == []
    # a duration literal, which Virtuoso's INSERT DATA refuses, arrives through the Graph Store endpoint
    # (SELECT answers give it as a number of months; CONSTRUCT answers, read as Turtle, as written)
    part = e.part_graph("popular-info-corporate-enablers")
    assert part is not None and "P4Y" in {str(o) for o in part.objects()}
    data = IMPORT_DATA / "usaspending-transactions.csv"
    r = runner.invoke(cli, ["import", "usaspending", str(data), "--endpoint", url], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    after = len(e)
    assert after > mem_len
    assert e.query(
        P
        + "ASK { ?r a cg:Contract ; cg:source ?s . ?s schema:url ?u FILTER(CONTAINS(STR(?u), 'usaspending.gov')) }"
    ).boolean
    again = runner.invoke(
        cli, ["import", "usaspending", str(data), "--endpoint", url], catch_exceptions=False
    )
    assert again.exit_code == 0, again.output
    assert len(e) == after  # idempotent
    m = runner.invoke(cli, ["money", "ICE", "--endpoint", url], catch_exceptions=False)
    assert m.exit_code == 0 and "Money of U.S. Immigration and Customs Enforcement" in m.stdout
    # a part dropped from the folder is dropped from Virtuoso
    (tmp_graph / "agencies.ttl").unlink()
    e.load_folder(tmp_graph)
    assert "agencies" not in e.parts()


def test_a_big_part_loads_and_a_cut_answer_is_refused(virtuoso_fresh, tmp_path):
    """More triples than one INSERT DATA can hold in Virtuoso, and more than ResultSetMaxRows."""
    folder = tmp_path / "big"
    folder.mkdir()
    n = MAX_ROWS + 1_000
    lines = [
        f'<urn:x:s{i}> <urn:x:amount> "{i}.50"^^<http://www.w3.org/2001/XMLSchema#decimal> .'
        for i in range(n)
    ]
    (folder / "big.ttl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    e = EndpointBackend(virtuoso_fresh)
    assert e.load_folder(folder) == ["big"]
    assert len(e) == n
    total = e.select("SELECT (SUM(?a) AS ?t) WHERE { ?s <urn:x:amount> ?a }").rows[0][0]
    assert isinstance(total, Literal) and total.toPython() == sum(i + 0.5 for i in range(n))
    with pytest.raises(BackendError, match=rf"cut its answer at {MAX_ROWS} rows .*ResultSetMaxRows"):
        e.select("SELECT ?s WHERE { ?s ?p ?o }")
    with pytest.raises(BackendError, match=rf"sent 50\d\d of the {n} triples.*ResultSetMaxRows"):
        e.to_graph()


def test_digest_credentials_against_virtuoso(monkeypatch, virtuoso_server, virtuoso_fresh, tmp_graph):
    url = virtuoso_server + "/sparql-auth"
    monkeypatch.delenv("CORPGRAPH_ENDPOINT_TOKEN", raising=False)
    monkeypatch.delenv("CORPGRAPH_ENDPOINT_USER", raising=False)
    monkeypatch.delenv("CORPGRAPH_ENDPOINT_PASSWORD", raising=False)
    with pytest.raises(BackendError, match=r"answered HTTP 401 Unauthorized.*set CORPGRAPH_ENDPOINT_USER"):
        EndpointBackend(url).query("ASK {}")
    monkeypatch.setenv("CORPGRAPH_ENDPOINT_USER", AUTH_USER)
    monkeypatch.setenv("CORPGRAPH_ENDPOINT_PASSWORD", "wrong")
    with pytest.raises(BackendError, match=r"HTTP 401.*credentials from the environment were refused"):
        EndpointBackend(url).query("ASK {}")
    monkeypatch.setenv("CORPGRAPH_ENDPOINT_PASSWORD", AUTH_PASSWORD)
    e = EndpointBackend(url)
    assert e.dialect is VIRTUOSO
    sent = e.load_folder(tmp_graph)  # Digest on every request, the Graph Store's included
    assert "entities" in sent
    assert e.query(P + "ASK { ent:palantir a cg:Company }").boolean


def test_stats_show_and_durations_give_the_folders_answers(runner, virtuoso_loaded):
    """Counts per class, kind and source and every relationship on a card, as on the folder: the
    queries join the ontology's classes as VALUES, where Virtuoso lost rows of a transitive path."""
    mem = runner.invoke(cli, ["stats"], catch_exceptions=False).stdout.splitlines()
    other = runner.invoke(cli, ["stats", "--endpoint", virtuoso_loaded], catch_exceptions=False)
    assert (
        other.exit_code == 0 and other.stdout.splitlines()[1:] == mem[1:]
    )  # the first line names the backend
    for name in ("ICE", "GEO Group", "Palantir"):
        card = _same(runner, ["show", name], virtuoso_loaded)
    assert "duration 10 years" in _same(runner, ["show", "ICE"], virtuoso_loaded)  # P10Y, not 120
    assert "Relationships (" in card
    e = EndpointBackend(virtuoso_loaded)
    durations = {str(o) for (o,) in e.select(P + "SELECT ?o WHERE { ?r cg:duration ?o }").rows}
    assert durations == {"P4Y", "P10Y"}


# columns that are GROUP_CONCAT lists, with their separators: SPARQL leaves the order of a list to
# the engine (Virtuoso sorts them), as it leaves the order of rows an ORDER BY does not decide
LISTS = {
    "paid-by": {"paidBy": "; ", "sources": " "},
    "sources": {"kinds": ", "},
    "statements-beside-deeds": {"saying": " / "},
    "uncertain-claims": {"parties": "; "},
}


def _rows(runner, args: list[str], lists: dict[str, str]) -> list[str]:
    import csv
    import io

    out = runner.invoke(cli, [*args, "-f", "csv", "--all"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    rows = []
    for row in csv.DictReader(io.StringIO(out.stdout)):
        item: dict[str, object] = dict(row)
        for col, sep in lists.items():
            item[col] = sorted(row[col].split(sep))
        rows.append(repr(sorted(item.items())))
    return sorted(rows)


@pytest.mark.parametrize(
    "name", ["contractors-of", "paid-by", "sources", "statements-beside-deeds", "uncertain-claims"]
)
def test_named_queries_with_paths_give_the_folders_answers(runner, virtuoso_loaded, name):
    """Transitive paths are sent to Virtuoso as subqueries of their own (the dialect), where it
    repeated or lost rows, and the queries avoid what it answers differently (CONTAINS of "")."""
    lists = LISTS.get(name, {})
    mem = _rows(runner, ["query", name], lists)
    other = _rows(runner, ["query", name, "--endpoint", virtuoso_loaded], lists)
    assert mem and other == mem

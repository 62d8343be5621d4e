"""--endpoint against a REAL Oxigraph server on 127.0.0.1, and --store, through the command line.

The same commands (query, paths, money, map, import) give the same answers on the bundled graph
whether it is parsed into memory, loaded into a local store, or served by ``oxigraph serve``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest
from rdflib import Graph, Literal

from corpgraph import store as graph_store
from corpgraph.backend.endpoint import EndpointBackend, default_update_url, normalise_query_url
from corpgraph.backend.oxigraph_store import OxigraphBackend
from corpgraph.cli import cli
from corpgraph.errors import BackendError
from corpgraph.vocab import CG, REC, SPARQL_PREFIXES

try:
    from oxigraph_server import running_oxigraph
except ImportError:  # pragma: no cover - importlib import mode
    from tests.oxigraph_server import running_oxigraph

pytestmark = pytest.mark.endpoint
P = SPARQL_PREFIXES
IMPORT_DATA = Path(__file__).resolve().parent / "data" / "import"


def need_command(name: str) -> None:
    if name not in cli.commands:
        pytest.skip(f"the `{name}` command is not in this checkout yet (its module has not landed)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the protocol and its errors -----------------------------------------------------------------


def test_update_url_follows_the_query_url(monkeypatch):
    monkeypatch.delenv("CORPGRAPH_UPDATE_ENDPOINT", raising=False)
    assert default_update_url("http://127.0.0.1:7878/query") == "http://127.0.0.1:7878/update"
    assert default_update_url("http://h:3030/ds/query") == "http://h:3030/ds/update"
    assert default_update_url("http://h:7200/repositories/cg") == "http://h:7200/repositories/cg/statements"
    assert default_update_url("http://h:8890/sparql") == "http://h:8890/sparql"
    assert normalise_query_url("http://127.0.0.1:7878") == "http://127.0.0.1:7878/query"
    monkeypatch.setenv("CORPGRAPH_UPDATE_ENDPOINT", "http://elsewhere/update")
    assert EndpointBackend("http://h:8890/sparql").update_url == "http://elsewhere/update"
    with pytest.raises(BackendError, match="http"):
        EndpointBackend("ftp://h/sparql")


def test_unreachable_endpoint_is_a_clear_error(runner):
    url = f"http://127.0.0.1:{_free_port()}/query"
    with pytest.raises(BackendError, match=f"Cannot reach the SPARQL endpoint {url}"):
        EndpointBackend(url).select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    r = runner.invoke(cli, ["stats", "--endpoint", url])
    assert r.exit_code == 4
    assert r.stderr.startswith("Error: Cannot reach the SPARQL endpoint " + url)


def test_error_status_names_url_and_status(oxigraph_server):
    bad = EndpointBackend(oxigraph_server + "/no-such-service")
    with pytest.raises(BackendError, match=r"/no-such-service answered HTTP 404"):
        bad.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    good = EndpointBackend(oxigraph_server + "/query")
    with pytest.raises(BackendError, match=r"answered HTTP 400"):
        good.select("SELECT * WHERE { ?s ?p ?o ")  # the server's own parser rejects it


def test_timeout_is_a_clear_error():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    held: list[socket.socket] = []

    def accept_and_hang() -> None:
        conn, _ = listener.accept()
        held.append(conn)  # never answers

    t = threading.Thread(target=accept_and_hang, daemon=True)
    t.start()
    try:
        e = EndpointBackend(f"http://127.0.0.1:{port}/query", timeout=0.3)
        start = time.monotonic()
        with pytest.raises(BackendError, match=r"did not answer within 0.3 s"):
            e.select("ASK {}")
        assert time.monotonic() - start < 5
    finally:
        for c in held:
            c.close()
        listener.close()


def test_read_only_server_refuses_writes_clearly(tmp_path):
    location = tmp_path / "db"
    OxigraphBackend.open(location, graph_store.bundled_graph_dir()).close()  # a store the server can read
    with running_oxigraph(location, union=False, read_only=True) as base:
        e = EndpointBackend(base + "/query")
        assert e.query(P + "ASK { ?r a cg:Contract }").boolean  # the store's default graph is the union
        with pytest.raises(BackendError, match=r"/update answered HTTP 403"):
            e.replace_part("imports/x", Graph())


# -- loading and writing ------------------------------------------------------------------------------


def test_load_folder_sends_only_changed_files_and_replace_part_swaps_one(fresh_endpoint, tmp_graph, runner):
    e = EndpointBackend(fresh_endpoint)
    assert e.version() == f"endpoint {fresh_endpoint}"  # nothing loaded yet
    r = runner.invoke(cli, ["load", "--graph", str(tmp_graph), "--endpoint", fresh_endpoint])
    assert r.exit_code == 0, r.output
    assert "files sent" in r.stdout and "sending entities.ttl" in r.stderr
    e = EndpointBackend(fresh_endpoint)
    assert e.version() == graph_store.graph_version(tmp_graph)
    mem_len = len(graph_store.load_graph(tmp_graph))
    assert len(e) == mem_len
    assert e.load_folder(tmp_graph) == []  # nothing changed, nothing sent
    with (tmp_graph / "entities.ttl").open("a", encoding="utf-8") as fh:
        fh.write('\nent:palantir cg:alias "Endpoint test alias" .\n')
    assert e.load_folder(tmp_graph) == ["entities"]
    assert e.version() == graph_store.graph_version(tmp_graph)
    assert len(e) == mem_len + 1
    # replace_part: one part swapped, the others untouched
    g = Graph()
    g.add((REC["endpoint-test"], CG.certainty, CG.reported))
    g.add((REC["endpoint-test"], CG.quote, Literal('x" || true || "')))
    e.replace_part("imports/test", g)
    assert e.query(P + "ASK { rec:endpoint-test cg:quote ?q }", {"q": Literal('x" || true || "')}).boolean
    assert "imports/test" in e.parts() and len(e.part_graph("imports/test")) == 2
    e.replace_part("popular-info-corporate-enablers", Graph())
    assert e.query(P + "ASK { ?r a cg:Contract }").boolean is False
    assert e.query(P + "ASK { ent:palantir a cg:Company }").boolean is True
    assert len(e) == mem_len + 1 + 2 - len(
        graph_store.parse_turtle_file(tmp_graph / "popular-info-corporate-enablers.ttl")
    )
    # a file removed from the folder: its part is dropped on the next load
    (tmp_graph / "agencies.ttl").unlink()
    e.load_folder(tmp_graph)
    assert "agencies" not in e.parts()


# -- the commands, through the endpoint and the store -------------------------------------------------


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("cli-store") / "db"
    OxigraphBackend.open(path, graph_store.bundled_graph_dir()).close()
    return str(path)


@pytest.fixture(params=["endpoint", "store"])
def where(request, loaded_endpoint, store_path) -> list[str]:
    if request.param == "endpoint":
        return ["--endpoint", loaded_endpoint]
    return ["--store", store_path, "--graph", str(graph_store.bundled_graph_dir())]


def _same(runner, args: list[str], where: list[str]) -> str:
    mem = runner.invoke(cli, args)
    other = runner.invoke(cli, args + where)
    assert mem.exit_code == 0, mem.output
    assert other.exit_code == 0, other.output
    assert other.stdout == mem.stdout
    return other.stdout


def test_query_through_the_backend(runner, where):
    need_command("query")
    out = _same(
        runner,
        [
            "query",
            "-e",
            "SELECT ?e ?l WHERE { ?e a cg:System ; rdfs:label ?l } ORDER BY ?e",
            "--format",
            "csv",
        ],
        where,
    )
    assert "icm" in out.lower()
    # a bound parameter, including a hostile value: no rows, no error
    _same(
        runner,
        [
            "query",
            "-e",
            "SELECT ?e WHERE { ?e rdfs:label ?l FILTER(?l = ?name) }",
            "-p",
            "name",
            'x" || true || "',
            "--format",
            "csv",
        ],
        where,
    )
    bad = runner.invoke(
        cli, ["query", "-e", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"] + where
    )
    assert bad.exit_code == 1 and "SERVICE" in bad.stderr


def test_named_query_through_the_backend(runner, where):
    need_command("queries")
    names = runner.invoke(cli, ["queries", "--format", "json"])
    if names.exit_code != 0:
        pytest.skip("`queries --format json` is not available")
    library = json.loads(names.stdout)
    first = (
        library[0]["name"] if isinstance(library, list) and library and isinstance(library[0], dict) else None
    )
    if first is None:
        pytest.skip("the query library listing has an unexpected shape")
    _same(runner, ["query", first, "--format", "csv"], where)


def test_paths_through_the_backend(runner, where):
    need_command("paths")
    out = _same(runner, ["paths", "AWS", "ICE"], where)
    assert "ICE" in out or "Immigration" in out
    mem = runner.invoke(cli, ["paths", "AWS", "ICE", "--max-hops", "1", "--kinds", "pledge"])
    other = runner.invoke(cli, ["paths", "AWS", "ICE", "--max-hops", "1", "--kinds", "pledge"] + where)
    assert other.exit_code == mem.exit_code


def test_money_through_the_backend(runner, where):
    need_command("money")
    out = _same(runner, ["money", "Palantir", "--format", "csv"], where)
    assert "30000000" in out.replace(",", "").replace(".00", "")


def test_map_through_the_backend(runner, where, tmp_path):
    need_command("map")
    mem_out, other_out = tmp_path / "mem.html", tmp_path / "other.html"
    r1 = runner.invoke(cli, ["map", "--output", str(mem_out)])
    r2 = runner.invoke(cli, ["map", "--output", str(other_out)] + where)
    assert r1.exit_code == 0, r1.output
    assert r2.exit_code == 0, r2.output
    html = other_out.read_text(encoding="utf-8")
    assert "Palantir" in html
    assert len(html) == pytest.approx(len(mem_out.read_text(encoding="utf-8")), rel=0.02)


def test_import_through_the_endpoint(runner, fresh_endpoint, tmp_graph):
    need_command("import")
    data = IMPORT_DATA / "usaspending-transactions.csv"
    if not data.is_file():
        pytest.skip(f"{data} is not in this checkout")
    assert (
        runner.invoke(cli, ["load", "--graph", str(tmp_graph), "--endpoint", fresh_endpoint]).exit_code == 0
    )
    e = EndpointBackend(fresh_endpoint)
    before = len(e)
    r = runner.invoke(cli, ["import", "usaspending", str(data), "--endpoint", fresh_endpoint])
    assert r.exit_code == 0, r.output
    after = len(e)
    assert after > before
    parts = [p for p in e.parts() if p.startswith("imports/")]
    assert parts == ["imports/usaspending-usaspending-transactions"] or len(parts) == 1
    assert e.query(
        P + "ASK { ?r a cg:Contract ; cg:source ?s . ?s schema:url ?u "
        "FILTER(CONTAINS(STR(?u), 'usaspending.gov')) }"
    ).boolean
    again = runner.invoke(cli, ["import", "usaspending", str(data), "--endpoint", fresh_endpoint])
    assert again.exit_code == 0, again.output
    assert len(e) == after  # idempotent: not one triple more
    # money through the endpoint on the grown graph
    if "money" in cli.commands:
        m = runner.invoke(cli, ["money", "ICE", "--endpoint", fresh_endpoint])
        assert m.exit_code == 0, m.output


def test_import_into_the_store(runner, tmp_graph, tmp_path):
    need_command("import")
    data = IMPORT_DATA / "usaspending-transactions.csv"
    if not data.is_file():
        pytest.skip(f"{data} is not in this checkout")
    path = tmp_path / "store"
    assert runner.invoke(cli, ["load", "--graph", str(tmp_graph), "--store", str(path)]).exit_code == 0
    r = runner.invoke(
        cli, ["import", "usaspending", str(data), "--graph", str(tmp_graph), "--store", str(path)]
    )
    assert r.exit_code == 0, r.output
    written = sorted((tmp_graph / "imports").glob("*.ttl"))
    assert written, "the import writes its part into the graph folder"
    b = OxigraphBackend.open(path, tmp_graph)
    try:
        assert b.reloaded == []  # the store already holds the imported part: nothing parsed again
        assert b.version() == graph_store.graph_version(tmp_graph)
        mem = graph_store.load_graph(tmp_graph)
        assert len(b) == len(mem)
        assert {t for t in b.to_graph() if not isinstance(t[2], Literal)} == {
            t for t in mem if not isinstance(t[2], Literal)
        }
    finally:
        b.close()
    # the grown graph through the store: stats agree with memory
    s1 = runner.invoke(cli, ["stats", "--graph", str(tmp_graph)])
    s2 = runner.invoke(cli, ["stats", "--store", str(path)])
    assert s2.exit_code == 0 and s2.stdout.splitlines()[1:] == s1.stdout.splitlines()[1:]


def test_store_can_be_served_by_oxigraph(tmp_path, runner):
    """`corpgraph load --store S` then `oxigraph serve-read-only --location S`: an endpoint with no setting."""
    path = tmp_path / "db"
    assert runner.invoke(cli, ["load", "--store", str(path)]).exit_code == 0
    with running_oxigraph(path, union=False, read_only=True) as base:
        r = runner.invoke(cli, ["stats", "--endpoint", base + "/query"])
        m = runner.invoke(cli, ["stats"])
        assert r.exit_code == 0, r.output
        assert r.stdout.splitlines()[1:] == m.stdout.splitlines()[1:]

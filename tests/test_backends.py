"""The three backends give the same answers; the store stays in step with its graph folder.

MemoryBackend (rdflib), OxigraphBackend (a persistent store on disk) and EndpointBackend (a real
``oxigraph serve`` on 127.0.0.1) are loaded from one snapshot of the bundled graph and asked the
same SELECT, ASK and CONSTRUCT queries; answers are compared as Python values.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDFS, XSD

from corpgraph import store as graph_store
from corpgraph.backend import Backend, load_into, open_backend
from corpgraph.backend.endpoint import EndpointBackend
from corpgraph.backend.memory import MemoryBackend
from corpgraph.backend.oxigraph_store import OxigraphBackend, part_iri, part_name
from corpgraph.backend.sparqltext import bind_inline, query_form, where_brace
from corpgraph.cli import cli
from corpgraph.errors import BackendError, GraphLoadError, QueryError, QueryRefused
from corpgraph.importers.turtle import write_turtle
from corpgraph.vocab import CG, ENT, REC, SPARQL_PREFIXES

try:
    from oxigraph_server import running_oxigraph
except ImportError:  # pragma: no cover - importlib import mode
    from tests.oxigraph_server import running_oxigraph

P = SPARQL_PREFIXES
HOSTILE = 'x" || true || "'


def py(row):
    return tuple(None if t is None else (t.toPython() if isinstance(t, Literal) else str(t)) for t in row)


def triples_py(g: Graph) -> set:
    return {py(t) for t in g}


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    """A copy of the bundled graph that nothing else edits while the module runs."""
    dest = tmp_path_factory.mktemp("snap") / "graph"
    shutil.copytree(graph_store.bundled_graph_dir(), dest)
    return dest


@pytest.fixture(scope="module")
def mem(snapshot) -> MemoryBackend:
    return MemoryBackend.from_folder(snapshot)


@pytest.fixture(scope="module")
def oxs(snapshot, tmp_path_factory) -> OxigraphBackend:
    b = OxigraphBackend.open(tmp_path_factory.mktemp("store") / "db", snapshot)
    yield b
    b.close()


@pytest.fixture(scope="module")
def endpoint(snapshot, tmp_path_factory) -> EndpointBackend:
    with running_oxigraph(tmp_path_factory.mktemp("oxsrv") / "db") as base:
        e = EndpointBackend(base + "/query")
        e.load_folder(snapshot)
        yield e


@pytest.fixture(params=["store", "endpoint"])
def other(request, oxs, endpoint) -> Backend:
    return {"store": oxs, "endpoint": endpoint}[request.param]


SELECTS = [
    # amounts, typed decimals, plain strings, dates: one row per record
    P
    + """SELECT ?r ?amount ?cur ?date WHERE { ?r cg:amount ?amount . OPTIONAL { ?r cg:currency ?cur }
           OPTIONAL { ?r cg:date ?date } } ORDER BY ?r ?amount""",
    # aggregate: money per supplier
    P
    + """SELECT ?who (SUM(?a) AS ?total) (COUNT(?r) AS ?n) WHERE { ?r a cg:Contract ; cg:supplier ?who ;
           cg:amount ?a } GROUP BY ?who ORDER BY ?who""",
    # counts per kind
    P + "SELECT ?kind (COUNT(?r) AS ?n) WHERE { ?r cg:certainty ?c ; a ?kind } GROUP BY ?kind ORDER BY ?kind",
    # labels (plain literals) and aliases, with unbound OPTIONAL columns
    P
    + "SELECT ?e ?label ?alias WHERE { ?e rdfs:label ?label OPTIONAL { ?e cg:alias ?alias } } ORDER BY ?e ?label ?alias",
    # two hops through records
    P
    + """SELECT DISTINCT ?a ?b WHERE { ?r1 cg:supplier ?a ; cg:buyer ?x . ?r2 ?role ?x ; ?role2 ?b .
           ?role a cg:RoleProperty . ?role2 a cg:RoleProperty FILTER(?b != ?x) } ORDER BY ?a ?b""",
]


@pytest.mark.endpoint
@pytest.mark.parametrize(
    "sparql", SELECTS, ids=["amounts", "money-per-supplier", "counts-per-kind", "labels", "two-hops"]
)
def test_select_same_rows_on_every_backend(mem, other, sparql):
    want = mem.select(sparql)
    got = other.select(sparql)
    assert got.variables == want.variables
    assert [py(r) for r in got.rows] == [py(r) for r in want.rows]
    assert want.rows, "the query must return rows to compare"


@pytest.mark.endpoint
def test_terms_come_back_as_rdflib_gives_them(mem, other):
    sparql = (
        P + "SELECT ?l ?a ?d WHERE { ?r cg:amount ?a ; cg:date ?d . ?r cg:supplier ?s . ?s rdfs:label ?l }"
    )
    rows = other.select(sparql).rows
    assert rows
    label, amount, date = rows[0]
    assert label.datatype is None and label.language is None  # plain string, not xsd:string
    assert amount.datatype == XSD.decimal and isinstance(amount.toPython(), Decimal)
    assert date.datatype in (XSD.date, XSD.gYearMonth, XSD.gYear)
    assert set(map(py, rows)) == set(map(py, mem.select(sparql).rows))


@pytest.mark.endpoint
def test_ask_and_construct_agree(mem, other):
    yes = P + "ASK { ?r a cg:Contract ; cg:supplier ent:palantir }"
    no = P + "ASK { ent:palantir cg:supplier ent:nobody-at-all }"
    assert mem.query(yes).boolean is True and other.query(yes).boolean is True
    assert mem.query(no).boolean is False and other.query(no).boolean is False
    c = (
        P
        + "CONSTRUCT { ?r cg:supplier ?s ; cg:amount ?a } WHERE { ?r a cg:Contract ; cg:supplier ?s ; cg:amount ?a }"
    )
    g_mem, g_other = mem.construct(c), other.construct(c)
    assert isinstance(g_other, Graph) and len(g_other) > 0
    assert triples_py(g_other) == triples_py(g_mem)
    d = other.query(P + "DESCRIBE ent:palantir")
    assert d.kind == "DESCRIBE" and (ENT.palantir, RDFS.label, Literal("Palantir Technologies")) in d.graph


@pytest.mark.endpoint
def test_whole_graph_and_count_agree(mem, other):
    assert len(other) == len(mem)
    assert triples_py(other.to_graph()) == triples_py(mem.to_graph())


@pytest.mark.endpoint
def test_bindings_bind_values_not_text(mem, other):
    # an IRI bound to a variable that is not projected
    q = P + "SELECT ?label WHERE { ?e rdfs:label ?label }"
    want = [py(r) for r in mem.select(q, {"e": ENT.palantir}).rows]
    assert want == [("Palantir Technologies",)]
    assert [py(r) for r in other.select(q, {"e": ENT.palantir}).rows] == want
    # a literal used inside a FILTER of the WHERE group
    f = P + "SELECT ?e WHERE { ?e rdfs:label ?l FILTER(CONTAINS(LCASE(?l), LCASE(?needle))) } ORDER BY ?e"
    want = [py(r) for r in mem.select(f, {"needle": Literal("palantir")}).rows]
    assert want and [py(r) for r in other.select(f, {"needle": Literal("palantir")}).rows] == want
    # the hostile string is a value: no extra rows anywhere
    for b in (mem, other):
        assert b.select(f, {"needle": Literal(HOSTILE)}).rows == []
        assert (
            b.select(P + "SELECT ?e WHERE { ?e rdfs:label ?l FILTER(?l = ?v) }", {"v": Literal(HOSTILE)}).rows
            == []
        )
        assert b.query(P + "ASK { ?e rdfs:label ?v }", {"v": Literal(HOSTILE)}).boolean is False
        assert (
            len(
                b.construct(
                    P + "CONSTRUCT { ?e rdfs:label ?v } WHERE { ?e rdfs:label ?v }", {"v": Literal(HOSTILE)}
                )
            )
            == 0
        )
    # bound in an aggregate query: the total of one supplier only
    agg = P + "SELECT (SUM(?a) AS ?t) WHERE { ?r a cg:Contract ; cg:supplier ?s ; cg:amount ?a }"
    want = [py(r) for r in mem.select(agg, {"s": ENT.palantir}).rows]
    assert [py(r) for r in other.select(agg, {"s": ENT.palantir}).rows] == want


@pytest.mark.endpoint
def test_refuses_service_and_updates(other):
    with pytest.raises(QueryRefused):
        other.query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    with pytest.raises(QueryRefused):
        other.query("INSERT DATA { <urn:x> <urn:y> <urn:z> }")
    with pytest.raises(QueryRefused):
        other.query("LOAD <file:///etc/passwd>")
    assert other.query("ASK { <urn:x> <urn:y> <urn:z> }").boolean is False


def test_bad_query_is_a_clear_error(oxs):
    with pytest.raises(QueryError, match="query failed"):
        oxs.select("SELECT * WHERE { ?s ?p ?o ")
    with pytest.raises(QueryError):
        oxs.select("PREFIX x: <urn:x:> ASK { ?s x:p ?o }")


# -- the SPARQL text helpers --------------------------------------------------------------------


def test_query_form_and_where_brace_skip_strings_iris_and_comments():
    assert query_form("# SELECT in a comment\nASK { ?s ?p 'INSERT' }") == "ASK"
    assert query_form("PREFIX delete: <urn:x#> SELECT ?load WHERE { ?load delete:insert ?x }") == "SELECT"
    with pytest.raises(QueryRefused):
        query_form("PREFIX x: <urn:x#> DELETE WHERE { ?s x:p ?o }")
    q = "CONSTRUCT { ?s <urn:p> '{' } WHERE { ?s ?p ?o }"
    assert q[where_brace(q) :].startswith("{ ?s ?p ?o }")
    assert where_brace("CONSTRUCT WHERE { ?s ?p ?o }") is None
    assert where_brace("DESCRIBE <urn:x>") is None
    bound = bind_inline("SELECT ?s WHERE { ?s ?p ?o FILTER(?o = ?v) }", {"v": Literal(HOSTILE)})
    assert bound.index("VALUES") < bound.index("FILTER") and '\\"' in bound


def test_part_names():
    assert (
        part_name("imports/usaspending-x.ttl")
        == "imports/usaspending-x"
        == part_name("./imports/usaspending-x")
    )
    assert part_iri("imports/a b") == "urn:corpgraph:part:imports/a%20b"
    assert part_iri("https://example.org/g") == "https://example.org/g"
    with pytest.raises(BackendError):
        part_name("../outside")


# -- the store in step with the folder --------------------------------------------------------


@pytest.fixture
def folder(tmp_path) -> Path:
    dest = tmp_path / "graph"
    shutil.copytree(graph_store.bundled_graph_dir(), dest)
    return dest


def test_store_reopens_without_parsing_and_reloads_what_changed(folder, tmp_path):
    path = tmp_path / "store"
    first = OxigraphBackend.open(path, folder)
    assert sorted(first.reloaded) == sorted(
        part_name(p.relative_to(folder).as_posix()) for p in graph_store.data_files(folder)
    )
    assert first.version() == graph_store.graph_version(folder)
    n = len(first)
    first.close()

    again = OxigraphBackend.open(path, folder)
    assert again.reloaded == [] and again.read_only  # nothing parsed; opened read-only
    assert len(again) == n and again.version() == graph_store.graph_version(folder)
    again.close()

    # the folder is remembered: no --graph needed next time
    remembered = OxigraphBackend.open(path)
    assert remembered.folder == folder.resolve() and remembered.reloaded == []
    remembered.close()

    # touch without change: stats differ, content not: nothing reloaded
    ent = folder / "entities.ttl"
    ent.write_bytes(ent.read_bytes())
    touched = OxigraphBackend.open(path, folder)
    assert touched.reloaded == []
    touched.close()

    with ent.open("a", encoding="utf-8") as fh:
        fh.write('\nent:palantir cg:alias "PLTR test alias" .\n')
    changed = OxigraphBackend.open(path, folder)
    assert changed.reloaded == ["entities"]
    assert changed.version() == graph_store.graph_version(folder) != first.version()
    assert len(changed) == n + 1
    q = P + 'ASK { ent:palantir cg:alias "PLTR test alias" }'
    assert changed.query(q).boolean is True
    changed.close()

    # a new file is loaded, a removed file's triples go
    extra = folder / "imports" / "extra.ttl"
    extra.parent.mkdir()
    extra.write_text("<urn:t:a> <urn:t:p> <urn:t:b> .\n", encoding="utf-8")
    added = OxigraphBackend.open(path, folder)
    assert (
        added.reloaded == ["imports/extra"] and added.query("ASK { <urn:t:a> <urn:t:p> <urn:t:b> }").boolean
    )
    added.close()
    extra.unlink()
    gone = OxigraphBackend.open(path, folder)
    assert gone.query("ASK { <urn:t:a> <urn:t:p> <urn:t:b> }").boolean is False and len(gone) == n + 1
    assert triples_py(gone.to_graph()) == triples_py(MemoryBackend.from_folder(folder).to_graph())
    gone.close()


def test_store_reads_a_changed_big_part_from_its_kept_copy(folder, tmp_path, monkeypatch):
    """A big part's old triples are read from the copy kept of the file it was loaded from (checked
    against its digest: a damaged copy is not used), and each change records the subjects it touched."""
    from corpgraph.backend import oxigraph_store

    monkeypatch.setattr(oxigraph_store, "BULK_LOAD_BYTES", 0)  # every file counts as big
    old_given: list[bool] = []
    swap = OxigraphBackend._swap

    def spy(self, node, new, old=None):
        old_given.append(old is not None)
        return swap(self, node, new, old)

    monkeypatch.setattr(OxigraphBackend, "_swap", spy)
    path = tmp_path / "store"
    with OxigraphBackend.open(path, folder) as b:
        loaded = b.cache_dir() / "loaded"
        parts = dict(b.state["parts"])
        assert b.change_of("entities.ttl") is None  # loaded whole
    # the files with blank nodes are reloaded whole on a change: no copy of them
    assert {f.stem for f in loaded.iterdir()} == {
        sha for name, sha in parts.items() if b"[" not in (folder / f"{name}.ttl").read_bytes()
    }
    before = parts["entities"]
    ent = folder / "entities.ttl"
    text = ent.read_text(encoding="utf-8").replace('rdfs:label "GEO Group"', 'rdfs:label "GEO Group Inc"', 1)
    text += '\nent:t-new cg:alias "01"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    ent.write_text(text, encoding="utf-8")
    with OxigraphBackend.open(path, folder) as b:
        assert b.reloaded == ["entities"] and old_given == [True]  # the old triples: from the copy
        assert triples_py(b.to_graph()) == triples_py(MemoryBackend.from_folder(folder).to_graph())
        assert len(b) == b._count()
        after = b.state["parts"]["entities"]
        assert b.change_of("entities.ttl") == (before, {str(ENT["geo-group"]), str(ENT["t-new"])})
    assert (loaded / f"{after}.ttl").read_bytes() == ent.read_bytes()
    assert not (loaded / f"{before}.ttl").exists()
    ent.write_text(text + "# a comment: the same triples\n", encoding="utf-8")
    with OxigraphBackend.open(path, folder) as b:
        assert b.reloaded == ["entities"] and old_given == [True]  # nothing to write
        commented = b.state["parts"]["entities"]
        assert b.change_of("entities.ttl") == (after, set())
    (loaded / f"{commented}.ttl").write_bytes(b"<urn:t:a> <urn:t:b> <urn:t:c> .\n")  # damaged: not used
    ent.write_text(text.replace("ent:t-new cg:alias", "ent:t-new cg:aliasOf"), encoding="utf-8")
    with OxigraphBackend.open(path, folder) as b:
        assert old_given == [True, False]  # read from the store
        assert triples_py(b.to_graph()) == triples_py(MemoryBackend.from_folder(folder).to_graph())
        assert b.change_of("entities.ttl") == (commented, {str(ENT["t-new"])})
        assert len(b) == b._count()  # the count kept from the change written
    # two lines of one triple in the file ("1" and "01" as integers): dropping one keeps the triple
    xsd = "<http://www.w3.org/2001/XMLSchema#integer>"
    text += f'ent:t-two cg:alias "1"^^{xsd}, "01"^^{xsd}, "2"^^{xsd} .\n'
    ent.write_text(text, encoding="utf-8")
    with OxigraphBackend.open(path, folder) as b:
        assert len(b) == b._count()
    ent.write_text(text.replace(f'"01"^^{xsd}, ', "").replace(f', "2"^^{xsd}', ""), encoding="utf-8")
    with OxigraphBackend.open(path, folder) as b:
        assert triples_py(b.to_graph()) == triples_py(MemoryBackend.from_folder(folder).to_graph())
        assert b.query(P + "ASK { ent:t-two cg:alias 1 }").boolean
        assert len(b) == b._count()


def test_store_replace_part_swaps_one_part(folder, tmp_path):
    b = OxigraphBackend.open(tmp_path / "store", folder)
    before = triples_py(b.to_graph())
    shared = (ENT.palantir, RDFS.label, Literal("Palantir Technologies"))  # also in entities.ttl
    new = Graph()
    new.add((REC["test-record"], CG.certainty, CG.reported))
    new.add(shared)
    b.replace_part("imports/test-part", new)
    assert b.query(P + "ASK { rec:test-record cg:certainty cg:reported }").boolean
    assert b.parts().count("imports/test-part") == 1
    assert b.part_graph("imports/test-part") is not None and len(b.part_graph("imports/test-part")) == 2
    # the shared triple is counted once, as rdflib would
    assert len(b) == len(before) + 1
    rows = b.select(P + "SELECT ?l WHERE { ent:palantir rdfs:label ?l }").rows
    assert rows == [(Literal("Palantir Technologies"),)]
    # replacing again removes what the part no longer holds, but not what another part holds
    b.replace_part("imports/test-part", Graph())
    assert b.query(P + "ASK { rec:test-record ?p ?o }").boolean is False
    assert b.query(P + 'ASK { ent:palantir rdfs:label "Palantir Technologies" }').boolean is True
    assert triples_py(b.to_graph()) == before
    # replacing a file's part swaps only that part
    b.replace_part("popular-info-corporate-enablers", Graph())
    assert b.query(P + "ASK { ?r a cg:Contract }").boolean is False
    assert b.query(P + "ASK { ent:palantir a cg:Company }").boolean is True
    b.close()
    # the file did not change, so the next open restores the part from it
    again = OxigraphBackend.open(tmp_path / "store", folder)
    assert again.reloaded == ["popular-info-corporate-enablers"]
    assert triples_py(again.to_graph()) == before
    again.close()


def test_store_records_a_part_written_before_replace_part(folder, tmp_path):
    """The importer's order: write the file, then replace_part: the next open parses nothing."""
    b = OxigraphBackend.open(tmp_path / "store", folder)
    g = Graph()
    g.add((REC["imported-x"], CG.certainty, CG.confirmed))
    target = folder / "imports" / "kind-x.ttl"
    graph_store.write_atomically(target, write_turtle(g))
    b.replace_part("imports/kind-x", g)
    assert b.version() == graph_store.graph_version(folder)
    b.close()
    again = OxigraphBackend.open(tmp_path / "store", folder)
    assert again.reloaded == [] and again.query(P + "ASK { rec:imported-x ?p ?o }").boolean
    again.close()


def test_store_reports_a_syntax_error_with_file_and_line(folder, tmp_path):
    bad = folder / "broken.ttl"
    bad.write_text('@prefix ex: <urn:ex:> .\nex:a ex:b ex:c .\nex:d ex:e "unterminated .\n', encoding="utf-8")
    with pytest.raises(GraphLoadError) as err:
        OxigraphBackend.open(tmp_path / "store", folder)
    assert "broken.ttl:3" in str(err.value)
    bad.unlink()
    ok = OxigraphBackend.open(tmp_path / "store", folder)  # recovers once the file is fixed
    assert ok.version() == graph_store.graph_version(folder)
    assert triples_py(ok.to_graph()) == triples_py(MemoryBackend.from_folder(folder).to_graph())
    ok.close()


def test_store_path_errors(tmp_path, folder):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(BackendError, match="is a file"):
        OxigraphBackend.open(tmp_path / "afile", folder)
    (tmp_path / "notastore").mkdir()
    (tmp_path / "notastore" / "x.txt").write_text("x")
    with pytest.raises(BackendError, match="not an Oxigraph store"):
        OxigraphBackend.open(tmp_path / "notastore", folder)
    with pytest.raises(BackendError, match="either --store or --endpoint"):
        open_backend(folder, tmp_path / "s", "http://127.0.0.1:9/query")


def test_open_backend_and_load_into(folder, tmp_path):
    report = load_into(folder, store=tmp_path / "s")
    assert report.target == "store" and len(report.loaded) == len(graph_store.data_files(folder))
    assert report.version == graph_store.graph_version(folder)
    assert load_into(folder, store=tmp_path / "s").loaded == []
    b = open_backend(folder, store=str(tmp_path / "s"))
    assert isinstance(b, OxigraphBackend) and len(b) == report.triples
    b.close()
    with pytest.raises(BackendError, match="not both"):
        load_into(folder, store=tmp_path / "s", endpoint="http://127.0.0.1:9/query")


def test_cli_load_and_commands_on_the_store(runner, folder, tmp_path):
    path = str(tmp_path / "s")
    r = runner.invoke(cli, ["load", "--graph", str(folder), "--store", path])
    assert r.exit_code == 0, r.output
    assert f"store {path}: " in r.stdout and "files loaded" in r.stdout
    assert "loading entities.ttl" in r.stderr  # progress on stderr
    r = runner.invoke(cli, ["load", "--graph", str(folder), "--store", path])
    assert r.exit_code == 0 and "already up to date" in r.stdout
    mem_stats = runner.invoke(cli, ["stats", "--graph", str(folder)])
    store_stats = runner.invoke(cli, ["stats", "--store", path])  # the folder is remembered
    assert store_stats.exit_code == 0, store_stats.output
    assert store_stats.stdout.splitlines()[1:] == mem_stats.stdout.splitlines()[1:]
    r = runner.invoke(
        cli, ["load", "--graph", str(folder), "--store", path, "--endpoint", "http://127.0.0.1:9/q"]
    )
    assert r.exit_code == 2 and "not both" in r.stderr

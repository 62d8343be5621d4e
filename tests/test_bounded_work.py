"""Bounded work: every query has a timeout and stops at Ctrl-C, big answers are capped with
"showing N of M", and hostile amounts cannot make an import write gigabytes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from corpgraph.backend import QueryOutcome, cap_rows, query_timeout_from_env
from corpgraph.backend.oxigraph_store import OxigraphBackend
from corpgraph.cli import cli
from corpgraph.errors import QueryError, QueryTimeout
from corpgraph.importers.common import BadRow, parse_amount
from corpgraph.query import run_query
from corpgraph.vocab import SPARQL_PREFIXES

# Long enough to outlast a 0.3 s timeout on any machine, finite so that the abandoned query ends:
# every triple against every triple, ten times over (seconds on Oxigraph), and every typed entity
# against every typed entity (seconds on rdflib).  A query left running forever would burn a core for the
# rest of the test run, and closing a store under it would crash the worker.
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . VALUES ?k { 1 2 3 4 5 6 7 8 9 10 } }"
CROSS_RDFLIB = "SELECT (COUNT(*) AS ?n) WHERE { ?a a ?t . ?b a ?u }"


def _wait_for_abandoned_queries() -> None:
    """Wait for the queries a test gave up on: they run on in a daemon thread."""
    for thread in threading.enumerate():
        if thread.name == "corpgraph-query":
            thread.join(120)


@pytest.fixture(autouse=True)
def _abandoned_queries_finish():
    """... before the next test runs."""
    yield
    _wait_for_abandoned_queries()


@pytest.fixture
def small_store(tmp_graph, tmp_path):
    b = OxigraphBackend.open(tmp_path / "store", tmp_graph)
    yield b
    _wait_for_abandoned_queries()  # closing the store under a running query would crash the process
    b.close()


def test_memory_query_stops_at_its_timeout(bundled, monkeypatch):
    monkeypatch.setattr(bundled, "query_timeout", 0.3)
    with pytest.raises(QueryTimeout, match="did not finish within 0.3 s"):
        bundled.query(CROSS_RDFLIB)


def test_store_query_stops_at_its_timeout(small_store):
    small_store.query_timeout = 0.3
    with pytest.raises(QueryTimeout, match="CORPGRAPH_QUERY_TIMEOUT"):
        small_store.query(CROSS)


def _wait_until_counting(proc: subprocess.Popen, cpu_seconds: float = 3.0, within: float = 60.0) -> None:
    """Until the command has used ``cpu_seconds`` of CPU (starting it takes about one): by then it is
    inside the query, whatever the machine's load."""
    ticks = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        if (int(fields[11]) + int(fields[12])) / ticks >= cpu_seconds:
            return
        time.sleep(0.1)
    raise AssertionError("the command never got going")


def test_ctrl_c_stops_a_store_count(tmp_graph, tmp_path):
    """Ctrl-C during a query the store computes in native code for hours: the command ends at once,
    quietly, with exit code 130.  A real SIGINT to a real process (a test worker's own main thread
    may not be the one running the test, so interrupting it proves nothing)."""
    store = tmp_path / "store"
    env = {**os.environ, "CORPGRAPH_QUERY_TIMEOUT": "0"}
    base = [sys.executable, "-m", "corpgraph"]
    on_store = ["--graph", str(tmp_graph), "--store", str(store)]
    subprocess.run([*base, "load", *on_store], env=env, check=True, capture_output=True)
    forever = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }"
    proc = subprocess.Popen(
        [*base, "query", *on_store, "-e", forever],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # as from a terminal: a test runner's worker may ignore SIGINT, and a child inherits that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    _wait_until_counting(proc)
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"still running 30 s after Ctrl-C; stderr: {err}") from None
    assert proc.returncode == 130, err
    assert "Traceback" not in err


@pytest.mark.parametrize("value,expected", [("", 300.0), ("0", None), ("2.5", 2.5)])
def test_timeout_from_environment(monkeypatch, value, expected):
    monkeypatch.setenv("CORPGRAPH_QUERY_TIMEOUT", value)
    assert query_timeout_from_env() == expected


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_bad_timeout_in_environment_is_an_error(monkeypatch, value):
    monkeypatch.setenv("CORPGRAPH_QUERY_TIMEOUT", value)
    with pytest.raises(QueryError, match="CORPGRAPH_QUERY_TIMEOUT"):
        query_timeout_from_env()


def test_rows_are_capped_and_counted(bundled, small_store):
    q = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    for backend in (bundled, small_store):
        answer = run_query(backend, q, max_rows=5)
        assert len(answer.outcome.rows) == 5 and answer.outcome.truncated
        assert answer.outcome.total == len(bundled)
        full = run_query(backend, q)
        assert not full.outcome.truncated and len(full.outcome.rows) == len(bundled)


def test_the_rdflib_path_keeps_only_the_rows_it_shows(bundled):
    """rdflib's Result keeps every row it yields (about 800 bytes each); the memory backend reads its
    rows as they come, so a capped answer holds the rows it shows, however many it counts."""
    import tracemalloc

    many = SPARQL_PREFIXES + "SELECT ?s ?p ?o ?e WHERE { ?e a cg:Person . ?s ?p ?o }"
    every = bundled.query(many)  # also parses the text once, so that the parser's caches are warm
    tracemalloc.start()
    try:
        capped = bundled.query(many, max_rows=10)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(capped.rows) == 10 and capped.total == len(every.rows) > 5_000
    assert capped.rows == every.rows[:10]
    assert peak < 100 * capped.total, f"{peak:,} bytes held while counting {capped.total:,} rows"


def test_cap_rows_keeps_the_first():
    assert cap_rows(iter(range(10)), 3) == ([0, 1, 2], 10)
    assert cap_rows(iter(range(2)), 3) == ([0, 1], 2)
    assert not QueryOutcome("SELECT", ["x"], [], total=0).truncated


def test_cli_says_showing_n_of_m(runner, bundled):
    args = ["query", "-e", "SELECT ?s WHERE { ?s ?p ?o }", "-f", "csv"]
    result = runner.invoke(cli, [*args, "--limit", "3"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.count("\n") == 4  # header and three rows
    assert f"showing 3 of {len(bundled):,} rows" in result.stderr
    every = runner.invoke(cli, [*args, "--all"], catch_exceptions=False)
    assert every.stdout.count("\n") == len(bundled) + 1 and "showing" not in every.stderr
    both = runner.invoke(cli, [*args, "--all", "--limit", "3"])
    assert both.exit_code == 2 and "not both" in both.stderr


def test_a_table_shows_a_first_page_unless_asked_for_more(runner, bundled):
    args = ["query", "-e", "SELECT ?s WHERE { ?s ?p ?o }"]
    page = runner.invoke(cli, args, catch_exceptions=False)
    assert page.exit_code == 0 and f"showing 100 of {len(bundled):,} rows" in page.stderr
    assert page.stdout.count("\n") == 102  # header, rule and the first page
    every = runner.invoke(cli, [*args, "--all"], catch_exceptions=False)
    assert every.stdout.count("\n") == len(bundled) + 2 and "showing" not in every.stderr
    data = runner.invoke(cli, [*args, "-f", "tsv"], catch_exceptions=False)
    assert data.stdout.count("\n") == len(bundled) + 1 and "showing" not in data.stderr


@pytest.mark.parametrize("text", ["1e999999999", "1e309", "NaN", "-Infinity", "inf", "1" * 41, "2e15"])
def test_amounts_are_finite_and_bounded(text):
    with pytest.raises(BadRow):
        parse_amount(text)


def test_huge_amount_is_a_bad_row_not_a_gigabyte(tmp_graph, tmp_path):
    from corpgraph.importing import import_file

    f = tmp_path / "facts.csv"
    f.write_text(
        "kind,from,to,amount,amount_kind,certainty,source_url,source_title,publisher,quote\n"
        "Contract,ICE,Acme,1e999999999,contractValue,reported,https://example.org/a,T,P,Q\n",
        encoding="utf-8",
    )
    result = import_file("csv", f, graph_dir=tmp_graph)
    assert [e.field for e in result.errors] == ["amount"]
    assert all(p.stat().st_size < 100_000 for p in (tmp_graph / "imports").glob("*"))


# -- bounded reading of the graph folder -----------------------------------------------------------


def test_class_diamond_depth_is_linear():
    from corpgraph.ontology import _longest_depths

    parents: dict[str, set[str]] = {}
    below = "root"
    for level in range(40):  # every level doubles the paths: 2**40 of them
        left, right, joint = f"l{level}", f"r{level}", f"j{level}"
        parents[left], parents[right], parents[joint] = {below}, {below}, {left, right}
        below = joint
    parents["cycle-a"], parents["cycle-b"] = {"cycle-b", "j0"}, {"cycle-a"}
    depths = _longest_depths(parents, "root")
    assert depths["j39"] == 80 and depths["l0"] == 1 and depths["root"] == 0
    assert depths["cycle-a"] >= 3 and "cycle-b" in depths


def test_many_prefix_lines_are_refused(tmp_path):
    from corpgraph.errors import GraphLoadError
    from corpgraph.store import MAX_PREFIXES, parse_turtle_file

    f = tmp_path / "prefixes.ttl"
    f.write_text("".join(f"@prefix p{i}: <urn:p{i}#> .\n" for i in range(MAX_PREFIXES + 1)), encoding="utf-8")
    with pytest.raises(GraphLoadError, match="prefix declarations"):
        parse_turtle_file(f)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "outside", "big"])
def test_only_regular_files_inside_the_folder_are_read(tmp_graph, tmp_path, kind, monkeypatch):
    import os

    from corpgraph import store
    from corpgraph.errors import GraphLoadError

    bad = tmp_graph / "x.ttl"
    if kind == "fifo":
        os.mkfifo(bad)
    elif kind == "dev-zero":
        bad.symlink_to("/dev/zero")
    elif kind == "outside":
        (tmp_path / "elsewhere.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
        bad.symlink_to(tmp_path / "elsewhere.ttl")
    else:
        bad.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
        monkeypatch.setattr(store, "MAX_FILE_BYTES", 10)
    with pytest.raises(
        GraphLoadError, match=r"\.ttl: (not a regular file|a symlink to|[\d,]+ bytes, more)"
    ) as err:
        store.load_graph(tmp_graph)
    assert kind == "big" or err.value.path.endswith("x.ttl")


def test_folder_loops_and_folders_named_ttl_are_not_followed(tmp_graph):
    from corpgraph import store

    (tmp_graph / "loop.ttl").symlink_to(tmp_graph, target_is_directory=True)
    (tmp_graph / "dir.ttl").mkdir()
    names = {p.name for p in store.graph_files(tmp_graph)}
    assert "loop.ttl" not in names and "dir.ttl" not in names and "ontology.ttl" in names


def test_graph_root_of_the_file_system_is_refused(runner):
    result = runner.invoke(cli, ["stats", "--graph", "/"], env={"CORPGRAPH_CACHE": "off"})
    assert result.exit_code != 0 and "Traceback" not in (result.stderr or "")
    assert "not a graph folder" in result.stderr or "no .ttl files" in result.stderr

"""The default path: a graph folder answered from corpgraph's own cache, the folder staying the record.

Folders here are made "big" by lowering ``cache.SMALL_FOLDER_BYTES`` so that a copy of the bundled
graph goes through the cache store; the rest of the suite runs the small path (parsed in memory) and
the library tests the rdflib one (``MemoryBackend``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corpgraph import netgraph
from corpgraph import store as graph_store
from corpgraph.backend import cache, open_backend
from corpgraph.backend.memory import MemoryBackend
from corpgraph.cli import cli
from corpgraph.errors import GraphLoadError
from corpgraph.vocab import SPARQL_PREFIXES

COUNT = SPARQL_PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CONTRACTS = SPARQL_PREFIXES + "SELECT ?r WHERE { ?r a cg:Contract } ORDER BY ?r"


@pytest.fixture
def folder(tmp_path) -> Path:
    dest = tmp_path / "graph"
    shutil.copytree(graph_store.bundled_graph_dir(), dest)
    return dest


@pytest.fixture
def big(monkeypatch):
    """Every folder counts as big: it goes through the cache store."""
    monkeypatch.setattr(cache, "SMALL_FOLDER_BYTES", 0)


@pytest.fixture
def own_cache(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("CORPGRAPH_CACHE", str(root))
    return root


def answers(backend) -> tuple[int, list[str]]:
    n = int(backend.select(COUNT).rows[0][0])
    return n, [str(r[0]) for r in backend.select(CONTRACTS).rows]


def test_big_folder_answers_from_the_cache_store_like_rdflib(folder, big, own_cache):
    rdflib = MemoryBackend.from_folder(folder)
    with open_backend(folder) as b:
        assert isinstance(b, cache.CachedFolder)
        assert b.path == cache.store_path_for(folder, own_cache) and b.path.is_dir()
        assert b.location == str(folder.resolve())
        assert b.version() == rdflib.version()
        assert answers(b) == answers(rdflib)
        assert len(b) == len(rdflib.graph)
    with open_backend(folder) as b:
        assert b.reloaded == [] and b.read_only, "an unchanged folder: opened read-only, nothing parsed"


def test_a_changed_file_reloads_that_part_only(folder, big, own_cache):
    with open_backend(folder):
        pass
    entities = folder / "entities.ttl"
    entities.write_text(
        entities.read_text(encoding="utf-8").replace('"GEO Group"', '"GEO Group Inc"', 1), encoding="utf-8"
    )
    with open_backend(folder) as b:
        assert b.reloaded == ["entities"]
        assert b.version() == graph_store.graph_version(folder)
        assert answers(b) == answers(MemoryBackend.from_folder(folder))


def test_deleting_the_cache_loses_nothing(folder, big, own_cache):
    with open_backend(folder) as b:
        before = answers(b)
    shutil.rmtree(own_cache)
    with open_backend(folder) as b:
        assert answers(b) == before


def test_the_network_is_cached_per_version(folder, big, own_cache):
    with open_backend(folder) as b:
        net = netgraph.project(b)
        cached = list((b.path / "corpgraph-cache").glob("network-*.pickle"))
        assert len(cached) == 1 and b.version().split(":")[1] in cached[0].name
    with open_backend(folder) as b:
        again = netgraph.project(b)
    assert sorted(again.edges(keys=True)) == sorted(net.edges(keys=True))


def test_small_folder_is_parsed_in_memory_and_writes_nothing(folder, own_cache):
    with open_backend(folder) as b:
        assert isinstance(b, cache.ParsedFolder)
        assert answers(b) == answers(MemoryBackend.from_folder(folder))
        assert b.cache_dir() is None
    assert not own_cache.exists()


def test_cache_off_is_the_plain_rdflib_path(folder, monkeypatch):
    monkeypatch.setenv("CORPGRAPH_CACHE", "off")
    with open_backend(folder) as b:
        assert isinstance(b, MemoryBackend)


def test_default_cache_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("CORPGRAPH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_root() == tmp_path / "xdg" / "corpgraph"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert cache.cache_root() == Path.home() / ".cache" / "corpgraph"


def test_unusable_cache_falls_back_to_parsing_with_a_note(folder, big, tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be\n")
    monkeypatch.setenv("CORPGRAPH_CACHE", str(blocker))
    with open_backend(folder) as b:
        assert isinstance(b, cache.ParsedFolder)
        assert answers(b) == answers(MemoryBackend.from_folder(folder))
    err = capsys.readouterr().err
    assert "cannot be used now" in err and f"parsing {folder.resolve()} instead" in err


def test_cache_held_by_a_writer_falls_back_without_waiting(folder, big, own_cache, capsys):
    with open_backend(folder) as b:
        path = b.path
    (folder / "entities.ttl").touch()  # stale: the next command must refresh, and cannot
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import pyoxigraph, sys, time; s = pyoxigraph.Store(sys.argv[1]); "
            "print('locked', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with open_backend(folder) as b:
            assert isinstance(b, cache.ParsedFolder)
            assert answers(b) == answers(MemoryBackend.from_folder(folder))
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert "in use by another process" in capsys.readouterr().err


def test_bad_turtle_is_reported_with_its_position_on_both_paths(folder, own_cache, monkeypatch):
    (folder / "broken.ttl").write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    with pytest.raises(GraphLoadError, match=r"broken\.ttl:2"):
        open_backend(folder)
    monkeypatch.setattr(cache, "SMALL_FOLDER_BYTES", 0)
    with pytest.raises(GraphLoadError, match=r"broken\.ttl:2"):
        open_backend(folder)


def test_two_commands_at_once_on_a_stale_cache(folder, big, own_cache):
    """Both answer, the same; neither hangs nor breaks the cache (one refreshes, the other parses)."""
    script = (
        "import sys\nfrom corpgraph.backend import cache\ncache.SMALL_FOLDER_BYTES = 0\n"
        "from corpgraph.cli import cli\ncli.main(sys.argv[1:])\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, "stats", "--graph", str(folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    first, second = (o[0].splitlines()[1:] for o in outs)  # line 0 names the backend
    assert first == second and first
    with open_backend(folder) as b:
        assert answers(b) == answers(MemoryBackend.from_folder(folder))


def test_cli_stats_names_the_folder_through_the_cache(runner, folder, big, own_cache):
    r = runner.invoke(cli, ["stats", "--graph", str(folder)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert f"(cache: {folder.resolve()})" in r.stdout.splitlines()[0]


def test_validate_report_is_kept_per_graph_version(folder, own_cache, monkeypatch):
    from corpgraph import validate

    first = validate.validate_folder(folder)
    kept = list((own_cache / "derived").rglob("validate-*.json"))
    assert len(kept) == 1
    calls = []
    real = validate._validate_folder
    monkeypatch.setattr(validate, "_validate_folder", lambda f: calls.append(f) or real(f))
    again = validate.validate_folder(folder)
    assert calls == [] and again.as_dict() == first.as_dict(), "read back, the same report"
    (folder / "entities.ttl").write_text(
        (folder / "entities.ttl").read_text(encoding="utf-8") + "\nent:x a cg:Company .\n", encoding="utf-8"
    )
    changed = validate.validate_folder(folder)
    assert len(calls) == 1 and not changed.conforms, "a changed folder is validated again"
    assert [p.name for p in (own_cache / "derived").rglob("validate-*.json")] != [kept[0].name]


def test_entity_index_and_stats_are_kept_per_version(folder, big, own_cache):
    """A second command of one graph version reads the entity index and the counts of ``stats`` from
    the cache without asking the store; a change to the folder computes them again."""
    from corpgraph.describe import graph_stats
    from corpgraph.resolve import EntityIndex

    with open_backend(folder) as b:
        first = graph_stats(b)
        geo = EntityIndex.from_backend(b).resolve("GEO Group")
    asked: list[str] = []
    with open_backend(folder) as b:
        select = b.select
        b.select = lambda sparql, bindings=None: asked.append(sparql) or select(sparql, bindings)  # type: ignore[method-assign]
        assert graph_stats(b) == first
        assert EntityIndex.from_backend(b).resolve("GEO Group") == geo
        assert asked == []
    with (folder / "entities.ttl").open("a", encoding="utf-8") as f:
        f.write('ent:newco a cg:Company ; rdfs:label "Newco Holdings" .\n')
    with open_backend(folder) as b:
        assert graph_stats(b)["entities"] == first["entities"] + 1
        assert EntityIndex.from_backend(b).resolve("Newco Holdings").endswith("newco")


def test_query_answers_are_kept_per_version(folder, big, own_cache):
    """A query asked again on the same graph version is read back, term for term, without asking the
    store; a change to the folder asks again; CONSTRUCT answers are not kept."""
    from corpgraph.query import load_query, run_query

    terms = (
        "SELECT ?e ?label ?typed ?lang ?none WHERE { ?e a cg:Company ; rdfs:label ?label ."
        ' BIND(STRDT("7.50", xsd:decimal) AS ?typed) BIND(STRLANG("x", "en") AS ?lang) } ORDER BY ?e'
    )
    with open_backend(folder) as b:
        first = [run_query(b, load_query("contractors-of")).outcome, run_query(b, terms).outcome]
    asked: list[str] = []
    with open_backend(folder) as b:
        query = b.query
        b.query = lambda sparql, bindings=None, **kw: asked.append(sparql) or query(sparql, bindings, **kw)  # type: ignore[method-assign]
        again = [run_query(b, load_query("contractors-of")).outcome, run_query(b, terms).outcome]
        assert asked == []
        for one, other in zip(first, again, strict=True):
            assert one.variables == other.variables and one.rows == other.rows and one.total == other.total
            assert [[type(t) for t in row] for row in one.rows] == [
                [type(t) for t in row] for row in other.rows
            ]
        plain = again[1].rows[0][1]
        assert plain is not None and plain.datatype is None and again[1].rows[0][3].language == "en"
        run_query(b, "CONSTRUCT { ?e a cg:Company } WHERE { ?e a cg:Company }")
        run_query(b, "CONSTRUCT { ?e a cg:Company } WHERE { ?e a cg:Company }")
        assert len(asked) == 2
    with (folder / "entities.ttl").open("a", encoding="utf-8") as f:
        f.write('ent:newco a cg:Company ; rdfs:label "Newco Holdings" .\n')
    with open_backend(folder) as b:
        assert len(run_query(b, terms).outcome.rows) == len(first[1].rows) + 1
        assert len(list((b.path / "corpgraph-cache").glob("answers-*"))) == 1  # older versions removed


def test_load_without_a_target_prepares_the_cache(runner, folder, big, own_cache):
    """`corpgraph load` on a big folder indexes it into the cache and builds the network and the name
    index, so the next command opens the cache read-only and computes neither."""
    r = runner.invoke(cli, ["load", "--graph", str(folder)], catch_exceptions=False)
    assert r.exit_code == 0 and r.stdout.startswith("cache ") and "files loaded" in r.stdout
    kept = cache.store_path_for(folder, own_cache) / "corpgraph-cache"
    assert len(list(kept.glob("network-*.pickle"))) == 1 and len(list(kept.glob("entity-index-*.json"))) == 1
    again = runner.invoke(cli, ["load", "--graph", str(folder)], catch_exceptions=False)
    assert "already up to date" in again.stdout
    stats = runner.invoke(cli, ["stats", "--graph", str(folder)], catch_exceptions=False)
    assert stats.exit_code == 0 and "indexing" not in stats.stderr


def test_paths_through_the_cache_read_the_kept_ties_and_answer_as_the_parsed_folder(
    runner, folder, big, own_cache, monkeypatch
):
    """The first `paths` keeps the tie index beside the network; the next reads it back, and both
    print what the folder parsed in memory prints (a damaged index is built again, same answer)."""
    ask = ["paths", "AWS", "ICE", "--format", "json", "--graph", str(folder)]

    def run() -> str:
        r = runner.invoke(cli, ask, catch_exceptions=False)
        assert r.exit_code == 0, r.output
        return r.stdout

    built = run()
    kept = cache.store_path_for(folder, own_cache) / "corpgraph-cache"
    (ties,) = kept.glob("ties-hard-*.pickle")
    assert run() == built
    ties.write_bytes(b"damaged")
    assert run() == built
    monkeypatch.setattr(cache, "SMALL_FOLDER_BYTES", 10**12)  # now parsed in memory, nothing kept
    assert run() == built


def test_load_without_a_target_on_a_small_folder_says_there_is_nothing_to_prepare(runner, folder, own_cache):
    r = runner.invoke(cli, ["load", "--graph", str(folder)], catch_exceptions=False)
    assert r.exit_code == 0 and "nothing to prepare" in r.stdout and not own_cache.exists()


def test_a_version_naming_a_path_gives_a_flat_file_name():
    from corpgraph.derived import file_stamp

    assert file_stamp("sha256:41096432171e") == "sha256-41096432171e"
    odd = file_stamp("store /home/me/graph/.import-index")
    assert "/" not in odd and " " not in odd and odd != file_stamp("store /home/me/other")


def test_an_import_writes_nothing_derived_into_the_graph_folder(folder):
    from corpgraph.importers import csv_facts
    from corpgraph.importing import import_file

    example = Path(csv_facts.__file__).resolve().parents[1] / "data" / "facts-example.csv"
    import_file("csv", example, graph_dir=folder)
    assert not (folder / ".import-index").exists()
    assert not list(folder.rglob("corpgraph-cache"))

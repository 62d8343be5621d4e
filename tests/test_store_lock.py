"""Nobody writes to a store while corpgraph reads it, and corpgraph never reads one being written.

pyoxigraph opens stores read-only without a lock; reading while another process writes is undefined
behaviour, and was seen to spin forever inside RocksDB.  Readers now hold a read lock on the store's
LOCK file (corpgraph.backend.storelock), so each side gets a clear error instead.  The other side is
always a separate process that opens the store with plain pyoxigraph, as an oxigraph server would.
"""

from __future__ import annotations

import gc
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest

from corpgraph import store as graph_store
from corpgraph.backend.oxigraph_store import OxigraphBackend
from corpgraph.backend.storelock import ReadLock, StoreInUse
from corpgraph.cli import cli
from corpgraph.errors import BackendError
from corpgraph.vocab import SPARQL_PREFIXES

ASK = SPARQL_PREFIXES + "ASK { ?r a cg:Contract }"

# Opens the store read-write with plain pyoxigraph, says what happened, then holds it until killed.
WRITER = (
    "import pyoxigraph, sys, time\n"
    "try:\n"
    "    s = pyoxigraph.Store(sys.argv[1])\n"
    "except OSError as exc:\n"
    "    print('refused', exc, flush=True); sys.exit(0)\n"
    "print('locked', flush=True); time.sleep(60)\n"
)


@contextmanager
def writer_process(path: Path) -> Iterator[str]:
    """Start a writer on ``path``; yield its first line ('locked' or 'refused ...')."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


@pytest.fixture
def folder(tmp_path) -> Path:
    dest = tmp_path / "graph"
    shutil.copytree(graph_store.bundled_graph_dir(), dest)
    return dest


@pytest.fixture
def store(folder, tmp_path) -> Path:
    path = tmp_path / "store"
    OxigraphBackend.open(path, folder).close()
    return path


def test_a_store_being_written_is_not_read(store, folder, runner):
    with writer_process(store) as said:
        assert said == "locked"
        with pytest.raises(BackendError, match="in use by another process writing to it"):
            OxigraphBackend.open(store, folder)  # up to date: would have been opened read-only
        result = runner.invoke(cli, ["stats", "--graph", str(folder), "--store", str(store)])
        assert result.exit_code == 4 and f"The store {store} is in use" in result.stderr
        with (folder / "entities.ttl").open("a", encoding="utf-8") as fh:
            fh.write('\nent:palantir cg:alias "Lock test" .\n')
        with pytest.raises(BackendError, match="in use by another process"):
            OxigraphBackend.open(store, folder)  # stale: would have been refreshed
    reader = OxigraphBackend.open(store, folder)  # the writer is gone: refreshed and readable
    assert reader.query(SPARQL_PREFIXES + 'ASK { ent:palantir cg:alias "Lock test" }').boolean
    reader.close()


def test_a_store_being_read_is_not_written(store, folder):
    reader = OxigraphBackend.open(store, folder)
    assert reader.read_only
    with writer_process(store) as said:
        assert said.startswith("refused") and "lock" in said.lower()
    assert reader.query(ASK).boolean
    reader.close()
    with writer_process(store) as said:  # closing the reader lets writers in
        assert said == "locked"


def test_readers_share_a_store(store, folder):
    first = OxigraphBackend.open(store, folder)
    second = OxigraphBackend.open(store, folder)
    assert first.read_only and second.read_only
    assert first.query(ASK).boolean and second.query(ASK).boolean
    first.close()
    with writer_process(store) as said:
        assert said.startswith("refused")  # the second reader still holds it
    second.close()
    with writer_process(store) as said:
        assert said == "locked"


def test_a_reader_in_this_process_keeps_out_a_writer_in_this_process(store, folder):
    reader = OxigraphBackend.open(store, folder)
    with (folder / "entities.ttl").open("a", encoding="utf-8") as fh:
        fh.write('\nent:palantir cg:alias "Lock test" .\n')
    with pytest.raises(BackendError, match="in use by another process"):
        OxigraphBackend.open(store, folder)  # stale: needs to write, but a reader holds the store
    reader.close()
    writer = OxigraphBackend.open(store, folder)
    assert not writer.read_only and writer.reloaded == ["entities"]
    writer.close()


def test_a_failed_open_leaves_no_lock_behind(tmp_path):
    foreign = tmp_path / "foreign"  # a store with data but no corpgraph record
    s = ox.Store(str(foreign))
    s.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c")))
    del s
    gc.collect()
    with pytest.raises(BackendError, match="not made by corpgraph"):
        OxigraphBackend.open(foreign, graph_store.bundled_graph_dir())  # fails after taking the lock
    with writer_process(foreign) as said:
        assert said == "locked"


def test_read_lock_waits_then_names_the_store(store):
    with writer_process(store) as said:
        assert said == "locked"
        with pytest.raises(StoreInUse, match=str(store)):
            ReadLock.acquire(store, wait=0.2)
    lock = ReadLock.acquire(store, wait=0.2)
    assert lock.held
    lock.release()
    lock.release()  # twice is harmless
    assert not ReadLock.acquire(store.parent / "no-store-here").held  # nothing to lock: no lock


def test_an_import_into_a_store_being_read_changes_nothing(store, folder, runner):
    example = graph_store.bundled_graph_dir().parent / "templates" / "facts-example.csv"
    if not example.is_file():  # installed from a wheel: the template ships inside the package
        from importlib.resources import files

        example = Path(str(files("corpgraph") / "data" / "facts-example.csv"))
    before = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    reader = OxigraphBackend.open(store, folder)
    try:
        result = runner.invoke(
            cli, ["import", "csv", str(example), "--graph", str(folder), "--store", str(store)]
        )
    finally:
        reader.close()
    assert result.exit_code == 4, result.output
    assert "in use by another process (an oxigraph server, or a corpgraph command reading" in result.stderr
    assert {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_an_unreadable_lock_file_means_no_lock(store, monkeypatch):
    import corpgraph.backend.storelock as storelock

    real_open = storelock.os.open

    def refuse_lock(path, *args, **kwargs):
        if Path(path).name == "LOCK":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(storelock.os, "open", refuse_lock)
    lock = ReadLock.acquire(store)
    assert not lock.held
    lock.release()

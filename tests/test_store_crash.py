"""A store survives ``kill -9`` at any point of a write, and two imports into one folder never mix.

Each crash runs ``corpgraph import --store`` in a child process that sends itself SIGKILL right after
its Nth write to the store (a bulk load, an update, a record), for N spread over every write an
uninterrupted run makes, and a few more children are killed from outside after varying delays.  After
each crash the next command must find the store exactly in step with the folder: the default graph
is the union of the files, and every part holds its file.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import TEST_DATA
from corpgraph import importing
from corpgraph import store as graph_store
from corpgraph.backend.oxigraph_store import OxigraphBackend, part_iri
from corpgraph.backend.storelock import folder_write_lock
from corpgraph.errors import BackendError, ImportFailed
from corpgraph.importing import import_file

DATA = TEST_DATA / "import"
AWARDS = DATA / "usaspending-awards.csv"
SUBAWARDS = DATA / "usaspending-subawards.csv"

# The CLI with every write to a read-write store counted.  One interpreter imports corpgraph once and
# forks a child for each run (a new interpreter would spend longer importing than the run takes); the
# child SIGKILLs itself after write number kill_at (0: never) and prints the number of writes when
# it ends normally.  Each request is a JSON line [kill_at, args, stdout file, stderr file]; the
# answer, the child's wait status.
FORK_SERVER = """
import json, os, signal, sys, traceback
from corpgraph.backend import oxigraph_store as m
from corpgraph.cli import cli
WRITES = {"add", "remove", "update", "load", "bulk_load", "extend", "bulk_extend", "clear",
          "remove_graph", "clear_graph", "add_graph"}
kill_at, count = 0, 0
class Counted:
    def __init__(self, store):
        self._store = store
    def __len__(self):
        return len(self._store)
    def __getattr__(self, name):
        attr = getattr(self._store, name)
        if name not in WRITES:
            return attr
        def write(*args, **kwargs):
            global count
            out = attr(*args, **kwargs)
            count += 1
            if count == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return out
        return write
real_open_rw = m._open_rw
m._open_rw = lambda path, folder: Counted(real_open_rw(path, folder))
for line in sys.stdin:
    kill_at, args, out, err = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            for fd, name in ((1, out), (2, err)):
                os.dup2(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
            try:
                cli.main(args, standalone_mode=False)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                traceback.print_exc()
            finally:
                print("writes", count, flush=True)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    print(status, flush=True)
"""
_server: subprocess.Popen | None = None


def run_child(kill_at: int, *args: str) -> subprocess.CompletedProcess:
    """``corpgraph ARGS`` in a child forked by the fork server, killed after write ``kill_at``."""
    global _server
    if _server is None or _server.poll() is not None:
        _server = subprocess.Popen(
            [sys.executable, "-c", FORK_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        atexit.register(_server.kill)
    assert _server.stdin is not None and _server.stdout is not None
    fd, out = tempfile.mkstemp(suffix=".out")
    os.close(fd)
    err = out[: -len(".out")] + ".err"
    try:
        _server.stdin.write(json.dumps([kill_at, list(args), out, err]) + "\n")
        _server.stdin.flush()
        status = int(_server.stdout.readline())
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        return subprocess.CompletedProcess(
            args, code, Path(out).read_text(errors="replace"), Path(err).read_text(errors="replace")
        )
    finally:
        Path(out).unlink(missing_ok=True)
        Path(err).unlink(missing_ok=True)


def triples_of_files(files: list[Path]) -> tuple[int, set[str]]:
    """How many distinct triples the files hold, and those without blank nodes (as N-Triples)."""
    mem = ox.Store()
    for f in files:
        mem.bulk_load(path=str(f), format=ox.RdfFormat.TURTLE, base_iri=f.resolve().as_uri())
    lines = mem.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).splitlines()
    return len(lines), {x.decode() for x in lines if b"_:" not in x}


def assert_in_step(folder: Path, store_path: Path) -> None:
    """Open the store as any command does (refreshing it), then compare it with the folder."""
    with OxigraphBackend.open(store_path, graph_dir=folder) as backend:
        assert not backend.state.get("pending")
        raw = backend._store  # noqa: SLF001 - the test reads the store below the backend
        data = graph_store.data_files(folder)
        want_n, want = triples_of_files(data)
        got = raw.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).splitlines()
        assert len(got) == want_n, "the default graph is the union of the files"
        assert {x.decode() for x in got if b"_:" not in x} == want
        assert len(backend) == want_n
        for f in data:
            rel = f.relative_to(folder).as_posix()
            n, lines = triples_of_files([f])
            part = raw.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(part_iri(rel)))
            assert len(part.splitlines()) == n, f"part {rel} holds its file"
            assert {x.decode() for x in part.splitlines() if b"_:" not in x} == lines


@pytest.fixture
def folder(tmp_path) -> Path:
    dest = tmp_path / "graph"
    shutil.copytree(graph_store.bundled_graph_dir(), dest)
    return dest


def import_args(folder: Path, store_path: Path, csv: Path = AWARDS) -> list[str]:
    return ["import", "usaspending", str(csv), "--graph", str(folder), "--store", str(store_path)]


def kill_points(total: int, most: int = 8) -> list[int]:
    """Up to ``most`` write numbers from the first to the last, evenly spread."""
    if total <= most:
        return list(range(1, total + 1))
    return sorted({1 + round(i * (total - 1) / (most - 1)) for i in range(most)})


def test_kill_at_each_write_of_a_first_import(folder, tmp_path):
    """A new store: the folder is loaded, then the import's part swapped in; a crash anywhere heals."""
    probe = run_child(0, *import_args(folder, tmp_path / "probe"))
    assert probe.returncode == 0, probe.stderr
    total = int(probe.stdout.split()[-1])
    assert total >= 5
    imported = folder / "imports"
    for n in kill_points(total):
        shutil.rmtree(imported, ignore_errors=True)
        store_path = tmp_path / f"store-{n}"
        child = run_child(n, *import_args(folder, store_path))
        assert child.returncode == -signal.SIGKILL, (n, child.stderr)
        assert_in_step(folder, store_path)


def test_kill_at_each_write_of_a_reimport(folder, tmp_path):
    """A store already loaded and holding one import: a changed re-import swaps that part only."""
    store_path = tmp_path / "store"
    first = run_child(0, *import_args(folder, store_path, SUBAWARDS))
    assert first.returncode == 0, first.stderr
    changed = tmp_path / "changed" / SUBAWARDS.name
    changed.parent.mkdir()
    lines = SUBAWARDS.read_text(encoding="utf-8").splitlines(keepends=True)
    changed.write_text("".join(lines[:-2]), encoding="utf-8")  # two records fewer
    backup = tmp_path / "backup"
    shutil.copytree(store_path, backup)
    files_backup = tmp_path / "files-backup"
    shutil.copytree(folder, files_backup)
    probe = run_child(0, *import_args(folder, store_path, changed))
    assert probe.returncode == 0, probe.stderr
    total = int(probe.stdout.split()[-1])
    for n in kill_points(total):
        shutil.rmtree(store_path)
        shutil.copytree(backup, store_path)
        shutil.rmtree(folder)
        shutil.copytree(files_backup, folder)
        child = run_child(n, *import_args(folder, store_path, changed))
        assert child.returncode == -signal.SIGKILL, (n, child.stderr)
        assert_in_step(folder, store_path)


def test_kill_from_outside_after_varying_delays(folder, tmp_path):
    for i, delay in enumerate((0.3, 0.6, 0.9)):
        store_path = tmp_path / f"store-{i}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "corpgraph", *import_args(folder, store_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if store_path.exists() and any(store_path.iterdir()):
            assert_in_step(folder, store_path)


def test_store_cut_off_while_being_created_is_created_again(folder, tmp_path):
    """Killed before RocksDB wrote CURRENT, the folder holds only its first files: start afresh."""
    store_path = tmp_path / "store"
    store_path.mkdir()
    for name in ("LOCK", "LOG", "IDENTITY", "000004.log", "OPTIONS-000007.dbtmp"):
        (store_path / name).write_bytes(b"")
    assert_in_step(folder, store_path)
    other = tmp_path / "not-a-store"
    other.mkdir()
    (other / "LOG").write_bytes(b"")
    (other / "notes.txt").write_text("mine\n")
    with pytest.raises(BackendError, match="not an Oxigraph store folder"):
        OxigraphBackend.open(other, graph_dir=folder)
    assert (other / "notes.txt").read_text() == "mine\n"


def test_failed_load_is_finished_by_the_next_open(folder, tmp_path):
    """A load that fails half-way (a bad file) leaves the store marked: it never opens as complete."""
    store_path = tmp_path / "store"
    bad = folder / "zz-bad.ttl"
    bad.write_text("this is not turtle\n", encoding="utf-8")
    with pytest.raises(Exception, match="zz-bad.ttl"):
        OxigraphBackend.open(store_path, graph_dir=folder)
    bad.unlink()
    assert_in_step(folder, store_path)


def test_half_written_store_without_its_folder_is_refused(folder, tmp_path):
    store_path = tmp_path / "store"
    child = run_child(3, "load", "--graph", str(folder), "--store", str(store_path))
    assert child.returncode == -signal.SIGKILL, child.stderr
    shutil.rmtree(folder)
    with pytest.raises(BackendError, match="half-written") as info:
        OxigraphBackend.open(store_path)
    assert "corpgraph load --graph DIR" in str(info.value)


# -- two imports into one folder ---------------------------------------------------------------------------
def test_second_import_waits_then_is_refused(folder, monkeypatch, capsys):
    monkeypatch.setattr(importing, "IMPORT_LOCK_WAIT", 0.3)
    before = sorted(p.name for p in folder.rglob("*"))
    with folder_write_lock(folder):
        with pytest.raises(ImportFailed, match="Another import into .* is still running"):
            import_file("usaspending", AWARDS, graph_dir=folder)
    assert "Waiting for another import" in capsys.readouterr().err
    assert sorted(p.name for p in folder.rglob("*")) == before


def test_second_import_goes_ahead_when_the_first_ends(folder):
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    releaser = threading.Timer(0.3, os.close, args=(fd,))
    releaser.start()
    t0 = time.monotonic()
    result = import_file("usaspending", AWARDS, graph_dir=folder)
    assert time.monotonic() - t0 >= 0.25, "it waited for the lock"
    assert result.written
    releaser.join()


def test_two_imports_at_once_give_one_of_the_sequential_graphs(folder, tmp_path):
    """Started together, two imports that share companies run one after the other: the folder ends
    byte for byte as one of the two orders leaves it."""

    def snapshot(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    orders = []
    for first, second in ((AWARDS, SUBAWARDS), (SUBAWARDS, AWARDS)):
        seq = tmp_path / f"seq-{first.stem}"
        shutil.copytree(folder, seq)
        import_file("usaspending", first, graph_dir=seq)
        import_file("usaspending", second, graph_dir=seq)
        orders.append(snapshot(seq))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "corpgraph", "import", "usaspending", str(f), "--graph", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in (AWARDS, SUBAWARDS)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert snapshot(folder) in orders

"""A full disk and a read-only folder (issue 13 §4): imports, ``-o`` outputs and the cache.

Each case ends in a clear one-line error with a non-zero exit (or, for the cache, a note and the right
answer), and the graph on disk as it was.  A full disk is a real one as far as the process can tell:
the command runs in a subprocess whose file-size limit (``RLIMIT_FSIZE``, with ``SIGXFSZ`` ignored)
makes every write past the limit fail with "File too large", as a full disk fails with "No space
left on device"; ``/dev/full`` gives the latter itself.  A read-only folder is made read-only with
``chmod``, except as root, which writes anywhere: there each call that would change the folder is
refused the way the kernel refuses on a read-only file system.
"""

from __future__ import annotations

import builtins
import errno
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TEST_DATA
from corpgraph import store as graph_store
from corpgraph.backend import cache
from corpgraph.cli import cli
from corpgraph.errors import EXIT_CANNOT_RUN
from corpgraph.fileio import FilesTogether

IMPORT_CSV = TEST_DATA / "import" / "usaspending-transactions.csv"
# run the CLI with every folder counted as big, so that it goes through the cache store
BIG_CLI = "from corpgraph.backend import cache; cache.SMALL_FOLDER_BYTES = 0; from corpgraph.cli import main; main()"


@pytest.fixture
def folder(tmp_path) -> Path:
    dest = tmp_path / "graph"
    shutil.copytree(graph_store.bundled_graph_dir(), dest)
    return dest


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder below ``folder`` (hidden temporaries included) with a hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<dir>"
        for p in sorted(folder.rglob("*"))
    }


def run_limited(args: list[str], max_file_bytes: int | None, tmp_path: Path, code: str | None = None):
    """The CLI in a subprocess where no file can grow past ``max_file_bytes`` (None: no limit)."""

    def limit() -> None:
        if max_file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, never kills

    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", CORPGRAPH_CACHE=str(tmp_path / "cache"))
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "corpgraph"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, preexec_fn=limit, env=env, timeout=120
    )


def one_line_error(stderr: str, *needles: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


# -- a full disk -----------------------------------------------------------------------------------


@pytest.mark.parametrize("max_file_bytes", [100, 3000], ids=["decisions-file-fails", "part-file-fails"])
def test_an_import_on_a_full_disk_changes_nothing(folder, tmp_path, max_file_bytes):
    before = snapshot(folder)
    r = run_limited(
        ["import", "usaspending", str(IMPORT_CSV), "--graph", str(folder)], max_file_bytes, tmp_path
    )
    assert r.returncode == EXIT_CANNOT_RUN, r.stderr
    one_line_error(r.stderr, f"cannot write {folder}/imports/", "File too large")
    assert snapshot(folder) == before, "no file, no temporary file, no imports/ folder left behind"


def test_an_import_into_a_store_on_a_full_disk_leaves_folder_and_store_in_step(folder, tmp_path):
    store = tmp_path / "store"
    loaded = run_limited(["load", "--store", str(store), "--graph", str(folder)], None, tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    before = snapshot(folder)
    # 20 kB: the store cannot even be opened for writing; 70 kB: the folder's files fit, the store's
    # log does not (the failure comes after the part's file is in place, and puts it back)
    failed = 0
    for max_file_bytes in (20_000, 70_000):
        r = run_limited(
            ["import", "usaspending", str(IMPORT_CSV), "--store", str(store), "--graph", str(folder)],
            max_file_bytes,
            tmp_path,
        )
        if r.returncode != 0:
            failed += 1
            assert r.returncode == EXIT_CANNOT_RUN, r.stderr
            one_line_error(r.stderr, str(store), "File too large")
            assert snapshot(folder) == before
        # whatever the point it stopped at, the store answers what the folder holds
        via_store = run_limited(
            ["stats", "-f", "json", "--store", str(store), "--graph", str(folder)], None, tmp_path
        )
        via_folder = run_limited(["stats", "-f", "json", "--graph", str(folder)], None, tmp_path)
        assert via_store.returncode == via_folder.returncode == 0, via_store.stderr + via_folder.stderr
        assert _counts(via_store.stdout) == _counts(via_folder.stdout)
    assert failed, "at least one limit must have cut the import short"


def _counts(stats_json: str) -> dict:
    import json

    data = json.loads(stats_json)
    return {k: data[k] for k in ("graph_version", "triples", "entities")}


def test_an_output_on_a_full_disk_keeps_the_old_file(folder, tmp_path):
    target = tmp_path / "map.html"
    target.write_text("the map of yesterday\n")
    r = run_limited(["map", "-o", str(target), "--graph", str(folder)], 20_000, tmp_path)
    assert r.returncode == EXIT_CANNOT_RUN
    one_line_error(r.stderr, f"cannot write {target}", "File too large")
    assert target.read_text() == "the map of yesterday\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary file left beside it"


def test_dev_full_as_output_is_a_clear_error(runner):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    r = runner.invoke(cli, ["export", "-f", "md", "--focus", "aws", "--depth", "0", "-o", "/dev/full"])
    assert r.exit_code == EXIT_CANNOT_RUN
    one_line_error(r.stderr, "cannot write /dev/full", "No space left on device")
    assert Path("/dev/full").is_char_device(), "the device stays a device"


def test_a_cache_on_a_full_disk_falls_back_then_recovers(folder, tmp_path):
    before = snapshot(folder)
    plain = run_limited(["stats", "-f", "json", "--graph", str(folder)], None, tmp_path)
    full = run_limited(["stats", "-f", "json", "--graph", str(folder)], 20_000, tmp_path, code=BIG_CLI)
    assert full.returncode == 0, full.stderr
    assert "cannot be used now" in full.stderr and "File too large" in full.stderr
    assert f"parsing {folder.resolve()} instead" in full.stderr
    assert _counts(full.stdout) == _counts(plain.stdout)
    # the half-made cache does not poison the next command, which has room again
    again = run_limited(["stats", "-f", "json", "--graph", str(folder)], None, tmp_path, code=BIG_CLI)
    assert again.returncode == 0 and "cannot be used" not in again.stderr, again.stderr
    assert _counts(again.stdout) == _counts(plain.stdout)
    assert snapshot(folder) == before


# -- a read-only folder ----------------------------------------------------------------------------


@pytest.fixture
def make_read_only(monkeypatch):
    """``make_read_only(folder)``: nothing below ``folder`` can be created, changed or removed."""
    frozen: list[Path] = []
    chmodded: list[tuple[Path, int]] = []

    def inside(path) -> bool:
        if isinstance(path, int):
            return False
        p = Path(os.path.abspath(os.fsdecode(path)))
        return any(p == f or f in p.parents for f in frozen)

    def refuse(path) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))

    def guard(name: str, *, paths: int = 1) -> None:
        real = getattr(os, name)

        def guarded(*args, **kwargs):
            for p in args[:paths]:
                if inside(p):
                    refuse(p)
            return real(*args, **kwargs)

        monkeypatch.setattr(os, name, guarded)

    def freeze(folder: Path) -> None:
        if os.geteuid() != 0:
            for p in [folder, *folder.rglob("*")]:
                chmodded.append((p, p.stat().st_mode))
                p.chmod(p.stat().st_mode & ~0o222)
            return
        if not frozen:
            writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
            real_open, real_builtin_open = os.open, builtins.open

            def os_open(path, flags, *args, **kwargs):
                if flags & writing and inside(path):
                    refuse(path)
                return real_open(path, flags, *args, **kwargs)

            def builtin_open(file, mode="r", *args, **kwargs):
                if any(c in mode for c in "wax+") and inside(file):
                    refuse(file)
                return real_builtin_open(file, mode, *args, **kwargs)

            monkeypatch.setattr(os, "open", os_open)
            monkeypatch.setattr(builtins, "open", builtin_open)
            for name in ("mkdir", "unlink", "remove", "rmdir", "chmod", "utime"):
                guard(name)
            for name in ("replace", "rename", "link"):
                guard(name, paths=2)
        frozen.append(folder.resolve())

    yield freeze
    for p, mode in reversed(chmodded):
        p.chmod(mode)


def test_an_import_into_a_read_only_folder_changes_nothing(runner, folder, make_read_only):
    before = snapshot(folder)
    make_read_only(folder)
    r = runner.invoke(cli, ["import", "usaspending", str(IMPORT_CSV), "--graph", str(folder)])
    assert r.exit_code == EXIT_CANNOT_RUN, r.output
    one_line_error(r.stderr, f"{folder}/imports")
    assert snapshot(folder) == before


def test_a_second_import_into_a_folder_made_read_only_keeps_the_first(
    runner, folder, tmp_path, make_read_only
):
    first = runner.invoke(cli, ["import", "usaspending", str(IMPORT_CSV), "--graph", str(folder)])
    assert first.exit_code == 0, first.output
    edited = tmp_path / IMPORT_CSV.name  # the same file name (the same part), one amount changed
    edited.write_text(
        IMPORT_CSV.read_text(encoding="utf-8").replace("76002259.22", "76002259.23", 1), encoding="utf-8"
    )
    before = snapshot(folder)
    make_read_only(folder / "imports")
    r = runner.invoke(cli, ["import", "usaspending", str(edited), "--graph", str(folder)])
    assert r.exit_code == EXIT_CANNOT_RUN, r.output
    one_line_error(r.stderr, "cannot write", "imports")
    assert snapshot(folder) == before


def test_an_output_into_a_read_only_folder_is_a_clear_error(runner, folder, tmp_path, make_read_only):
    out = tmp_path / "out"
    out.mkdir()
    (out / "map.html").write_text("old\n")
    make_read_only(out)
    for args in (["map", "-o", str(out / "map.html")], ["export", "-f", "md", "-o", str(out / "new.md")]):
        r = runner.invoke(cli, [*args, "--graph", str(folder)])
        assert r.exit_code == EXIT_CANNOT_RUN, r.output
        one_line_error(r.stderr, f"cannot write {out}/")
    assert sorted(p.name for p in out.iterdir()) == ["map.html"] and (out / "map.html").read_text() == "old\n"


def test_a_cache_in_a_read_only_folder_falls_back_with_a_note(
    runner, folder, tmp_path, monkeypatch, make_read_only
):
    monkeypatch.setattr(cache, "SMALL_FOLDER_BYTES", 0)
    root = tmp_path / "ro"
    root.mkdir()
    monkeypatch.setenv("CORPGRAPH_CACHE", str(root / "cache"))
    expected = runner.invoke(
        cli, ["stats", "-f", "json", "--graph", str(folder)], env={"CORPGRAPH_CACHE": "off"}
    )
    make_read_only(root)
    r = runner.invoke(cli, ["stats", "-f", "json", "--graph", str(folder)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "cannot be used now" in r.stderr and f"parsing {folder.resolve()} instead" in r.stderr
    assert _counts(r.stdout) == _counts(expected.stdout)
    assert list(root.iterdir()) == []


def test_files_written_together_are_all_put_back_when_the_last_fails(tmp_path, monkeypatch):
    a, b = tmp_path / "a.csv", tmp_path / "sub" / "b.ttl"
    a.write_text("old a")
    real_replace = os.replace

    def fail_on_b(src, dst, *args, **kwargs):
        if Path(dst) == b:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", fail_on_b)
    with pytest.raises(Exception, match=f"cannot write {b}: No space left on device"):
        FilesTogether([(a, b"new a"), (b, b"new b")]).place()
    assert a.read_text() == "old a", "the file already renamed into place is put back"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"], "no temporary, no folder made"

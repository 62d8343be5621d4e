"""Output files that cannot be turned against the user (issue 13 §5, issue 8 §2): ``-o`` never replaces a
FIFO, device or symlink with a regular file, honours the umask, and a failed write is a one-line error
with exit code 4, never a traceback.  Every path here is under tmp_path; no real /dev node is touched."""

from __future__ import annotations

import os
import stat
import tempfile
import threading

import pytest

from corpgraph.cli import cli
from corpgraph.errors import EXIT_CANNOT_RUN, OutputError
from corpgraph.fileio import write_atomically

MAP = ["map", "--focus", "Citizens Financial Group", "--depth", "0"]
MD = ["export", "-f", "md", "--focus", "Citizens Financial Group", "--depth", "0"]


def _one_line_error(result, *needles: str) -> None:
    assert result.exit_code == EXIT_CANNOT_RUN, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


def test_new_file_gets_the_umask_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomically(tmp_path / "a.txt", "x")
        os.umask(0o027)
        write_atomically(tmp_path / "b.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.txt").stat().st_mode) == 0o640


def test_replacing_a_file_keeps_its_mode(tmp_path):
    target = tmp_path / "kept.txt"
    target.write_text("old")
    target.chmod(0o604)
    write_atomically(target, "new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o604


def test_map_file_is_readable_by_others_under_the_usual_umask(tmp_path, runner):
    old = os.umask(0o022)
    try:
        r = runner.invoke(cli, [*MAP, "-o", str(tmp_path / "m.html")], catch_exceptions=False)
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE((tmp_path / "m.html").stat().st_mode) == 0o644


def test_symlink_is_followed_and_kept(tmp_path, runner):
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    r = runner.invoke(cli, [*MD, "-o", str(link)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith("# Facts")


def test_fifo_is_written_through_never_replaced(tmp_path, runner):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = runner.invoke(cli, [*MD, "-o", str(fifo)], catch_exceptions=False)
    reader.join(10)
    assert r.exit_code == 0, r.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a FIFO, not a regular file
    assert got and got[0].startswith(b"# Facts")
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]  # no temporary file left beside it


def test_symlink_to_a_fifo_leaves_both(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "out.html"
    link.symlink_to(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomically(link, b"data")
    reader.join(10)
    assert link.is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode) and got == [b"data"]


def test_dash_is_stdout(runner, tmp_path):
    r = runner.invoke(cli, [*MD, "-o", "-"], catch_exceptions=False)
    assert r.exit_code == 0 and r.stdout.startswith("# Facts")
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("command", [MAP, MD], ids=["map", "export"])
def test_missing_folder_is_a_one_line_error(tmp_path, runner, command):
    target = tmp_path / "no-such-folder" / "out.html"
    r = runner.invoke(cli, [*command, "-o", str(target)], catch_exceptions=False)
    _one_line_error(r, str(target), "does not exist")
    assert not target.parent.exists()


@pytest.mark.parametrize("command", [MAP, MD], ids=["map", "export"])
def test_path_under_a_file_is_a_one_line_error(tmp_path, runner, command):
    (tmp_path / "file").write_text("keep")
    r = runner.invoke(cli, [*command, "-o", str(tmp_path / "file" / "x")], catch_exceptions=False)
    _one_line_error(r, "file/x", "not a folder")
    assert (tmp_path / "file").read_text() == "keep"


def test_folder_given_as_file_is_a_one_line_error(tmp_path, runner):
    r = runner.invoke(cli, [*MD, "-o", str(tmp_path)], catch_exceptions=False)
    _one_line_error(r, "is a folder")
    usage = runner.invoke(cli, [*MAP, "-o", str(tmp_path)])  # map's -o takes a file: click says so
    assert usage.exit_code == 2 and "is a directory" in usage.stderr


def test_unwritable_folder_is_a_one_line_error(tmp_path, runner, monkeypatch):
    # the suite may run as root, which writes anywhere: make the folder refuse the way the kernel would
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    target = tmp_path / "out.md"
    r = runner.invoke(cli, [*MD, "-o", str(target)], catch_exceptions=False)
    _one_line_error(r, str(target), "Permission denied")
    assert not target.exists()


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out.md"
    target.write_text("old")

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError, match="No space left on device"):
        write_atomically(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.md"]

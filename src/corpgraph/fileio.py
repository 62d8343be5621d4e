"""Writing files safely: the one atomic writer of the package.

Every file corpgraph writes (maps, exports, caches) goes through ``write_atomically``, and the files an
import writes at once through ``write_together``:
the bytes are written to a temporary file beside the target, flushed to disk, then renamed over it,
so a reader sees the old file or the new one, never half of one.  The rules for where it may write:

* a new path or an existing regular file is replaced by rename; the new file gets the mode of the file
  it replaces, or the user's umask for a new file (never the 0600 of a bare temporary file);
* a symbolic link is followed: its final target is written to (by the same rules), the link stays;
* an existing FIFO or character device (``/dev/stdout``, ``/dev/null``, a terminal, a named pipe) is
  written through, in place: it is never replaced by a regular file;
* a folder, block device or socket is refused with a clear error.

``-`` (see ``write_output``) is stdout.  Failures raise ``OutputError`` naming the path and the reason.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from .errors import OutputError


def current_umask() -> int:
    """The process umask (there is no way to read it without setting it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _placed(path: Path, make_parents: bool, made: list[Path]) -> tuple[Path, os.stat_result | None]:
    """Where ``path`` is written (a link's target) and its stat (None for a new file), its folder made
    (appended to ``made``) when allowed; a folder or any other non-regular file is refused."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise OutputError(f"cannot write {path}: {target.parent} is not a folder") from None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
            return target, st
        what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise OutputError(f"cannot write {path}: it is {what}; give a file name")
    parent = target.parent
    if not parent.exists():
        if not make_parents:
            raise OutputError(f"cannot write {path}: the folder {parent} does not exist")
        missing = [d for d in (parent, *parent.parents) if not d.exists()]
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"cannot write {path}: cannot create the folder {parent}: {_reason(exc)}"
            ) from None
        made.extend(missing)
    elif not parent.is_dir():
        raise OutputError(f"cannot write {path}: {parent} is not a folder")
    return target, st


def _write_aside(path: Path, target: Path, st: os.stat_result | None, raw: bytes) -> str:
    """``raw`` in a new temporary file beside ``target``, on disk, with the mode the target will have
    (the replaced file's, else the umask's); returns its path.  Nothing is left behind on failure."""
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~current_umask()
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        return tmp
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from None


def _is_stream(st: os.stat_result | None) -> bool:
    return st is not None and (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode))


def write_atomically(path: str | Path, data: bytes | str, *, make_parents: bool = True) -> Path:
    """Write ``data`` to ``path`` as described in the module docstring; returns the path written."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path = Path(path)
    target, st = _placed(path, make_parents, [])
    if _is_stream(st):
        _write_through(path, target, raw)
        return path
    tmp = _write_aside(path, target, st, raw)
    try:
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
    return path


class FilesTogether:
    """Several files written as one (an import's part and its decisions), each by the rules of
    :func:`write_atomically`.  :meth:`place` writes every one aside first, then renames them all into
    place; when it fails (a full disk, a read-only folder) it puts back the files it had replaced and
    removes the folders it made, so nothing changed.  Until :meth:`commit`, :meth:`revert` does the
    same for a later step that failed (the store's copy of the part)."""

    def __init__(self, files: list[tuple[Path, bytes]]):
        self.files = [(Path(p), data) for p, data in files]
        self._made: list[Path] = []
        self._temps: list[str] = []
        self._placed: list[tuple[Path, str | None]] = []  # target, a link to the file it replaced

    def place(self) -> None:
        try:
            aside = []
            for path, data in self.files:
                target, st = _placed(path, True, self._made)
                if _is_stream(st):
                    raise OutputError(f"cannot write {path}: it is not a regular file; give a file name")
                tmp = _write_aside(path, target, st, data)
                self._temps.append(tmp)
                aside.append((path, target, tmp))
            for path, target, tmp in aside:
                backup = None
                try:
                    if target.exists():
                        backup = tmp + ".old"
                        os.link(target, backup)
                        self._temps.append(backup)
                    os.replace(tmp, target)
                except OSError as exc:
                    raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
                self._placed.append((target, backup))
        except BaseException:
            self.revert()
            raise

    def revert(self) -> None:
        """Put back what :meth:`place` replaced (a new file is removed, a made folder too)."""
        for target, backup in reversed(self._placed):
            try:
                if backup is not None:
                    os.replace(backup, target)
                else:
                    target.unlink()
            except OSError:
                pass
        self._placed = []
        self.commit()
        for d in sorted(self._made, key=lambda d: len(d.parts), reverse=True):  # deepest first
            try:
                d.rmdir()
            except OSError:
                pass
        self._made = []

    def commit(self) -> None:
        """Keep the files placed: the links to the replaced ones are dropped."""
        for tmp in self._temps:
            Path(tmp).unlink(missing_ok=True)
        self._temps = []


def write_together(files: list[tuple[Path, bytes]]) -> None:
    """Write several files at once: all of them, or none (see :class:`FilesTogether`)."""
    together = FilesTogether(files)
    together.place()
    together.commit()


def _write_through(path: Path, target: Path, raw: bytes) -> None:
    try:
        with open(target, "wb", buffering=0) as fh:
            view = memoryview(raw)
            while view:
                view = view[fh.write(view) :]
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from None


def write_output(path: str | Path | None, data: bytes | str) -> str:
    """Write a command's output to ``path``; ``None`` or ``-`` is stdout.  Returns where it went."""
    if path is None or str(path) == "-":
        raw = data.encode("utf-8") if isinstance(data, str) else data
        out = getattr(sys.stdout, "buffer", None)
        if out is not None:
            out.write(raw)
        else:
            sys.stdout.write(raw.decode("utf-8"))
        sys.stdout.flush()
        return "-"
    write_atomically(path, data)
    return str(path)


__all__ = [
    "FilesTogether",
    "OutputError",
    "current_umask",
    "write_atomically",
    "write_output",
    "write_together",
]

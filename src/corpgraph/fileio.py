"""Writing files safely: the one atomic writer of the package.

Every file corpgraph writes (maps, exports, imported parts, caches) goes through ``write_atomically``:
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


def write_atomically(path: str | Path, data: bytes | str, *, make_parents: bool = True) -> Path:
    """Write ``data`` to ``path`` as described in the module docstring; returns the path written."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path = Path(path)
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
            _write_through(path, target, raw)
            return path
        what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise OutputError(f"cannot write {path}: it is {what}; give a file name")
    parent = target.parent
    if not parent.exists():
        if not make_parents:
            raise OutputError(f"cannot write {path}: the folder {parent} does not exist")
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"cannot write {path}: cannot create the folder {parent}: {_reason(exc)}"
            ) from None
    elif not parent.is_dir():
        raise OutputError(f"cannot write {path}: {parent} is not a folder")
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~current_umask()
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return path


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


__all__ = ["OutputError", "current_umask", "write_atomically", "write_output"]

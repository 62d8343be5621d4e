"""Locks: a reader's lock on an Oxigraph store folder, and a writer's lock on a graph folder.

**The store.**  A reader's lock on an Oxigraph store folder, so that nobody writes to it while it is read.

pyoxigraph opens a store read-only without any lock, and reading while another process writes is
undefined behaviour: measured here, a query on such a store can spin forever at full CPU inside
RocksDB, where no Python signal reaches it.  RocksDB's writers take a classic POSIX write lock
(``fcntl F_SETLK``) on the store's ``LOCK`` file.  A reader therefore takes an open-file-description
read lock (``F_OFD_SETLK``) on the same file and holds it while the store is open:

* a reader finds out at once when a writer (an ``oxigraph serve``, an import, any pyoxigraph program)
  holds the store, instead of reading it;
* a writer that starts while readers hold the store gets RocksDB's lock error, not their data;
* readers share the store with each other.

OFD locks conflict with classic locks even within one process, so a reader and a writer in the same
process are kept apart too.  (Closing a descriptor of ``LOCK`` would also drop this process's classic
lock on it, but while the read lock is held this process cannot hold one.)  Where OFD locks do not
exist (not Linux) the lock is skipped and reading stays as pyoxigraph has it.

**The graph folder.**  Two imports into one folder at once would each resolve names against the folder
without the other's part and write entities the other also writes (two IRIs for one company).  An
import therefore holds an exclusive ``flock`` on the folder itself (a directory can be locked like a
file, so no lock file is left behind) from reading the folder to writing its files: a second import
waits for the first, and is refused after ``wait`` seconds.  The kernel drops the lock when its
holder exits, ``kill -9`` included.
"""

from __future__ import annotations

import errno
import os
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", None)
# struct flock {short l_type; short l_whence; off_t l_start; off_t l_len; pid_t l_pid;} (whole file)
_FLOCK = "hhqqi4x"


class StoreInUse(Exception):
    """Another process holds the store for writing."""


class ReadLock:
    """A shared lock on ``<store>/LOCK``, held until :meth:`release`."""

    def __init__(self, fd: int | None):
        self._fd = fd

    @classmethod
    def acquire(cls, store_dir: Path, wait: float = 1.0) -> ReadLock:
        """Take the read lock, waiting up to ``wait`` seconds for a writer to finish.

        Raises :class:`StoreInUse` when a writer still holds the store after that.
        """
        lock_file = Path(store_dir) / "LOCK"
        if _OFD_SETLK is None or not lock_file.is_file():
            return cls(None)
        try:
            fd = os.open(lock_file, os.O_RDONLY)
        except OSError:  # not readable by this user: no lock to take, as where OFD locks do not exist
            return cls(None)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.fcntl(fd, _OFD_SETLK, struct.pack(_FLOCK, fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0))
                return cls(fd)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise StoreInUse(str(store_dir)) from None
                time.sleep(0.05)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Let writers in.  Call only after the read-only store is dropped."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # drops the OFD lock


class FolderBusy(Exception):
    """Another process still holds the graph folder for writing after the wait."""


@contextmanager
def folder_write_lock(
    folder: Path, wait: float = 120.0, waiting: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold an exclusive lock on a graph folder; ``waiting`` is told once if another holder makes us wait."""
    if fcntl is None:  # pragma: no cover - Windows: no flock
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # cannot even open it: the write itself will report why
        yield
        return
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                if time.monotonic() >= deadline:
                    raise FolderBusy(str(folder)) from None
                if waiting is not None and not told:
                    waiting(f"Waiting for another import into {folder} to finish ...")
                    told = True
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # drops the lock

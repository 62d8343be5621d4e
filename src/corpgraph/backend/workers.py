"""Queries in child processes that can be stopped, for a long-running server.

In a command, a query abandoned at its timeout (see :func:`run_bounded`) goes on in a daemon thread
until the process exits a moment later.  A server does not exit: Oxigraph offers no way to interrupt
a query and rdflib's holds the GIL, so every query given up on would keep a core busy for as long as
it runs (hours, for a cross product).  ``QueryWorkers`` runs each query in one of a few child
processes that opened the same graph; a query past its timeout is stopped by ending its process,
and a fresh child takes its place.  The pool's size also bounds how many heavy queries run at once.
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import signal
import threading
import time
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import Any

from rdflib.term import Node

from ..errors import CorpgraphError, QueryError, QueryTimeout
from . import QueryOutcome, open_backend
from .sparqltext import check_variable, refuse_unsafe

# spawn, not fork: the parent holds an open store and threads, which a forked child must not share
_CONTEXT = multiprocessing.get_context("spawn")


def _serve(conn: Connection, open_args: dict[str, Any]) -> None:
    """A child's loop: open the graph once, then answer one query at a time until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which ends its children
    try:
        backend = open_backend(**open_args)
        backend.query_timeout = None  # the parent keeps the time
    except BaseException as exc:  # reported to the parent, which raises it for the first query
        conn.send(("error", _portable(exc)))
        return
    conn.send(("ready", None))
    while True:
        try:
            sparql, bindings, max_rows = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", backend.query(sparql, bindings, max_rows=max_rows)))
        except BaseException as exc:
            conn.send(("error", _portable(exc)))


def _portable(exc: BaseException) -> BaseException:
    """An exception the pipe can carry: corpgraph's own as they are where they pickle, else as a plain
    CorpgraphError with the same message and exit code; anything else as a QueryError."""
    if not isinstance(exc, CorpgraphError):
        return QueryError(f"{type(exc).__name__}: {exc}")
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # an error class whose constructor takes more than the message
        plain = CorpgraphError(str(exc))
        plain.exit_code = exc.exit_code
        return plain


class _Child:
    def __init__(self, open_args: dict[str, Any]):
        self.conn, child_end = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(
            target=_serve, args=(child_end, open_args), name="corpgraph-query-worker", daemon=True
        )
        self.process.start()
        child_end.close()
        self.ready = False

    def wait_ready(self, deadline: float | None) -> None:
        if self.ready:
            return
        status, payload = self._receive(deadline, "opening the graph")
        if status == "error":
            self.stop()
            raise payload
        self.ready = True

    def _receive(self, deadline: float | None, doing: str) -> tuple[str, Any]:
        wait = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        if not self.conn.poll(wait):
            raise TimeoutError(doing)
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            raise QueryError(f"the query worker ended while {doing}") from None

    def run(self, request: tuple, deadline: float | None) -> QueryOutcome:
        self.wait_ready(deadline)
        self.conn.send(request)
        status, payload = self._receive(deadline, "answering")
        if status == "error":
            raise payload
        return payload

    def stop(self) -> None:
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


class QueryWorkers:
    """A pool of ``size`` child processes, each with the graph that ``open_args`` (the arguments of
    :func:`open_backend`) opens, answering :meth:`query` with a timeout that really stops the query.

    Callers beyond ``size`` wait for a free child (up to the timeout), so heavy queries are bounded.
    """

    def __init__(self, open_args: Mapping[str, Any], *, size: int = 2, timeout: float | None = 30.0):
        if size < 1:
            raise ValueError("a query pool needs at least one worker")
        self.open_args = dict(open_args)
        self.timeout = timeout
        self.size = size
        self._idle: queue.Queue[_Child] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._idle.put(_Child(self.open_args))

    def query(
        self, sparql: str, bindings: Mapping[str, Node] | None = None, *, max_rows: int | None = None
    ) -> QueryOutcome:
        """As :meth:`Backend.query`, in a child process; past the timeout the child is ended."""
        refuse_unsafe(sparql)  # refused here already, so nothing unsafe even reaches a child
        bound = dict(bindings or {})
        for name in bound:
            check_variable(name)
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        try:
            child = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise QueryTimeout(
                f"every query worker stayed busy for {self.timeout:g} s; try again when the running "
                "queries have finished"
            ) from None
        try:
            outcome = child.run((sparql, bound, max_rows), deadline)
        except TimeoutError:
            child.stop()
            self._replace()
            raise QueryTimeout(
                f"the query did not finish within {self.timeout:g} s and was stopped"
            ) from None
        except BaseException:
            if child.process.is_alive() and not child.conn.closed:
                self._idle.put(child)
            else:
                child.stop()
                self._replace()
            raise
        self._idle.put(child)
        return outcome

    def _replace(self) -> None:
        with self._lock:
            if not self._closed:
                self._idle.put(_Child(self.open_args))

    def pids(self) -> list[int]:
        """The process ids of the idle children (for tests and diagnostics)."""
        return [c.process.pid for c in list(self._idle.queue) if c.process.pid is not None]

    def close(self) -> None:
        with self._lock:
            self._closed = True
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                return

    def __enter__(self) -> QueryWorkers:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

"""What the web app asks the library, with the limits a server needs.

One ``GraphService`` per app: it holds the backend, the entity index and the entity network (each
built once and shared by every request: the graph does not change while the app runs), and runs
every library call in a worker thread under a deadline and a bound on how many run at once.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from ..backend import Backend
from ..errors import QueryTimeout
from ..resolve import EntityIndex

T = TypeVar("T")

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
ANSWERS_KEPT = 256  # entity views and path searches remembered by one app


@dataclass
class ServeSettings:
    """The limits of a server (``corpgraph serve`` options)."""

    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 30.0  # seconds one request's work may take (queries, paths, pages)
    max_rows: int = 1000  # rows a page or /sparql answer shows ("showing N of M")
    max_concurrent: int = 4  # heavy requests (queries, paths, exports) running at once
    hub_limit: int = 40  # neighbours shown around one entity before the top-N cut
    allowed_hosts: tuple[str, ...] = field(default=())  # Host header names accepted besides loopback
    cors_origins: tuple[str, ...] = field(default=())  # origins whose pages may read /sparql ("*": any)
    # stories offered on the home page and at /map?story=NAME: {name: parsed story file}
    stories: dict[str, Any] = field(default_factory=dict)

    def host_names(self) -> set[str]:
        names = {h.lower() for h in (*LOOPBACK_HOSTS, *self.allowed_hosts)}
        if self.host not in ("0.0.0.0", "::", ""):
            names.add(self.host.lower().strip("[]"))
        return names


class PooledQueries(Backend):
    """Queries sent by users (``/sparql``, the editor, the named queries) answered by a pool of child
    processes (``backend.workers.QueryWorkers``): one past the timeout is stopped by ending its
    process, so it cannot keep a core busy while the server goes on.  Only ``query`` is offered."""

    name = "query workers"

    def __init__(self, workers: Any, location: str):
        super().__init__(location=location)
        self.workers = workers
        self.query_timeout = None  # the pool keeps the time, and ends the child past it

    def _run(self, sparql: str, bindings: dict, max_rows: int | None = None) -> Any:
        return self.workers.query(sparql, bindings, max_rows=max_rows)

    def to_graph(self) -> Any:
        raise NotImplementedError("the query pool answers queries only")

    def __len__(self) -> int:
        raise NotImplementedError("the query pool answers queries only")


class GraphService:
    """The backend of one app and the structures built from it once.

    ``open_args`` (the arguments of ``open_backend`` that opened ``backend``): when given, the
    queries users write run in a pool of ``max_concurrent`` child processes that open the same
    graph (see ``PooledQueries``); without them (a backend built in memory), in this process.
    """

    def __init__(self, backend: Backend, settings: ServeSettings, open_args: dict[str, Any] | None = None):
        self.backend = backend
        self.settings = settings
        backend.query_timeout = settings.timeout or None  # every SPARQL query stops at the deadline
        self._open_args = open_args
        self.workers: Any = None  # started by the first query a user sends (``queries``)
        self._limiter = anyio.CapacityLimiter(max(1, settings.max_concurrent))
        self._answers: OrderedDict[tuple, Any] = OrderedDict()  # see ``remembered``
        self._lock = threading.Lock()  # building the index and the network
        self._small_lock = threading.Lock()  # the pool and the remembered answers: never held long
        self._index: EntityIndex | None = None
        self._net: Any = None

    @property
    def queries(self) -> Backend:
        """Where the queries users write run: the pool of child processes when the app knows how
        the backend was opened (started on first use, so the server answers at once), else the
        backend itself."""
        if self._open_args is None:
            return self.backend
        with self._small_lock:
            if self.workers is None:
                from ..backend.workers import QueryWorkers

                self.workers = QueryWorkers(
                    self._open_args,
                    size=max(1, self.settings.max_concurrent),
                    timeout=self.settings.timeout or None,
                )
            return PooledQueries(self.workers, self.backend.location)

    def remembered(self, key: tuple, work: Callable[[], T]) -> T:
        """``work()``, remembered under ``key`` (the graph does not change while the app runs, so
        an entity's page or a path search is computed once; the last ``ANSWERS_KEPT`` are kept)."""
        with self._small_lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        value = work()
        with self._small_lock:
            self._answers[key] = value
            while len(self._answers) > ANSWERS_KEPT:
                self._answers.popitem(last=False)
        return value

    def index(self) -> EntityIndex:
        with self._lock:
            if self._index is None:
                self._index = EntityIndex.from_backend(self.backend)
            return self._index

    def net(self) -> Any:  # -> nx.MultiDiGraph
        from .. import netgraph

        with self._lock:
            if self._net is None:
                self._net = netgraph.project(self.backend)
            return self._net

    def close(self) -> None:
        with self._small_lock:
            workers, self.workers = self.workers, None
        if workers is not None:
            workers.close()

    def warm(self) -> None:
        """Build the index and the network before the first request needs them."""
        self.index()
        self.net()

    async def run(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``work(*args, **kwargs)`` in a worker thread: at most ``max_concurrent`` at once, and a
        request waits for it at most ``timeout`` seconds (the server keeps answering others; an
        abandoned call finishes in the background, its SPARQL stopped by the backend's timeout)."""
        call = functools.partial(work, *args, **kwargs)
        limit = self.settings.timeout or None
        # the library's own deadlines (the backend's query timeout, the query pool's) come first and
        # say what stopped; this one, a moment later, is for work that has none (a path search)
        try:
            with anyio.fail_after(None if limit is None else limit + 1.0):
                return await anyio.to_thread.run_sync(call, limiter=self._limiter, abandon_on_cancel=True)
        except TimeoutError:
            raise QueryTimeout(
                f"the request did not finish within {limit:g} s (corpgraph serve --timeout SECONDS allows longer)"
            ) from None

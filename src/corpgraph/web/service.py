"""What the web app asks the library, with the limits a server needs.

One ``GraphService`` per app: it holds the backend, the entity index and the entity network (each
built once and shared by every request: the graph does not change while the app runs), and runs
every library call in a worker thread under a deadline and a bound on how many run at once.
"""

from __future__ import annotations

import functools
import threading
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

    def host_names(self) -> set[str]:
        names = {h.lower() for h in (*LOOPBACK_HOSTS, *self.allowed_hosts)}
        if self.host not in ("0.0.0.0", "::", ""):
            names.add(self.host.lower().strip("[]"))
        return names


class GraphService:
    """The backend of one app and the structures built from it once."""

    def __init__(self, backend: Backend, settings: ServeSettings):
        self.backend = backend
        self.settings = settings
        backend.query_timeout = settings.timeout or None  # every SPARQL query stops at the deadline
        self._lock = threading.Lock()
        self._index: EntityIndex | None = None
        self._net: Any = None
        self._limiter = anyio.CapacityLimiter(max(1, settings.max_concurrent))

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
        try:
            with anyio.fail_after(limit):
                return await anyio.to_thread.run_sync(call, limiter=self._limiter, abandon_on_cancel=True)
        except TimeoutError:
            raise QueryTimeout(
                f"the request did not finish within {limit:g} s (corpgraph serve --timeout SECONDS allows longer)"
            ) from None

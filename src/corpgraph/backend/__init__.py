"""Where the graph lives while corpgraph works on it, behind one small interface.

Three backends answer the same SPARQL:

* the default: a graph folder answered through Oxigraph, parsed in memory when small, else from a
  store that corpgraph keeps in its cache folder (``backend/cache.py``); ``CORPGRAPH_CACHE=off``
  gives ``MemoryBackend``, the Turtle files parsed into rdflib;
* ``OxigraphBackend`` -- a persistent, indexed Oxigraph store on disk (``--store PATH``);
* ``EndpointBackend`` -- any SPARQL 1.1 endpoint (``--endpoint URL``).

Every service module (show, query, paths, money, map, export, import) talks to a ``Backend`` and
receives rdflib terms, so each works unchanged on all three.
"""

from __future__ import annotations

import math
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rdflib import Graph
from rdflib.term import Node

from ..errors import QueryError, QueryTimeout
from .sparqltext import check_variable, refuse_unsafe, values_clause

__all__ = ["Backend", "QueryOutcome", "LoadReport", "open_backend", "load_into", "values_clause"]

# The triples of one part of the graph, as ``replace_part`` takes them: an rdflib Graph, or any sized
# collection of (s, p, o) rdflib terms, such as the set an import builds.
PartTriples = Collection[tuple[Node, Node, Node]]

ENV_STORE = "CORPGRAPH_STORE"
ENV_QUERY_TIMEOUT = "CORPGRAPH_QUERY_TIMEOUT"
DEFAULT_QUERY_TIMEOUT = 300.0
T = TypeVar("T")
R = TypeVar("R")
ENV_ENDPOINT = "CORPGRAPH_ENDPOINT"


@dataclass
class QueryOutcome:
    """The answer to any SPARQL query: rows for SELECT, a boolean for ASK, a graph for CONSTRUCT/DESCRIBE."""

    kind: str  # "SELECT" | "ASK" | "CONSTRUCT" | "DESCRIBE"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    total: int | None = None  # SELECT rows the query gave, when ``max_rows`` kept fewer; else None

    @property
    def truncated(self) -> bool:
        """True when the rows are the first ``max_rows`` of more (``total`` says how many)."""
        return self.total is not None and self.total > len(self.rows)

    def dicts(self) -> list[dict[str, Node]]:
        """Rows as {variable: term}, unbound variables left out."""
        return [
            {v: t for v, t in zip(self.variables, row, strict=True) if t is not None} for row in self.rows
        ]


class Backend(ABC):
    """A graph that answers SPARQL.  Subclasses implement ``_run`` and ``to_graph``."""

    name = "abstract"
    writable = False  # replace_part stores a part (the store, an endpoint)
    # opened on a graph folder, it reloads the files that changed: a part whose file did not change
    # is already in step (the store)
    refreshed_from_folder = False
    folder: Path | None = None  # the graph folder it was read from, when there is one
    # what is read from one graph version (the ontology, the entity index) may be kept per backend
    # object; False where the graph can change under the same version (an rdflib Graph in memory)
    keeps_derived = True

    def __init__(self, version: str = "unknown", location: str = ""):
        self._version = version
        self.location = location
        # seconds a query may run (None: no limit); $CORPGRAPH_QUERY_TIMEOUT, or set per backend
        self.query_timeout: float | None = query_timeout_from_env()

    # -- reading ---------------------------------------------------------------------------
    def query(
        self, sparql: str, bindings: Mapping[str, Node] | None = None, *, max_rows: int | None = None
    ) -> QueryOutcome:
        """Run a read-only query, with ``bindings`` ({variable name: rdflib term}) bound, never pasted.

        Every query of every backend passes here: the one safety check (``refuse_unsafe``: no
        update, SERVICE, FROM or LOAD) runs before any engine sees the text, and binding names
        must be SPARQL variable names.  The query runs under ``query_timeout`` and stops at Ctrl-C
        (see :func:`run_bounded`); ``max_rows`` keeps the first rows of a SELECT and counts the rest
        (``QueryOutcome.total``) without converting them.
        """
        refuse_unsafe(sparql)
        bound = dict(bindings or {})
        for name in bound:
            check_variable(name)
        if max_rows is not None and max_rows < 0:
            raise QueryError(f"a row limit must be 0 or more, not {max_rows}")
        return run_bounded(lambda: self._run(sparql, bound, max_rows), self.query_timeout, self.location)

    def select(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> QueryOutcome:
        out = self.query(sparql, bindings)
        if out.kind != "SELECT":
            raise QueryError(f"expected a SELECT query, got {out.kind}")
        return out

    def select_text(self, sparql: str) -> list[tuple[str | None, ...]]:
        """The rows of a SELECT as plain text: IRIs and literals' lexical forms, None where unbound.

        For code that reads many rows and needs only their text (the network projection reads every
        record): a backend may skip building rdflib terms.  The same checks, timeout and Ctrl-C
        handling as ``query``; no bindings (such callers write their VALUES blocks themselves).
        """
        refuse_unsafe(sparql)
        return run_bounded(lambda: self._run_text(sparql), self.query_timeout, self.location)

    def _run_text(self, sparql: str) -> list[tuple[str | None, ...]]:
        out = self._run(sparql, {}, None)
        if out.kind != "SELECT":
            raise QueryError(f"expected a SELECT query, got {out.kind}")
        return [tuple(None if t is None else str(t) for t in row) for row in out.rows]

    def construct(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Graph:
        out = self.query(sparql, bindings)
        if out.graph is None:
            raise QueryError(f"expected a CONSTRUCT or DESCRIBE query, got {out.kind}")
        return out.graph

    @abstractmethod
    def _run(self, sparql: str, bindings: dict[str, Node], max_rows: int | None = None) -> QueryOutcome: ...

    @abstractmethod
    def to_graph(self) -> Graph:
        """Every triple, as an rdflib Graph (for validation and whole-graph export)."""

    @abstractmethod
    def __len__(self) -> int: ...

    # -- writing (imports) -------------------------------------------------------------------
    def replace_part(
        self, part: str, graph: PartTriples, *, file_sha256: str | None = None, previous: bytes | None = None
    ) -> None:
        """Replace the triples of one named part of the graph (one imported file) with ``graph``.

        ``file_sha256``: the SHA-256 of the Turtle file just written for exactly these triples;
        ``previous``: the bytes of the file they replace.  A backend may use them to write less.
        """
        raise NotImplementedError(f"the {self.name} backend cannot be written to")

    def part_graph(self, part: str) -> Graph | None:
        """The triples of one part as the backend holds them, or None (no such part, or no parts)."""
        return None

    def part_hashes(self) -> dict[str, str]:
        """{part: content hash} of the parts whose union is the graph, each queryable as the named
        graph ``part_graph_iri(part)``; empty when the backend keeps no parts."""
        return {}

    def part_graph_iri(self, part: str) -> str:
        raise NotImplementedError(f"the {self.name} backend keeps no parts")

    def prepare_write(self) -> None:  # noqa: B027 - an optional hook: only the store has a lock to take
        """Make sure a write will be possible (take locks) before anything else is written."""

    def version(self) -> str:
        """A stamp of the graph's content, printed on maps and exports."""
        return self._version

    def cache_dir(self) -> Path | None:
        """A folder for results derived from this exact graph version (the entity network), or None."""
        return None

    def close(self) -> None:  # noqa: B027 - an optional hook: most backends hold nothing to release
        pass

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def query_timeout_from_env() -> float | None:
    """$CORPGRAPH_QUERY_TIMEOUT in seconds (0: no limit), else DEFAULT_QUERY_TIMEOUT."""
    text = os.environ.get(ENV_QUERY_TIMEOUT, "").strip()
    if not text:
        return DEFAULT_QUERY_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        raise QueryError(f"${ENV_QUERY_TIMEOUT} must be a number of seconds, not {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise QueryError(f"${ENV_QUERY_TIMEOUT} must be 0 (no limit) or a positive number of seconds")
    return value or None


def run_bounded(work: Callable[[], T], timeout: float | None, where: str = "") -> T:
    """``work()`` in a worker thread, waited for in small steps: a timeout raises QueryTimeout and
    Ctrl-C raises KeyboardInterrupt at once, even while an engine computes in native code (Oxigraph
    offers no way to interrupt a query; it releases the GIL, so the wait goes on beside it).  The
    abandoned query finishes in the background; a command exits without waiting for it.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # handed to the waiting thread, which raises it
            box["error"] = exc

    worker = threading.Thread(target=target, name="corpgraph-query", daemon=True)
    worker.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    while worker.is_alive():
        step = 0.05 if deadline is None else min(0.05, max(deadline - time.monotonic(), 0.0))
        worker.join(step)
        if deadline is not None and worker.is_alive() and time.monotonic() >= deadline:
            raise QueryTimeout(
                f"the query did not finish within {timeout:g} s{' on ' + where if where else ''} "
                f"(set ${ENV_QUERY_TIMEOUT} to allow longer, 0 for no limit)"
            )
    if "error" in box:
        raise box["error"]
    return box["value"]


def cap_rows(rows: Iterable[R], max_rows: int | None) -> tuple[list[R], int | None]:
    """The first ``max_rows`` items and the count of all (None when there was no cap)."""
    if max_rows is None:
        return list(rows), None
    kept: list[R] = []
    total = 0
    for row in rows:
        if total < max_rows:
            kept.append(row)
        total += 1
    return kept, total


def open_backend(
    graph_dir: str | os.PathLike[str] | None = None,
    store: str | os.PathLike[str] | None = None,
    endpoint: str | None = None,
) -> Backend:
    """Open the backend the user chose: an endpoint, a local store, or (default) the graph folder,
    through the cache (see ``backend/cache.py``)."""
    endpoint = endpoint or os.environ.get(ENV_ENDPOINT) or None
    store = store or os.environ.get(ENV_STORE) or None
    if endpoint and store:
        from ..errors import BackendError

        raise BackendError("Use either --store or --endpoint, not both.")
    if endpoint:
        from .endpoint import EndpointBackend

        return EndpointBackend(endpoint)
    if store:
        from .oxigraph_store import OxigraphBackend

        return OxigraphBackend.open(store, graph_dir=graph_dir, progress=_stderr)
    from .cache import open_folder

    return open_folder(graph_dir)


def _stderr(message: str) -> None:
    """Progress of a store (re)load: on stderr, never mixed with a command's output."""
    import sys

    print(message, file=sys.stderr, flush=True)


@dataclass
class LoadReport:
    """What ``load_into`` did: the parts (files) sent or reloaded, the triple count and version after."""

    target: str
    location: str
    loaded: list[str]
    triples: int
    version: str


def load_into(
    graph_dir: str | os.PathLike[str] | None = None,
    store: str | os.PathLike[str] | None = None,
    endpoint: str | None = None,
    *,
    force: bool = False,
    progress: Any = None,
) -> LoadReport:
    """Load (or refresh) a graph folder into a local store, push it to a SPARQL endpoint, or (given
    neither) prepare the default path's cache: the folder indexed and the entity network and index
    built, so that the next command answers at once.

    Only the files that changed since the last load are parsed and sent, unless ``force``.
    """
    from ..errors import BackendError

    if store and endpoint:
        raise BackendError("Give one of --store PATH or --endpoint URL to load the graph into, not both.")
    if not store and not endpoint:
        return _prepare_cache(graph_dir, force=force, progress=progress)
    if store:
        from .oxigraph_store import OxigraphBackend

        backend: Any = OxigraphBackend.open(store, graph_dir=graph_dir, progress=progress, refresh=False)
        target = "store"
    else:
        from .endpoint import EndpointBackend

        backend = EndpointBackend(str(endpoint))
        target = "endpoint"
    with backend:
        loaded = backend.load_folder(graph_dir, progress=progress, force=force)
        return LoadReport(target, backend.location, loaded, len(backend), backend.version())


def _prepare_cache(graph_dir: str | os.PathLike[str] | None, *, force: bool, progress: Any) -> LoadReport:
    from .. import netgraph
    from ..resolve import EntityIndex
    from .cache import CachedFolder, open_folder

    with open_folder(graph_dir) as backend:
        if not isinstance(backend, CachedFolder):  # a small folder: parsed on each command, nothing kept
            return LoadReport("memory", backend.location, [], len(backend), backend.version())
        loaded = list(backend.reloaded)
        if force:
            loaded = backend.refresh(progress=progress, force=True)
        netgraph.project(backend)
        EntityIndex.from_backend(backend)
        return LoadReport("cache", backend.location, loaded, len(backend), backend.version())

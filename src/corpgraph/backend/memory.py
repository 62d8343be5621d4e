"""The default backend: a graph folder parsed into an in-memory rdflib Graph."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.term import Identifier, Node

from .. import store
from ..errors import QueryError
from . import Backend, QueryOutcome, cap_rows
from .sparqltext import parse_sparql


class MemoryBackend(Backend):
    name = "memory"
    keeps_derived = False  # callers may change ``self.graph`` in place

    def __init__(
        self, graph: Graph, version: str = "unknown", location: str = "", folder: Path | None = None
    ):
        super().__init__(version, location)
        self.graph = graph
        self.folder = folder

    @classmethod
    def from_folder(cls, graph_dir: str | os.PathLike[str] | None = None) -> MemoryBackend:
        folder = store.resolve_graph_dir(graph_dir)
        return cls(store.load_graph(folder), store.graph_version(folder), str(folder), folder)

    def _run(self, sparql: str, bindings: dict[str, Node], max_rows: int | None = None) -> QueryOutcome:
        terms: dict[str, Identifier] = {}
        for name, term in bindings.items():
            if not isinstance(term, Identifier):
                raise QueryError(f"cannot bind ?{name} to {term!r}")
            terms[name] = term
        # rdflib evaluates lazily: errors (a bad regex, SUM over IRIs, GRAPH on a plain graph) come
        # while the rows are read, so reading them is inside the same guard
        try:
            # rdflib's processor, as Graph.query runs it, without the Result that keeps every row:
            # SELECT rows stream from its generator, the first max_rows kept, the rest only counted
            prepared = _prepared(sparql, tuple(sorted(self.graph.namespaces())))
            result = SPARQLProcessor(self.graph).query(prepared, terms or None)
            kind = result.get("type_")
            if kind == "SELECT":
                variables = list(result.get("vars_") or [])
                found: Iterable[tuple[Node | None, ...]] = (
                    tuple(b.get(v) for v in variables) for b in result["bindings"] if b
                )
                rows, total = cap_rows(found, max_rows)
                return QueryOutcome("SELECT", [str(v) for v in variables], rows, total=total)
            if kind == "ASK":
                return QueryOutcome("ASK", boolean=bool(result.get("askAnswer")))
            g = Graph()
            for prefix, ns in self.graph.namespaces():
                g.bind(prefix, ns, override=True)
            for triple in result.get("graph") or ():
                g.add(triple)
        except QueryError:
            raise
        except Exception as exc:  # rdflib raises parser and evaluation errors of many types
            raise QueryError(f"query failed: {_one_line(exc)}") from None
        return QueryOutcome(str(kind), graph=g)

    def to_graph(self) -> Graph:
        return self.graph

    def __len__(self) -> int:
        return len(self.graph)


@functools.lru_cache(maxsize=128)
def _prepared(sparql: str, namespaces: tuple[tuple[str, Any], ...]) -> Any:
    """A query parsed and translated once (rdflib's parser takes up to a second on a long query; a
    prepared query is evaluated afresh each time, with its own bindings)."""
    return parse_sparql(sparql, dict(namespaces))


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    if "requiring a dataset" in text:
        return "GRAPH patterns need named graphs, and the graph folder in memory has none (use --store)"
    if isinstance(exc, AttributeError | TypeError):  # rdflib's functions meet a term of another kind
        return f"a function or aggregate got a value of the wrong kind (such as SUM over IRIs): {text[:200]}"
    return text[:300] or type(exc).__name__
